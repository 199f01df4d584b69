/**
 * `course sweep --config FILE`: the trials of a sweep plan (plan.ts), run one
 * after another in this process on the selected backend, or with `parallel`
 * N > 1 up to N at once, each a process of its own (processes.ts); each trial
 * is a normal train_gpt2cu run folder under the sweep's folder, with the
 * sweep's state in `sweep.json` (written atomically after every change, by
 * this process only).
 *
 * What runs at once: the trials of a list (grid, random), the trials of one
 * rung of a bracket (the next rung waits for all of them: it ranks them), and
 * greedy doubling's fractions; greedy doubling's doublings run one at a time,
 * each deciding whether there is a next.
 *
 * Trial t's flags: the config's `base`, then its parameters (lr → -l, depth →
 * -1d, channels → -1c, heads → -1h, steps → -x, a key starting with "-" as
 * that flag), then -o DIR, -x L (the trial's final length) and -es S (the step
 * this stage stops at), --ledger and --backend; -y 1 whenever DIR holds a
 * DONE_ checkpoint, so a stage continues where the last one ended.
 *
 * Budget first. Before a stage starts, its cost is projected as
 *   steps to train × USD per step + USD per run
 * from the earlier stages of the same shape (their run.json cost breakdowns:
 * training-step cost / steps, and the rest, start-up, evaluations and
 * checkpoints, per run), else the plan's usd_per_step or ms_per_step and
 * ms_per_stage; it is compared with the ledger's remainder less what the stages
 * still running may yet spend:
 *   reserved = Σ over running stages of max(0, projected − what its ledger entries have recorded)
 * (the ledger's remainder already counts their heartbeats' spend). A stage that
 * does not fit waits for a running stage to end and is priced again; with
 * nothing running, a stage the ledger cannot afford is not started
 * (BudgetError, exit 3). With no estimate at all, the trainer's own cost probe
 * (after step 19) checks the ledger and stops the run.
 *
 * Brackets (successive halving, Hyperband): rung i trains the n_i best trials
 * of rung i − 1 (lowest val loss at its last step) on to r_i steps from their
 * r_(i−1) checkpoints, the LR schedule spanning R (-x R -es r_i); the steps
 * saved are Σ over promotions of r_(i−1).
 *
 * Greedy doubling (the handout's strategy 1): -u 0; LR start_lr·2^k until a
 * trial diverges (its final val loss is not finite or not below its step-0 val
 * loss), then `fractions` of that LR.
 *
 * Resuming: the plan is recomputed from the config (it is deterministic: grid
 * order, seeded draws) and every stage already in sweep.json as finished is
 * taken from there, so finished trials are not retrained; the interrupted one
 * resumes from its last DONE_ checkpoint (-y 1). The money: every train() call
 * is one ledger entry; one killed with kill -9 keeps the spend of its last
 * heartbeat and is marked "interrupted" by the next start (ledger.ts
 * markDeadRuns), and the resumed stage is a new entry for its own seconds, so
 * no second is counted twice (the seconds after the last heartbeat, at most
 * WRITE_INTERVAL_MS, are not counted). A trial's spend is the sum of the
 * ledger entries of its folder.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BudgetError, InputError, MT19937, parseMainLog, writeFileAtomic } from '@course/models';
import { formatUsd } from '../cost.js';
import { type Ledger, openLedger, remainingUsd, saveLedger, spentUsd } from '../ledger.js';
import { type LineChart, loadRun, tuningTable, writeLineCharts } from '../report/index.js';
import { latestDoneStep, RunInterrupted, type TrainIO } from '../train.js';
import {
  DEFAULT_FRACTIONS,
  DEFAULT_MAX_DOUBLINGS,
  planSweep,
  type SweepConfig,
  type SweepPlan,
} from './plan.js';
import { inProcessTrial, processTrial, type TrialRunner } from './processes.js';

export const SWEEP_STATE_VERSION = 1;
export const SWEEP_STATE_FILE = 'sweep.json';

/** Space keys that name a train_gpt2cu flag. */
export const PARAM_FLAGS: Record<string, string> = {
  lr: '-l',
  depth: '-1d',
  channels: '-1c',
  heads: '-1h',
  steps: '-x',
  warmup: '-u',
  batch: '-b',
  seq_len: '-t',
  weight_decay: '-c',
};

