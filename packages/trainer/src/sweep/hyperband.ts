/**
 * Successive halving and Hyperband brackets (Li, Jamieson, DeSalvo,
 * Rostamizadeh, Talwalkar, "Hyperband", JMLR 2018, Algorithm 1), with R the
 * most steps one trial gets and η the halving rate:
 *
 *   s_max = ⌊log_η R⌋                      (the largest s with η^s ≤ R)
 *   B     = (s_max + 1)·R
 *   for s = s_max, …, 0:
 *     n = ⌈(B / R)·η^s / (s + 1)⌉ = ⌈(s_max + 1)·η^s / (s + 1)⌉   trials at rung 0
 *     r = R·η^(−s)                                                  steps at rung 0
 *     rung i = 0…s:  n_i = ⌊n·η^(−i)⌋ trials,  r_i = ⌊r·η^i⌋ = ⌊R / η^(s−i)⌋ steps
 *
 * The paper keeps r_i real; steps are whole, and rounding r_i *down* is what
 * reproduces the HW5 handout's table for R = 555, η = 3 (s = 5: r 555/243 =
 * 2.28 → 2, 555/81 = 6.85 → 6, 20.6 → 20, 61.7 → 61, 185, 555), while n_i is
 * the paper's floor (s = 4: n = ⌈6·81/5⌉ = ⌈97.2⌉ = 98, then 98/3 = 32.7 → 32,
 * 10.9 → 10, 3.6 → 3, 1.2 → 1). All of it is integer arithmetic (no log or
 * pow in floating point, where log(243)/log(3) = 4.999…).
 *
 * One successive-halving run is one bracket: n trials for r_0 steps, keep the
 * best ⌊n/η⌋ for r_1 steps, …, until r_s = R. A promoted trial continues from
 * its checkpoint, so rung i costs n_i·(r_i − r_(i−1)) steps, not n_i·r_i.
 */
import { InputError } from '@course/models';

export interface Rung {
  /** Trials run at this rung. */
  n: number;
  /** Steps each has reached at the end of this rung. */
  r: number;
}

export interface Bracket {
  s: number;
  rungs: Rung[];
}

/** ⌊a / b⌋ for non-negative safe integers, exact (float division corrected by one multiply). */
export function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q--;
  else if ((q + 1) * b <= a) q++;
  return q;
}

/** ⌈a / b⌉ for non-negative safe integers. */
export function ceilDiv(a: number, b: number): number {
  return floorDiv(a + b - 1, b);
}

function checkInts(maxR: number, eta: number, where: string): void {
  if (!Number.isSafeInteger(maxR) || maxR < 1)
    throw new InputError(`${where}: max_r: found ${maxR}, expected an integer ≥ 1 (steps)`);
  if (!Number.isSafeInteger(eta) || eta < 2)
    throw new InputError(`${where}: eta: found ${eta}, expected an integer ≥ 2`);
}

/** s_max = ⌊log_η R⌋: the largest s with η^s ≤ R. */
export function maxBracket(maxR: number, eta: number, where = 'hyperband'): number {
  checkInts(maxR, eta, where);
  let s = 0;
  for (let p = eta; p <= maxR; p *= eta) s++;
  return s;
}

/**
 * One successive-halving bracket: `n` trials, `s` halvings, the last rung at
 * `maxR` steps. Defaults: s = s_max, n = η^s (one trial left at the end).
 */
export function successiveHalving(
  maxR: number,
  eta: number,
  opts: { s?: number; n?: number } = {},
  where = 'successive-halving',
): Bracket {
  const sMax = maxBracket(maxR, eta, where);
  const s = opts.s ?? sMax;
  if (!Number.isSafeInteger(s) || s < 0 || s > sMax) {
    throw new InputError(
      `${where}: s: found ${s}, expected an integer from 0 to ${sMax} (⌊log_${eta} ${maxR}⌋; rung 0 would get 0 steps)`,
    );
  }
  const last = eta ** s;
  const n = opts.n ?? last;
  if (!Number.isSafeInteger(n) || n < last) {
    throw new InputError(
      `${where}: n: found ${n}, expected an integer ≥ ${eta}^${s} = ${last} (one trial in the last rung)`,
    );
  }
  const rungs: Rung[] = [];
  for (let i = 0; i <= s; i++) rungs.push({ n: floorDiv(n, eta ** i), r: floorDiv(maxR, eta ** (s - i)) });
  return { s, rungs };
}

/** Hyperband's brackets s = s_max … 0 (file comment). */
export function hyperbandBrackets(maxR: number, eta: number, where = 'hyperband'): Bracket[] {
  const sMax = maxBracket(maxR, eta, where);
  const brackets: Bracket[] = [];
  for (let s = sMax; s >= 0; s--) {
    const n = ceilDiv((sMax + 1) * eta ** s, s + 1);
    brackets.push(successiveHalving(maxR, eta, { s, n }, where));
  }
  return brackets;
}

/** Steps a bracket trains when promoted trials continue from their checkpoints: Σ n_i·(r_i − r_(i−1)). */
export function bracketSteps(b: Bracket): number {
  return b.rungs.reduce((sum, rung, i) => sum + rung.n * (rung.r - (i === 0 ? 0 : b.rungs[i - 1].r)), 0);
}

/** Steps the same bracket would train if every rung restarted from step 0: Σ n_i·r_i. */
export function bracketStepsFromScratch(b: Bracket): number {
  return b.rungs.reduce((sum, rung) => sum + rung.n * rung.r, 0);
}
