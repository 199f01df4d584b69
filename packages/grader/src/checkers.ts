/**
 * One function per checker kind. Each gets the question, the student's answer
 * (already type-checked against the answers schema; undefined when missing) and
 * the grading context, and returns the fraction of the points earned with the
 * feedback lines. Each also works out the question's reference value when it
 * has one, so later follow-through questions can use it.
 */
import { parseMainLog, parseRunParameters } from '@course/models';
import { type LedgerRun, parseLedger, planSweep, validateSweepConfig } from '@course/trainer';
import { COMPUTED } from './computed.js';
import { evaluateFormula, formatFormula, formulaIds, parseFormula } from './expr.js';
import type { Check, LogMetric, Normalize, Question, Units } from './spec.js';
import { readArtifact, type Submission } from './submission.js';
import { acceptWindow, formatNumber, inWindow } from './tolerance.js';

export interface Context {
  sub: Submission;
  artifactBytes: number;
  /** Reference values of earlier questions (the key, computed, or what the student's log shows). */
  refs: Record<string, number>;
  /** The student's own numeric answers to earlier questions (valid ones only). */
  own: Record<string, number>;
  /** Runs read so far, by metric family and folder: several questions ask about one run. */
  runs?: Map<string, RunRead>;
}

export interface Outcome {
  /** 0..1 of the points; undefined for manual questions (a TA scores them). */
  fraction?: number;
  lines: string[];
  reference?: number;
  /** The answer as a number, for follow-through questions after this one. */
  own?: number;
  /** The answer cannot be graded (bad units, unreadable artifact): scored 0 as invalid. */
  invalid?: boolean;
}

type CheckOf<K extends Check['kind']> = Extract<Check, { kind: K }>;

export function runCheck(q: Question, answer: unknown, ctx: Context): Outcome {
  const c = q.check;
  switch (c.kind) {
    case 'exact':
      return exact(c, answer as string | undefined);
    case 'integer':
      return integer(c.answer, answer as number | undefined, 'expected exactly');
    case 'numeric':
      return numeric(c, answer);
    case 'choice':
      return choice(c, answer as string | undefined);
    case 'multiple':
      return multiple(c, answer as string[] | undefined);
    case 'set':
      return set(c, answer as (string | number)[] | undefined);
    case 'computed':
      return computed(c, answer as number | undefined);
    case 'follow-through':
      return followThrough(c, answer, ctx);
    case 'log':
      return logCheck(c, answer as number | { value: number; run?: string } | undefined, ctx);
    case 'manual':
      return manual(c, answer as string | undefined);
  }
}

// ---- strings

export function normalizeText(s: string, n: Normalize = {}): string {
  let t = n.unicode === 'none' ? s : s.normalize(n.unicode ?? 'NFKC');
  if (n.trim ?? true) t = t.trim();
  const ws = n.whitespace ?? 'collapse';
  if (ws === 'collapse') t = t.replace(/\s+/g, ' ');
  if (ws === 'remove') t = t.replace(/\s+/g, '');
  if (!(n.caseSensitive ?? false)) t = t.toLowerCase();
  return t;
}

function exact(c: CheckOf<'exact'>, answer: string | undefined): Outcome {
  const accepted = Array.isArray(c.answer) ? c.answer : [c.answer];
  const shown = accepted.map((a) => JSON.stringify(a)).join(' or ');
  if (answer === undefined) return { lines: [`accepted: ${shown}`] };
  const ok = accepted.some((a) => normalizeText(a, c.normalize) === normalizeText(answer, c.normalize));
  return {
    fraction: ok ? 1 : 0,
    lines: [`your answer: ${JSON.stringify(answer)}`, `accepted: ${shown}${describeNormalize(c.normalize)}`],
  };
}

function describeNormalize(n: Normalize = {}): string {
  const parts = [];
  if (!(n.caseSensitive ?? false)) parts.push('case ignored');
  const ws = n.whitespace ?? 'collapse';
  if (ws !== 'keep') parts.push(ws === 'collapse' ? 'spaces collapsed' : 'spaces ignored');
  return parts.length ? ` (${parts.join(', ')})` : '';
}

// ---- numbers

function integer(key: number, answer: number | undefined, how: string): Outcome {
  const lines = answer === undefined ? [] : [`your answer: ${answer}`];
  lines.push(`${how} ${key} (integer counts compare exactly)`);
  return {
    fraction: answer === undefined ? undefined : answer === key ? 1 : 0,
    lines,
    reference: key,
    own: answer,
  };
}