export interface StageResult {
  /** The step this stage stopped at. */
  stop: number;
  valLoss: number | null;
  /** Val loss at step 0 (greedy doubling's divergence test). */
  firstValLoss: number | null;
  trainLoss: number | null;
  /** HellaSwag accuracy (fraction) at the stage's last step, when the trial evaluated it (-h 1). */
  hellaswag?: number;
  /** Steps this stage trained (stop − the checkpoint it continued from). */
  stepsTrained: number;
  /** Its run's cost in its training steps, and besides them (start-up, evaluations, checkpoints): run.json's breakdown. */
  stepsUsd?: number;
  overheadUsd?: number;
}

export interface TrialState {
  /** t001, or b2-t003 in Hyperband's bracket s = 2. */
  key: string;
  /** The run folder, relative to the sweep folder. */
  dir: string;
  params: Record<string, number>;
  /** -x: the trial's final length (the LR schedule's span). */
  finalSteps: number;
  bracket?: number;
  status: 'pending' | 'running' | 'finished' | 'failed';
  stages: StageResult[];
  /** Ledger spend of the folder's runs. */
  spentUsd: number;
  error?: string;
}

export interface BestLr {
  /** The trial's shape: model and length (what a transfer fit scales over). */
  scale: {
    depth?: number;
    channels?: number;
    heads?: number;
    steps: number;
    tokens?: number;
    params?: number;
  };
  lr: number;
  valLoss: number;
  trial: string;
}

export interface SweepState {
  version: number;
  config: string;
  strategy: string;
  status: 'running' | 'finished' | 'stopped' | 'interrupted';
  message?: string;
  ledger: string;
  trials: TrialState[];
  spentUsd: number;
  leftUsd: number | null;
  stepsTrained: number;
  stepsSaved: number;
  best: BestLr[];
  updatedAt: string;
}

export interface SweepRunOptions {
  /** The config file (named in messages and sweep.json). */
  configPath: string;
  /** The sweep's folder (trial folders, sweep.json, table.md, lr.svg). */
  outDir: string;
  ledgerPath: string;
  budgetUsd?: number;
  backend?: string;
  /** A plan projected over this (default: the ledger's remainder) needs `yes`. */
  confirmUsd?: number;
  yes?: boolean;
  io: TrainIO;
  /** Where trial output goes (default: nowhere; the sweep prints one line per stage). */
  trialIO?: TrainIO;
  /** Trials at once (default 1: one after another, in this process); capped by the caller (parallelCap). */
  parallel?: number;
  /** How a trial runs (default: in this process when parallel is 1, else as a process of its own). */
  runTrial?: TrialRunner;
}

export interface SweepOutcome {
  state: SweepState;
  exitCode: 0 | 3;
  summary: string[];
}

const quiet: TrainIO = { log: () => {}, warn: () => {} };

/** A trial's train_gpt2cu flags (file comment). */
export function trialArgs(
  config: SweepConfig,
  params: Record<string, number>,
  run: {
    dir: string;
    finalSteps: number;
    stop: number;
    resume: boolean;
    ledgerPath: string;
    backend?: string;
  },
): string[] {
  const args: string[] = [];
  const put = (flag: string, value: string | number | boolean) => {
    if (value === true) args.push(flag);
    else if (value !== false) args.push(flag, String(value));
  };
  for (const [flag, value] of Object.entries(config.base ?? {})) put(flag, value);
  if (config.strategy === 'greedy-doubling') put('-u', 0);
  for (const [key, value] of Object.entries(params)) {
    const flag = PARAM_FLAGS[key] ?? (key.startsWith('-') ? key : null);
    if (flag === null) {
      throw new InputError(
        `space: ${key}: found an unknown name, expected a train_gpt2cu flag ("-l") or one of ${Object.keys(PARAM_FLAGS).join(', ')}`,
      );
    }
    if (flag !== '-x') put(flag, value);
  }
  put('-o', run.dir);
  put('-x', run.finalSteps);
  put('-es', run.stop === run.finalSteps ? -1 : run.stop);
  put('-y', run.resume ? 1 : 0);
  put('--ledger', run.ledgerPath);
  if (run.backend) put('--backend', run.backend);
  return args;
}

/** The shape of a trial: its parameters but the LR (trials of one shape cost the same per step). */
function shapeKey(params: Record<string, number>): string {
  const rest = Object.entries(params).filter(([k]) => k !== 'lr' && k !== '-l');
  return JSON.stringify(rest.sort(([a], [b]) => (a < b ? -1 : 1)));
}

