/**
 * What `course transfer` prints. `--json` is one object:
 *   { family, params, params_interval, prediction, interval,
 *     families: [{ family, params, params_interval, prediction, interval, loo_error }] }
 * (issue #12's fields, plus params_interval: each coefficient's 95% interval).
 * JSON has no infinity: an unbounded interval end is null.
 */
import type { FamilyFit, TransferResult } from './fit.js';

function familyFields(f: FamilyFit) {
  return {
    family: f.family,
    params: f.params,
    params_interval: f.paramsInterval,
    prediction: f.prediction,
    interval: f.interval,
  };
}

/** The --json object (JSON.stringify turns ±Infinity into null). */
export function transferJson(result: TransferResult): object {
  return {
    ...familyFields(result.chosen),
    families: result.families.map((f) => ({ ...familyFields(f), loo_error: f.looError })),
  };
}

const g = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : String(v));
const range = ([lo, hi]: readonly [number, number]) => `[${g(lo)}, ${g(hi)}]`;

/** Human-readable report: the chosen law, its coefficients and prediction, then every family tried. */
export function formatTransfer(result: TransferResult, xName = 'x', yName = 'y'): string[] {
  const c = result.chosen;
  const params = (f: FamilyFit) =>
    Object.entries(f.params)
      .map(([k, v]) => `${k} = ${g(v)} ${range(f.paramsInterval[k])}`)
      .join(', ');
  const lines = [
    `family: ${c.family} (${c.formula}), ${params(c)}`,
    `prediction: ${yName} at ${xName} = ${result.target} is ${g(c.prediction)}, 95% interval ${range(c.interval)}`,
    `(intervals: studentized residual bootstrap, ${result.resamples} resamples, seed ${result.seed})`,
  ];
  if (result.families.length > 1 || result.skipped.length > 0) {
    lines.push('', 'family        leave-one-out error  prediction  coefficients');
    for (const f of result.families) {
      const loo = f.looError === null ? '—' : g(f.looError);
      lines.push(
        `${f.family.padEnd(13)} ${loo.padEnd(20)} ${g(f.prediction).padEnd(11)} ${params(f)}${f === c ? '  ← chosen' : ''}`,
      );
    }
    for (const s of result.skipped) lines.push(`${s.family.padEnd(13)} skipped: ${s.reason}`);
  }
  return lines;
}
