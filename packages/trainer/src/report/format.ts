/** Number formats shared by the plot legend and the tuning table, so both spell a run the same way. */

/**
 * A learning rate the way the handout writes it: `6e-4`, `1.5e-3`. Rounded to 3
 * significant digits first, so a float32 round trip (0.0006000000284…) still reads `6e-4`.
 */
export function formatLr(lr: number): string {
  return Number(lr.toPrecision(3)).toExponential();
}
