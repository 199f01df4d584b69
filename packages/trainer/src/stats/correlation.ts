import { InputError } from '@course/models';

/**
 * Pearson's correlation coefficient
 *
 *   r = Σ (x_i − x̄)(y_i − ȳ) / sqrt( Σ (x_i − x̄)² · Σ (y_i − ȳ)² )
 *
 * computed from the centred values (two passes), which keeps digits when the
 * values sit far from zero. Undefined, so an InputError, when either series is
 * constant or the lengths differ.
 */
export function pearson(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) {
    throw new InputError(`pearson: x has ${x.length} values and y has ${y.length}, expected the same length`);
  }
  if (x.length < 2) throw new InputError(`pearson: found ${x.length} pairs, expected at least 2`);
  for (const [name, series] of [
    ['x', x],
    ['y', y],
  ] as const) {
    const bad = series.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      throw new InputError(`pearson: ${name}[${bad}] is ${series[bad]}, expected a finite number`);
  }
  const mean = (v: readonly number[]) => v.reduce((s, a) => s + a, 0) / v.length;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) {
    throw new InputError(`pearson: ${sxx === 0 ? 'x' : 'y'} is constant, so the correlation is undefined`);
  }
  // Rounding can push |r| a hair past 1 for perfectly (anti)correlated data.
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}
