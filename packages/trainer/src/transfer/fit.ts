/**
 * Fitting a transfer law y(x) to a few (scale, best value) points and
 * extrapolating it to a target scale, with uncertainty.
 *
 * Model selection (`auto`): leave-one-out error, the root mean square of
 * y_i − ŷ_(−i)(x_i) in y's own units, where ŷ_(−i) is the family fitted without
 * point i. The smallest wins; a tie (within 1e-9 relative) goes to the family
 * with fewer coefficients, then to the earlier one in TRANSFER_FAMILIES.
 *
 * Intervals: studentized residual bootstrap (Davison & Hinkley 1997, §6.3),
 * in the transformed space where the fit is a least-squares line, the design
 * (the x values) held fixed:
 *   1. fit α, β; residuals e_i = z_i − ẑ_i; leverages h_i = 1/n + (u_i − ū)²/Σ(u − ū)²
 *      (1/n for the constant family); s² = Σ e_i² / (n − p).
 *   2. modified residuals r_i = e_i / √(1 − h_i), centred to mean 0.
 *   3. B times (default 2000, seeded MT19937): z*_i = ẑ_i + r_J with J uniform
 *      over 1..n, refit to get θ* (α, β and the prediction ẑ(u_target)) and s*,
 *      and keep t* = (θ* − θ) / s*.
 *   4. the 95% interval of θ is [θ − q(97.5%)·s, θ − q(2.5%)·s], q the t* quantiles
 *      (linear interpolation, R's type 7).
 * Every standard error of OLS is s times a constant of the fixed design, so
 * dividing by s* alone studentizes. With normal errors this has close to 95%
 * coverage even with 8 points (a percentile bootstrap would fall short because
 * it ignores the t distribution's tails). Intervals are mapped through the
 * family's back-transform (a = e^α), which keeps them intervals; the
 * prediction's interval is for the law's value at the target, not for one
 * new noisy observation. A resample whose residuals are all equal gives s* = 0;
 * its t* is ±∞ (so with very few points an interval may be unbounded).
 */
import { InputError, MT19937 } from '@course/models';
import {
  coefficients,
  evaluateLaw,
  FAMILY_SPECS,
  type FamilySpec,
  fromZ,
  type Line,
  leastSquares,
  TRANSFER_FAMILIES,
  type TransferFamily,
  toU,
  toZ,
} from './families.js';

export const DEFAULT_TRANSFER_RESAMPLES = 2000;
export const DEFAULT_TRANSFER_SEED = 0;

export interface TransferPoint {
  x: number;
  y: number;
}

export interface TransferOptions {
  family: TransferFamily | 'auto';
  target: number;
  /** Bootstrap resamples (default DEFAULT_TRANSFER_RESAMPLES). */
  resamples?: number;
  seed?: number;
  /** Names used in error messages. */
  source?: string;
  xName?: string;
  yName?: string;
}

export interface FamilyFit {
  family: TransferFamily;
  formula: string;
  params: Record<string, number>;
  /** 95% bootstrap interval of each coefficient. */
  paramsInterval: Record<string, [number, number]>;
  prediction: number;
  interval: [number, number];
  /** Leave-one-out RMS error in y's units; null where a leave-one-out fit is impossible. */
  looError: number | null;
  line: Line;
}

export interface TransferResult {
  chosen: FamilyFit;
  families: FamilyFit[];
  /** Families `auto` could not fit, with why (e.g. "x has a value ≤ 0"). */
  skipped: { family: TransferFamily; reason: string }[];
  target: number;
  resamples: number;
  seed: number;
}

