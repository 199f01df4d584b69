/**
 * The training run behind `train_gpt2cu`: llm.c's train_gpt2.cu main loop on
 * tfjs, with the handout's cost accounting built in.
 *
 * Per step, in llm.c's order:
 *   val loss (step % v == 0 or last) -> HellaSwag (step > 0 && step % v == 0, or last)
 *   -> sample (step > 0 && step % s == 0, or last) -> checkpoint ((step > 0 && step % n == 0) or last)
 *   -> (last step: stop) -> grad_accum micro-steps, clip, AdamW -> main.log `trl` line.
 * After step 19 the cost probe projects the run's cost and checks the ledger.
 *
 * Stopping: the ledger's heartbeat thread records the spend every few seconds
 * whatever the loop is doing. SIGINT (Ctrl-C) and SIGTERM are acted on between
 * steps and between the evaluations of a step (a step or an evaluation under
 * way finishes first): the run ends with status "interrupted", its wall time
 * and cost in the ledger and run.json, and train() rejects with RunInterrupted
 * (the bin exits 128 + the signal's number: 130, 143). An error finishes it as
 * "failed", one that escapes everything (uncaught) too, just before the process dies.
 */
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import {
  appendRunParameters,
  attentionScale,
  BudgetError,
  checkpointFileName,
  decodeText,
  decodeTokens,
  describeMup,
  doneFileName,
  GPT2,
  type GPT2Config,
  gpt2Config,
  type HellaSwagExample,
  InputError,
  initParametersLlmc,
  initParametersMup,
  MainLog,
  type MupSettings,
  numParameters,
  type OptimizerState,
  outputMultiplier,
  readCheckpoint,
  readCheckpointHeader,
  readHellaSwag,
  readOptimizerState,
  readTokenizer,
  recordedMup,
  reportError,
  sampleTokens,
  selectBackend,
  stateFileName,
  type TokenizerTable,
  widthMultiplier,
  writeCheckpoint,
  writeOptimizerState,
} from '@course/models';
import * as tf from '@tensorflow/tfjs';
import { AdamW } from './adamw.js';
import {
  type CostBreakdown,
  costBreakdown,
  formatCostBreakdown,
  formatProbeCost,
  formatUsd,
  PROBE_LAST_STEP,
  type ProbeCost,
  probeCost,
} from './cost.js';
import { DataLoader } from './dataloader.js';
import { formatValLoss, hellaswagAccuracy, valBatchCount, valLoss } from './eval.js';
import {
  checkProjection,
  finishRun,
  type Heartbeat,
  openLedger,
  type RunStatus,
  setProjection,
  startHeartbeat,
  startRun,
  WRITE_INTERVAL_MS,
} from './ledger.js';
import { gradAccumSteps, scheduleWarning, type TrainOptions } from './llmc-flags.js';
import { MetricsWriter, writeRunJson } from './metrics.js';
import { OutlierDetector } from './outlier.js';
import { measurePeakFlops } from './peak.js';
import { runParameterRows } from './run-parameter-rows.js';
import { learningRate } from './schedulers.js';
import { trainStep } from './step.js';

export interface TrainIO {
  /** Console lines (stdout). */
  log: (line: string) => void;
  /** Diagnostics (stderr): backend choice, warnings. */
  warn: (line: string) => void;
}

export interface TrainResult {
  outputDir: string;
  steps: number;
  finalValLoss: number | null;
  finalHellaswag: number | null;
  probe: ProbeCost | null;
  wallSeconds: number;
  actualUsd: number;
}

const defaultIO: TrainIO = { log: (l) => console.log(l), warn: (l) => console.error(l) };

/** The signals that stop a run cleanly, and the exit code a shell shows for each (128 + its number). */
export const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof STOP_SIGNALS;

/** A run stopped by SIGINT or SIGTERM, after its spend was recorded. */
export class RunInterrupted extends Error {
  readonly exitCode: number;
  constructor(
    readonly signal: StopSignal,
    message: string,
  ) {
    super(message);
    this.name = 'RunInterrupted';
    this.exitCode = STOP_SIGNALS[signal];
  }
}

/**
 * The exit code for an error train() rejected with, after printing it: an
 * interrupted run as its message (exit 130 or 143), anything else as every bin does.
 */
export function reportTrainError(
  err: unknown,
  stderr: (line: string) => void = (l) => console.error(l),
): number {
  if (err instanceof RunInterrupted) {
    stderr(err.message);
    return err.exitCode;
  }
  return reportError(err, stderr);
}

