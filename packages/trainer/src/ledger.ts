/**
 * The budget ledger (`--ledger`, default ./budget.json): actual spend (wall
 * time × rate) of every training run, accumulated against `--budget-usd`.
 *
 * File format (JSON, written atomically with writeFileAtomic):
 *   {
 *     "version": 1,
 *     "budgetUsd": 25 | null,          total budget in USD; null = unlimited
 *     "runs": [{
 *       "runId": "log_q1-2025-01-31T12:00:00.000Z",   unique within the file
 *       "outputDir": "log_q1",
 *       "ratePerHour": 1.5,            USD per hour of wall time
 *       "projectedUsd": 0.24 | null,   the cost probe's projection (null until step 19)
 *       "wallSeconds": 171.2,          wall time so far
 *       "actualUsd": 0.0713,           wallSeconds / 3600 × ratePerHour
 *       "status": "running" | "finished" | "stopped" | "failed" | "interrupted",
 *       "startedAt": ISO time, "updatedAt": ISO time of the last record (the last heartbeat),
 *       "pid": 4242, "host": "laptop"  the process recording the run (absent in older files),
 *       "note": "SIGINT at step 31"     how an interrupted run ended (optional)
 *     }]
 *   }
 * While a run goes, a heartbeat thread (startHeartbeat) writes its wall time
 * and cost every WRITE_INTERVAL_MS, also while the training thread is busy in a
 * long step or evaluation. A run stopped by SIGINT/SIGTERM is finished as
 * "interrupted" with its spend (train.ts). A run killed outright (kill -9,
 * power loss) stays "running" with the spend of its last heartbeat, at most one
 * interval short, until the next start marks it "interrupted" (markDeadRuns):
 * its process is gone from this host, or its heartbeat is older than STALE_RUN_MS.
 * Older files (no pid/host/note, no "interrupted") load unchanged.
 *
 * Several runs may share a ledger. Every write holds the lock file beside it
 * (budget.json.lock, see file-lock.js) while it re-reads the file, applies this
 * process's change to the runs as read (other processes' runs untouched) and
 * replaces the file atomically, so concurrent runs never lose each other's
 * records. A file that does not parse, or has the wrong shape, is an
 * InputError naming the file and field, and is never overwritten.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BudgetError, CourseError, formatError, InputError, writeFileAtomic } from '@course/models';
import { formatUsd } from './cost.js';
import { processAlive, withFileLock } from './file-lock.js';

export const LEDGER_VERSION = 1;
/** The heartbeat's interval; recordProgress also writes at most this often (finishRun and forced records always write). */
export const WRITE_INTERVAL_MS = 5000;
/** A "running" entry whose last heartbeat is older than this is dead (12 missed heartbeats). */
export const STALE_RUN_MS = 60_000;