/** The answer as a number in the reference unit, or why it is not one. */
export function numberInUnits(
  answer: unknown,
  units: Units | undefined,
): { value?: number; problem?: string } {
  let value: number;
  let unit: string | undefined;
  if (typeof answer === 'number') value = answer;
  else if (typeof answer === 'string') {
    const m = /^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S+)\s*$/.exec(answer);
    if (!m) return { problem: `"${answer}" is not a number with a unit` };
    value = Number(m[1]);
    unit = m[2];
  } else {
    const o = answer as { value: number; unit?: string };
    value = o.value;
    unit = o.unit;
  }
  if (!Number.isFinite(value)) return { problem: `${value} is not a finite number` };
  if (!units) return { value };
  if (unit === undefined) {
    if (units.required) return { problem: `state the unit (${units.reference})` };
    return { value };
  }
  if (unit === units.reference) return { value };
  const factor = units.accept?.[unit];
  if (factor === undefined) {
    const known = [units.reference, ...Object.keys(units.accept ?? {})].join(', ');
    return { problem: `unit "${unit}" is not one of ${known}` };
  }
  return { value: value * factor };
}

function judgeNumber(
  value: number | undefined,
  reference: number,
  tol: Parameters<typeof acceptWindow>[1],
  unit?: string,
): Outcome {
  const w = acceptWindow(reference, tol);
  const suffix = unit ? ` ${unit}` : '';
  const lines = value === undefined ? [] : [`your answer: ${formatNumber(value, 10)}${suffix}`];
  lines.push(unit ? `${w.text} (in ${unit})` : w.text);
  return {
    fraction: value === undefined ? undefined : inWindow(value, w) ? 1 : 0,
    lines,
    reference,
    own: value,
  };
}

function numeric(c: CheckOf<'numeric'>, answer: unknown): Outcome {
  if (answer === undefined) return judgeNumber(undefined, c.answer, c.tolerance, c.units?.reference);
  const n = numberInUnits(answer, c.units);
  if (n.problem) return { invalid: true, lines: [n.problem], reference: c.answer };
  return judgeNumber(n.value, c.answer, c.tolerance, c.units?.reference);
}

function computed(c: CheckOf<'computed'>, answer: number | undefined): Outcome {
  const reference = COMPUTED[c.fn].compute(c.args ?? {});
  const args = Object.entries(c.args ?? {})
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  const out =
    c.compare === 'integer'
      ? integer(reference, answer, 'expected exactly')
      : judgeNumber(answer, reference, c.compare);
  out.lines.push(`reference computed by the toolkit: ${c.fn}(${args}) = ${formatNumber(reference, 12)}`);
  return out;
}

/**
 * The formula on the student's own earlier answers (a missing or unusable one
 * replaced by its reference) and on the references; either match earns the points.
 */
function followThrough(c: CheckOf<'follow-through'>, answer: unknown, ctx: Context): Outcome {
  const formula = parseFormula(c.formula);
  const ids = formulaIds(formula);
  const keyValues: Record<string, number> = {};
  const ownValues: Record<string, number> = {};
  const notes: string[] = [];
  for (const id of ids) {
    if (Object.hasOwn(ctx.refs, id)) keyValues[id] = ctx.refs[id];
    if (Object.hasOwn(ctx.own, id)) ownValues[id] = ctx.own[id];
    else if (Object.hasOwn(ctx.refs, id)) {
      ownValues[id] = ctx.refs[id];
      notes.push(
        `no usable answer to ${id}: its reference ${formatNumber(ctx.refs[id], 10)} is used instead`,
      );
    }
  }
  const reference = ids.every((id) => Object.hasOwn(keyValues, id))
    ? evaluateFormula(formula, keyValues)
    : undefined;
  if (!ids.every((id) => Object.hasOwn(ownValues, id))) {
    const lacking = ids.filter((id) => !Object.hasOwn(ownValues, id)).map((id) => `{${id}}`);
    return {
      invalid: true,
      reference,
      lines: [`cannot compute ${c.formula}: no value for ${lacking.join(', ')}`],
    };
  }
  const ownTarget = evaluateFormula(formula, ownValues);
  const unit = c.units?.reference;
  let value: number | undefined;
  if (answer !== undefined) {
    const n = numberInUnits(answer, c.units);
    if (n.problem) return { invalid: true, reference, lines: [n.problem] };
    value = n.value;
  }
  const fromOwn = judgeNumber(value, ownTarget, c.tolerance, unit);
  const lines = [
    ...notes,
    `follow-through: ${c.formula} on your answers = ${formatFormula(c.formula, ownValues)} = ${formatNumber(ownTarget, 10)}`,
  ];
  lines.push(...fromOwn.lines);
  let fraction = fromOwn.fraction;
  if (
    reference !== undefined &&
    Math.abs(reference - ownTarget) > 0 &&
    fraction !== 1 &&
    value !== undefined
  ) {
    const fromKey = judgeNumber(value, reference, c.tolerance, unit);
    lines.push(
      `or on the reference values: ${formatFormula(c.formula, keyValues)} = ${formatNumber(reference, 10)}; ${fromKey.lines.at(-1)}`,
    );
    fraction = fromKey.fraction;
  }
  return { fraction, lines, reference, own: value };
}

