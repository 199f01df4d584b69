/**
 * The HW5 handout's hypothesis families for transferring a hyperparameter
 * (typically the best max LR) from small scales x to a target scale. Each is a
 * straight line z = α + β·u after transforming x to u and y to z, so every fit
 * is ordinary least squares:
 *
 *   constant     y = a                u = x     z = y     a = α          (β fixed at 0)
 *   linear       y = a + b·x          u = x     z = y     a = α, b = β
 *   power        y = a·x^b            u = ln x  z = ln y  a = e^α, b = β (a line in log-log)
 *   exponential  y = a·e^(b·x)        u = x     z = ln y  a = e^α, b = β
 *   log          y = a + b·ln x       u = ln x  z = y     a = α, b = β
 *
 * Least squares in z: β = Σ(u−ū)(z−z̄) / Σ(u−ū)², α = z̄ − β·ū (constant: α = z̄).
 * Power and exponential therefore fit relative (multiplicative) errors, as the
 * handout's log-log plot does.
 */

export const TRANSFER_FAMILIES = ['constant', 'linear', 'power', 'exponential', 'log'] as const;
export type TransferFamily = (typeof TRANSFER_FAMILIES)[number];

export interface FamilySpec {
  name: TransferFamily;
  /** Number of fitted coefficients p (1 or 2). */
  p: 1 | 2;
  /** x must be > 0 (u = ln x). */
  logX: boolean;
  /** y must be > 0 (z = ln y). */
  logY: boolean;
  /** The law as printed: "y = a·x^b". */
  formula: string;
}

export const FAMILY_SPECS: Record<TransferFamily, FamilySpec> = {
  constant: { name: 'constant', p: 1, logX: false, logY: false, formula: 'y = a' },
  linear: { name: 'linear', p: 2, logX: false, logY: false, formula: 'y = a + b·x' },
  power: { name: 'power', p: 2, logX: true, logY: true, formula: 'y = a·x^b' },
  exponential: { name: 'exponential', p: 2, logX: false, logY: true, formula: 'y = a·e^(b·x)' },
  log: { name: 'log', p: 2, logX: true, logY: false, formula: 'y = a + b·ln x' },
};

/** α and β of the line z = α + β·u. */
export interface Line {
  alpha: number;
  beta: number;
}

export function toU(f: FamilySpec, x: number): number {
  return f.logX ? Math.log(x) : x;
}

export function toZ(f: FamilySpec, y: number): number {
  return f.logY ? Math.log(y) : y;
}

export function fromZ(f: FamilySpec, z: number): number {
  return f.logY ? Math.exp(z) : z;
}

/** The named coefficients {a} or {a, b} of a line in (u, z). */
export function coefficients(f: FamilySpec, line: Line): Record<string, number> {
  const a = f.logY ? Math.exp(line.alpha) : line.alpha;
  return f.p === 1 ? { a } : { a, b: line.beta };
}

/** The law's y at x. */
export function evaluateLaw(f: FamilySpec, line: Line, x: number): number {
  return fromZ(f, line.alpha + line.beta * toU(f, x));
}

/** Least-squares line through (u, z) (constant family: β = 0). Needs two distinct u when p = 2. */
export function leastSquares(p: 1 | 2, u: readonly number[], z: readonly number[]): Line {
  const n = u.length;
  const zBar = z.reduce((s, v) => s + v, 0) / n;
  if (p === 1) return { alpha: zBar, beta: 0 };
  const uBar = u.reduce((s, v) => s + v, 0) / n;
  let suz = 0;
  let suu = 0;
  for (let i = 0; i < n; i++) {
    suz += (u[i] - uBar) * (z[i] - zBar);
    suu += (u[i] - uBar) ** 2;
  }
  const beta = suz / suu;
  return { alpha: zBar - beta * uBar, beta };
}