export const RUN_STATUSES = ['running', 'finished', 'stopped', 'failed', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface LedgerRun {
  runId: string;
  outputDir: string;
  ratePerHour: number;
  projectedUsd: number | null;
  wallSeconds: number;
  actualUsd: number;
  status: RunStatus;
  startedAt: string;
  updatedAt: string;
  /** The recording process (absent in files older than the heartbeat). */
  pid?: number;
  host?: string;
  /** How an interrupted run ended: the signal, or what a later start found. */
  note?: string;
}

export interface Ledger {
  readonly path: string;
  budgetUsd: number | null;
  /** Every run in the file as last read or written, this process's included. */
  runs: LedgerRun[];
  /** Runs started by this process: the only records it writes. */
  readonly ownRunIds: Set<string>;
  /** True when this process set the budget (then it is written; else the file's is kept). */
  budgetSetHere: boolean;
  lastWriteMs: number;
  readonly clock: () => number;
}

// ---- reading and checking the file

type Json = Record<string, unknown>;

function isObject(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function readLedgerFile(path: string): { budgetUsd: number | null; runs: LedgerRun[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new InputError(`${path}: found a folder, expected a ledger file (--ledger)`);
    throw new InputError(`${path}: cannot read the ledger (${code}); pass --ledger with a file you can read`);
  }
  return parseLedger(text, path);
}

/**
 * A ledger file's budget and runs from its text, every field checked; an
 * InputError names `path` and the field. Also how the grader reads a
 * student's submitted ledger.
 */
export function parseLedger(text: string, path: string): { budgetUsd: number | null; runs: LedgerRun[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message}); the ledger was left untouched`);
  }
  if (!isObject(data))
    throw formatError(path, '(top level)', Array.isArray(data) ? 'an array' : typeof data, 'an object');
  if (data.version !== LEDGER_VERSION)
    throw formatError(path, 'version', data.version, String(LEDGER_VERSION));
  const budget = data.budgetUsd;
  if (budget !== null && !isAmount(budget))
    throw formatError(path, 'budgetUsd', budget, 'null or a number ≥ 0');
  if (!Array.isArray(data.runs)) throw formatError(path, 'runs', typeof data.runs, 'an array');
  const runs = data.runs.map((run, i) => checkRun(path, `runs[${i}]`, run));
  const seen = new Set<string>();
  for (const [i, run] of runs.entries()) {
    if (seen.has(run.runId))
      throw formatError(path, `runs[${i}].runId`, run.runId, 'a runId not used before in the file');
    seen.add(run.runId);
  }
  return { budgetUsd: budget as number | null, runs };
}

function isAmount(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}

function checkRun(path: string, where: string, run: unknown): LedgerRun {
  if (!isObject(run)) throw formatError(path, where, typeof run, 'an object');
  const field = (name: string, ok: (v: unknown) => boolean, expected: string) => {
    if (!ok(run[name])) throw formatError(path, `${where}.${name}`, JSON.stringify(run[name]), expected);
  };
  const nonEmptyString = (v: unknown) => typeof v === 'string' && v !== '';
  field('runId', nonEmptyString, 'a non-empty string');
  field('outputDir', (v) => typeof v === 'string', 'a string');
  field('ratePerHour', (v) => isAmount(v) && v > 0, 'a number > 0');
  field('projectedUsd', (v) => v === null || isAmount(v), 'null or a number ≥ 0');
  field('wallSeconds', isAmount, 'a number ≥ 0');
  field('actualUsd', isAmount, 'a number ≥ 0');
  field('status', (v) => (RUN_STATUSES as readonly unknown[]).includes(v), RUN_STATUSES.join(' | '));
  field('startedAt', nonEmptyString, 'an ISO time string');
  field('updatedAt', nonEmptyString, 'an ISO time string');
  const optional = (name: string, ok: (v: unknown) => boolean, expected: string) => {
    if (run[name] !== undefined) field(name, ok, expected);
  };
  optional('pid', (v) => Number.isInteger(v) && (v as number) > 0, 'a process id (an integer > 0)');
  optional('host', (v) => typeof v === 'string', 'a host name');
  optional('note', (v) => typeof v === 'string', 'a string');
  const {
    runId,
    outputDir,
    ratePerHour,
    projectedUsd,
    wallSeconds,
    actualUsd,
    status,
    startedAt,
    updatedAt,
    pid,
    host,
    note,
  } = run as unknown as LedgerRun;
  return {
    runId,
    outputDir,
    ratePerHour,
    projectedUsd,
    wallSeconds,
    actualUsd,
    status,
    startedAt,
    updatedAt,
    // only the fields the file has, so an older file is rewritten as it was
    ...(pid === undefined ? {} : { pid }),
    ...(host === undefined ? {} : { host }),
    ...(note === undefined ? {} : { note }),
  };
}

/**
 * Opens (or, if the file does not exist, starts) a ledger. Nothing is written
 * until a run is recorded. A given budgetUsd replaces the file's budget.
 */
export function openLedger(
  path: string,
  opts: { budgetUsd?: number | null; clock?: () => number } = {},
): Ledger {
  const stored = existsSync(path) ? readLedgerFile(path) : { budgetUsd: null, runs: [] };
  const budgetSetHere = opts.budgetUsd !== undefined && opts.budgetUsd !== null;
  return {
    path,
    budgetUsd: budgetSetHere ? (opts.budgetUsd as number) : stored.budgetUsd,
    runs: stored.runs,
    ownRunIds: new Set(),
    budgetSetHere,
    lastWriteMs: Number.NEGATIVE_INFINITY,
    clock: opts.clock ?? Date.now,
  };
}

/**
 * Reads the file again: the runs as on disk (this process's own runs included,
 * so a field another writer changed is kept), plus any own run missing there;
 * and the budget unless this process set it.
 */
function refresh(ledger: Ledger): void {
  if (!existsSync(ledger.path)) return;
  const disk = readLedgerFile(ledger.path);
  const onDisk = new Set(disk.runs.map((r) => r.runId));
  const missing = ledger.runs.filter((r) => ledger.ownRunIds.has(r.runId) && !onDisk.has(r.runId));
  ledger.runs = [...disk.runs, ...missing];
  if (!ledger.budgetSetHere) ledger.budgetUsd = disk.budgetUsd;
}

/**
 * One update of the file under its lock: re-read it, apply `change` to the runs
 * as read, write the result atomically. Nothing is written if `change` throws.
 */
function update(ledger: Ledger, change: () => void): void {
  const { path } = ledger;
  try {
    mkdirSync(dirname(path), { recursive: true });
    withFileLock(`${path}.lock`, () => {
      if (existsSync(path)) accessSync(path, constants.W_OK); // the rename below would replace a read-only file
      refresh(ledger);
      change();
      const file = { version: LEDGER_VERSION, budgetUsd: ledger.budgetUsd, runs: ledger.runs };
      writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
    });
  } catch (err) {
    throw ledgerWriteError(path, err);
  }
  ledger.lastWriteMs = ledger.clock();
}

/** A file-system error while writing the ledger as an InputError naming it; other errors unchanged. */
function ledgerWriteError(path: string, err: unknown): unknown {
  if (err instanceof CourseError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ELOCKED') return new InputError((err as Error).message);
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return err;
  return new InputError(
    `${path}: cannot write the ledger (${(err as Error).message}); pass --ledger with a file in a folder you can write to`,
  );
}

/** Writes the ledger now (after taking in others' changes). */
export function saveLedger(ledger: Ledger): void {
  update(ledger, () => {});
}

// ---- recording runs

function ownRun(ledger: Ledger, runId: string): LedgerRun {
  const run = ledger.runs.find((r) => r.runId === runId);
  if (!run || !ledger.ownRunIds.has(runId))
    throw new Error(`ledger: run ${runId} was not started by this process`);
  return run;
}

export function startRun(
  ledger: Ledger,
  opts: { runId: string; outputDir: string; projectedUsd?: number | null; ratePerHour: number },
): LedgerRun {
  const now = new Date(ledger.clock()).toISOString();
  const run: LedgerRun = {
    runId: opts.runId,
    outputDir: opts.outputDir,
    ratePerHour: opts.ratePerHour,
    projectedUsd: opts.projectedUsd ?? null,
    wallSeconds: 0,
    actualUsd: 0,
    status: 'running',
    startedAt: now,
    updatedAt: now,
    pid: process.pid,
    host: hostname(),
  };
  update(ledger, () => {
    markDeadRuns(ledger);
    if (ledger.runs.some((r) => r.runId === opts.runId)) {
      throw formatError(ledger.path, 'runs[].runId', opts.runId, 'a run id not already in the ledger');
    }
    ledger.runs.push(run);
    ledger.ownRunIds.add(run.runId);
  });
  return run;
}

/**
 * Marks as "interrupted" every other "running" entry whose run is dead: its
 * process is gone from this host, or its last heartbeat (updatedAt) is older
 * than STALE_RUN_MS. Its wall time and cost stay as of that heartbeat.
 */
function markDeadRuns(ledger: Ledger): void {
  const nowMs = ledger.clock();
  const now = new Date(nowMs).toISOString();
  for (const run of ledger.runs) {
    if (run.status !== 'running' || ledger.ownRunIds.has(run.runId)) continue;
    const gone = run.pid !== undefined && run.host === hostname() && !processAlive(run.pid);
    const silentMs = nowMs - Date.parse(run.updatedAt);
    if (!gone && !(silentMs > STALE_RUN_MS)) continue;
    run.status = 'interrupted';
    const why = gone
      ? `process ${run.pid} on ${run.host} is gone`
      : `no heartbeat for ${Math.round(silentMs / 1000)} s`;
    run.note = `${why} (found at ${now}); spend as of its last heartbeat ${run.updatedAt}`;
  }
}

/** Records the cost probe's projection for a run. */
export function setProjection(ledger: Ledger, runId: string, projectedUsd: number): void {
  update(ledger, () => {
    ownRun(ledger, runId).projectedUsd = projectedUsd;
  });
}

function record(ledger: Ledger, runId: string, wallSeconds: number): LedgerRun {
  const run = ownRun(ledger, runId);
  run.wallSeconds = wallSeconds;
  run.actualUsd = (wallSeconds / 3600) * run.ratePerHour;
  run.updatedAt = new Date(ledger.clock()).toISOString();
  return run;
}

/**
 * Records a run's wall time so far (seconds since it started). Call it often
 * (every step); it writes when WRITE_INTERVAL_MS has passed since the last write, or when forced.
 */
export function recordProgress(
  ledger: Ledger,
  runId: string,
  wallSeconds: number,
  opts: { force?: boolean } = {},
): void {
  if (opts.force || ledger.clock() - ledger.lastWriteMs >= WRITE_INTERVAL_MS) {
    update(ledger, () => record(ledger, runId, wallSeconds));
  } else {
    record(ledger, runId, wallSeconds);
  }
}

/** Records a run's final wall time and how it ended (and why, for an interrupted run); always writes. */
export function finishRun(
  ledger: Ledger,
  runId: string,
  opts: { wallSeconds: number; status?: Exclude<RunStatus, 'running'>; note?: string },
): void {
  update(ledger, () => {
    const run = record(ledger, runId, opts.wallSeconds);
    run.status = opts.status ?? 'finished';
    if (opts.note !== undefined) run.note = opts.note;
    else delete run.note;
  });
}

// ---- the heartbeat

export interface Heartbeat {
  /** Stops it at once (no write starts after this), then waits for the thread to end. */
  stop(): Promise<void>;
}

/**
 * Starts the heartbeat of a run already in the ledger: a worker thread that,
 * every intervalMs, sets its wallSeconds (now − startedAtMs), actualUsd and
 * updatedAt under the ledger's lock. Being a thread of its own, it beats while
 * the training thread is busy. It writes only while the entry is "running"
 * (or "interrupted" by a start that took this live run for dead, which it
 * undoes), and never after stop(): finishRun's record is the last word.
 * `onError` hears of a thread that failed (the run goes on without heartbeats).
 */
export function startHeartbeat(opts: {
  ledgerPath: string;
  runId: string;
  startedAtMs: number;
  intervalMs?: number;
  onError?: (err: Error) => void;
}): Heartbeat {
  const stopped = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('./ledger-heartbeat.js', import.meta.url), {
    workerData: {
      ledgerPath: opts.ledgerPath,
      runId: opts.runId,
      startedAtMs: opts.startedAtMs,
      intervalMs: opts.intervalMs ?? WRITE_INTERVAL_MS,
      stopped,
    },
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', (err) => opts.onError?.(err));
  worker.unref(); // a run that forgets stop() still exits
  return {
    async stop() {
      // The flag stops any write that has not begun; the message ends the thread between beats
      // (terminate() could cut a write short and leave the lock behind).
      Atomics.store(stopped, 0, 1);
      worker.postMessage('stop');
      worker.ref(); // else the process could exit while waiting here, with nothing else to do
      await exited;
    },
  };
}

// ---- the budget

/** Total actual spend of all runs (optionally leaving one out). */
export function spentUsd(ledger: Ledger, exceptRunId?: string): number {
  return ledger.runs.filter((r) => r.runId !== exceptRunId).reduce((sum, r) => sum + r.actualUsd, 0);
}

/** Budget minus spend; Infinity without a budget. */
export function remainingUsd(ledger: Ledger, exceptRunId?: string): number {
  return ledger.budgetUsd === null ? Infinity : ledger.budgetUsd - spentUsd(ledger, exceptRunId);
}

export interface ProjectionCheck {
  withinBudget: boolean;
  remainingUsd: number;
  overByUsd: number;
  /** What to print when over budget but allowed to go on; empty when within budget. */
  message: string;
}

/**
 * Compares a run's projected cost with what is left of the budget. Pass the
 * run's own id so the spend it has already made counts as part of its projection,
 * not twice. Over budget: BudgetError (exit 3), unless allowOverBudget.
 */
export function checkProjection(
  ledger: Ledger,
  projectedUsd: number,
  opts: { allowOverBudget: boolean; runId?: string },
): ProjectionCheck {
  refresh(ledger);
  const left = remainingUsd(ledger, opts.runId);
  const overByUsd = Math.max(0, projectedUsd - left);
  if (overByUsd === 0) return { withinBudget: true, remainingUsd: left, overByUsd, message: '' };
  const message =
    `projected cost ${formatUsd(projectedUsd)} exceeds the ${formatUsd(left)} left of the ` +
    `${formatUsd(ledger.budgetUsd as number)} budget in ${ledger.path} by ${formatUsd(overByUsd)}`;
  if (!opts.allowOverBudget) {
    throw new BudgetError(`${message}; shorten the run (-x), shrink the model, or pass --allow-over-budget`);
  }
  return {
    withinBudget: false,
    remainingUsd: left,
    overByUsd,
    message: `warning: ${message} (--allow-over-budget)`,
  };
}

/** `course budget`: one line per run, then the totals. */
export function formatBudgetReport(ledger: Ledger): string {
  const header = ['run', 'output dir', 'projected', 'actual', 'status', 'last update'];
  const rows = ledger.runs.map((r) => [
    r.runId,
    r.outputDir,
    r.projectedUsd === null ? '-' : formatUsd(r.projectedUsd),
    formatUsd(r.actualUsd),
    r.status,
    r.updatedAt,
  ]);
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((row) => row[col].length)));
  const money = new Set([2, 3]); // right-aligned columns
  const line = (cells: string[]) =>
    cells
      .map((cell, col) => (money.has(col) ? cell.padStart(widths[col]) : cell.padEnd(widths[col])))
      .join('  ')
      .trimEnd();
  const spent = spentUsd(ledger);
  const totals =
    ledger.budgetUsd === null
      ? `spent ${formatUsd(spent)}; no budget set (--budget-usd)`
      : `spent ${formatUsd(spent)} of ${formatUsd(ledger.budgetUsd)}; left ${formatUsd(remainingUsd(ledger))}`;
  const body = rows.length === 0 ? ['(no runs recorded)'] : [line(header), ...rows.map(line)];
  return [`ledger ${ledger.path}`, ...body, totals].join('\n');
}
