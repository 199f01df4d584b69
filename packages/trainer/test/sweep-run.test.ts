/**
 * runSweep on a fake trial runner: the runner writes the run folder a trial
 * would (main.log with hand-made losses, run.json) and records its run in the
 * ledger as train_gpt2cu does (start, finish with a hand-made wall time), so
 * the sweep's decisions (greedy doubling's divergence, parallel trials, the
 * budget, resuming) are checked against losses and spends chosen here.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { finishRun, openLedger, startRun } from '../src/ledger.js';
import { parseTrainArgs } from '../src/llmc-flags.js';
import {
  lrPlotCharts,
  parallelCap,
  planSweep,
  runSweep,
  type SweepConfig,
  type TrialRunner,
} from '../src/sweep/index.js';
import { RunInterrupted, type TrainIO } from '../src/train.js';

const root = mkdtempSync(join(tmpdir(), 'sweep-run-'));
const quiet: TrainIO = { log: () => {}, warn: () => {} };
const FIRST_VAL = 10;
/** Every fake run's wall time: at the default $1.50/h, 36 s cost $0.015. */
const WALL_SECONDS = 36;
const RUN_USD = (WALL_SECONDS / 3600) * 1.5;

interface Outcome {
  /** Val loss at the trial's last step (NaN: the run blew up). */
  val: number;
  hellaswag?: number;
}

interface Fake {
  run: TrialRunner;
  /** LRs in the order their trials started. */
  started: number[];
  /** The most trials running at one moment. */
  maxRunning: number;
}

/**
 * A runner that writes main.log (step-0 val loss FIRST_VAL, `outcome(lr)` at the last step)
 * and run.json, and one finished ledger entry of WALL_SECONDS. `hold(n)`: each trial waits
 * until n trials have started (proves that n run at once; a sweep running fewer hangs).
 */
function fakeRunner(
  outcome: (lr: number) => Outcome,
  opts: { hold?: number; interrupt?: (lr: number) => boolean } = {},
): Fake {
  let running = 0;
  const waiting: (() => void)[] = [];
  const fake: Fake = {
    started: [],
    maxRunning: 0,
    run: async (args) => {
      const o = parseTrainArgs(args);
      const lr = o.learningRate;
      fake.started.push(lr);
      running++;
      fake.maxRunning = Math.max(fake.maxRunning, running);
      if (opts.hold !== undefined) {
        if (fake.started.length >= opts.hold) for (const go of waiting.splice(0)) go();
        else await new Promise<void>((resolve) => waiting.push(resolve));
      }
      await new Promise((resolve) => setImmediate(resolve));
      const ledger = openLedger(o.ledgerPath);
      const runId = `${o.outputDir}@${fake.started.length}`;
      startRun(ledger, { runId, outputDir: o.outputDir, ratePerHour: 1.5 });
      running--;
      if (opts.interrupt?.(lr)) {
        finishRun(ledger, runId, { wallSeconds: WALL_SECONDS / 2, status: 'interrupted' });
        throw new RunInterrupted('SIGINT', `interrupted ${o.outputDir}`);
      }
      const stop = o.earlyStopStep > 0 ? o.earlyStopStep : o.maxSteps;
      const r = outcome(lr);
      const fmt = (x: number) => (Number.isNaN(x) ? 'nan' : x.toFixed(4));
      const lines = [
        `s:0 tel:${FIRST_VAL.toFixed(4)}`,
        `s:${stop - 1} trl:${fmt(r.val)} lr:${lr.toFixed(6)} norm:1.00 time (ms):1.00`,
        `s:${stop} tel:${fmt(r.val)}`,
        ...(r.hellaswag === undefined ? [] : [`s:${stop} eval:${r.hellaswag.toFixed(4)}`]),
      ];
      mkdirSync(o.outputDir, { recursive: true });
      writeFileSync(join(o.outputDir, 'main.log'), `${lines.join('\n')}\n`);
      writeFileSync(
        join(o.outputDir, 'run.json'),
        JSON.stringify({ config: { learningRate: lr, maxSteps: o.maxSteps }, cost: {} }),
      );
      finishRun(ledger, runId, { wallSeconds: WALL_SECONDS });
    },
  };
  return fake;
}