// ---- choices and sets

function choice(c: CheckOf<'choice'>, answer: string | undefined): Outcome {
  const text = (id: string) => `${id} (${c.options.find((o) => o.id === id)?.text ?? '?'})`;
  const lines = answer === undefined ? [] : [`your answer: ${text(answer)}`];
  lines.push(`expected: ${text(c.answer)}`);
  return { fraction: answer === undefined ? undefined : answer === c.answer ? 1 : 0, lines };
}

/**
 * PrairieLearn pl-checkbox partial credit (k = right options, picked = selected):
 *   pc:  max(0, (right picks − wrong picks) / k)
 *   cov: (right picks / k) × (right picks / picked)     coverage × precision
 *   edc: options decided correctly (picked or not) / all options
 *   all: 1 only for exactly the right set
 */
export function multipleCredit(
  key: readonly string[],
  picked: readonly string[],
  optionIds: readonly string[],
  method: 'pc' | 'cov' | 'edc' | 'all',
): number {
  const right = new Set(key);
  const chosen = new Set(picked);
  const hits = [...chosen].filter((p) => right.has(p)).length;
  const misses = chosen.size - hits;
  if (method === 'all') return hits === right.size && misses === 0 ? 1 : 0;
  if (method === 'pc')
    return right.size === 0 ? (misses === 0 ? 1 : 0) : Math.max(0, (hits - misses) / right.size);
  if (method === 'cov') {
    if (right.size === 0) return chosen.size === 0 ? 1 : 0;
    return chosen.size === 0 ? 0 : (hits / right.size) * (hits / chosen.size);
  }
  const correctDecisions = optionIds.filter((id) => right.has(id) === chosen.has(id)).length;
  return correctDecisions / optionIds.length;
}

function multiple(c: CheckOf<'multiple'>, answer: string[] | undefined): Outcome {
  const method = c.credit ?? 'pc';
  const lines = answer === undefined ? [] : [`your answer: ${[...answer].sort().join(', ') || '(none)'}`];
  lines.push(`expected: ${[...c.answer].sort().join(', ') || '(none)'} (credit: ${CREDIT_TEXT[method]})`);
  const fraction =
    answer === undefined
      ? undefined
      : multipleCredit(
          c.answer,
          answer,
          c.options.map((o) => o.id),
          method,
        );
  return { fraction, lines };
}

const CREDIT_TEXT = {
  pc: '(right picks − wrong picks) / right options',
  cov: 'coverage × precision',
  edc: 'every decision counts',
  all: 'all or nothing',
};

function setKey(v: string | number, n: Normalize | undefined): string {
  return typeof v === 'number'
    ? `n:${v}`
    : /^\s*-?\d+(\.\d+)?\s*$/.test(v)
      ? `n:${Number(v)}`
      : `s:${normalizeText(v, n)}`;
}

function set(c: CheckOf<'set'>, answer: (string | number)[] | undefined): Outcome {
  const lines = answer === undefined ? [] : [`your answer: {${answer.map(String).join(', ')}}`];
  lines.push(
    `expected (any order): {${c.answer.map(String).join(', ')}}${c.credit === 'partial' ? ' (partial credit: (hits − extras) / size)' : ''}`,
  );
  if (answer === undefined) return { lines };
  const key = new Set(c.answer.map((v) => setKey(v, c.normalize)));
  const given = new Set(answer.map((v) => setKey(v, c.normalize)));
  const hits = [...given].filter((g) => key.has(g)).length;
  const extras = given.size - hits;
  const fraction =
    c.credit === 'partial'
      ? Math.max(0, (hits - extras) / key.size)
      : hits === key.size && extras === 0
        ? 1
        : 0;
  return { fraction, lines };
}