function lrOf(params: Record<string, number>, config: SweepConfig): number {
  const v = params.lr ?? params['-l'] ?? config.base?.['-l'];
  return typeof v === 'number' ? v : Number(v ?? 6e-4);
}

/** n configurations for rung 0 of a bracket: the grid when its size is n, else seeded draws from the space. */
export function bracketConfigs(config: SweepConfig, n: number, seedOffset: number): Record<string, number>[] {
  const space = config.space;
  if (!space)
    throw new InputError(`space: missing, expected a search space for the ${config.strategy} strategy`);
  const entries = Object.entries(space);
  if (entries.every(([, e]) => 'values' in e)) {
    let combos: Record<string, number>[] = [{}];
    for (const [key, e] of entries)
      combos = combos.flatMap((c) => (e as { values: number[] }).values.map((v) => ({ ...c, [key]: v })));
    if (combos.length === n) return combos;
  }
  const rng = new MT19937((config.seed ?? 0) + seedOffset);
  return Array.from({ length: n }, () => {
    const params: Record<string, number> = {};
    for (const [key, e] of entries) {
      const u = rng.randFloat32();
      if ('values' in e) params[key] = e.values[Math.floor(u * e.values.length)];
      else {
        const [lo, hi] = e.log_uniform.map(Math.log);
        params[key] = Math.exp(lo + u * (hi - lo));
      }
    }
    return params;
  });
}

/** Reads sweep.json, or null when absent; one from another config is an InputError. */
export function readSweepState(outDir: string): SweepState | null {
  const path = join(outDir, SWEEP_STATE_FILE);
  if (!existsSync(path)) return null;
  let data: SweepState;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(
      `${path}: not JSON (${(err as Error).message}); move it away to start the sweep afresh`,
    );
  }
  if (data?.version !== SWEEP_STATE_VERSION || !Array.isArray(data.trials))
    throw new InputError(`${path}: version: found ${data?.version}, expected ${SWEEP_STATE_VERSION}`);
  return data;
}

class Sweep {
  readonly state: SweepState;
  readonly outDir: string;
  /** Cost by shape of the stages run so far: training steps, and the rest per run. */
  private readonly shapeCost = new Map<
    string,
    { stepsUsd: number; steps: number; overheadUsd: number; runs: number }
  >();
  private readonly planUsdPerStep: number | null;
  private readonly planUsdPerStage: number;
  /** Stages running now, by trial key: their projection, folder, the ledger entries before them, their end. */
  private readonly running = new Map<
    string,
    { projected: number | null; dir: string; before: Set<string>; ended: Promise<void> }
  >();
  readonly parallel: number;
  private readonly runTrial: TrialRunner;

  constructor(
    readonly config: SweepConfig,
    readonly plan: SweepPlan,
    readonly opts: SweepRunOptions,
  ) {
    this.outDir = resolve(opts.outDir);
    this.planUsdPerStep = plan.usdPerStep;
    this.planUsdPerStage = plan.usdPerStage;
    this.parallel = Math.max(1, Math.floor(opts.parallel ?? 1));
    this.runTrial = opts.runTrial ?? (this.parallel > 1 ? processTrial() : inProcessTrial);
    const previous = readSweepState(this.outDir);
    if (previous && previous.strategy !== config.strategy) {
      throw new InputError(
        `${join(this.outDir, SWEEP_STATE_FILE)}: strategy: found ${previous.strategy}, expected ${config.strategy} (another sweep's folder; pass --out)`,
      );
    }
    this.state = {
      version: SWEEP_STATE_VERSION,
      config: opts.configPath,
      strategy: config.strategy,
      status: 'running',
      ledger: opts.ledgerPath,
      trials: previous?.trials ?? [],
      spentUsd: 0,
      leftUsd: null,
      stepsTrained: 0,
      stepsSaved: 0,
      best: [],
      updatedAt: new Date().toISOString(),
    };
    for (const t of this.state.trials) if (t.status === 'running') t.status = 'pending';
    this.refreshSpend();
  }

  ledger(): Ledger {
    return openLedger(this.opts.ledgerPath, { budgetUsd: this.opts.budgetUsd });
  }

  save(): void {
    this.state.updatedAt = new Date().toISOString();
    mkdirSync(this.outDir, { recursive: true });
    writeFileAtomic(join(this.outDir, SWEEP_STATE_FILE), `${JSON.stringify(this.state, null, 2)}\n`);
  }