/** Notes SIGINT/SIGTERM instead of dying at once, until dispose(). */
function watchStopSignals(): { received: () => StopSignal | null; dispose: () => void } {
  let received: StopSignal | null = null;
  const handlers = (Object.keys(STOP_SIGNALS) as StopSignal[]).map((signal) => {
    const handler = () => {
      received ??= signal;
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return {
    received: () => received,
    dispose: () => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    },
  };
}

/** Lets the event loop run (signal handlers, timers), e.g. between steps. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Creates the -o folder if needed; one that cannot be made or written, or a
 * file in its place, is an InputError naming it (not a stack trace).
 */
export function ensureOutputDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new InputError(
        `-o ${dir}: found a file (at or above it), expected a folder for the run's outputs`,
      );
    }
    throw new InputError(`-o ${dir}: cannot write there (${code}); choose a folder you can write to`);
  }
  if (!statSync(dir).isDirectory()) {
    throw new InputError(`-o ${dir}: found a file, expected a folder for the run's outputs`);
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new InputError(
      `-o ${dir}: cannot write there (${(err as NodeJS.ErrnoException).code}); choose a folder you can write to`,
    );
  }
}

/** The run's muP settings from --mup / --mup-base-width (undefined: SP). */
export function mupSettings(opts: Pick<TrainOptions, 'mup' | 'mupBaseWidth'>): MupSettings | undefined {
  return opts.mup && opts.mupBaseWidth !== null ? { baseWidth: opts.mupBaseWidth } : undefined;
}

/**
 * A checkpoint's forward depends on muP settings its llm.c file cannot hold;
 * the run that wrote it recorded them in the run.json beside it. Resuming or
 * initialising from it with other settings would silently run another model:
 * an InputError naming both (no run.json: an llm.c checkpoint, any settings).
 */
export function checkMupMatches(checkpointPath: string, flag: string, mup: MupSettings | undefined): void {
  const path = join(dirname(checkpointPath), 'run.json');
  if (!existsSync(path)) return;
  const recorded = recordedMup(checkpointPath);
  if (recorded?.baseWidth === mup?.baseWidth) return;
  const flags = recorded ? `--mup 1 --mup-base-width ${recorded.baseWidth}` : 'no --mup flags';
  throw new InputError(
    `${flag} ${checkpointPath}: found ${describeMup(mup)} for this run, expected ${describeMup(recorded)} as ${path} records (pass ${flags})`,
  );
}