/** Fits one family or all (auto) and extrapolates to opts.target. Throws InputError on degenerate input. */
export function fitTransfer(points: readonly TransferPoint[], opts: TransferOptions): TransferResult {
  const source = opts.source ?? 'transfer';
  const xName = opts.xName ?? 'x';
  const yName = opts.yName ?? 'y';
  const resamples = opts.resamples ?? DEFAULT_TRANSFER_RESAMPLES;
  const seed = opts.seed ?? DEFAULT_TRANSFER_SEED;
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new InputError(`${source}: resamples: found ${resamples}, expected an integer ≥ 1`);
  checkCommon(points, opts.target, source, xName);
  if (opts.family === 'auto' && points.length < 3) {
    throw new InputError(
      `${source}: found 2 points, expected at least 3 for --family auto (leave-one-out needs a point left over for every family); with 2, name a family (e.g. --family constant)`,
    );
  }

  const wanted = opts.family === 'auto' ? [...TRANSFER_FAMILIES] : [opts.family];
  const families: FamilyFit[] = [];
  const skipped: TransferResult['skipped'] = [];
  for (const name of wanted) {
    const spec = FAMILY_SPECS[name];
    const problem = domainProblem(spec, points, opts.target, xName, yName);
    if (problem !== undefined) {
      if (opts.family !== 'auto') throw new InputError(`${source}: ${problem}`);
      skipped.push({ family: name, reason: problem });
      continue;
    }
    families.push(fitFamily(spec, points, opts.target, resamples, seed));
  }
  if (families.length === 0) {
    throw new InputError(
      `${source}: no family can be fitted: ${skipped.map((s) => `${s.family}: ${s.reason}`).join('; ')}`,
    );
  }
  return { chosen: pickByLoo(families), families, skipped, target: opts.target, resamples, seed };
}

/** Smallest leave-one-out error; ties to fewer coefficients, then to list order. */
export function pickByLoo(families: readonly FamilyFit[]): FamilyFit {
  let best = families[0];
  const score = (f: FamilyFit) => f.looError ?? Number.POSITIVE_INFINITY;
  for (const f of families.slice(1)) {
    const a = score(f);
    const b = score(best);
    const tie = Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)) || a === b;
    if (tie ? FAMILY_SPECS[f.family].p < FAMILY_SPECS[best.family].p : a < b) best = f;
  }
  return best;
}

function checkCommon(points: readonly TransferPoint[], target: number, source: string, xName: string): void {
  if (points.length < 2) {
    throw new InputError(
      `${source}: found ${points.length} point${points.length === 1 ? '' : 's'}, expected at least 2 (3 for a family with two coefficients)`,
    );
  }
  if (!Number.isFinite(target))
    throw new InputError(`${source}: target: found ${target}, expected a finite number`);
  if (points.every((p) => p.x === points[0].x)) {
    throw new InputError(
      `${source}: ${xName}: every point has ${xName} = ${points[0].x}, expected at least two different values to extrapolate from`,
    );
  }
}

/** Why `spec` cannot be fitted to these points (a log of a value ≤ 0, too few points), or undefined. */
function domainProblem(
  spec: FamilySpec,
  points: readonly TransferPoint[],
  target: number,
  xName: string,
  yName: string,
): string | undefined {
  const need = spec.p + 1;
  if (points.length < need) {
    return `the ${spec.name} family needs at least ${need} points (${spec.p} coefficients and one left over for the error), found ${points.length}`;
  }
  for (const [logged, name, column] of [
    [spec.logX, 'x', xName],
    [spec.logY, 'y', yName],
  ] as const) {
    if (!logged) continue;
    const bad = points.findIndex((p) => p[name] <= 0);
    if (bad >= 0) {
      return `${column} (point ${bad + 1}): found ${points[bad][name]}, expected > 0: the ${spec.name} family takes ln ${name}`;
    }
  }
  if (spec.logX && target <= 0) {
    return `target: found ${target}, expected > 0: the ${spec.name} family takes ln x`;
  }
  return undefined;
}

function fitFamily(
  spec: FamilySpec,
  points: readonly TransferPoint[],
  target: number,
  resamples: number,
  seed: number,
): FamilyFit {
  const u = points.map((pt) => toU(spec, pt.x));
  const z = points.map((pt) => toZ(spec, pt.y));
  const line = leastSquares(spec.p, u, z);
  const uTarget = toU(spec, target);
  const boot = bootstrapT(spec.p, u, z, line, uTarget, resamples, seed);
  const params = coefficients(spec, line);
  const paramsInterval: Record<string, [number, number]> = {
    a: spec.logY ? [Math.exp(boot.alpha[0]), Math.exp(boot.alpha[1])] : boot.alpha,
  };
  if (spec.p === 2) paramsInterval.b = boot.beta;
  return {
    family: spec.name,
    formula: spec.formula,
    params,
    paramsInterval,
    prediction: evaluateLaw(spec, line, target),
    interval: [fromZ(spec, boot.prediction[0]), fromZ(spec, boot.prediction[1])],
    looError: looError(spec, points),
    line,
  };
}