  /** Trial spends, the sweep's spend and what the ledger has left. */
  refreshSpend(): void {
    const ledger = this.ledger();
    for (const t of this.state.trials) {
      const dir = join(this.outDir, t.dir);
      t.spentUsd = ledger.runs.filter((r) => r.outputDir === dir).reduce((a, r) => a + r.actualUsd, 0);
    }
    this.state.spentUsd = this.state.trials.reduce((a, t) => a + t.spentUsd, 0);
    const left = remainingUsd(ledger);
    this.state.leftUsd = Number.isFinite(left) ? left : null;
    this.shapeCost.clear();
    for (const t of this.state.trials) {
      for (const s of t.stages) {
        if (s.stepsUsd === undefined || s.overheadUsd === undefined || s.stepsTrained <= 0) continue;
        const key = shapeKey(t.params);
        const c = this.shapeCost.get(key) ?? { stepsUsd: 0, steps: 0, overheadUsd: 0, runs: 0 };
        c.stepsUsd += s.stepsUsd;
        c.steps += s.stepsTrained;
        c.overheadUsd += s.overheadUsd;
        c.runs += 1;
        this.shapeCost.set(key, c);
      }
    }
  }

  /** The projected cost of a run of `steps` steps of this shape, or null when nothing is known. */
  projectUsd(params: Record<string, number>, steps: number): number | null {
    const c = this.shapeCost.get(shapeKey(params));
    if (c && c.steps > 0) return (steps * c.stepsUsd) / c.steps + c.overheadUsd / c.runs;
    return this.planUsdPerStep === null ? null : steps * this.planUsdPerStep + this.planUsdPerStage;
  }

  /** What the running stages may still spend (file comment); 0 with none running. */
  reservedUsd(ledger: Ledger): number {
    let sum = 0;
    for (const r of this.running.values()) {
      if (r.projected === null) continue;
      const recorded = ledger.runs
        .filter((x) => x.outputDir === r.dir && !r.before.has(x.runId))
        .reduce((a, x) => a + x.actualUsd, 0);
      sum += Math.max(0, r.projected - recorded);
    }
    return sum;
  }

  /**
   * Waits until the ledger can afford `projected` beside what the running stages may still
   * spend, then counts the stage as running (in the same tick as the check, so two stages
   * never both take the same room); returns what ends it. With none running and no room, a
   * BudgetError (`what` names the stage).
   */
  private async reserve(
    key: string,
    dir: string,
    projected: number | null,
    what: string,
    steps: number,
  ): Promise<() => void> {
    for (;;) {
      const ledger = this.ledger();
      const left = remainingUsd(ledger);
      if (projected === null || projected <= left - this.reservedUsd(ledger)) {
        let end = () => {};
        const ended = new Promise<void>((resolve) => {
          end = resolve;
        });
        this.running.set(key, { projected, dir, before: new Set(ledger.runs.map((r) => r.runId)), ended });
        return () => {
          this.running.delete(key);
          end();
        };
      }
      if (this.running.size === 0) {
        throw new BudgetError(
          `${what}: projected ${formatUsd(projected)} (${steps} steps) exceeds what the budget in ${ledger.path} has left: ${leftText(left)}; not started`,
        );
      }
      await Promise.race([...this.running.values()].map((r) => r.ended));
    }
  }

  trial(key: string, params: Record<string, number>, finalSteps: number, bracket?: number): TrialState {
    let t = this.state.trials.find((x) => x.key === key);
    if (t && (JSON.stringify(t.params) !== JSON.stringify(params) || t.finalSteps !== finalSteps)) {
      throw new InputError(
        `${join(this.outDir, SWEEP_STATE_FILE)}: trial ${key}: found ${JSON.stringify(t.params)} for ${t.finalSteps} steps, ` +
          `expected ${JSON.stringify(params)} for ${finalSteps} as the config now plans (it changed; pass another --out)`,
      );
    }
    if (!t) {
      t = { key, dir: key, params, finalSteps, bracket, status: 'pending', stages: [], spentUsd: 0 };
      this.state.trials.push(t);
      this.save();
    }
    return t;
  }