// ---- logs

interface RunRead {
  problem?: string;
  values: Partial<Record<LogMetric, { value: number; where: string }>>;
  missing: Partial<Record<LogMetric, string>>;
}

/**
 * The budget ledger the trainer keeps (`--ledger`, default ./budget.json):
 * {"version": 1, "runs": [{"actualUsd": …, …}]}; the spend is the sum over runs.
 */
function readLedger(ctx: Context, dir: string): RunRead {
  const path = dir === '.' ? 'budget.json' : `${dir.replace(/\/+$/, '')}/budget.json`;
  const read = readArtifact(ctx.sub, path, ctx.artifactBytes);
  if (read.problem) return { problem: read.problem, values: {}, missing: {} };
  let runs: LedgerRun[];
  try {
    // The trainer's own reader: the same checks as when train_gpt2cu opens the file.
    ({ runs } = parseLedger(read.text!, path));
  } catch (err) {
    return { problem: (err as Error).message, values: {}, missing: {} };
  }
  if (runs.length === 0)
    return { values: {}, missing: { ledger_spend_usd: `${path} has no runs with actualUsd` } };
  const total = runs.reduce((s, r) => s + r.actualUsd, 0);
  return {
    values: { ledger_spend_usd: { value: total, where: `${path}, ${runs.length} run(s)` } },
    missing: {},
  };
}

/**
 * A course sweep config (`run` is its path): its plan as `course sweep --plan --json` makes it
 * (the trainer's own planSweep), for the projected cost and the trials of a student's strategy.
 */
function readSweepPlan(ctx: Context, path: string): RunRead {
  const read = readArtifact(ctx.sub, path, ctx.artifactBytes);
  if (read.problem) return { problem: read.problem, values: {}, missing: {} };
  let plan: ReturnType<typeof planSweep>;
  try {
    plan = planSweep(validateSweepConfig(JSON.parse(read.text!), path), path);
  } catch (err) {
    return {
      problem: `${path}: ${(err as Error).message.replace(`${path}: `, '')}`,
      values: {},
      missing: {},
    };
  }
  const where = `course sweep --plan --config ${path}`;
  const values: RunRead['values'] = { sweep_plan_trials: { value: plan.trials, where } };
  const missing: RunRead['missing'] = {};
  if (plan.projectedUsd === null)
    missing.sweep_plan_usd = `${path} prices no step (give ms_per_step or usd_per_step)`;
  else values.sweep_plan_usd = { value: plan.projectedUsd, where };
  return { values, missing };
}

/**
 * RUN/sweep.json of a course sweep folder: the trials with a result (a val loss at some
 * stage), the sweep's spend, and its best LR (the lowest final val loss over its scales).
 */
function readSweepState(ctx: Context, dir: string): RunRead {
  const path = `${dir.replace(/\/+$/, '')}/sweep.json`;
  const read = readArtifact(ctx.sub, path, ctx.artifactBytes);
  if (read.problem) return { problem: read.problem, values: {}, missing: {} };
  let state: { trials?: unknown; spentUsd?: unknown; best?: unknown };
  try {
    state = JSON.parse(read.text!);
  } catch (err) {
    return { problem: `${path} is not valid JSON (${(err as Error).message})`, values: {}, missing: {} };
  }
  if (!Array.isArray(state?.trials))
    return {
      problem: `${path}: trials: expected a list (a course sweep folder's state)`,
      values: {},
      missing: {},
    };
  const values: RunRead['values'] = {};
  const missing: RunRead['missing'] = {};
  const ran = state.trials.filter(
    (t: { stages?: unknown }) => Array.isArray(t?.stages) && t.stages.length > 0,
  ).length;
  values.sweep_trials = { value: ran, where: `${path}: ${state.trials.length} trials, ${ran} with a result` };
  if (typeof state.spentUsd === 'number' && Number.isFinite(state.spentUsd))
    values.sweep_spend_usd = { value: state.spentUsd, where: `${path} spentUsd` };
  else missing.sweep_spend_usd = `${path} has no spentUsd`;
  const best = (Array.isArray(state.best) ? state.best : []).filter(
    (b: { lr?: unknown; valLoss?: unknown }) =>
      typeof b?.lr === 'number' && typeof b?.valLoss === 'number' && Number.isFinite(b.valLoss),
  ) as { lr: number; valLoss: number; trial?: string }[];
  if (best.length > 0) {
    const top = best.reduce((m, b) => (b.valLoss < m.valLoss ? b : m));
    const where = `${path} best${top.trial ? ` (trial ${top.trial})` : ''}`;
    values.sweep_best_lr = { value: top.lr, where };
    values.sweep_best_val_loss = { value: top.valLoss, where };
  } else {
    missing.sweep_best_lr = missing.sweep_best_val_loss = `${path} has no best LR (run the sweep to its end)`;
  }
  return { values, missing };
}