/** The largest step with a DONE_%08d marker in `dir`, or null. */
export function latestDoneStep(dir: string): number | null {
  if (!existsSync(dir)) return null;
  const steps = readdirSync(dir)
    .map((name) => /^DONE_(\d{8})$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
  return steps.length ? Math.max(...steps) : null;
}

export async function train(opts: TrainOptions, io: TrainIO = defaultIO): Promise<TrainResult> {
  const started = performance.now();
  const wallSeconds = () => (performance.now() - started) / 1000;
  const backend = await selectBackend(opts.backend, { log: io.warn });
  for (const f of opts.ignoredFlags) io.warn(`note: ${f.flag} ${f.value} has no effect here (${f.reason})`);

  const dir = opts.outputDir;
  ensureOutputDir(dir);
  const mup = mupSettings(opts);
  const { config, params, weightInit, resumeState, resumeStep } = startingPoint(opts, mup);
  const tokenizer = opts.tokenizerPath === null ? null : loadTokenizer(opts.tokenizerPath, config);
  const B = opts.batchSize;
  const T = opts.seqLen;
  const { trainLoader, valLoader, valBatches, hellaswag } = openData(opts, config, io);

  const gradAccum = gradAccumSteps(opts);
  const tokensPerStep = B * T * gradAccum;
  const trainSteps =
    opts.maxSteps === -1 ? Math.floor(trainLoader.totalTokens / tokensPerStep) : opts.maxSteps;
  if (trainSteps < 1) {
    throw new InputError(
      `-x -1: one epoch of ${trainLoader.totalTokens} tokens is less than one step of -d ${tokensPerStep}`,
    );
  }
  const lastStep = opts.earlyStopStep !== -1 ? opts.earlyStopStep : trainSteps;
  const warning = scheduleWarning(opts, trainSteps);
  if (warning) io.warn(warning);

  // ---- model and optimizer (after every input check, so bad input leaks no tensors)
  const N = numParameters(config);
  const model = new GPT2(config, params, { mup });
  const optimizer = new AdamW(model.parameters);

  // ---- resume the optimizer and the loader where the state file left them
  let step = opts.startStep;
  if (resumeState) {
    optimizer.loadFlat(resumeState.m, resumeState.v);
    const shuffle = resumeState.shuffle;
    trainLoader.restore({
      shardIndex: Number(resumeState.currentShardIdx),
      sampleIndex: Number(resumeState.currentSampleIdx),
      shardOrder: shuffle ? Array.from(shuffle.shardIndices) : trainLoader.files.map((_, i) => i),
      sampleOrder: shuffle ? Array.from(shuffle.intraShardIndices) : [],
      rngState: shuffle?.mt19937State ?? null,
    });
    step = resumeState.step;
    io.log(`resuming from step ${step} (${join(dir, checkpointFileName(step))})`);
  }

  // ---- outputs
  const mainLog = new MainLog(dir, { resume: opts.resume });
  const metrics = new MetricsWriter(dir, { resume: opts.resume && resumeStep !== null });
  // The matMul peak measured at start; raised if a whole step ever runs faster (the start-up
  // measurement ran while other processes held the cores), so MFU never reads above 100%.
  let peak = measurePeakFlops();
  appendRunParameters(
    dir,
    runParameterRows(opts, {
      config,
      numParameters: N,
      weightInit,
      trainNumBatches: trainSteps,
      valNumBatches: valBatches,
      runHellaswag: hellaswag !== null,
      device: `tfjs ${backend.name}`,
      peakTflops: peak / 1e12,
      precision: 'FP32',
    }),
  );
  io.log(
    `model d${config.numLayers} c${config.channels} h${config.numHeads}: ${N.toLocaleString('en-US')} parameters | B ${B} T ${T} grad_accum ${gradAccum} | ${trainSteps} steps | backend ${backend.name}`,
  );

  const ledger = openLedger(opts.ledgerPath, { budgetUsd: opts.budgetUsd });
  const runId = `${dir}@${new Date().toISOString()}`;
  startRun(ledger, { runId, outputDir: dir, ratePerHour: opts.rateUsdPerHour });
  const spend = () => (wallSeconds() / 3600) * opts.rateUsdPerHour;
  const heartbeat: Heartbeat = startHeartbeat({
    ledgerPath: opts.ledgerPath,
    runId,
    startedAtMs: Date.now() - wallSeconds() * 1000,
    onError: (err) =>
      io.warn(`warning: ledger heartbeat stopped (${err.message}); spend is recorded at the end`),
  });
  const signals = watchStopSignals();

  const record = new RunRecord(
    dir,
    wallSeconds,
    (status, wall, note) => finishRun(ledger, runId, { wallSeconds: wall, status, note }),
    {
      config: { ...opts, ignoredFlags: opts.ignoredFlags.map((f) => f.flag) },
      model: config,
      numParameters: N,
      backend: backend.name,
      backendReason: backend.reason,
      /** The parametrisation (the forward depends on it; llm.c's checkpoint does not record it). */
      parametrisation: mupRecord(config, mup),
      gradAccum,
      trainSteps,
      peakFlops: peak,
      /** The handout's cost analysis: the probe's projection (after step 19) and the actual spend. */
      cost: {
        ratePerHour: opts.rateUsdPerHour,
        probe: null as ProbeCost | null,
        projectedUsd: null as number | null,
        actualUsd: 0,
        wallSeconds: 0,
        /** Where actualUsd went: training steps (what the projection prices), evaluation, start-up, checkpoints, other. */
        breakdown: null as CostBreakdown | null,
      },
      status: 'running' as string,
      versions: { node: process.version, tfjs: tf.version.tfjs, courseware: '0.1.0' },
    },
  );
  const { phaseSeconds } = record;
  const since = (t0: number) => (performance.now() - t0) / 1000;
  // An error that escapes every handler ends the process: record the run first.
  const onUncaught = () => {
    void heartbeat.stop();
    record.finish('failed', 'uncaught error');
  };
  process.on('uncaughtExceptionMonitor', onUncaught);

  const stepMs: number[] = [];
  const lossOutliers = new OutlierDetector();
  const normOutliers = new OutlierDetector();
  let tokensPerSecEma = 0;
  let finalVal: number | null = null;
  let finalAcc: number | null = null;
  let probe: ProbeCost | null = null;
  const resumingAt = resumeStep !== null ? step : -1;
  let status: Exclude<RunStatus, 'running'> = 'failed';
  /** Between steps and evaluations: act on SIGINT/SIGTERM. */
  const checkSignals = async () => {
    await nextTurn();
    const signal = signals.received();
    if (signal) throw new RunInterrupted(signal, `interrupted by ${signal} after step ${step}/${lastStep}`);
  };

  try {
    phaseSeconds.startup = wallSeconds();
    record.save();
    for (; step <= lastStep; step++) {
      const last = step === lastStep;
      await checkSignals();
      if (valLoader && (step % opts.valEvery === 0 || last)) {
        const tEval = performance.now();
        finalVal = valLoss(model, valLoader, valBatches);
        io.log(formatValLoss(finalVal, { batches: valBatches, B, T }, 6)); // llm.c's %f, and what it averages
        mainLog.val(step, finalVal);
        metrics.write({ step, val_loss: finalVal, cost_usd: spend() });
        phaseSeconds.evaluation += since(tEval);
        await checkSignals();
      }
      if (hellaswag && ((step > 0 && step % opts.valEvery === 0) || last)) {
        const tEval = performance.now();
        const r = hellaswagAccuracy(model, hellaswag);
        finalAcc = r.accuracy;
        io.log(`HellaSwag: ${r.correct}/${r.total} = ${r.accuracy.toFixed(6)}`);
        mainLog.eval(step, r.accuracy);
        metrics.write({ step, hellaswag_acc: r.accuracy, cost_usd: spend() });
        phaseSeconds.evaluation += since(tEval);
        await checkSignals();
      }
      if (opts.sampleEvery > 0 && ((step > 0 && step % opts.sampleEvery === 0) || last)) {
        const tSample = performance.now();
        io.log(`generating:\n---\n${generateSample(model, tokenizer, opts)}\n---`);
        phaseSeconds.evaluation += since(tSample);
      }
      const checkpointDue =
        opts.checkpointEvery > 0 && ((step > 0 && step % opts.checkpointEvery === 0) || last);
      if (checkpointDue && step !== resumingAt) {
        const tCheckpoint = performance.now();
        writeCheckpointSet(dir, step, model, optimizer, trainLoader, opts);
        io.log(`Writing checkpoint at step ${step}`);
        pruneCheckpoints(dir, step, opts);
        phaseSeconds.checkpoints += since(tCheckpoint);
      }
      if (last) break;

      // ---- one update: grad_accum micro-steps, global-norm clip, AdamW
      const t0 = performance.now();
      if (opts.overfitSingleBatch) trainLoader.reset();
      const lr = learningRate(opts.scheduler, step, {
        maxLr: opts.learningRate,
        warmup: opts.warmupSteps,
        totalSteps: trainSteps,
        finalFraction: opts.finalLrFraction,
      });
      const { loss, norm, applied } = trainStep(model, optimizer, () => trainLoader.nextBatch(), {
        B,
        T,
        gradAccum,
        learningRate: lr,
        weightDecay: opts.weightDecay,
        // llm.c uses t = step + 1 even with -ss S, so fresh m and v are barely bias-corrected and
        // the first updates are tiny; we count the updates this run's moments have seen.
        t: step - opts.startStep + 1,
        shouldApply: (l, n) => {
          const lossZ = lossOutliers.update(l);
          const normZ = normOutliers.update(n);
          return !(
            (opts.skipLossZ > 0 && Number.isFinite(lossZ) && lossZ > opts.skipLossZ) ||
            (opts.skipGradZ > 0 && Number.isFinite(normZ) && normZ > opts.skipGradZ)
          );
        },
      });
      if (!applied)
        io.log(
          `skipping update of step ${step + 1} (main.log s:${step}): loss or grad-norm z-score over -sl/-sg`,
        );
      const ms = performance.now() - t0;
      stepMs[step] = ms;

      // llm.c's tokens/s: bias-corrected EMA, step 0 shown raw and left out
      const instant = (tokensPerStep / ms) * 1000;
      const counted = step - opts.startStep;
      if (counted > 0) tokensPerSecEma = 0.95 * tokensPerSecEma + 0.05 * instant;
      const tokensPerSec = counted > 0 ? tokensPerSecEma / (1 - 0.95 ** counted) : instant;
      const flops = (6 * N + 6 * config.numLayers * config.channels * T) * tokensPerStep;
      const achieved = flops / (ms / 1000);
      peak = Math.max(peak, achieved);
      const mfu = (achieved / peak) * 100;
      const remaining = lastStep - step - 1;
      io.log(
        `step ${String(step + 1).padStart(4)}/${lastStep} | loss ${loss.toFixed(6)} | norm ${norm.toFixed(4)} | lr ${lr.toExponential(2)} | ${ms.toFixed(2)} ms | ${mfu.toFixed(1)}% MFU | ${tokensPerSec.toFixed(0)} tok/s | ETA ${formatDuration((remaining * ms) / 1000)}`,
      );
      mainLog.train(step, loss, lr, norm, ms);
      metrics.write({
        step,
        train_loss: loss,
        lr,
        grad_norm: norm,
        ms,
        tokens_per_s: tokensPerSec,
        cost_usd: spend(),
      });
      record.saveIfDue();
      phaseSeconds.trainingSteps += since(t0);

      if (step === PROBE_LAST_STEP) {
        probe = probeCost(stepMs, { steps: trainSteps, ratePerHour: opts.rateUsdPerHour });
        for (const line of formatProbeCost(probe)) io.log(line);
        record.json.cost.probe = probe;
        record.json.cost.projectedUsd = probe.costUsd;
        record.save();
        setProjection(ledger, runId, probe.costUsd);
        const check = checkProjection(ledger, probe.costUsd, {
          allowOverBudget: opts.allowOverBudget,
          runId,
        });
        if (check.message) io.log(check.message);
      }
    }
    status = 'finished';
  } catch (err) {
    if (err instanceof BudgetError) status = 'stopped';
    if (err instanceof RunInterrupted) {
      status = 'interrupted';
      // What was recorded, for the message the bin prints.
      await heartbeat.stop();
      const wall = record.finish(status, err.message.replace(/^interrupted by /, ''));
      err.message +=
        `: ${wall.toFixed(1)} s, ${formatUsd((wall / 3600) * opts.rateUsdPerHour)} at ${formatUsd(opts.rateUsdPerHour)}/h` +
        ` recorded in ${opts.ledgerPath} and ${join(dir, 'run.json')} (status interrupted)`;
    }
    throw err;
  } finally {
    signals.dispose();
    process.off('uncaughtExceptionMonitor', onUncaught);
    await heartbeat.stop();
    record.finish(status);
    optimizer.dispose();
    model.dispose();
  }
  const timed = stepMs.slice(opts.startStep + 1).filter((ms) => ms !== undefined);
  if (timed.length)
    io.log(
      `total average iteration time: ${(timed.reduce((a, b) => a + b, 0) / timed.length).toFixed(6)} ms`,
    );
  const { cost } = record.json;
  if (cost.breakdown) io.log(formatCostBreakdown(cost.breakdown, cost.projectedUsd));
  return {
    outputDir: dir,
    steps: lastStep,
    finalValLoss: finalVal,
    finalHellaswag: finalAcc,
    probe,
    wallSeconds: cost.wallSeconds,
    actualUsd: cost.actualUsd,
  };
}

/** What run.json holds: the run's settings, its model, its cost so far and how it ended. */
interface RunJson {
  cost: {
    ratePerHour: number;
    probe: ProbeCost | null;
    projectedUsd: number | null;
    actualUsd: number;
    wallSeconds: number;
    breakdown: CostBreakdown | null;
  };
  status: string;
  [field: string]: unknown;
}

/**
 * A run's record of itself: run.json with the spend so far (written at start, every
 * WRITE_INTERVAL_MS during training, at the probe and at the end) and, once, how it ended
 * (run.json's status and the ledger entry, through `endInLedger`).
 */
class RunRecord {
  /** Wall time by phase (the rest of the wall time is "other"); start-up ends when the loop begins. */
  readonly phaseSeconds = { trainingSteps: 0, evaluation: 0, startup: 0, checkpoints: 0 };
  private writtenMs = 0;
  private ended = false;

  constructor(
    private readonly dir: string,
    private readonly wallSeconds: () => number,
    private readonly endInLedger: (
      status: Exclude<RunStatus, 'running'>,
      wall: number,
      note?: string,
    ) => void,
    readonly json: RunJson,
  ) {}

  save(wall = this.wallSeconds()): void {
    const { cost } = this.json;
    cost.wallSeconds = wall;
    cost.actualUsd = (wall / 3600) * cost.ratePerHour;
    cost.breakdown = costBreakdown(this.phaseSeconds, wall, cost.ratePerHour);
    writeRunJson(this.dir, this.json);
    this.writtenMs = performance.now();
  }

  saveIfDue(): void {
    if (performance.now() - this.writtenMs >= WRITE_INTERVAL_MS) this.save();
  }

  /** Records how the run ended, in the ledger and run.json, once; returns the wall seconds. */
  finish(status: Exclude<RunStatus, 'running'>, note?: string): number {
    const wall = this.wallSeconds();
    if (this.ended) return wall;
    this.ended = true;
    this.endInLedger(status, wall, note);
    this.json.status = status;
    this.save(wall);
    return wall;
  }
}

/** Where a run starts: its model config and weights, and the optimizer state when it resumes. */
interface StartingPoint {
  config: GPT2Config;
  params: Float32Array;
  /** run_parameters.txt's "weight init" value. */
  weightInit: string;
  resumeState: OptimizerState | null;
  /** The step of the DONE_ checkpoint -y 1 resumes from; null for a fresh run. */
  resumeStep: number | null;
}

/** The model: -y 1 resume, -e checkpoint, or random init from -1d/-1c/-1h (llm.c's order). */
function startingPoint(opts: TrainOptions, mup: MupSettings | undefined): StartingPoint {
  const dir = opts.outputDir;
  const resumeStep = opts.resume ? latestDoneStep(dir) : null;
  if (resumeStep !== null) checkMupMatches(join(dir, checkpointFileName(resumeStep)), '-y 1:', mup);
  else if (opts.initFrom) checkMupMatches(opts.initFrom, '-e', mup);
  let start: StartingPoint;
  if (resumeStep !== null) {
    // As llm.c with master weights: the bf16 checkpoint gives only the config; the
    // weights are the state file's fp32 master copy, which makes resume bit-exact.
    const config = readCheckpointHeader(join(dir, checkpointFileName(resumeStep))).config;
    const statePath = join(dir, stateFileName(resumeStep));
    const resumeState = readOptimizerState(statePath, numParameters(config));
    if (!resumeState.masterWeights) {
      throw new InputError(`${statePath}: no fp32 master weights; cannot resume exactly`);
    }
    const params = resumeState.masterWeights;
    start = { config, params, weightInit: 'intermediate checkpoint', resumeState, resumeStep };
  } else if (opts.initFrom) {
    const ckpt = readCheckpoint(opts.initFrom);
    start = {
      config: ckpt.config,
      params: ckpt.params,
      weightInit: opts.initFrom,
      resumeState: null,
      resumeStep: null,
    };
  } else {
    const config = gpt2Config({ depth: opts.depth, channels: opts.channels, heads: opts.heads });
    const seed = opts.seed ?? 42;
    const params = mup ? initParametersMup(config, mup, seed) : initParametersLlmc(config, seed);
    const scheme = mup ? `${opts.init}+muP` : opts.init; // the base width has its own row
    const weightInit = `random (${scheme}, d${opts.depth} c${opts.channels} h${opts.heads}, seed ${seed})`;
    start = { config, params, weightInit, resumeState: null, resumeStep: null };
  }
  if (opts.seqLen > start.config.maxSeqLen) {
    throw new InputError(
      `-t: found ${opts.seqLen}, expected at most the model's maxT ${start.config.maxSeqLen}`,
    );
  }
  return start;
}

/** The data a run reads: -id (or -iv with -of), -iv when it exists, -h's HellaSwag file. */
function openData(opts: TrainOptions, config: GPT2Config, io: TrainIO) {
  const B = opts.batchSize;
  const T = opts.seqLen;
  const trainLoader = new DataLoader(opts.overfitSingleBatch ? opts.valPattern : opts.trainPattern, B, T, {
    shuffle: !opts.overfitSingleBatch,
    flag: opts.overfitSingleBatch ? '-iv' : '-id',
    vocabSize: config.vocabSize,
  });
  let valLoader: DataLoader | null = null;
  try {
    valLoader = new DataLoader(opts.valPattern, B, T, {
      shuffle: false,
      flag: '-iv',
      vocabSize: config.vocabSize,
    });
  } catch (err) {
    if (!(err instanceof InputError) || !/no file matches/.test(err.message)) throw err;
    io.warn(`val data not found at ${opts.valPattern}, skipping validation`);
  }
  const valBatches = valLoader ? valBatchCount(valLoader, opts.valMaxSteps) : 0;
  let hellaswag: HellaSwagExample[] | null = null;
  if (opts.hellaswag) {
    if (existsSync(opts.hellaswagPath)) hellaswag = readHellaSwag(opts.hellaswagPath).examples;
    else io.log(`HellaSwag eval not found at ${opts.hellaswagPath}, skipping`);
  }
  return { trainLoader, valLoader, valBatches, hellaswag };
}

/** run.json's record of the parametrisation: SP, or muP with its multipliers. */
function mupRecord(config: GPT2Config, mup: MupSettings | undefined) {
  if (!mup) return { kind: 'SP' };
  const m = widthMultiplier(config, mup);
  return {
    kind: 'muP',
    baseWidth: mup.baseWidth,
    widthMultiplier: m,
    hiddenLrMultiplier: 1 / m,
    hiddenInitMultiplier: 1 / Math.sqrt(m),
    outputMultiplier: outputMultiplier(config, mup),
    attentionScale: attentionScale(config, mup),
  };
}

/**
 * -it FILE, read once at start: llm.c's tokenizer table for the printed samples.
 * Any problem with it (missing, wrong magic, truncated, another vocabulary than
 * the model's) is an InputError naming the flag and the file: exit 2.
 */
function loadTokenizer(path: string, config: GPT2Config): TokenizerTable {
  let tokenizer: TokenizerTable;
  try {
    tokenizer = readTokenizer(path);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`-it ${err.message}`);
    throw err;
  }
  if (tokenizer.vocabSize !== config.vocabSize) {
    throw new InputError(
      `-it ${path}: header[2] vocab_size: found ${tokenizer.vocabSize}, expected the model's vocab_size ${config.vocabSize}`,
    );
  }
  return tokenizer;
}