  /** Trains `t` to step `stop` (or takes the result from sweep.json); null when the trial failed. */
  async stage(t: TrialState, stop: number): Promise<StageResult | null> {
    const done = t.stages.find((s) => s.stop === stop);
    if (done) return done;
    if (t.status === 'failed') return null;
    const dir = join(this.outDir, t.dir);
    const from = latestDoneStep(dir);
    const startAt = from !== null && from <= stop ? from : 0;
    const steps = stop - startAt;
    const projected = this.projectUsd(t.params, steps);
    const lr = lrOf(t.params, this.config);
    const what = `trial ${t.key} (lr ${Number(lr.toPrecision(3))}${describeShape(t.params)}) to step ${stop}`;
    const args = trialArgs(this.config, t.params, {
      dir,
      finalSteps: t.finalSteps,
      stop,
      resume: startAt > 0,
      ledgerPath: this.opts.ledgerPath,
      backend: this.opts.backend,
    });
    const end = await this.reserve(t.key, dir, projected, what, steps);
    this.opts.io.log(
      `${what}${startAt > 0 ? ` from its step-${startAt} checkpoint` : ''}: projected ${projected === null ? 'unknown (the trainer probes the cost after step 19)' : formatUsd(projected)}`,
    );
    t.status = 'running';
    this.save();
    try {
      await this.runTrial(args, { budgetUsd: this.opts.budgetUsd, io: this.opts.trialIO ?? quiet });
    } catch (err) {
      end();
      this.refreshSpend();
      if (err instanceof BudgetError || err instanceof RunInterrupted || err instanceof InputError) {
        t.status = 'pending';
        this.save();
        throw err;
      }
      t.status = 'failed';
      t.error = (err as Error).message;
      this.opts.io.log(`trial ${t.key} failed: ${t.error}`);
      this.save();
      return null;
    }
    end();
    const result = stageResult(dir, stop, steps);
    t.stages.push(result);
    t.status = stop === t.finalSteps ? 'finished' : 'pending';
    this.refreshSpend();
    this.opts.io.log(
      `trial ${t.key} step ${stop}: val loss ${result.valLoss === null ? '-' : result.valLoss.toFixed(4)}, spent ${formatUsd(t.spentUsd)}`,
    );
    this.save();
    return result;
  }
}

/** "$0.42 left", or "nothing left ($0.10 over)". */
function leftText(left: number): string {
  return left < 0 ? `nothing left (${formatUsd(-left)} over)` : `${formatUsd(left)} left`;
}

function describeShape(params: Record<string, number>): string {
  const rest = Object.entries(params).filter(([k]) => k !== 'lr' && k !== '-l');
  return rest.map(([k, v]) => `, ${k} ${v}`).join('');
}

/**
 * Losses at a stage's last step, from the trial's main.log (a resumed run repeats steps: the
 * last wins), and its run's cost split from run.json.
 */
function stageResult(dir: string, stop: number, stepsTrained: number): StageResult {
  const log = parseMainLog(readFileSync(join(dir, 'main.log'), 'utf8'));
  const cost = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).cost ?? {};
  const stepsUsd = cost.breakdown?.trainingSteps?.usd;
  const split =
    typeof stepsUsd === 'number' && typeof cost.actualUsd === 'number'
      ? { stepsUsd, overheadUsd: Math.max(0, cost.actualUsd - stepsUsd) }
      : {};
  const at = <T extends { step: number }>(xs: T[], step: number) => xs.filter((x) => x.step === step).at(-1);
  const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
  const val = at(log.val, stop);
  const hellaswag = finite(at(log.eval, stop)?.acc);
  return {
    stop,
    valLoss: val ? (Number.isFinite(val.loss) ? val.loss : Number.POSITIVE_INFINITY) : null,
    firstValLoss: finite(at(log.val, 0)?.loss),
    trainLoss: finite(at(log.train, stop - 1)?.loss),
    ...(hellaswag === null ? {} : { hellaswag }),
    stepsTrained,
    ...split,
  };
}

/** Lower is better; a missing or non-finite loss ranks last. */
const rankLoss = (r: StageResult | null) =>
  r?.valLoss !== null && r?.valLoss !== undefined && Number.isFinite(r.valLoss)
    ? r.valLoss
    : Number.POSITIVE_INFINITY;

const pad = (i: number) => String(i).padStart(3, '0');

/**
 * Runs jobs `size` at a time, in order. After a job fails no other starts; the
 * running ones end, then the first failure is thrown.
 */
async function inPool(size: number, jobs: (() => Promise<unknown>)[]): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { err: unknown } | null = null;
  for (const job of jobs) {
    while (running.size >= size) await Promise.race(running);
    if (failure) break;
    const tracked: Promise<void> = job()
      .then(
        () => {},
        (err) => {
          failure ??= { err };
        },
      )
      .finally(() => running.delete(tracked));
    running.add(tracked);
  }
  await Promise.all(running);
  if (failure) throw (failure as { err: unknown }).err;
}

