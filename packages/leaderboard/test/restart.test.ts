/**
 * Restart safety with the compiled bin as real processes: `serve --workers 1`,
 * jobs queued and one running, then kill -9 of the server and of the worker;
 * after a restart every accepted submission is there and scored exactly once.
 * Needs the build (`npm test` builds first); fails, saying so, without it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeShard } from '@course/models';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireBuilt } from '../../../scripts/require-built.js';
import { openDatabase } from '../src/db.js';
import { Store } from '../src/store.js';
import { cyclicTokens, submit, TINY_ARCH, tempDir, tinyCheckpoint, tinyHeldout } from './helpers/fixtures.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'course-leaderboard.js');
const BUILT = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bin', 'course-leaderboard.js');

const dir = tempDir('lb-restart-');
const dbPath = join(dir, 'class.db');
const children: ChildProcess[] = [];

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Starts `serve` and resolves with its URL once it prints it. */
function serve(): Promise<{ child: ChildProcess; url: string }> {
  const { valPattern, hellaswagPath } = held;
  const args = ['serve', '--db', dbPath, '--port', '0', '--config', join(dir, 'class.json')];
  args.push('--val', valPattern, '--hellaswag', hellaswagPath, '--workers', '1', '--backend', 'cpu');
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
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

function query<T>(sql: string): T[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

async function until<T>(what: string, probe: () => T | undefined | null | false, seconds = 90): Promise<T> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const held = tinyHeldout(dir);
// A longer val shard so one evaluation lasts long enough to be killed in the middle of it.
writeShard(join(dir, 'heldout_val_000000.bin'), cyclicTokens(20_000, 5));
writeFileSync(
  join(dir, 'class.json'),
  JSON.stringify({
    architecture: TINY_ARCH,
    evaluation: { valBatches: 30, B: 2, T: 16 },
    leaseSeconds: 3,
    dailyLimit: 10,
  }),
);

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('kill -9 of server and worker (compiled bin)', () => {
  beforeAll(() => requireBuilt(BUILT));
  test('every accepted submission survives and is scored exactly once', async () => {
    // add-student prints the token as its last line.
    const { status, stdout } = await run(['add-student', 'ann', '--db', dbPath]);
    expect(status).toBe(0);
    const store = new Store(openDatabase(dbPath));
    const tokens = [stdout.trim().split('\n').at(-1)!, store.addStudent('ben').token];
    expect(store.studentByToken(tokens[0])?.name).toBe('ann');
    store.db.close();
    const first = await serve();
    const accepted: number[] = [];
    for (let i = 0; i < 3; i++) {
      const checkpoint = readFileSync(tinyCheckpoint(dir, 100 + i));
      const res = await submit(first.url, tokens[i % 2], { checkpoint, max_lr: '1e-3', spend_usd: '1' });
      expect(res.status).toBe(202);
      accepted.push(res.body.id as number);
    }
    // A job is being evaluated (the rest are queued): kill -9 the worker holding it, and the server.
    const running = await until(
      'a running job',
      () =>
        query<{ lease_owner: string; state: string }>(
          "SELECT lease_owner, state FROM jobs WHERE state = 'running'",
        )[0],
    );
    const workerPid = Number(running.lease_owner.split(':').at(-1));
    expect(
      query<{ n: number }>("SELECT COUNT(*) AS n FROM jobs WHERE state = 'queued'")[0].n,
    ).toBeGreaterThan(0);
    process.kill(workerPid, 'SIGKILL');
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = await serve();
    const scored = await until('every submission scored', () => {
      const rows = query<{ id: number; status: string }>('SELECT id, status FROM submissions ORDER BY id');
      return rows.every((r) => r.status === 'scored') && rows;
    });
    expect(scored.map((r) => r.id)).toEqual(accepted);
    const scores = query<{ submission_id: number }>(
      'SELECT submission_id FROM scores ORDER BY submission_id',
    );
    expect(scores.map((s) => s.submission_id)).toEqual(accepted);
    const jobs = query<{ state: string; attempts: number }>('SELECT state, attempts FROM jobs ORDER BY id');
    expect(jobs.every((j) => j.state === 'done')).toBe(true);
    // The killed job was claimed twice; the board shows both students.
    expect(jobs.some((j) => j.attempts === 2)).toBe(true);
    const board = (await (await fetch(`${second.url}/api/leaderboard`)).json()) as {
      rows: { student: string }[];
    };
    expect(board.rows.map((r) => r.student).sort()).toEqual(['ann', 'ben']);
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
  });
});
