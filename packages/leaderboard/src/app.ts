/**
 * The leaderboard's HTTP server (Express 5). `createApp` builds the app from a
 * store, the class config and the held-out split, out of one route module per
 * section; `listen` starts it (port 0 in tests) and returns the URL.
 *
 * API (JSON; errors are {"error": "..."}):
 *   routes/submissions.ts   POST/GET /api/submissions, GET /api/submissions/:id          (students)
 *   routes/boards.ts        GET /api/leaderboard[.csv], /api/config, /healthz, /, /students/:name
 *   routes/admin.ts         POST /api/admin/reveal, /api/admin/students                 (TAs)
 *   routes/worker.ts        /api/worker/claim, jobs/:id/{checkpoint,heartbeat,result}, heldout/:file
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { type Logger, pino } from 'pino';
import type { LeaderboardConfig } from './config.js';
import { createContext } from './context.js';
import type { HeldoutManifest } from './heldout.js';
import { escapeText, HttpError, toHttpError } from './http-error.js';
import { uploadDirOf } from './paths.js';
import { adminRoutes } from './routes/admin.js';
import { boardRoutes } from './routes/boards.js';
import { acceptedCheckpointBytes, submissionRoutes } from './routes/submissions.js';
import { workerRoutes } from './routes/worker.js';
import type { Store } from './store.js';
import { clearUploads } from './upload-storage.js';

export { HttpError } from './http-error.js';
export { checkpointPath, dataDirFor } from './paths.js';
export { acceptedCheckpointBytes, nextUtcMidnight } from './routes/submissions.js';

export interface LeaderboardAppOptions {
  store: Store;
  config: LeaderboardConfig;
  /** Holds checkpoints/<sha256>.bin and uploads/ (see paths.ts). */
  dataDir: string;
  heldout: { manifest: HeldoutManifest; folder: string };
  logger?: Logger;
}

/** Logs each request's method, path (never the query: it carries worker leases), status and time. */
function requestLog(log: Logger): express.RequestHandler {
  return (req, res, next) => {
    const start = performance.now();
    res.on('finish', () => {
      log.info(
        {
          method: req.method,
          url: req.originalUrl.split('?')[0],
          status: res.statusCode,
          ms: +(performance.now() - start).toFixed(1),
        },
        'request',
      );
    });
    next();
  };
}

export function createApp(opts: LeaderboardAppOptions): express.Express {
  const { config, dataDir } = opts;
  const log = opts.logger ?? pino({ level: 'silent' });
  // Uploads a crash left half-written are removed (no upload can be in progress before the app exists).
  clearUploads(uploadDirOf(dataDir));
  mkdirSync(join(dataDir, 'checkpoints'), { recursive: true });
  const sizes = acceptedCheckpointBytes(config);
  const maxUploadBytes = Math.max(sizes.v3, sizes.v5);
  const ctx = createContext({ ...opts, log, maxUploadBytes });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // Not upgrade-insecure-requests: a class server is often plain http://host:8080 on a LAN, where the
  // browser would turn every link on the board into an https:// request that nothing answers.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  app.use(requestLog(log));
  const json = express.json({ limit: '64kb' });

  app.use(submissionRoutes(ctx));
  app.use(boardRoutes(ctx));
  app.use(adminRoutes(ctx, json));
  app.use(workerRoutes(ctx, json));

  app.use((_req: Request, _res: Response) => {
    throw new HttpError(404, 'not found');
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { status, message, headers } = toHttpError(err, maxUploadBytes, config);
    if (status >= 500) log.error({ err, url: req.path }, 'internal error');
    res.set(headers);
    if (req.accepts(['json', 'html']) === 'html' && !req.path.startsWith('/api/')) {
      res
        .status(status)
        .type('html')
        .send(`<!doctype html><title>${status}</title><p>${escapeText(message)}</p>`);
    } else {
      res.status(status).json({ error: message });
    }
  });

  return app;
}

/** Listens on `port` (0 = any free port) and resolves with the URL. */
export function listen(
  app: express.Express,
  port: number,
  host = '127.0.0.1',
): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => {
      if (err) {
        reject(err);
        return;
      }
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolve({
        server,
        url: `http://${host}:${actual}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