async function runList(sweep: Sweep, plan: SweepPlan): Promise<void> {
  const trials = plan.trialList.map((p) => ({ t: sweep.trial(`t${pad(p.id)}`, p.params, p.steps), p }));
  await inPool(
    sweep.parallel,
    trials.map(
      ({ t, p }) =>
        () =>
          sweep.stage(t, p.steps),
    ),
  );
}

/** Successive halving over one bracket (hyperband.ts); returns nothing, the state holds it all. */
async function runBracket(
  sweep: Sweep,
  bracket: SweepPlan['brackets'][number],
  prefix: string,
): Promise<void> {
  const maxR = sweep.plan.maxR as number;
  const configs = bracketConfigs(sweep.config, bracket.rungs[0].n, bracket.s);
  let alive = configs.map((params, i) => sweep.trial(`${prefix}t${pad(i + 1)}`, params, maxR, bracket.s));
  for (const [i, rung] of bracket.rungs.entries()) {
    if (i > 0) {
      const ranked = alive
        .map((t) => ({ t, loss: rankLoss(t.stages.find((s) => s.stop === bracket.rungs[i - 1].r) ?? null) }))
        .sort((a, b) => a.loss - b.loss);
      alive = ranked.slice(0, rung.n).map((x) => x.t);
      sweep.state.stepsSaved += alive.length * bracket.rungs[i - 1].r;
    }
    await inPool(
      sweep.parallel,
      alive.map((t) => () => sweep.stage(t, rung.r)),
    );
  }
}

async function runGreedy(sweep: Sweep): Promise<void> {
  const { config } = sweep;
  const steps = config.steps as number;
  const start = config.start_lr as number;
  let divergent: number | null = null;
  let id = 0;
  for (let k = 0; k <= (config.max_doublings ?? DEFAULT_MAX_DOUBLINGS); k++) {
    const lr = start * 2 ** k;
    const t = sweep.trial(`t${pad(++id)}`, { lr }, steps);
    const r = await sweep.stage(t, steps);
    const diverged =
      r === null ||
      r.valLoss === null ||
      !Number.isFinite(r.valLoss) ||
      (r.firstValLoss !== null && r.valLoss >= r.firstValLoss);
    if (diverged) {
      divergent = lr;
      break;
    }
  }
  if (divergent === null) {
    sweep.opts.io.log(
      `no LR up to ${start * 2 ** (id - 1)} diverged; no fractions tried (raise max_doublings)`,
    );
    return;
  }
  sweep.opts.io.log(
    `lr ${divergent} diverged; trying ${(config.fractions ?? DEFAULT_FRACTIONS).join(', ')} of it`,
  );
  const fractions: TrialState[] = [];
  for (const f of config.fractions ?? DEFAULT_FRACTIONS) {
    const lr = divergent * f;
    // 1/2, 1/4, … of a doubled LR are earlier doublings: their trials are reused, not retrained.
    const same = sweep.state.trials.find((t) => Math.abs(lrOf(t.params, config) - lr) <= 1e-12 * lr);
    if (same) {
      sweep.opts.io.log(`lr ${Number(lr.toPrecision(3))} (${f} of it) is trial ${same.key}'s: not retrained`);
      continue;
    }
    fractions.push(sweep.trial(`t${pad(++id)}`, { lr }, steps));
  }
  await inPool(
    sweep.parallel,
    fractions.map((t) => () => sweep.stage(t, steps)),
  );
}

/** The best LR per shape among trials that reached their final length. */
export function bestLrs(state: SweepState, outDir: string, config: SweepConfig): BestLr[] {
  const byShape = new Map<string, BestLr>();
  for (const t of state.trials) {
    const last = t.stages.find((s) => s.stop === t.finalSteps);
    if (!last || last.valLoss === null || !Number.isFinite(last.valLoss)) continue;
    const key = shapeKey(t.params);
    const prev = byShape.get(key);
    if (prev && prev.valLoss <= last.valLoss) continue;
    byShape.set(key, {
      scale: trialScale(join(outDir, t.dir), t.finalSteps),
      lr: lrOf(t.params, config),
      valLoss: last.valLoss,
      trial: t.key,
    });
  }
  return [...byShape.values()];
}