/**
 * The text printed at -s steps: -g tokens sampled (seed 1337 unless --seed).
 * With -it, as llm.c: the prompt is the table's EOT and the ids are decoded with
 * the table (its bytes joined, then read as UTF-8). Without, from GPT-2's EOT,
 * decoded with the built-in GPT-2 BPE.
 */
function generateSample(model: GPT2, tokenizer: TokenizerTable | null, opts: TrainOptions): string {
  const ids = sampleTokens(model, tokenizer ? [tokenizer.eotToken] : [], {
    maxTokens: opts.genTokens,
    seed: opts.seed ?? 1337,
    stopAtEot: false,
  });
  return tokenizer ? decodeTokens(tokenizer, ids) : decodeText(ids);
}

/** model_, state_ (m, v, fp32 master weights, loader position) and DONE_, in that order. */
function writeCheckpointSet(
  dir: string,
  step: number,
  model: GPT2,
  optimizer: AdamW,
  loader: DataLoader,
  opts: TrainOptions,
): void {
  const master = model.toFlat();
  writeCheckpoint(join(dir, checkpointFileName(step)), model.config, master, {
    version: opts.fp32Checkpoints ? 3 : 5,
  });
  const { m, v } = optimizer.toFlat(master.length);
  const pos = loader.position();
  writeOptimizerState(join(dir, stateFileName(step)), {
    numProcesses: 1,
    processRank: 0,
    step,
    rngState: 0n,
    rngStateLastUpdate: 0n,
    currentShardIdx: BigInt(pos.shardIndex),
    currentSampleIdx: BigInt(pos.sampleIndex),
    m,
    v,
    masterWeights: master,
    shuffle: pos.rngState
      ? {
          shardIndices: Int32Array.from(pos.shardOrder),
          intraShardIndices: Int32Array.from(pos.sampleOrder),
          mt19937State: pos.rngState,
        }
      : undefined,
  });
  writeFileSync(join(dir, doneFileName(step)), '');
}

/** -nk K: delete the checkpoint K·n steps back unless it is a multiple of -nm (llm.c's rule). */
function pruneCheckpoints(dir: string, step: number, opts: TrainOptions): void {
  if (opts.keepCheckpoints <= 0) return;
  const old = step - opts.keepCheckpoints * opts.checkpointEvery;
  if (old <= 0) return;
  if (opts.majorCheckpointEvery > 0 && old % opts.majorCheckpointEvery === 0) return;
  for (const name of [doneFileName(old), checkpointFileName(old), stateFileName(old)]) {
    rmSync(join(dir, name), { force: true });
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}
