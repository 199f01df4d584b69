/**
 * C printf's `%.Nf` and `%.Ne` for the few places where our output must be
 * byte-identical to llm.c's (main.log, run_parameters.txt).
 *
 * JavaScript's toFixed/toExponential round a tie (a value exactly halfway
 * between two outputs, e.g. 0.125 at 2 decimals) upwards; glibc rounds it to
 * the even digit ("0.12"). Timings like 12.625 ms are real ties, so we round
 * the exact decimal expansion of the double ourselves, as glibc does.
 */

/** The exact decimal value of a finite, non-negative double: digits × 10^-scale. */
function exactDecimal(x: number): { digits: bigint; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biasedExponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  // x = mantissa × 2^exponent, exactly (subnormals have no implicit leading 1).
  const mantissa = biasedExponent === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biasedExponent === 0 ? 1 : biasedExponent) - 1075;
  if (exponent >= 0) return { digits: mantissa << BigInt(exponent), scale: 0 };
  // m × 2^-k = m × 5^k / 10^k
  return { digits: mantissa * 5n ** BigInt(-exponent), scale: -exponent };
}

/** Divides `value` by 10^drop, rounding half to even (exact: bigint arithmetic). */
function roundDropDigits(value: bigint, drop: number): bigint {
  if (drop <= 0) return value * 10n ** BigInt(-drop);
  const divisor = 10n ** BigInt(drop);
  const quotient = value / divisor;
  const twiceRemainder = (value % divisor) * 2n;
  if (twiceRemainder > divisor || (twiceRemainder === divisor && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}

function signOf(x: number): string {
  return x < 0 || Object.is(x, -0) ? '-' : '';
}

/** glibc spells non-finite values `nan`, `inf`, `-inf`. */
function nonFinite(x: number): string {
  return Number.isNaN(x) ? 'nan' : `${x < 0 ? '-' : ''}inf`;
}

/** C's `%.{precision}f`. */
export function formatFixed(x: number, precision = 6): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const { digits, scale } = exactDecimal(Math.abs(x));
  const scaled = roundDropDigits(digits, scale - precision)
    .toString()
    .padStart(precision + 1, '0');
  const intPart = scaled.slice(0, scaled.length - precision);
  const fracPart = scaled.slice(scaled.length - precision);
  return signOf(x) + intPart + (precision > 0 ? `.${fracPart}` : '');
}

/** C's `%.{precision}e`: one digit, point, `precision` digits, `e`, sign, at least two exponent digits. */
export function formatExponential(x: number, precision = 6): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const { digits, scale } = exactDecimal(Math.abs(x));
  let mantissa = 0n;
  let exponent = 0;
  if (digits !== 0n) {
    const length = digits.toString().length;
    mantissa = roundDropDigits(digits, length - (precision + 1));
    exponent = length - 1 - scale;
    // Rounding 9.999…5 up gives one digit more: 10.00… → 1.000…e+1.
    if (mantissa.toString().length > precision + 1) {
      mantissa /= 10n;
      exponent += 1;
    }
  }
  const m = mantissa.toString().padStart(precision + 1, '0');
  const e = Math.abs(exponent).toString().padStart(2, '0');
  return `${signOf(x)}${m[0]}${precision > 0 ? `.${m.slice(1)}` : ''}e${exponent < 0 ? '-' : '+'}${e}`;
}

/** C's `%-{width}s` (left-justified, padded with spaces; never truncated). */
export function padRight(text: string, width: number): string {
  return text.padEnd(width, ' ');
}