function trialScale(dir: string, steps: number): BestLr['scale'] {
  const path = join(dir, 'run.json');
  if (!existsSync(path)) return { steps };
  const run = JSON.parse(readFileSync(path, 'utf8'));
  const m = run.model ?? {};
  const tokens = run.config?.totalBatchSize;
  return {
    depth: m.numLayers,
    channels: m.channels,
    heads: m.numHeads,
    steps,
    tokens: typeof tokens === 'number' ? tokens * steps : undefined,
    params: run.numParameters,
  };
}

/**
 * lr.svg's charts: val loss at each stage's last step against log10 LR, one series per rung
 * (brackets) or per shape; and beside it HellaSwag accuracy the same way, when any trial
 * evaluated it (-h 1). No chart without a point.
 */
export function lrPlotCharts(state: SweepState, config: SweepConfig, plan: SweepPlan): LineChart[] {
  const loss = new Map<string, { x: number; y: number }[]>();
  const hellaswag = new Map<string, { x: number; y: number }[]>();
  const add = (series: typeof loss, name: string, x: number, y: number) =>
    series.set(name, [...(series.get(name) ?? []), { x, y }]);
  for (const t of state.trials) {
    for (const s of t.stages) {
      const name =
        plan.brackets.length > 0
          ? `${t.bracket !== undefined && config.strategy === 'hyperband' ? `s=${t.bracket} ` : ''}${s.stop} steps`
          : describeShape(t.params).replace(/^, /, '') || `${s.stop} steps`;
      const x = Math.log10(lrOf(t.params, config));
      if (s.valLoss !== null && Number.isFinite(s.valLoss)) add(loss, name, x, s.valLoss);
      if (s.hellaswag !== undefined && Number.isFinite(s.hellaswag)) add(hellaswag, name, x, s.hellaswag);
    }
  }
  const chart = (title: string, yTitle: string, series: typeof loss): LineChart => ({
    title: `${title} against LR (${config.strategy})`,
    xTitle: 'log10 max LR',
    yTitle,
    series: [...series].map(([name, points]) => ({ name, points: points.sort((a, b) => a.x - b.x) })),
  });
  return [
    ...(loss.size > 0 ? [chart('final val loss', 'val loss', loss)] : []),
    ...(hellaswag.size > 0 ? [chart('final HellaSwag accuracy', 'HellaSwag accuracy', hellaswag)] : []),
  ];
}

async function writeLrPlot(sweep: Sweep, file: string): Promise<boolean> {
  const charts = lrPlotCharts(sweep.state, sweep.config, sweep.plan);
  if (charts.length === 0) return false;
  await writeLineCharts(charts, file);
  return true;
}

/** Runs (or resumes) the sweep of `config`; see the file comment. */
export async function runSweep(config: SweepConfig, opts: SweepRunOptions): Promise<SweepOutcome> {
  const plan = planSweep(config, opts.configPath);
  const sweep = new Sweep(config, plan, opts);
  const { io } = opts;
  if (opts.budgetUsd !== undefined) saveLedger(sweep.ledger());
  const left = remainingUsd(sweep.ledger());
  const confirm = opts.confirmUsd ?? left;
  if (plan.projectedUsd !== null && plan.projectedUsd - sweep.state.spentUsd > confirm && !opts.yes) {
    throw new BudgetError(
      `the plan is projected at ${plan.atMost ? 'up to ' : ''}${formatUsd(plan.projectedUsd)}, over ${opts.confirmUsd === undefined ? `the ${formatUsd(left)} left in ${opts.ledgerPath}` : `--confirm-usd ${formatUsd(confirm)}`}; pass --yes to run it anyway`,
    );
  }
  sweep.save();
  let exitCode: 0 | 3 = 0;
  try {
    if (plan.brackets.length > 0) {
      for (const b of plan.brackets)
        await runBracket(sweep, b, config.strategy === 'hyperband' ? `b${b.s}-` : '');
    } else if (config.strategy === 'greedy-doubling') await runGreedy(sweep);
    else await runList(sweep, plan);
    sweep.state.status = 'finished';
  } catch (err) {
    if (err instanceof BudgetError) {
      exitCode = 3;
      sweep.state.status = 'stopped';
      sweep.state.message = err.message;
    } else {
      if (err instanceof RunInterrupted) {
        sweep.state.status = 'interrupted';
        err.message += `\nsweep ${join(sweep.outDir, SWEEP_STATE_FILE)} interrupted: run the same command to resume it`;
      }
      sweep.refreshSpend();
      sweep.save();
      throw err;
    }
  }
  sweep.refreshSpend();
  sweep.state.stepsTrained = sweep.state.trials.reduce(
    (a, t) => a + t.stages.reduce((b, s) => b + s.stepsTrained, 0),
    0,
  );
  sweep.state.best = bestLrs(sweep.state, sweep.outDir, config);
  sweep.save();
  const summary = await report(sweep);
  for (const line of summary) io.log(line);
  return { state: sweep.state, exitCode, summary };
}

