/**
 * A run of the compiled `train_gpt2cu` stopped from outside, as a student
 * stops one: Ctrl-C (SIGINT) and SIGTERM finish its ledger entry and run.json
 * (status interrupted, wall time, cost; exit 130 / 143, 128 + the signal's
 * number, as a shell reports it); kill -9 leaves the last heartbeat in the
 * ledger, and the next start marks that entry interrupted. Needs the build
 * (`npm test` builds first); fails, saying so, without it, like bin.test.ts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { requireBuilt } from '../../../scripts/require-built.js';
import { tinyDataDir } from './helpers/tiny-data.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bin', 'train_gpt2cu.js');

const work = mkdtempSync(join(tmpdir(), 'course-interrupt-'));
const data = tinyDataDir();

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a long tiny run (d1 c16 from -e, B 2 T 32, no eval after step 0) writing to OUT and LEDGER. */
function start(out: string, ledger: string, steps = '1000000'): Running {
  const args = [
    ...['-e', data.initCheckpoint, '-b', '2', '-t', '32', '-d', '64', '-x', steps, '-v', '1000000'],
    ...['-s', '0', '-n', '0', '-h', '0', '-i', data.trainPattern, '-j', data.valPattern],
    ...['--backend', 'cpu', '-o', out, '--ledger', ledger],
  ];
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: work,
    env: { ...process.env, COURSE_BACKEND: 'cpu' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

async function until<T>(what: string, probe: () => T | undefined | null | false): Promise<T> {
  const end = Date.now() + 120_000;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('train_gpt2cu stopped from outside (compiled bin, as a subprocess)', () => {
  beforeAll(() => requireBuilt(BIN));
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    test(`${signal} after some steps: exit ${code}, ledger and run.json say interrupted with the spend`, async () => {
      const out = join(work, `run-${signal}`);
      const ledger = join(work, `budget-${signal}.json`);
      const run = start(out, ledger);
      await until('step 30', () => /step\s+30\//.test(run.stdout()));
      run.child.kill(signal);
      const { code: exitCode } = await run.exit;
      expect(exitCode).toBe(code);
      expect(run.stderr()).toContain(`interrupted by ${signal}`);
      expect(run.stderr()).not.toMatch(/^\s{4}at /m);

      const [entry] = readJson(ledger).runs;
      expect(entry.status).toBe('interrupted');
      expect(entry.note).toContain(signal);
      expect(entry.wallSeconds).toBeGreaterThan(0);
      expect(entry.actualUsd).toBeCloseTo((entry.wallSeconds / 3600) * 1.5, 12);
      const runJson = readJson(join(out, 'run.json'));
      expect(runJson.status).toBe('interrupted');
      expect(runJson.cost.wallSeconds).toBe(entry.wallSeconds);
      expect(runJson.cost.actualUsd).toBe(entry.actualUsd);
      // The message names the spend and where it went.
      expect(run.stderr()).toContain(ledger);
    });
  }

  test('kill -9: the ledger keeps the last heartbeat; the next start marks the entry interrupted', async () => {
    const out = join(work, 'run-kill');
    const ledger = join(work, 'budget-kill.json');
    const run = start(out, ledger);
    // The heartbeat (every 5 s) has recorded some spend.
    const beat = await until('a heartbeat', () => {
      const entry = existsSync(ledger) ? readJson(ledger).runs[0] : undefined;
      return entry?.wallSeconds > 0 && entry;
    });
    run.child.kill('SIGKILL');
    expect((await run.exit).signal).toBe('SIGKILL');
    const [dead] = readJson(ledger).runs;
    expect(dead.status).toBe('running');
    expect(dead.wallSeconds).toBeGreaterThanOrEqual(beat.wallSeconds);
    expect(dead.pid).toBe(run.child.pid);

    const next = start(join(work, 'run-after-kill'), ledger, '2');
    expect((await next.exit).code).toBe(0);
    const [marked, after] = readJson(ledger).runs;
    expect(marked).toMatchObject({
      runId: dead.runId,
      status: 'interrupted',
      wallSeconds: dead.wallSeconds,
      actualUsd: dead.actualUsd,
      updatedAt: dead.updatedAt,
    });
    expect(marked.note).toContain(`process ${dead.pid}`);
    expect(marked.note).toContain(`last heartbeat ${dead.updatedAt}`);
    expect(after.status).toBe('finished');
  });
});
