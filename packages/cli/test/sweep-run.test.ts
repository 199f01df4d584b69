/**
 * `course sweep --config FILE` running its trials: tiny GPT-2s (d1 c16 from
 * -e, B 2 T 32) on the tiny structured data of the trainer's tests, cpu backend.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMainLog } from '@course/models';
import { formatDollars } from '@course/trainer';
import { describe, expect, test } from 'vitest';
import { tinyDataDir } from '../../trainer/test/helpers/tiny-data.js';
import { course } from './run-course.js';

const data = tinyDataDir();
const root = mkdtempSync(join(tmpdir(), 'course-sweep-run-'));
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The flags every tiny trial shares. */
const base = (extra: Record<string, string | number> = {}) => ({
  '-e': data.initCheckpoint,
  ...{ '-b': 2, '-t': 32, '-d': 64, '-u': 2, '-v': 5, '-m': 2, '-s': 0, '-n': 5, '-h': 0 },
  ...{ '-id': data.trainPattern, '-iv': data.valPattern },
  ...extra,
});

function writeConfig(name: string, config: object): string {
  const file = join(root, `${name}.json`);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const trainSteps = (dir: string) =>
  parseMainLog(readFileSync(join(dir, 'main.log'), 'utf8')).train.map((e) => e.step);
const ledgerRuns = (ledger: string, dir: string) =>
  (readJson(ledger).runs as { outputDir: string; actualUsd: number }[]).filter((r) => r.outputDir === dir);

describe('course sweep --config (running the trials)', () => {
  test('a grid of 2 trials: run folders, sweep.json, the tuning table, the plot, the best LR', async () => {
    const config = writeConfig('grid', {
      strategy: 'grid',
      base: base(),
      space: { lr: { values: [0.01, 0.0001] } },
      steps: 10,
    });
    const out = join(root, 'grid');
    const ledger = join(root, 'grid-budget.json');
    const r = await course('sweep', '--config', config, '--out', out, '--ledger', ledger, '--backend', 'cpu');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const state = readJson(join(out, 'sweep.json'));
    expect(state.status).toBe('finished');
    expect(state.trials.map((t: { key: string; status: string }) => [t.key, t.status])).toEqual([
      ['t001', 'finished'],
      ['t002', 'finished'],
    ]);
    for (const t of ['t001', 't002']) {
      expect(trainSteps(join(out, t))).toEqual([...Array(10).keys()]);
      expect(existsSync(join(out, t, 'run.json'))).toBe(true);
    }
    // The table is course table's, one row per trial.
    const table = readFileSync(join(out, 'table.md'), 'utf8');
    expect(table).toBe((await course('table', join(out, 't001'), join(out, 't002'))).stdout);
    expect(r.stdout).toContain(table.trimEnd());
    expect(readFileSync(join(out, 'lr.svg'), 'utf8')).toMatch(/^<svg/);
    // The best LR is the trial with the lower final val loss.
    const [a, b] = state.trials.map((t: { stages: { valLoss: number }[] }) => t.stages[0].valLoss);
    expect(state.best).toHaveLength(1);
    expect(state.best[0].lr).toBe(a < b ? 0.01 : 0.0001);
    // The money: each trial's spend is its ledger entries'; the sweep's is their sum.
    const runs = readJson(ledger).runs as { actualUsd: number }[];
    expect(runs).toHaveLength(2);
    expect(state.spentUsd).toBeCloseTo(runs[0].actualUsd + runs[1].actualUsd, 12);
    expect(r.stdout).toMatch(/spent \$[\d.]+ on this sweep \(2 trials run\)/);
  });
});

describe('course sweep: successive halving and the budget', () => {
  test('successive halving continues the promoted trial from its checkpoint (steps continue, not restart)', async () => {
    // R = 8, η = 2, s = 1, n = 2: rung 0 trains both LRs to step 4, rung 1 the better one on to 8.
    const config = writeConfig('sh', {
      strategy: 'successive-halving',
      base: base(),
      space: { lr: { values: [0.01, 0.00001] } },
      max_r: 8,
      eta: 2,
      s: 1,
      n: 2,
    });
    const out = join(root, 'sh');
    const ledger = join(root, 'sh-budget.json');
    const r = await course('sweep', '--config', config, '--out', out, '--ledger', ledger, '--backend', 'cpu');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const state = readJson(join(out, 'sweep.json'));
    const [t1, t2] = state.trials;
    const promoted = t1.stages[0].valLoss < t2.stages[0].valLoss ? t1 : t2;
    const dropped = promoted === t1 ? t2 : t1;
    expect(promoted.stages.map((s: { stop: number }) => s.stop)).toEqual([4, 8]);
    expect(dropped.stages.map((s: { stop: number }) => s.stop)).toEqual([4]);
    // One log, steps 0…7 once each: the second run resumed at step 4.
    expect(trainSteps(join(out, promoted.key))).toEqual([...Array(8).keys()]);
    expect(trainSteps(join(out, dropped.key))).toEqual([0, 1, 2, 3]);
    expect(ledgerRuns(ledger, join(out, promoted.key))).toHaveLength(2);
    // The LR schedule spans R = 8 in both runs: the promoted run's lr at step 4 is the
    // cosine of an 8-step schedule (warmup 2), as a straight 8-step run's is.
    const lrs = parseMainLog(readFileSync(join(out, promoted.key, 'main.log'), 'utf8')).train.map(
      (e) => e.lr,
    );
    const maxLr = promoted.params.lr;
    const cosine = (step: number) => maxLr * 0.5 * (1 + Math.cos((Math.PI * (step - 2)) / (8 - 2)));
    expect(lrs[4]).toBeCloseTo(cosine(4), 6);
    // Its row in the table costs what its two ledger entries sum to (run.json has the last run only).
    const row = readFileSync(join(out, 'table.md'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`| ${promoted.key} |`));
    const entries = ledgerRuns(ledger, join(out, promoted.key));
    expect(promoted.spentUsd).toBeCloseTo(entries[0].actualUsd + entries[1].actualUsd, 12);
    expect(row?.split('|').map((c) => c.trim())[9]).toBe(formatDollars(promoted.spentUsd));
    expect(state.stepsSaved).toBe(4);
    expect(state.stepsTrained).toBe(4 + 4 + 4);
    expect(r.stdout).toContain('saving 4 steps');
  });

  test('a ledger that cannot afford the next trial stops the sweep: exit 3, a message, spent and left', async () => {
    // At $3,600/h a second of wall time is $1: trial 1 (projected by the plan at 10 × $0.001)
    // takes well over 0.1 s, so it spends more than half of the $0.20 budget, and trial 2,
    // priced at what trial 1 cost per step, cannot be afforded.
    const config = writeConfig('poor', {
      strategy: 'grid',
      base: base({ '--rate-usd-per-hour': 3600 }),
      space: { lr: { values: [0.01, 0.001, 0.0001] } },
      steps: 10,
      usd_per_step: 0.001,
    });
    const out = join(root, 'poor');
    const ledger = join(root, 'poor-budget.json');
    const args = ['sweep', '--config', config, '--out', out, '--ledger', ledger, '--backend', 'cpu'];
    // A plan over --confirm-usd needs --yes: nothing runs.
    const unconfirmed = await course(...args, '--budget-usd', '0.2', '--confirm-usd', '0.01');
    expect(unconfirmed.code).toBe(3);
    expect(unconfirmed.stderr).toMatch(/projected at \$0\.03.*--confirm-usd.*pass --yes/);
    expect(existsSync(join(out, 't001'))).toBe(false);

    const r = await course(...args, '--budget-usd', '0.2');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^error: trial t002 \(lr 0\.001\) to step 10: projected \$[\d.]+ \(10 steps\) exceeds what the budget in .* has left: nothing left \(\$[\d.]+ over\); not started/,
    );
    const state = readJson(join(out, 'sweep.json'));
    expect(state.status).toBe('stopped');
    // the grid's trials are all in the state from the start; neither unaffordable one ran
    expect(state.trials.map((t: { status: string }) => t.status)).toEqual(['finished', 'pending', 'pending']);
    expect(existsSync(join(out, 't002', 'main.log'))).toBe(false);
    expect(existsSync(join(out, 't003', 'main.log'))).toBe(false);
    const runs = readJson(ledger).runs as { actualUsd: number }[];
    expect(runs).toHaveLength(1);
    expect(r.stdout).toContain(`spent $${runs[0].actualUsd.toFixed(2)} on this sweep (1 trial run)`);
    expect(r.stdout).toMatch(/of the \$0\.20 budget, nothing left \(\$[\d.]+ over\)/);
  });
});

