/**
 * glibc's single-precision `logf` and `sincosf`, reproduced bit for bit.
 *
 * llm.c's Box–Muller calls `logf`, `sinf` and `cosf` in float. glibc (2.28 and
 * later, x86-64) computes these in double with a short table/polynomial and
 * rounds once to float; the result is within 0.82 ULP (logf) and 0.56 ULP
 * (sinf/cosf) but not always correctly rounded: `Math.fround(Math.log(x))`
 * differs from glibc's logf on about 0.7% of the uniforms llm.c feeds it, and
 * sin/cos on about 1.3%. To start from exactly llm.c's weights we therefore
 * evaluate glibc's algorithms step by step in double. JavaScript doubles round
 * each operation like C doubles. Checked exhaustively against glibc 2.36 on
 * x86-64 (both its FMA and its plain ifunc variant): logf(1 − u) for every
 * u = k/2^24, sincosf(θ) for every θ = (float)(2π·k/2^24), plus 4M random
 * floats. The FMA variant can differ where x − n·π/2 cancels for large |x|
 * (seen once, at x ≈ −103.67), never for the θ in [0, 2π] llm.c uses.
 *
 * The table entries and polynomial coefficients below are the published
 * constants of these algorithms (ARM optimized-routines, shipped in glibc as
 * sysdeps/ieee754/flt-32/e_logf_data.c and s_sincosf_data.c); the results
 * depend on every bit of them.
 */