let n = 0;
function sweepFiles(name: string) {
  const dir = join(root, `${name}-${++n}`);
  return { outDir: join(dir, 'sweep'), ledgerPath: join(dir, 'budget.json'), configPath: `${name}.json` };
}

const readLedger = (path: string) =>
  JSON.parse(readFileSync(path, 'utf8')).runs as { outputDir: string; actualUsd: number; status: string }[];

/** Round an LR computed as start·2^k·f to compare with the decimal written here. */
const lr6 = (x: number) => Number(x.toPrecision(6));

describe('greedy doubling (strategy 1) on hand-made losses', () => {
  const base = { '-b': 4, '-t': 64 };
  // Final val loss by LR: better up to 0.004, worse at 0.008, diverged (above the step-0 loss) at 0.016.
  const losses: Record<string, number> = {
    0.001: 9.0,
    0.002: 8.0,
    0.004: 7.5,
    0.008: 7.8,
    0.016: 10.5,
    0.012: 7.2,
    0.006: 7.4,
  };
  const outcome = (lr: number) => ({ val: losses[String(lr6(lr))] ?? Number.NaN });

  test('doubles until the loss ends above its step-0 value, then tries fractions of that LR', async () => {
    const config: SweepConfig = {
      strategy: 'greedy-doubling',
      base,
      start_lr: 0.001,
      steps: 40,
      max_doublings: 10,
      fractions: [0.75, 0.5, 0.375],
    };
    const fake = fakeRunner(outcome);
    const { state, exitCode } = await runSweep(config, {
      ...sweepFiles('greedy'),
      io: quiet,
      runTrial: fake.run,
    });
    expect(exitCode).toBe(0);
    // 0.016 diverged (10.5 ≥ 10): no 0.032; then 0.75 and 0.375 of it. 0.5 × 0.016 = 0.008 is
    // trial t004's LR: taken from there, not run again.
    expect(fake.started.map(lr6)).toEqual([0.001, 0.002, 0.004, 0.008, 0.016, 0.012, 0.006]);
    expect(state.trials.map((t) => [t.key, lr6(t.params.lr)])).toEqual([
      ['t001', 0.001],
      ['t002', 0.002],
      ['t003', 0.004],
      ['t004', 0.008],
      ['t005', 0.016],
      ['t006', 0.012],
      ['t007', 0.006],
    ]);
    // Warmup is off in every trial (-u 0) whatever the base says.
    expect(state.trials.every((t) => t.status === 'finished')).toBe(true);
    expect(state.best).toHaveLength(1);
    expect(lr6(state.best[0].lr)).toBe(0.012);
    expect(state.best[0].valLoss).toBe(7.2);
    expect(state.spentUsd).toBeCloseTo(7 * RUN_USD, 12);
  });

  test('a loss that is not a number diverges too; no divergence within max_doublings tries no fractions', async () => {
    const nan = fakeRunner((lr) => ({ val: lr > 0.003 ? Number.NaN : 9 - lr }));
    const config: SweepConfig = { strategy: 'greedy-doubling', start_lr: 0.001, steps: 20, fractions: [0.5] };
    await runSweep(config, { ...sweepFiles('greedy-nan'), io: quiet, runTrial: nan.run });
    // 0.004 logged nan: divergent; 0.5 of it is 0.002, an earlier doubling.
    expect(nan.started.map(lr6)).toEqual([0.001, 0.002, 0.004]);

    const calm = fakeRunner((lr) => ({ val: 9 - lr }));
    const lines: string[] = [];
    const io = { log: (l: string) => lines.push(l), warn: () => {} };
    await runSweep({ ...config, max_doublings: 2 }, { ...sweepFiles('greedy-calm'), io, runTrial: calm.run });
    expect(calm.started.map(lr6)).toEqual([0.001, 0.002, 0.004]);
    expect(lines).toContain('no LR up to 0.004 diverged; no fractions tried (raise max_doublings)');
  });

  test('the greedy trials get -u 0 (no warmup)', async () => {
    const seen: string[][] = [];
    const fake = fakeRunner(() => ({ val: 11 }));
    const run: TrialRunner = (args, o) => {
      seen.push(args);
      return fake.run(args, o);
    };
    const config: SweepConfig = {
      strategy: 'greedy-doubling',
      base: { '-u': 100 },
      start_lr: 0.01,
      steps: 10,
      fractions: [0.75],
    };
    await runSweep(config, { ...sweepFiles('greedy-warmup'), io: quiet, runTrial: run });
    for (const args of seen) expect(parseTrainArgs(args).warmupSteps).toBe(0);
  });
});