/** `course ARGS` from the sources in a process of its own (helpers/course-child.ts under vite-node). */
function spawnCourse(args: string[]): { child: ChildProcess; output: () => string; exit: Promise<unknown> } {
  const child = spawn(
    process.execPath,
    [
      join(REPO, 'node_modules', 'vite-node', 'vite-node.mjs'),
      '--config',
      join(REPO, 'vitest.config.ts'),
      HELPER,
    ],
    { cwd: REPO, env: { ...process.env, COURSE_CHILD_ARGS: JSON.stringify(args) } },
  );
  let output = '';
  child.stdout?.on('data', (c) => (output += c));
  child.stderr?.on('data', (c) => (output += c));
  const exit = new Promise((resolve) => child.on('close', resolve));
  return { child, output: () => output, exit };
}
const HELPER = join(REPO, 'packages', 'cli', 'test', 'helpers', 'course-child.ts');

async function until<T>(
  what: string,
  probe: () => T | undefined | null | false,
  alive: () => boolean,
  detail: () => string,
): Promise<T> {
  const end = Date.now() + 120_000;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (!alive() || Date.now() > end) throw new Error(`gave up waiting for ${what}${detail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface LedgerEntry {
  runId: string;
  outputDir: string;
  status: string;
  wallSeconds: number;
  actualUsd: number;
}

describe('course sweep killed with SIGKILL and run again', () => {
  test('finished trials are skipped, the killed one resumes from its checkpoint, no second is counted twice', async () => {
    const steps = 250;
    const config = writeConfig('killed', {
      strategy: 'grid',
      base: base({ '-v': 1000, '-n': 10 }),
      // Trial 1 short, trial 2 long enough to be killed after a heartbeat.
      space: { lr: { values: [0.01] }, steps: { values: [20, steps] } },
      steps,
    });
    const out = join(root, 'killed');
    const ledger = join(root, 'killed-budget.json');
    const args = ['sweep', '--config', config, '--out', out, '--ledger', ledger, '--backend', 'cpu'];
    const t0 = Date.now();
    const first = spawnCourse(args);
    let exited = false;
    void first.exit.then(() => (exited = true));
    // Trial 2 has a checkpoint and a heartbeat (every 5 s) has recorded some of its spend.
    const dead = await until(
      'trial 2 with a checkpoint and a heartbeat',
      () => {
        if (!existsSync(join(out, 't002', 'DONE_00000010')) || !existsSync(ledger)) return null;
        const entry = ledgerRuns(ledger, join(out, 't002'))[0] as LedgerEntry | undefined;
        // still running, with a heartbeat's spend: a finished entry also has wallSeconds > 0, and
        // killing after trial 2 finished (a fast machine) left nothing to resume
        return entry && entry.status === 'running' && entry.wallSeconds > 0 ? entry : null;
      },
      () => !exited,
      () => `; course printed:\n${first.output()}`,
    );
    first.child.kill('SIGKILL');
    await first.exit;
    const killedAfter = (Date.now() - t0) / 1000;
    const killedState = readJson(join(out, 'sweep.json'));
    expect(killedState.trials.map((t: { status: string }) => t.status)).toEqual(['finished', 'running']);
    const deadEntry = ledgerRuns(ledger, join(out, 't002'))[0] as LedgerEntry;
    expect(deadEntry.status).toBe('running'); // as kill -9 left it
    expect(deadEntry.wallSeconds).toBeGreaterThanOrEqual(dead.wallSeconds);

    const t1 = Date.now();
    const again = await course(...args);
    const rerunSeconds = (Date.now() - t1) / 1000;
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      new RegExp(`trial t002 \\(lr 0\\.01, steps ${steps}\\) to step ${steps} from its step-\\d+ checkpoint`),
    );
    expect(again.stdout).not.toMatch(/trial t001 .* to step/);
    const state = readJson(join(out, 'sweep.json'));
    expect(state.status).toBe('finished');
    expect(state.trials.map((t: { status: string }) => t.status)).toEqual(['finished', 'finished']);

    const runs = readJson(ledger).runs as LedgerEntry[];
    // Trial 1: its one run, not retrained. Trial 2: the killed run, marked interrupted with the
    // spend of its last heartbeat (unchanged), and the resumed run.
    expect(ledgerRuns(ledger, join(out, 't001'))).toHaveLength(1);
    const t2runs = ledgerRuns(ledger, join(out, 't002')) as LedgerEntry[];
    expect(t2runs.map((r) => r.status)).toEqual(['interrupted', 'finished']);
    expect(t2runs[0].wallSeconds).toBe(deadEntry.wallSeconds);
    expect(t2runs[0].actualUsd).toBe(deadEntry.actualUsd);
    // The resumed run trained from its checkpoint: step 0 is in the log once, every step is there.
    const logged = trainSteps(join(out, 't002'));
    expect(logged.filter((s) => s === 0)).toHaveLength(1);
    expect(new Set(logged)).toEqual(new Set(Array.from({ length: steps }, (_, i) => i)));
    // The money: every entry is its wall time at the rate; the sweep's spend is the ledger's total,
    // and the seconds recorded fit in the seconds that passed (nothing counted twice).
    for (const r of runs) expect(r.actualUsd).toBeCloseTo((r.wallSeconds / 3600) * 1.5, 12);
    const total = runs.reduce((a, r) => a + r.actualUsd, 0);
    expect(state.spentUsd).toBeCloseTo(total, 12);
    const seconds = runs.reduce((a, r) => a + r.wallSeconds, 0);
    expect(seconds).toBeLessThanOrEqual(killedAfter + rerunSeconds);
  });
});

describe('course transfer --sweeps', () => {
  test("reads each sweep folder's best LR per scale from sweep.json and fits across them", async () => {
    // Best LRs on the law lr = 0.1 · channels^(−1/2), one sweep folder per width.
    const law = (c: number) => 0.1 * c ** -0.5;
    const dirs = [64, 128, 256].map((channels) => {
      const dir = join(root, `transfer-c${channels}`);
      mkdirSync(dir, { recursive: true });
      const best = [
        { scale: { depth: 2, channels, heads: 2, steps: 50 }, lr: law(channels), valLoss: 3, trial: 't001' },
      ];
      writeFileSync(
        join(dir, 'sweep.json'),
        JSON.stringify({ version: 1, status: 'finished', trials: [], best }),
      );
      return dir;
    });
    const r = await course(
      'transfer',
      '--sweeps',
      ...dirs,
      '--x',
      'channels',
      '--target',
      '768',
      '--family',
      'power',
      '--json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const fit = JSON.parse(r.stdout);
    expect(fit.family).toBe('power');
    expect(fit.prediction).toBeCloseTo(law(768), 10);

    const bad = await course('transfer', '--sweeps', dirs[0], '--x', 'width', '--target', '768');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--x: found width, expected with --sweeps one of depth, channels/);
    const both = await course(
      'transfer',
      '--sweeps',
      dirs[0],
      '--csv',
      'x.csv',
      '--x',
      'channels',
      '--target',
      '1',
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--csv\/--sweeps: found both, expected one/);
    const none = await course('transfer', '--sweeps', root, '--x', 'channels', '--target', '1');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`${root}: no sweep.json, expected a course sweep folder`);
  });
});

describe('the starter strategies shipped with gpt2-tuning', () => {
  const kit = join(REPO, 'assignments', 'gpt2-tuning');
  const readme = readFileSync(join(kit, 'README.md'), 'utf8');
  const configs = [
    '1-greedy-doubling',
    '2-fewer-steps',
    '3-narrower-model',
    '4-successive-halving',
    '5-hyperband',
  ];
  for (const name of configs) {
    test(`${name}: plans, and the README's table states its projected cost`, async () => {
      const r = await course('sweep', '--plan', '--json', '--config', join(kit, 'sweeps', `${name}.json`));
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const plan = JSON.parse(r.stdout);
      const row = readme.split('\n').find((l) => l.startsWith(`| \`sweeps/${name}.json\``));
      expect(row, `README row for ${name}`).toBeDefined();
      const cells = (row as string).split('|').map((c) => c.trim());
      expect(cells[5]).toBe(
        `${plan.strategy === 'greedy-doubling' ? '≤ ' : ''}$${plan.projected_usd.toFixed(2)}`,
      );
    });
  }
});
