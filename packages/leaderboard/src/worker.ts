/**
 * Evaluation workers. Both kinds claim a job with a lease, score the
 * checkpoint with scoreCheckpoint (evaluateModel on each side of the split)
 * and report in one step; a worker that dies mid-job loses its lease, the job
 * is claimed again when the lease expires and finishes exactly once.
 *
 * - Local (`course-leaderboard worker --db FILE`): same machine as the server,
 *   reads the database, the stored checkpoint and the split files directly.
 * - Remote (`course-leaderboard worker --server URL --token T`): any machine
 *   (a TA's GPU box); claims over HTTP, downloads the checkpoint and the
 *   held-out split (cached by sha256), posts the score, as EvalAI's remote
 *   evaluation workers do.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { type BackendChoice, CourseError, InputError, selectBackend } from '@course/models';
import { fetchServer, ServerApiError } from './client.js';
import type { EvaluationSettings, LeaderboardConfig } from './config.js';
import { openDatabase } from './db.js';
import { scoreCheckpoint } from './evaluate.js';
import { type HeldoutManifest, sha256FileStream } from './heldout.js';
import { checkpointPath, dataDirFor } from './paths.js';
import type { ScoreInput } from './store.js';
import { Store } from './store.js';

/** What a local worker needs to know, written to the database by `serve`. */
export interface WorkerSetup {
  evaluation: EvaluationSettings;
  leaseSeconds: number;
  maxAttempts: number;
  heldout: { manifest: HeldoutManifest; folder: string };
}

export const WORKER_SETUP_KEY = 'worker_setup';

export function publishWorkerSetup(
  store: Store,
  config: LeaderboardConfig,
  heldout: { manifest: HeldoutManifest; folder: string },
): void {
  const setup: WorkerSetup = {
    evaluation: config.evaluation,
    leaseSeconds: config.leaseSeconds,
    maxAttempts: config.maxAttempts,
    heldout,
  };
  store.setSetting(WORKER_SETUP_KEY, setup);
}

