/**
 * Local workers live and die with their server (issue 13, item 13), with the
 * compiled bin as real processes and an evaluation long enough to be stopped
 * in the middle:
 *
 * - the server killed with SIGKILL: its worker notices between batches that
 *   its parent is gone, gives the job back and exits (no orphan evaluating on);
 * - SIGTERM to the server, SIGTERM to the worker alone, Ctrl-C (SIGINT to the
 *   process group): the running job's lease is released, so the next claim is
 *   attempt 1 again instead of burning one of `maxAttempts`.
 *
 * The bin runs dist/: it is built here first when missing or older than src/.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeShard } from '@course/models';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase } from '../src/db.js';
import { Store } from '../src/store.js';
import { cyclicTokens, submit, TINY_ARCH, tempDir, tinyCheckpoint, tinyHeldout } from './helpers/fixtures.js';

const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(PACKAGE, 'bin', 'course-leaderboard.js');
const BUILT = join(PACKAGE, 'dist', 'bin', 'course-leaderboard.js');

/** Newest modification time (ms) of the files under `dir`. */
function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return t;
}

function buildIfStale(): void {
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= newest(join(PACKAGE, 'src'))) return;
  const tsc = join(PACKAGE, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', PACKAGE], { stdio: 'inherit' });
}

const dir = tempDir('lb-lifecycle-');
const dbPath = join(dir, 'class.db');
const children: ChildProcess[] = [];
const held = tinyHeldout(dir);
// 300 000 tokens: ~4 700 val batches of 2×16 per side, far longer than any step below waits.
writeShard(join(dir, 'heldout_val_000000.bin'), cyclicTokens(300_000, 5));
writeFileSync(
  join(dir, 'class.json'),
  JSON.stringify({ architecture: TINY_ARCH, evaluation: { valBatches: -1, B: 2, T: 16 }, leaseSeconds: 600 }),
);

/** Starts `serve --workers 1`, in its own process group (as a terminal runs it), once it prints its URL. */
function serve(): Promise<{ child: ChildProcess; url: string }> {
  const args = ['serve', '--db', dbPath, '--port', '0', '--config', join(dir, 'class.json')];
  args.push(
    '--val',
    held.valPattern,
    '--hellaswag',
    held.hellaswagPath,
    '--workers',
    '1',
    '--backend',
    'cpu',
  );
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (c) => {
      stdout += c;
      const match = /leaderboard: (http:\/\/\S+?)\//.exec(stdout);
      if (match) resolve({ child, url: match[1] });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
}

interface Job {
  state: string;
  attempts: number;
  lease_owner: string | null;
}

function job(): Job {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT state, attempts, lease_owner FROM jobs').get() as Job;
  } finally {
    db.close();
  }
}

/** Running and not a zombie (an orphan nobody reaps still answers kill -0). */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] !== 'Z';
  } catch {
    return false;
  }
}

async function until<T>(what: string, probe: () => T | undefined | null | false, seconds = 60): Promise<T> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The pid of the worker evaluating the job, once one is (lease owner "host:pid"). */
async function evaluatingWorker(): Promise<{ pid: number; attempts: number }> {
  const running = await until('a worker evaluating the job', () => {
    const j = job();
    return j.state === 'running' && j;
  });
  return { pid: Number(running.lease_owner!.split(':').at(-1)), attempts: running.attempts };
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', r));

beforeAll(() => {
  buildIfStale();
});

afterAll(() => {
  for (const child of children) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {}
  }
});

describe('a local worker and its server (compiled bin, real processes)', () => {
  test('server killed with SIGKILL: the worker gives the job back and exits between batches', async () => {
    const first = await serve();
    const store = new Store(openDatabase(dbPath));
    const student = store.addStudent('ann').token;
    store.db.close();
    const res = await submit(first.url, student, {
      checkpoint: readFileSync(tinyCheckpoint(dir, 301)),
      max_lr: '1e-3',
      spend_usd: '1',
    });
    expect(res.status).toBe(202);
    const worker = await evaluatingWorker();
    expect(worker.attempts).toBe(1);
    first.child.kill('SIGKILL');
    await exited(first.child);
    await until('the orphaned worker to exit', () => !alive(worker.pid), 15);
    expect(job()).toEqual({ state: 'queued', attempts: 0, lease_owner: null });
  });

  test('SIGTERM to the server: its worker stops and the job is given back (claimed again at attempt 1)', async () => {
    const second = await serve();
    const worker = await evaluatingWorker();
    expect(worker.attempts).toBe(1);
    second.child.kill('SIGTERM');
    await exited(second.child);
    expect(second.child.exitCode).toBe(0);
    expect(alive(worker.pid)).toBe(false);
    expect(job()).toEqual({ state: 'queued', attempts: 0, lease_owner: null });
  });

  test('SIGTERM to the worker alone: the server gives its job back and a new worker claims it at attempt 1', async () => {
    const third = await serve();
    const worker = await evaluatingWorker();
    process.kill(worker.pid, 'SIGTERM');
    const next = await until('another worker evaluating the job', () => {
      const j = job();
      return j.state === 'running' && !j.lease_owner!.endsWith(`:${worker.pid}`) && j;
    });
    expect(next.attempts).toBe(1);
    expect(alive(worker.pid)).toBe(false);
    // Ctrl-C in the terminal: SIGINT to the whole process group, server and worker at once.
    const newWorker = Number(next.lease_owner!.split(':').at(-1));
    process.kill(-third.child.pid!, 'SIGINT');
    await exited(third.child);
    await until('the worker to exit', () => !alive(newWorker), 15);
    expect(job()).toEqual({ state: 'queued', attempts: 0, lease_owner: null });
  });
});