/** A C99 hex float literal ("0x1.8p-3") as a number, exactly (≤ 13 fraction digits). */
function hexFloat(literal: string): number {
  const m = /^(-?)0x([0-9a-f])\.([0-9a-f]*)p(-?\d+)$/.exec(literal);
  if (!m) throw new Error(`bad hex float ${literal}`);
  const magnitude = Number.parseInt(m[2] + m[3], 16) * 2 ** (Number(m[4]) - 4 * m[3].length);
  return m[1] ? -magnitude : magnitude;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function floatBits(x: number): number {
  f32[0] = x;
  return u32[0];
}

function bitsFloat(bits: number): number {
  u32[0] = bits;
  return f32[0];
}

// ---------------------------------------------------------------- logf ----

/** 1/c and log(c) for the 16 subintervals of [0x3f330000, 2·0x3f330000) that z falls in. */
const LOGF_INVC = [
  '0x1.661ec79f8f3bep0',
  '0x1.571ed4aaf883dp0',
  '0x1.49539f0f010bp0',
  '0x1.3c995b0b80385p0',
  '0x1.30d190c8864a5p0',
  '0x1.25e227b0b8eap0',
  '0x1.1bb4a4a1a343fp0',
  '0x1.12358f08ae5bap0',
  '0x1.0953f419900a7p0',
  '0x1.0p0',
  '0x1.e608cfd9a47acp-1',
  '0x1.ca4b31f026aap-1',
  '0x1.b2036576afce6p-1',
  '0x1.9c2d163a1aa2dp-1',
  '0x1.886e6037841edp-1',
  '0x1.767dcf5534862p-1',
].map(hexFloat);
const LOGF_LOGC = [
  '-0x1.57bf7808caadep-2',
  '-0x1.2bef0a7c06ddbp-2',
  '-0x1.01eae7f513a67p-2',
  '-0x1.b31d8a68224e9p-3',
  '-0x1.6574f0ac07758p-3',
  '-0x1.1aa2bc79c81p-3',
  '-0x1.a4e76ce8c0e5ep-4',
  '-0x1.1973c5a611cccp-4',
  '-0x1.252f438e10c1ep-5',
  '0x0.0p0',
  '0x1.aa5aa5df25984p-5',
  '0x1.c5e53aa362eb4p-4',
  '0x1.526e57720db08p-3',
  '0x1.bc2860d22477p-3',
  '0x1.1058bc8a07ee1p-2',
  '0x1.4043057b6ee09p-2',
].map(hexFloat);
const LN2 = hexFloat('0x1.62e42fefa39efp-1');
/** log1p(r) ≈ r + A0·r² + A1·r³ + A2·r⁴ ... evaluated as below. */
const LOGF_A0 = hexFloat('-0x1.00ea348b88334p-2');
const LOGF_A1 = hexFloat('0x1.5575b0be00b6ap-2');
const LOGF_A2 = hexFloat('-0x1.ffffef20a4123p-2');
/** Bits of the float where the table's subintervals start (≈ 0.6992). */
const LOGF_OFF = 0x3f330000;

/** glibc `logf(x)` for a float value x (round-to-nearest). */
export function logf(x: number): number {
  let ix = floatBits(x);
  if (ix === 0x3f800000) return 0;
  if ((ix - 0x00800000) >>> 0 >= 0x7f800000 - 0x00800000) {
    // Zero, subnormal, negative, Inf or NaN.
    if ((ix & 0x7fffffff) === 0) return -Infinity;
    if (ix === 0x7f800000) return Infinity;
    if (ix & 0x80000000 || ix >= 0x7f800000) return Number.NaN;
    // Subnormal: scale by 2^23 (exact) and take 23 off the exponent.
    ix = (floatBits(Math.fround(x * 2 ** 23)) - (23 << 23)) >>> 0;
  }
  // x = 2^k · z with z in [OFF, 2·OFF); i picks the subinterval, c its centre.
  const tmp = (ix - LOGF_OFF) >>> 0;
  const i = (tmp >>> 19) & 15;
  const k = (tmp | 0) >> 23;
  const z = bitsFloat((ix - (tmp & 0xff800000)) >>> 0);
  // log(x) = log1p(z/c − 1) + log(c) + k·ln2
  const r = z * LOGF_INVC[i] - 1;
  const y0 = LOGF_LOGC[i] + k * LN2;
  const r2 = r * r;
  let y = LOGF_A1 * r + LOGF_A2;
  y = LOGF_A0 * r2 + y;
  y = y * r2 + (y0 + r);
  return Math.fround(y);
}

// ------------------------------------------------------------- sincosf ----

/** 2/π · 2^24: the quadrant lands in bits 24..31 of the truncated product. */
const HPI_INV_2P24 = hexFloat('0x1.45f306dc9c883p23');
const HPI = hexFloat('0x1.921fb54442d18p0');
/** Cosine polynomial c0..c4 (the table for quadrants 2 and 3 negates it) and sine s1..s3. */
const C0 = 1;
const C1 = hexFloat('-0x1.ffffffd0c621cp-2');
const C2 = hexFloat('0x1.55553e1068f19p-5');
const C3 = hexFloat('-0x1.6c087e89a359dp-10');
const C4 = hexFloat('0x1.99343027bf8c3p-16');
const S1 = hexFloat('-0x1.555545995a603p-3');
const S2 = hexFloat('0x1.1107605230bc4p-7');
const S3 = hexFloat('-0x1.994eb3774cf24p-13');
/** Sign applied to the reduced argument, by quadrant. */
const QUADRANT_SIGN = [1, -1, -1, 1];

/** Top 12 bits of |x|'s float pattern (exponent and 3 mantissa bits): glibc's branch test. */
function absTop12(bits: number): number {
  return (bits >>> 20) & 0x7ff;
}
const TOP12_PIO4 = 0x3f4; // (float)(π/4), so the first branch covers |x| < 0.75
const TOP12_2P_12 = 0x398; // 0x1p-12f
const TOP12_120 = 0x42f; // 120.0f

/**
 * glibc `sincosf(x)` (equal to its separate `sinf`/`cosf`) for a float value
 * |x| < 120, which covers every θ = 2π·u that llm.c's Box–Muller produces.
 * Writes sin to out[0] and cos to out[1].
 */
export function sincosf(x: number, out: Float64Array): void {
  const top = absTop12(floatBits(x));
  if (top < TOP12_PIO4) {
    if (top < TOP12_2P_12) {
      out[0] = x;
      out[1] = 1;
      return;
    }
    sincosPoly(x, x * x, 1, 0, out);
    return;
  }
  if (top >= TOP12_120) {
    throw new RangeError(`sincosf: |x| = ${Math.abs(x)} is outside the fast range (< 120) this port covers`);
  }
  // One-step reduction: n = round(x·2/π) via the prescaled product, r = x − n·π/2.
  const n = (((x * HPI_INV_2P24) | 0) + 0x800000) >> 24;
  const r = x - n * HPI;
  const cosSign = n & 2 ? -1 : 1;
  sincosPoly(r * QUADRANT_SIGN[n & 3], r * r, cosSign, n, out);
}

/**
 * The two polynomials on the reduced argument x (x2 = x²); `cosSign` is −1 for
 * quadrants 2 and 3, whose table negates the cosine coefficients (negating each
 * coefficient is exact, so multiplying them by ±1 keeps glibc's rounding). An
 * odd quadrant swaps sine and cosine.
 */
function sincosPoly(x: number, x2: number, cosSign: number, n: number, out: Float64Array): void {
  const x4 = x2 * x2;
  const x3 = x2 * x;
  const c2 = cosSign * C3 + x2 * (cosSign * C4);
  const s1 = S2 + x2 * S3;
  const c1 = cosSign * C0 + x2 * (cosSign * C1);
  const x5 = x3 * x2;
  const x6 = x4 * x2;
  const s = x + x3 * S1;
  const c = c1 + x4 * (cosSign * C2);
  const sinPoly = Math.fround(s + x5 * s1);
  const cosPoly = Math.fround(c + x6 * c2);
  out[n & 1 ? 1 : 0] = sinPoly;
  out[n & 1 ? 0 : 1] = cosPoly;
}