/** The table, the plot, the best LR and the money (also written to table.md and lr.svg). */
async function report(sweep: Sweep): Promise<string[]> {
  const { state, outDir } = sweep;
  const lines: string[] = [];
  const ledger = openLedger(sweep.opts.ledgerPath);
  const logged = state.trials.filter((t) => existsSync(join(outDir, t.dir, 'main.log')));
  if (logged.length > 0) {
    // course table's rows; a trial trained by several runs (rungs, a resume) costs what its
    // ledger entries sum to, where run.json holds its last run only (whose breakdown is dropped).
    const runs = logged.map((t) => {
      const dir = join(outDir, t.dir);
      const run = loadRun(dir);
      if (ledger.runs.filter((r) => r.outputDir === dir).length > 1) {
        run.actualUsd = t.spentUsd;
        run.costBreakdown = undefined;
      }
      return run;
    });
    const table = tuningTable(runs, 'md');
    writeFileAtomic(join(outDir, 'table.md'), table);
    lines.push(...table.trimEnd().split('\n'));
  }
  if (await writeLrPlot(sweep, join(outDir, 'lr.svg'))) lines.push(`wrote ${join(outDir, 'lr.svg')}`);
  for (const b of state.best) {
    const shape = [
      b.scale.depth && `d${b.scale.depth}`,
      b.scale.channels && `c${b.scale.channels}`,
      `${b.scale.steps} steps`,
    ]
      .filter(Boolean)
      .join(' ');
    lines.push(
      `best LR (${shape}): ${Number(b.lr.toPrecision(4))} (trial ${b.trial}, val loss ${b.valLoss.toFixed(4)})`,
    );
  }
  if (state.stepsSaved > 0) {
    lines.push(
      `steps trained: ${state.stepsTrained}; promoted trials continued from their checkpoints, saving ${state.stepsSaved} steps`,
    );
  }
  const left = remainingUsd(ledger);
  const ran = state.trials.filter((t) => t.spentUsd > 0 || t.stages.length > 0).length;
  lines.push(
    `spent ${formatUsd(state.spentUsd)} on this sweep (${ran} trial${ran === 1 ? '' : 's'} run); ledger ${ledger.path}: ` +
      `${formatUsd(spentUsd(ledger))} spent` +
      (ledger.budgetUsd === null
        ? ', no budget set'
        : ` of the ${formatUsd(ledger.budgetUsd)} budget, ${leftText(left)}`),
  );
  lines.push(`state: ${join(outDir, SWEEP_STATE_FILE)} (${state.status})`);
  return lines;
}

/** The scales a sweep's best LR is recorded at (BestLr.scale), for `course transfer --sweeps --x`. */
export const SWEEP_SCALES = ['depth', 'channels', 'heads', 'steps', 'tokens', 'params'] as const;
export type SweepScale = (typeof SWEEP_SCALES)[number];

/**
 * (scale, best LR) points from sweep folders' sweep.json: every shape's best LR
 * of every folder, x its `scale` (e.g. channels), y the LR.
 */
export function sweepBestPoints(dirs: readonly string[], scale: SweepScale): { x: number; y: number }[] {
  const points: { x: number; y: number }[] = [];
  for (const dir of dirs) {
    const state = readSweepState(dir);
    const path = join(dir, SWEEP_STATE_FILE);
    if (!state)
      throw new InputError(`${dir}: no ${SWEEP_STATE_FILE}, expected a course sweep folder (--out)`);
    if (!Array.isArray(state.best) || state.best.length === 0) {
      throw new InputError(
        `${path}: best: found none, expected a best LR (the sweep is ${state.status}; run it to the end)`,
      );
    }
    for (const b of state.best) {
      const x = b.scale?.[scale];
      if (typeof x !== 'number' || !Number.isFinite(x))
        throw new InputError(`${path}: best[].scale.${scale}: found ${x}, expected a number (--x ${scale})`);
      points.push({ x, y: b.lr });
    }
  }
  return points;
}