export interface WorkerOptions {
  /** Worker name in logs and on scores (default host:pid). */
  name?: string;
  /** Not given: COURSE_BACKEND, else auto (selectBackend's default). */
  backend?: BackendChoice;
  /** Stop when the queue is empty instead of waiting for more jobs. */
  once?: boolean;
  /** Wait between polls of an empty queue (ms). */
  pollMs?: number;
  /** Stops the loop between jobs. */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** A local worker's name in leases and logs, "host:pid" (its server releases its jobs by this name). */
export function localWorkerName(pid: number): string {
  return `${hostname()}:${pid}`;
}

function defaultName(): string {
  return localWorkerName(process.pid);
}

export interface LocalWorkerOptions extends WorkerOptions {
  /** Asked between evaluation batches and between polls: a reason to stop, or null to go on. */
  stopWhen?: () => string | null;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** The message stored for a failed evaluation: the user's file at fault, or ours. */
function failureMessage(err: unknown): string {
  if (err instanceof CourseError && !(err instanceof ServerApiError))
    return `checkpoint could not be evaluated: ${err.message}`;
  return `evaluation error on the server (not your fault; this does not count against your daily limit): ${
    err instanceof Error ? err.message : String(err)
  }`;
}

/**
 * The worker was told to stop in the middle of a job (its server is gone): the
 * job is given back to the queue, its attempt not counted.
 */
export class WorkerStopped extends Error {}

/** The job's lease was lost (expired and reclaimed, or released by the server): stop evaluating it. */
class LeaseLost extends Error {}

/**
 * Processes one job from the store if there is one; returns whether it did.
 * Between evaluation batches the worker renews its lease (stopping when the
 * lease was lost) and asks `stopWhen`: a reason to stop releases the job and
 * throws WorkerStopped.
 */
export function runOneLocalJob(
  store: Store,
  setup: WorkerSetup,
  dataDir: string,
  worker: string,
  log: (line: string) => void,
  stopWhen: () => string | null = () => null,
): boolean {
  const leaseMs = setup.leaseSeconds * 1000;
  const job = store.claimJob(worker, leaseMs, setup.maxAttempts);
  if (!job) return false;
  log(`job ${job.job_id}: submission ${job.submission_id} (attempt ${job.attempts})`);
  // Renewed a tenth of a lease apart: a batch takes milliseconds, a database write is not free.
  let renewAt = performance.now() + leaseMs / 10;
  const betweenBatches = () => {
    const stop = stopWhen();
    if (stop) throw new WorkerStopped(stop);
    if (performance.now() < renewAt) return;
    // better-sqlite3 is synchronous, so the lease can be renewed from inside the evaluation.
    if (!store.renewLease(job.job_id, job.lease_id, leaseMs)) throw new LeaseLost();
    renewAt = performance.now() + leaseMs / 10;
  };
  let score: ScoreInput;
  try {
    score = scoreCheckpoint(
      checkpointPath(dataDir, job.checkpoint_sha256),
      setup.heldout.manifest,
      setup.heldout.folder,
      setup.evaluation,
      betweenBatches,
    );
  } catch (err) {
    if (err instanceof WorkerStopped) {
      const released = store.releaseJob(job.job_id, job.lease_id);
      log(`job ${job.job_id}: ${released ? 'given back to the queue' : 'lease lost'} (${err.message})`);
      throw err;
    }
    if (err instanceof LeaseLost) {
      log(`job ${job.job_id}: lease lost (expired, or released by the server); evaluation stopped`);
      return true;
    }
    const recorded = store.failJob(job.job_id, job.lease_id, failureMessage(err));
    log(`job ${job.job_id}: failed${recorded ? '' : ' (lease lost; not recorded)'}: ${String(err)}`);
    return true;
  }
  const recorded = store.finishJob(job.job_id, job.lease_id, worker, score);
  log(
    `job ${job.job_id}: ${recorded ? 'scored' : 'lease lost, result dropped'} (public HellaSwag ${fixed(score.public.hellaswag_acc)}, val loss ${fixed(score.public.val_loss)}; ${score.seconds.toFixed(1)} s)`,
  );
  return true;
}

/**
 * The local worker loop over the database at `dbPath`; returns the number of
 * jobs processed. `opts.stopWhen` is asked between batches and between polls;
 * a reason to stop ends the loop (a running job is given back first).
 */
export async function runLocalWorker(dbPath: string, opts: LocalWorkerOptions = {}): Promise<number> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const worker = opts.name ?? localWorkerName(process.pid);
  const stopWhen = opts.stopWhen ?? (() => null);
  const store = new Store(openDatabase(dbPath));
  let done = 0;
  try {
    await selectBackend(opts.backend, { log });
    while (!opts.signal?.aborted) {
      const stop = stopWhen();
      if (stop) {
        log(`worker ${worker}: stopping (${stop})`);
        break;
      }
      const setup = store.getSetting<WorkerSetup>(WORKER_SETUP_KEY);
      if (!setup) {
        throw new InputError(
          `--db ${dbPath}: no evaluation setup yet (start \`course-leaderboard serve\` on it once)`,
        );
      }
      if (runOneLocalJob(store, setup, dataDirFor(dbPath), worker, log, stopWhen)) {
        done++;
        continue;
      }
      if (opts.once) break;
      await sleep(opts.pollMs ?? 1000, opts.signal);
    }
    return done;
  } catch (err) {
    if (err instanceof WorkerStopped) {
      log(`worker ${worker}: stopping (${err.message})`);
      return done;
    }
    throw err;
  } finally {
    store.db.close();
  }
}

// ---------------------------------------------------------------------------- remote

interface ClaimResponse {
  job_id: number;
  submission_id: number;
  lease_id: string;
  checkpoint_sha256: string;
  lease_seconds?: number;
  evaluation: EvaluationSettings;
  heldout: HeldoutManifest;
}

export interface RemoteWorkerOptions extends WorkerOptions {
  server: string;
  token: string;
  /** Downloaded held-out files and checkpoints (default: a folder in the OS temp dir). */
  cacheDir: string;
}

async function api(opts: RemoteWorkerOptions, path: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetchServer(opts.server, path, {
    ...init,
    headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json', ...init.headers },
  });
  if (res.status >= 400 && res.status !== 409) {
    const text = await res.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { error: string }).error;
    } catch {}
    throw new ServerApiError(`${opts.server}${path}: HTTP ${res.status}: ${message}`, res.status >= 500);
  }
  return res;
}

/** Downloads `path` to `file` unless a file with that sha256 is there already. */
async function download(
  opts: RemoteWorkerOptions,
  path: string,
  file: string,
  sha256: string,
): Promise<void> {
  if (existsSync(file) && (await sha256FileStream(file)) === sha256) return;
  const res = await api(opts, path);
  if (res.status === 409) throw new Error(`${path}: lease lost before the download`);
  const tmp = `${file}.part`;
  await pipeline(Readable.fromWeb(res.body as WebReadableStream), createWriteStream(tmp));
  const got = await sha256FileStream(tmp);
  if (got !== sha256) {
    rmSync(tmp, { force: true });
    throw new Error(`${path}: downloaded sha256 ${got}, expected ${sha256}`);
  }
  renameSync(tmp, file);
}

/**
 * One remote job, if the server has one; returns whether it did one. When `opts.signal` is
 * aborted (the worker was told to stop) during the downloads or between evaluation batches, the
 * job is given back to the server (its attempt not counted) and this returns false.
 */