/** Reads RUN/main.log (required) and RUN/run.json, RUN/run_parameters.txt (optional). */
function readRun(ctx: Context, run: string): RunRead {
  const log = readArtifact(ctx.sub, `${run.replace(/\/+$/, '')}/main.log`, ctx.artifactBytes);
  if (log.problem) return { problem: log.problem, values: {}, missing: {} };
  const parsed = parseMainLog(log.text!);
  const values: RunRead['values'] = {};
  const missing: RunRead['missing'] = {};
  const at = `${run}/main.log`;

  const lastPerStep = <T extends { step: number }>(rows: T[]) => [
    ...new Map(rows.map((r) => [r.step, r])).values(),
  ];
  const train = lastPerStep(parsed.train).filter((t) => Number.isFinite(t.loss));
  const val = lastPerStep(parsed.val).filter((v) => Number.isFinite(v.loss));
  const evals = lastPerStep(parsed.eval).filter((e) => Number.isFinite(e.acc));
  const minBy = <T>(rows: T[], key: (r: T) => number) =>
    rows.reduce<T | undefined>((m, r) => (m === undefined || key(r) < key(m) ? r : m), undefined);

  const minTrain = minBy(train, (t) => t.loss);
  if (minTrain) values.min_train_loss = { value: minTrain.loss, where: `${at} s:${minTrain.step} trl` };
  else missing.min_train_loss = `${at} has no train (trl) lines`;
  const minVal = minBy(val, (v) => v.loss);
  if (minVal) values.min_val_loss = { value: minVal.loss, where: `${at} s:${minVal.step} tel` };
  else missing.min_val_loss = `${at} has no val (tel) lines`;
  if (evals.length > 0) {
    const last = evals[evals.length - 1];
    values.hellaswag_final = { value: last.acc, where: `${at} s:${last.step} eval` };
    const best = minBy(evals, (e) => -e.acc)!;
    values.hellaswag_max = { value: best.acc, where: `${at} s:${best.step} eval` };
  } else {
    missing.hellaswag_final = missing.hellaswag_max = `${at} has no HellaSwag (eval) lines`;
  }
  // The handout's probe: the slowest of steps 10..19 (the trainer's cost module, PROBE_FIRST/LAST_STEP).
  const probe = train.filter((t) => t.step >= 10 && t.step <= 19 && t.ms !== undefined);
  if (probe.length === 10) {
    const slowest = minBy(probe, (t) => -(t.ms as number))!;
    values.slowest_probe_ms = { value: slowest.ms!, where: `${at} s:${slowest.step} time (ms)` };
  } else {
    missing.slowest_probe_ms = `${at} lacks step times for steps 10..19 (found ${probe.length} of 10)`;
  }

  const runJson = readArtifact(ctx.sub, `${run}/run.json`, ctx.artifactBytes);
  let rj: Record<string, unknown> | undefined;
  if (!runJson.problem) {
    try {
      rj = JSON.parse(runJson.text!);
    } catch {
      missing.max_lr =
        missing.num_parameters =
        missing.projected_cost_usd =
          `${run}/run.json is not valid JSON`;
    }
  }
  const params = readArtifact(ctx.sub, `${run}/run_parameters.txt`, ctx.artifactBytes);
  const table = params.text ? parseRunParameters(params.text) : new Map<string, string>();
  const num = (v: unknown) =>
    typeof v === 'number' && Number.isFinite(v)
      ? v
      : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))
        ? Number(v)
        : undefined;
  const config = (rj?.config ?? {}) as Record<string, unknown>;
  const cost = (rj?.cost ?? {}) as Record<string, unknown>;
  const pick = (metric: LogMetric, options: [unknown, string][]) => {
    for (const [v, where] of options) {
      const n = num(v);
      if (n !== undefined) {
        values[metric] = { value: n, where };
        return;
      }
    }
    missing[metric] ??= `${run} has neither run.json nor run_parameters.txt with it`;
  };
  pick('max_lr', [
    [config.learningRate, `${run}/run.json config.learningRate`],
    [table.get('learning rate (LR)'), `${run}/run_parameters.txt learning rate (LR)`],
  ]);
  pick('num_parameters', [
    [rj?.numParameters, `${run}/run.json numParameters`],
    [table.get('num_parameters'), `${run}/run_parameters.txt num_parameters`],
  ]);
  pick('projected_cost_usd', [[cost.projectedUsd, `${run}/run.json cost.projectedUsd`]]);
  return { values, missing };
}