describe('parallel trials', () => {
  const grid = (lrs: number[], extra: Partial<SweepConfig> = {}): SweepConfig => ({
    strategy: 'grid',
    space: { lr: { values: lrs } },
    steps: 10,
    ...extra,
  });

  test('two trials run at once; both finish and the ledger counts each once', async () => {
    const files = sweepFiles('parallel');
    const fake = fakeRunner((lr) => ({ val: 8 + lr }), { hold: 2 });
    const { state } = await runSweep(grid([0.01, 0.02]), {
      ...files,
      io: quiet,
      parallel: 2,
      runTrial: fake.run,
    });
    expect(fake.maxRunning).toBe(2);
    expect(state.status).toBe('finished');
    expect(state.trials.map((t) => t.status)).toEqual(['finished', 'finished']);
    const runs = readLedger(files.ledgerPath);
    for (const key of ['t001', 't002'])
      expect(runs.filter((r) => r.outputDir === join(files.outDir, key))).toHaveLength(1);
    expect(state.trials.map((t) => t.spentUsd)).toEqual([RUN_USD, RUN_USD]);
    expect(state.spentUsd).toBeCloseTo(2 * RUN_USD, 12);
  });

  test('a trial is started only when the ledger affords it beside what running trials may still spend', async () => {
    // Each trial is projected at 10 steps × $0.008 = $0.08 and spends $0.015. With $0.15 left,
    // two at once would reserve $0.16: the second waits for the first, then fits ($0.135 left).
    const files = sweepFiles('reserved');
    const fake = fakeRunner((lr) => ({ val: 8 + lr }));
    const { state, exitCode } = await runSweep(grid([0.01, 0.02], { usd_per_step: 0.008 }), {
      ...files,
      budgetUsd: 0.15,
      io: quiet,
      parallel: 2,
      yes: true,
      runTrial: fake.run,
    });
    expect(exitCode).toBe(0);
    expect(fake.maxRunning).toBe(1);
    expect(state.trials.map((t) => t.status)).toEqual(['finished', 'finished']);

    // With $0.20 both fit at once ($0.16).
    const roomy = fakeRunner((lr) => ({ val: 8 + lr }), { hold: 2 });
    await runSweep(grid([0.01, 0.02], { usd_per_step: 0.008 }), {
      ...sweepFiles('roomy'),
      budgetUsd: 0.2,
      io: quiet,
      parallel: 2,
      yes: true,
      runTrial: roomy.run,
    });
    expect(roomy.maxRunning).toBe(2);
  });

  test('with nothing running, a trial the ledger cannot afford stops the sweep (exit 3)', async () => {
    const files = sweepFiles('poor');
    const fake = fakeRunner((lr) => ({ val: 8 + lr }));
    // $0.10 left: trial 1 ($0.08 projected) runs and spends $0.015; trial 2 ($0.08) waits for
    // it, then finds $0.085 left and runs; trial 3 finds $0.07: not started.
    const { state, exitCode } = await runSweep(grid([0.01, 0.02, 0.03], { usd_per_step: 0.008 }), {
      ...files,
      budgetUsd: 0.1,
      io: quiet,
      parallel: 2,
      yes: true,
      runTrial: fake.run,
    });
    expect(exitCode).toBe(3);
    expect(state.status).toBe('stopped');
    expect(state.message).toMatch(/^trial t003 \(lr 0\.03\) to step 10: projected \$0\.08 .*not started/);
    expect(state.trials.map((t) => t.status)).toEqual(['finished', 'finished', 'pending']);
  });

  test('run again after an interruption: finished trials are skipped, the interrupted one runs', async () => {
    const files = sweepFiles('resume');
    const config = grid([0.01, 0.02, 0.03]);
    const first = fakeRunner((lr) => ({ val: 8 + lr }), { interrupt: (lr) => lr === 0.03 });
    await expect(runSweep(config, { ...files, io: quiet, parallel: 2, runTrial: first.run })).rejects.toThrow(
      /interrupted .*t003[\s\S]*run the same command to resume it/,
    );
    const stopped = JSON.parse(readFileSync(join(files.outDir, 'sweep.json'), 'utf8'));
    expect(stopped.status).toBe('interrupted');
    expect(stopped.trials.map((t: { status: string }) => t.status)).toEqual([
      'finished',
      'finished',
      'pending',
    ]);

    const again = fakeRunner((lr) => ({ val: 8 + lr }));
    const { state } = await runSweep(config, { ...files, io: quiet, parallel: 2, runTrial: again.run });
    expect(again.started).toEqual([0.03]);
    expect(state.trials.map((t) => t.status)).toEqual(['finished', 'finished', 'finished']);
    // Each finished trial: one ledger entry. The interrupted trial: its interrupted entry
    // (half a run) and the run that finished it.
    const runs = readLedger(files.ledgerPath);
    const of = (key: string) => runs.filter((r) => r.outputDir === join(files.outDir, key));
    expect(of('t001')).toHaveLength(1);
    expect(of('t002')).toHaveLength(1);
    expect(of('t003').map((r) => r.status)).toEqual(['interrupted', 'finished']);
    expect(state.spentUsd).toBeCloseTo(3 * RUN_USD + RUN_USD / 2, 12);
  });

  test('--parallel is capped by the cores and the free memory, with a message', () => {
    const gib = 2 ** 30;
    expect(parallelCap(2, { cores: 4, freeBytes: 8 * gib })).toEqual({ n: 2 });
    const cores = parallelCap(8, { cores: 2, freeBytes: 8 * gib });
    expect(cores.n).toBe(2);
    expect(cores.message).toBe(
      '--parallel 8: running 2 trials at once: this machine has 2 cores and 8.0 GiB free memory (1.0 GiB per trial process)',
    );
    expect(parallelCap(4, { cores: 16, freeBytes: 3.5 * gib }).n).toBe(3);
    expect(parallelCap(4, { cores: 16, freeBytes: 0.5 * gib }).n).toBe(1);
  });
});

