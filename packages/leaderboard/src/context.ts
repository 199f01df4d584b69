/**
 * What every route module shares: the store, the class rules, the held-out
 * split, the logger, authentication, and the boards (rebuilt only when a
 * submission or a score was added).
 */
import type { Request } from 'express';
import type { Logger } from 'pino';
import type { LeaderboardConfig } from './config.js';
import type { HeldoutManifest, Side } from './heldout.js';
import { HttpError } from './http-error.js';
import { type Board, buildBoard } from './ranking.js';
import type { Store, Student } from './store.js';
import { bearerToken } from './tokens.js';

export interface AppContext {
  store: Store;
  config: LeaderboardConfig;
  /** Holds checkpoints/<sha256>.bin and uploads/ (see paths.ts). */
  dataDir: string;
  heldout: { manifest: HeldoutManifest; folder: string };
  log: Logger;
  /** The largest upload accepted: an fp32 checkpoint of the required architecture. */
  maxUploadBytes: number;
  leaseMs: number;
  requireStudent(req: Request): Student;
  requireRole(req: Request, roles: ('admin' | 'worker')[]): { name: string; role: string };
  isAdmin(req: Request): boolean;
  /** After the deadline or an admin's reveal. */
  privateRevealed(): boolean;
  board(side: Side): Board;
}

export function createContext(opts: {
  store: Store;
  config: LeaderboardConfig;
  dataDir: string;
  heldout: { manifest: HeldoutManifest; folder: string };
  log: Logger;
  maxUploadBytes: number;
}): AppContext {
  const { store, config } = opts;

  function token(req: Request): string {
    const t = bearerToken(req.get('authorization'));
    if (!t)
      throw new HttpError(401, 'missing "Authorization: Bearer TOKEN" header', {
        'WWW-Authenticate': 'Bearer',
      });
    return t;
  }

  // Boards are rebuilt only when a submission or score was added (by this process or a worker).
  let cachedVersion = '';
  const cachedBoards = new Map<Side, Board>();

  return {
    ...opts,
    leaseMs: config.leaseSeconds * 1000,
    requireStudent(req) {
      const student = store.studentByToken(token(req));
      if (!student) throw new HttpError(401, 'unknown token', { 'WWW-Authenticate': 'Bearer' });
      return student;
    },
    requireRole(req, roles) {
      const who = store.serviceRole(token(req));
      if (!who || !roles.includes(who.role)) {
        throw new HttpError(who ? 403 : 401, `this needs a ${roles.join(' or ')} token`, {
          'WWW-Authenticate': 'Bearer',
        });
      }
      return who;
    },
    isAdmin(req) {
      const t = bearerToken(req.get('authorization'));
      return t !== null && store.serviceRole(t)?.role === 'admin';
    },
    privateRevealed() {
      if (store.getSetting<boolean>('private_revealed')) return true;
      return config.deadline !== undefined && store.now() >= Date.parse(config.deadline);
    },
    board(side) {
      const version = store.boardVersion();
      if (version !== cachedVersion) {
        cachedBoards.clear();
        cachedVersion = version;
      }
      let built = cachedBoards.get(side);
      if (!built) {
        built = buildBoard(store.scoredSubmissions(), store.submissionCounts(), config, side);
        cachedBoards.set(side, built);
      }
      return built;
    },
  };
}