/** RMS of y_i − ŷ_(−i)(x_i); null when some leave-one-out fit has constant u (a two-coefficient line is undefined). */
function looError(spec: FamilySpec, points: readonly TransferPoint[]): number | null {
  let sum = 0;
  for (let i = 0; i < points.length; i++) {
    const rest = points.filter((_, j) => j !== i);
    const u = rest.map((pt) => toU(spec, pt.x));
    if (spec.p === 2 && u.every((v) => v === u[0])) return null;
    const line = leastSquares(
      spec.p,
      u,
      rest.map((pt) => toZ(spec, pt.y)),
    );
    sum += (points[i].y - evaluateLaw(spec, line, points[i].x)) ** 2;
  }
  const rms = Math.sqrt(sum / points.length);
  return Number.isFinite(rms) ? rms : null;
}

interface BootIntervals {
  alpha: [number, number];
  beta: [number, number];
  prediction: [number, number];
}

/** Step 3 and 4 of the file comment: studentized residual bootstrap intervals of α, β and ẑ(uTarget). */
function bootstrapT(
  p: 1 | 2,
  u: readonly number[],
  z: readonly number[],
  line: Line,
  uTarget: number,
  resamples: number,
  seed: number,
): BootIntervals {
  const n = u.length;
  const fitted = u.map((v) => line.alpha + line.beta * v);
  const residuals = z.map((v, i) => v - fitted[i]);
  const s = residualScale(residuals, p);
  const uBar = u.reduce((a, v) => a + v, 0) / n;
  const suu = u.reduce((a, v) => a + (v - uBar) ** 2, 0);
  const modified = residuals.map((e, i) => {
    const h = p === 1 ? 1 / n : 1 / n + (u[i] - uBar) ** 2 / suu;
    return 1 - h > 1e-12 ? e / Math.sqrt(1 - h) : 0;
  });
  const rBar = modified.reduce((a, v) => a + v, 0) / n;
  const r = modified.map((v) => v - rBar);

  const theta = [line.alpha, line.beta, line.alpha + line.beta * uTarget];
  const t: number[][] = [[], [], []];
  const rng = new MT19937(seed);
  const zStar = new Array<number>(n);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) zStar[i] = fitted[i] + r[Math.floor(rng.randFloat32() * n)];
    const star = leastSquares(p, u, zStar);
    const sStar = residualScale(
      zStar.map((v, i) => v - (star.alpha + star.beta * u[i])),
      p,
    );
    const thetaStar = [star.alpha, star.beta, star.alpha + star.beta * uTarget];
    for (let k = 0; k < 3; k++) {
      const d = thetaStar[k] - theta[k];
      t[k].push(d === 0 ? 0 : d / sStar);
    }
  }
  const interval = (k: number): [number, number] => {
    if (s === 0 || (p === 1 && k === 1)) return [theta[k], theta[k]];
    const sorted = t[k].sort((a, b) => a - b);
    return [theta[k] - quantile(sorted, 0.975) * s, theta[k] - quantile(sorted, 0.025) * s];
  };
  return { alpha: interval(0), beta: interval(1), prediction: interval(2) };
}

/** s = √(Σe² / (n − p)). */
function residualScale(residuals: readonly number[], p: number): number {
  return Math.sqrt(residuals.reduce((a, e) => a + e * e, 0) / (residuals.length - p));
}

/** Type-7 quantile of sorted values (infinite ends stay infinite). */
export function quantile(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  if (lo === hi || sorted[lo] === sorted[hi] || !Number.isFinite(sorted[lo])) return sorted[lo];
  if (!Number.isFinite(sorted[hi])) return sorted[hi];
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