describe('the sweep plot (lr.svg)', () => {
  test('HellaSwag accuracy against LR beside the val loss, from the trials that evaluated it', async () => {
    const config: SweepConfig = {
      strategy: 'grid',
      space: { lr: { values: [0.001, 0.01, 0.1] } },
      steps: 10,
    };
    const val: Record<string, number> = { 0.001: 7.5, 0.01: 7.25, 0.1: 9 };
    const acc: Record<string, number> = { 0.001: 0.25, 0.01: 0.3 };
    const fake = fakeRunner((lr) => ({ val: val[String(lr)], hellaswag: acc[String(lr)] }));
    const { state } = await runSweep(config, { ...sweepFiles('plot'), io: quiet, runTrial: fake.run });
    expect(state.trials.map((t) => t.stages[0].hellaswag)).toEqual([0.25, 0.3, undefined]);
    const charts = lrPlotCharts(state, config, planSweep(config));
    expect(charts.map((c) => c.yTitle)).toEqual(['val loss', 'HellaSwag accuracy']);
    const points = (i: number) => charts[i].series.flatMap((s) => s.points);
    expect(points(0)).toEqual([
      { x: -3, y: 7.5 },
      { x: -2, y: 7.25 },
      { x: -1, y: 9 },
    ]);
    // The 0.1 trial evaluated no HellaSwag: no point.
    expect(points(1)).toEqual([
      { x: -3, y: 0.25 },
      { x: -2, y: 0.3 },
    ]);

    const plain = fakeRunner((lr) => ({ val: val[String(lr)] }));
    const r = await runSweep(config, { ...sweepFiles('plot-plain'), io: quiet, runTrial: plain.run });
    expect(lrPlotCharts(r.state, config, planSweep(config)).map((c) => c.yTitle)).toEqual(['val loss']);
  });
});
