/**
 * `course sweep --parallel 2`: trials as processes of their own (the built
 * trainer's sweep/trial-child.js, `npm test` builds first; fails, saying so,
 * without it, like the trainer's bin.test.ts), tiny GPT-2s (d1 c16) on the trainer tests'
 * tiny data, cpu backend.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parallelCap } from '@course/trainer';
import { beforeAll, describe, expect, test } from 'vitest';
import { requireBuilt } from '../../../scripts/require-built.js';
import { tinyDataDir } from '../../trainer/test/helpers/tiny-data.js';
import { course } from './run-course.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CHILD = join(REPO, 'packages', 'trainer', 'dist', 'sweep', 'trial-child.js');
// Two trial processes need two cores and 2 GiB free (parallelCap); a smaller machine runs one.
const roomForTwo = parallelCap(2).n === 2;

interface LedgerEntry {
  outputDir: string;
  status: string;
  pid: number;
  startedAt: string;
  updatedAt: string;
  actualUsd: number;
}

describe('course sweep --parallel', () => {
  beforeAll(() => requireBuilt(CHILD));
  test('two trials run as two processes at once: both finish, the ledger counts each once', async () => {
    const data = tinyDataDir();
    const root = mkdtempSync(join(tmpdir(), 'course-sweep-parallel-'));
    const config = join(root, 'grid.json');
    writeFileSync(
      config,
      JSON.stringify({
        strategy: 'grid',
        base: {
          '-e': data.initCheckpoint,
          ...{ '-b': 2, '-t': 32, '-d': 64, '-u': 2, '-v': 5, '-m': 2, '-s': 0, '-n': 5, '-h': 0 },
          ...{ '-id': data.trainPattern, '-iv': data.valPattern },
        },
        space: { lr: { values: [0.01, 0.001] } },
        steps: 10,
      }),
    );
    const out = join(root, 'grid');
    const ledger = join(root, 'budget.json');
    const r = await course(
      'sweep',
      '--config',
      config,
      '--out',
      out,
      '--ledger',
      ledger,
      '--backend',
      'cpu',
      '--parallel',
      '2',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const state = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
    expect(state.trials.map((t: { status: string }) => t.status)).toEqual(['finished', 'finished']);
    const runs = JSON.parse(readFileSync(ledger, 'utf8')).runs as LedgerEntry[];
    const [a, b] = ['t001', 't002'].map((key) => {
      const mine = runs.filter((e) => e.outputDir === join(out, key));
      expect(mine).toHaveLength(1);
      expect(mine[0].status).toBe('finished');
      return mine[0];
    });
    expect(runs).toHaveLength(2);
    // Each trial in a process of its own, neither this one.
    expect(new Set([a.pid, b.pid, process.pid]).size).toBe(3);
    if (roomForTwo) {
      // At once: each started before the other finished.
      expect(Date.parse(a.startedAt)).toBeLessThan(Date.parse(b.updatedAt));
      expect(Date.parse(b.startedAt)).toBeLessThan(Date.parse(a.updatedAt));
    } else {
      expect(r.stdout).toMatch(/^--parallel 2: running 1 trial at once/);
    }
    expect(state.spentUsd).toBeCloseTo(a.actualUsd + b.actualUsd, 12);
    expect(r.stdout).toMatch(/spent \$[\d.]+ on this sweep \(2 trials run\)/);
  });

  test('a trial process whose sweep is gone (kill -9) stops itself: its ledger entry ends "interrupted"', async () => {
    const data = tinyDataDir();
    const root = mkdtempSync(join(tmpdir(), 'course-sweep-orphan-'));
    const ledger = join(root, 'budget.json');
    const args = [
      ...['-o', join(root, 'run'), '-e', data.initCheckpoint, '-b', '2', '-t', '32', '-d', '64'],
      ...['-x', '100000', '-v', '100000', '-h', '0', '-s', '0', '-n', '0', '--backend', 'cpu'],
      ...['-id', data.trainPattern, '-iv', data.valPattern, '--ledger', ledger],
    ];
    // The shell starts the trial in the background and exits at once: the trial is an orphan,
    // as the trials of a sweep killed with kill -9 are.
    const quoted = [process.execPath, CHILD, ...args].map((a) => `'${a}'`).join(' ');
    // COURSE_SWEEP_PID names the shell, as a sweep names itself to its trials.
    const shell = spawnSync('sh', ['-c', `COURSE_SWEEP_PID=$$ ${quoted} >/dev/null 2>&1 & echo $!`], {
      encoding: 'utf8',
    });
    const pid = Number(shell.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    const entry = () => {
      if (!existsSync(ledger)) return undefined;
      return (JSON.parse(readFileSync(ledger, 'utf8')).runs as (LedgerEntry & { note?: string })[])[0];
    };
    const end = Date.now() + 120_000;
    while (entry()?.status === undefined || entry()?.status === 'running') {
      if (Date.now() > end) {
        process.kill(pid, 'SIGKILL');
        throw new Error(
          `the orphaned trial ${pid} did not stop; its ledger entry: ${JSON.stringify(entry())}`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(entry()?.status).toBe('interrupted');
    expect(entry()?.note).toMatch(/^SIGTERM after step \d+\/100000$/);
  });
});
