/**
 * A running leaderboard: the database opened (migrated), the held-out split
 * prepared, the evaluation setup published for local workers, the HTTP server
 * listening, and optionally N local worker processes (children of this
 * process, so a crashing evaluation never takes the web server down).
 *
 * Workers live and die with their server:
 * - the server stops (SIGTERM, Ctrl-C, close()): it stops its workers and
 *   gives their running jobs back to the queue, attempts not counted;
 * - the server dies (kill -9): each worker sees between two evaluation batches
 *   that its parent is gone, gives its job back and exits;
 * - a worker stopped by a signal (SIGTERM, SIGINT) is restarted and its job
 *   given back; one that crashes (kill -9, out of memory) is restarted and its
 *   job is claimed again when the lease expires, counting an attempt.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Logger, pino } from 'pino';
import { createApp, listen } from './app.js';
import type { LeaderboardConfig } from './config.js';
import { openDatabase } from './db.js';
import { type HeldoutManifest, prepareHeldout } from './heldout.js';
import { dataDirFor } from './paths.js';
import { Store } from './store.js';
import { localWorkerName, publishWorkerSetup } from './worker.js';

export interface LeaderboardServerOptions {
  dbPath: string;
  config: LeaderboardConfig;
  valPattern?: string;
  hellaswagPath?: string;
  port?: number;
  host?: string;
  /** Local worker processes to start (0: run `course-leaderboard worker` yourself). */
  workers?: number;
  /** Backend for the local workers (default auto). */
  backend?: string;
  logger?: Logger;
  /** Lines about the workers (started, exited). */
  log?: (line: string) => void;
}

export interface RunningLeaderboard {
  url: string;
  store: Store;
  heldout: { manifest: HeldoutManifest; folder: string };
  workers: ChildProcess[];
  close(): Promise<void>;
}

/** The committed bin shim (it runs dist/bin/course-leaderboard.js). */
export const BIN_PATH = fileURLToPath(new URL('../bin/course-leaderboard.js', import.meta.url));

export async function startLeaderboard(opts: LeaderboardServerOptions): Promise<RunningLeaderboard> {
  const dbPath = resolve(opts.dbPath);
  const dataDir = dataDirFor(dbPath);
  mkdirSync(dataDir, { recursive: true });
  const store = new Store(openDatabase(dbPath));
  const { config } = opts;
  const heldout = prepareHeldout({
    dir: resolve(dataDir, 'heldout'),
    valPattern: opts.valPattern,
    hellaswagPath: opts.hellaswagPath,
    publicFraction: config.publicFraction,
    chunkTokens: config.evaluation.B * config.evaluation.T,
  });
  publishWorkerSetup(store, config, heldout);
  const logger = opts.logger ?? pino({ level: 'info' }, pino.destination(2));
  const app = createApp({ store, config, dataDir, heldout, logger });
  const http = await listen(app, opts.port ?? 0, opts.host ?? '127.0.0.1');
  const log = opts.log ?? ((line: string) => logger.info(line));

  let closing = false;
  const workers: ChildProcess[] = [];
  /** Gives back the jobs a stopped worker was running: it did not fail them, it was stopped. */
  const releaseJobsOf = (child: ChildProcess) => {
    const released = child.pid === undefined ? 0 : store.releaseJobsOf(localWorkerName(child.pid));
    if (released > 0) log(`local worker (pid ${child.pid}) stopped: its job went back to the queue`);
  };
  const startWorker = (index: number) => {
    const args = [BIN_PATH, 'worker', '--db', dbPath];
    if (opts.backend) args.push('--backend', opts.backend);
    // The IPC channel marks the worker as ours: it stops when this process is gone (even by kill -9),
    // between two batches of an evaluation (see the worker command).
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    workers[index] = child;
    child.on('exit', (code, signal) => {
      if (closing) return;
      // Stopped on purpose (kill, Ctrl-C): the job is not the worker's fault, its attempt is given back.
      // A crash (kill -9, out of memory, a segfault) keeps the lease: after maxAttempts the job fails.
      if (signal === 'SIGTERM' || signal === 'SIGINT' || signal === 'SIGHUP') releaseJobsOf(child);
      log(`local worker ${index} (pid ${child.pid}) exited (${signal ?? code}); restarting it in 1 s`);
      setTimeout(() => {
        if (!closing) startWorker(index);
      }, 1000).unref();
    });
  };
  for (let i = 0; i < (opts.workers ?? 0); i++) startWorker(i);

  return {
    url: http.url,
    store,
    heldout,
    workers,
    async close() {
      closing = true;
      // Workers stop at once (no handler: SIGTERM ends them mid-batch); their jobs go back to the queue.
      await Promise.all(
        workers.map(
          (child) =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) {
                done();
                return;
              }
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        ),
      );
      for (const child of workers) releaseJobsOf(child);
      await http.close();
      store.db.close();
    },
  };
}