export async function runOneRemoteJob(
  opts: RemoteWorkerOptions,
  log: (line: string) => void,
): Promise<boolean> {
  const worker = opts.name ?? defaultName();
  const res = await api(opts, '/api/worker/claim', { method: 'POST', body: JSON.stringify({ worker }) });
  if (res.status === 204) return false;
  const job = (await res.json()) as ClaimResponse;
  log(`job ${job.job_id}: submission ${job.submission_id} from ${opts.server}`);
  const manifest = job.heldout;
  const splitId = createHash('sha256').update(JSON.stringify(manifest.files)).digest('hex').slice(0, 16);
  const folder = join(opts.cacheDir, 'heldout', splitId);
  mkdirSync(folder, { recursive: true });
  mkdirSync(join(opts.cacheDir, 'checkpoints'), { recursive: true });
  const checkpoint = join(opts.cacheDir, 'checkpoints', `${job.checkpoint_sha256}.bin`);
  const post = (body: unknown) =>
    api(opts, `/api/worker/jobs/${job.job_id}/result`, { method: 'POST', body: JSON.stringify(body) });
  let body: unknown;
  try {
    for (const [name, sha] of Object.entries(manifest.files)) {
      await download(opts, `/api/worker/heldout/${encodeURIComponent(name)}`, join(folder, name), sha);
    }
    await download(
      opts,
      `/api/worker/jobs/${job.job_id}/checkpoint?lease=${encodeURIComponent(job.lease_id)}`,
      checkpoint,
      job.checkpoint_sha256,
    );
    // Downloads can take a while: keep the lease before the (uninterruptible) evaluation starts.
    const renewed = await api(opts, `/api/worker/jobs/${job.job_id}/heartbeat`, {
      method: 'POST',
      body: JSON.stringify({ lease: job.lease_id }),
    });
    if (renewed.status === 409) throw new Error(`job ${job.job_id}: lease lost while downloading`);
    const stopIfAsked = () => {
      if (opts.signal?.aborted) throw new WorkerStopped('the worker was told to stop');
    };
    stopIfAsked();
    const score = scoreCheckpoint(checkpoint, manifest, folder, job.evaluation, stopIfAsked);
    body = { lease: job.lease_id, score };
    log(
      `job ${job.job_id}: public HellaSwag ${fixed(score.public.hellaswag_acc)}, val loss ${fixed(score.public.val_loss)}`,
    );
  } catch (err) {
    // The server went away mid-download: nothing to report; the job is claimed again after its lease.
    if (err instanceof ServerApiError && err.retryable) throw err;
    if (err instanceof WorkerStopped || opts.signal?.aborted) {
      const reply = await api(opts, `/api/worker/jobs/${job.job_id}/release`, {
        method: 'POST',
        body: JSON.stringify({ lease: job.lease_id }),
      });
      log(`job ${job.job_id}: ${reply.status === 409 ? 'lease lost' : 'given back to the queue'} (stopping)`);
      return false;
    }
    body = { lease: job.lease_id, error: failureMessage(err) };
    log(`job ${job.job_id}: failed: ${String(err)}`);
  } finally {
    rmSync(checkpoint, { force: true });
  }
  // A result can be hours of work: if the server is restarting, keep trying for a lease's length
  // (the server takes a result from the lease holder until another worker claims the job).
  const giveUp = Date.now() + (job.lease_seconds ?? 900) * 1000;
  for (;;) {
    try {
      const reply = await post(body);
      if (reply.status === 409) log(`job ${job.job_id}: lease lost, the server dropped this result`);
      return true;
    } catch (err) {
      if (!(err instanceof ServerApiError && err.retryable) || Date.now() > giveUp || opts.signal?.aborted)
        throw err;
      log(`job ${job.job_id}: posting the result: ${err.message}; trying again`);
      await sleep(opts.pollMs ?? 2000, opts.signal);
    }
  }
}

/** The remote worker loop; returns the number of jobs processed. */
export async function runRemoteWorker(opts: RemoteWorkerOptions): Promise<number> {
  const log = opts.log ?? ((line: string) => console.error(line));
  await selectBackend(opts.backend, { log });
  let done = 0;
  while (!opts.signal?.aborted) {
    try {
      if (await runOneRemoteJob(opts, log)) {
        done++;
        continue;
      }
    } catch (err) {
      // A server restart must not end a GPU box's worker: wait and claim again.
      if (opts.once || !(err instanceof ServerApiError && err.retryable)) throw err;
      log(`${err.message}; trying again in ${((opts.pollMs ?? 2000) / 1000).toFixed(0)} s`);
    }
    if (opts.once || opts.signal?.aborted) break;
    await sleep(opts.pollMs ?? 2000, opts.signal);
  }
  return done;
}

/** A metric for a log line: 4 decimals, or "–" when the split had none. */
function fixed(x: number | null): string {
  return x === null ? '–' : x.toFixed(4);
}