const METRIC_TEXT: Record<LogMetric, string> = {
  min_train_loss: 'minimum train loss',
  min_val_loss: 'minimum val loss',
  slowest_probe_ms: 'slowest of steps 10..19 (ms)',
  hellaswag_final: 'final HellaSwag accuracy (fraction)',
  hellaswag_max: 'best HellaSwag accuracy (fraction)',
  max_lr: 'max learning rate',
  num_parameters: 'parameter count',
  projected_cost_usd: 'projected cost (USD)',
  ledger_spend_usd: 'total spend in the budget ledger (USD)',
  sweep_plan_usd: 'projected cost of the sweep plan (USD)',
  sweep_plan_trials: 'trials in the sweep plan',
  sweep_trials: 'trials with a result',
  sweep_spend_usd: 'spend of the sweep (USD)',
  sweep_best_lr: 'best LR of the sweep',
  sweep_best_val_loss: 'lowest final val loss of the sweep',
};

/** Which file family a metric reads: the ledger, a sweep config's plan, a sweep folder, or a run folder. */
function metricSource(metric: LogMetric): 'ledger' | 'plan' | 'sweep' | 'run' {
  if (metric === 'ledger_spend_usd') return 'ledger';
  if (metric === 'sweep_plan_usd' || metric === 'sweep_plan_trials') return 'plan';
  return metric.startsWith('sweep_') ? 'sweep' : 'run';
}

const READERS = { ledger: readLedger, plan: readSweepPlan, sweep: readSweepState, run: readRun };

function logCheck(
  c: CheckOf<'log'>,
  answer: number | { value: number; run?: string } | undefined,
  ctx: Context,
): Outcome {
  const run = typeof answer === 'object' && answer.run !== undefined ? answer.run : c.run;
  const value = typeof answer === 'object' ? answer.value : answer;
  const source = metricSource(c.metric);
  const key = `${source}:${run}`;
  ctx.runs ??= new Map();
  let read = ctx.runs.get(key);
  if (!read) {
    read = READERS[source](ctx, run);
    ctx.runs.set(key, read);
  }
  // Unverifiable, so no points; but the number still feeds follow-through questions after it.
  const own = value !== undefined && Number.isFinite(value) ? value : undefined;
  if (read.problem) return { invalid: true, own, lines: [`cannot check against your run: ${read.problem}`] };
  const found = read.values[c.metric];
  if (!found)
    return { invalid: true, own, lines: [`cannot check against your run: ${read.missing[c.metric]}`] };
  if (value !== undefined && !Number.isFinite(value)) {
    return { invalid: true, reference: found.value, lines: [`${value} is not a finite number`] };
  }
  const out = judgeNumber(value, found.value, c.tolerance);
  out.lines.splice(
    value === undefined ? 0 : 1,
    0,
    `your run shows ${METRIC_TEXT[c.metric]} ${formatNumber(found.value, 10)} (${found.where})`,
  );
  if (c.min !== undefined && found.value < c.min) {
    out.lines.push(
      `at least ${formatNumber(c.min)} required: ${formatNumber(found.value, 10)} earns no points`,
    );
    if (out.fraction !== undefined) out.fraction = 0;
  }
  return out;
}

function manual(c: CheckOf<'manual'>, answer: string | undefined): Outcome {
  const lines =
    answer === undefined
      ? []
      : [`your answer: ${JSON.stringify(answer.length > 500 ? `${answer.slice(0, 500)}…` : answer)}`];
  lines.push('graded by a TA (0 until the TA scores it); rubric:');
  for (const r of c.rubric) lines.push(`  ${formatNumber(r.points)} pt: ${r.text}`);
  return { lines };
}
