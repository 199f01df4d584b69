import { describe, expect, it } from 'vitest';
import { bf16ToFp32, fp32ToBf16 } from '../src/llmc/bf16.js';

/** fp32 bit patterns → bf16 bit patterns via the code under test. */
function convertBits(bits: number[]): number[] {
  const values = new Float32Array(new Uint32Array(bits).buffer);
  return Array.from(fp32ToBf16(values));
}

/** The float value of a bf16 pattern, read independently with a DataView. */
function bf16Value(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits << 16, false);
  return view.getFloat32(0, false);
}

/**
 * Independent reference: pick the nearer of the two bf16 neighbours by exact
 * float64 distance, ties to the even pattern. Overflow: +Inf stands in for 2^128
 * (the next "value" after the largest finite bf16).
 */
function referenceRound(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits, false);
  const x = view.getFloat32(0, false);
  const low = bits >>> 16;
  if ((bits & 0xffff) === 0) return low;
  const high = low + 1;
  const magnitude = (pattern: number) => {
    const v = Math.abs(bf16Value(pattern));
    return v === Number.POSITIVE_INFINITY ? 2 ** 128 : v;
  };
  const dLow = Math.abs(Math.abs(x) - magnitude(low));
  const dHigh = Math.abs(magnitude(high) - Math.abs(x));
  if (dLow < dHigh) return low;
  if (dHigh < dLow) return high;
  return low % 2 === 0 ? low : high;
}

describe('bf16', () => {
  it('rounds hand-picked values to nearest, ties to even', () => {
    const cases: [number, number][] = [
      [0x3f800000, 0x3f80], // 1.0 exact
      [0x3f808000, 0x3f80], // tie, 0x3F80 is even: down
      [0x3f818000, 0x3f82], // tie, 0x3F81 is odd: up
      [0x3f808001, 0x3f81], // just above the tie
      [0x3f807fff, 0x3f80], // just below the tie
      [0x3f817fff, 0x3f81],
      [0x3fff8000, 0x4000], // tie rounding up carries into the exponent
      [0xbf808000, 0xbf80], // negative tie, even: towards zero
      [0xbf818000, 0xbf82], // negative tie, odd: away from zero
      [0xbf808001, 0xbf81],
      [0x00000000, 0x0000],
      [0x80000000, 0x8000], // -0 keeps its sign
      [0x00018000, 0x0002], // subnormal tie, odd: up
      [0x00008000, 0x0000], // subnormal tie, even: down
      [0x7f800000, 0x7f80], // +Inf
      [0xff800000, 0xff80], // -Inf
      [0x7f7fffff, 0x7f80], // largest float rounds past the largest bf16: +Inf
      [0x7f7f7fff, 0x7f7f], // still below the midpoint: largest finite bf16
      [0xff7fffff, 0xff80], // and -Inf on the negative side
    ];
    expect(convertBits(cases.map(([f]) => f))).toEqual(cases.map(([, b]) => b));
  });

  it('keeps NaN a NaN, sign included, even when the payload is only in the low bits', () => {
    const out = convertBits([0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fffffff]);
    for (const bits of out) expect(Number.isNaN(bf16Value(bits))).toBe(true);
    expect(out[0]).toBe(0x7fc0);
    expect(out[1] >>> 15).toBe(1);
    expect(out[3] >>> 15).toBe(1);
  });

  it('agrees with an exact-distance reference on random bit patterns', () => {
    let seed = 12345;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    const bits: number[] = [];
    while (bits.length < 20000) {
      const b = ((next() & 0xffff0000) | (next() >>> 16)) >>> 0;
      if ((b & 0x7fffffff) <= 0x7f800000) bits.push(b); // finite or Inf; NaN is tested above
      bits.push(((b & 0xffff0000) | 0x8000) >>> 0); // and the exact tie of the same upper half
    }
    const finite = bits.filter((b) => (b & 0x7fffffff) <= 0x7f800000);
    expect(convertBits(finite)).toEqual(finite.map(referenceRound));
  });

  it('widens bf16 to fp32 exactly', () => {
    const out = bf16ToFp32(
      Uint16Array.from([0x3f80, 0xc040, 0x3e80, 0x0000, 0x8000, 0x7f80, 0xff80, 0x0001]),
    );
    expect(Array.from(out)).toEqual([1, -3, 0.25, 0, -0, Infinity, -Infinity, 2 ** -133]);
    expect(Number.isNaN(bf16ToFp32(Uint16Array.from([0x7fc0]))[0])).toBe(true);
  });

  it('round-trips every bf16 pattern through fp32 unchanged (NaNs stay NaN)', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = fp32ToBf16(bf16ToFp32(all));
    for (let i = 0; i < 65536; i++) {
      if ((i & 0x7fff) > 0x7f80) expect(Number.isNaN(bf16Value(back[i]))).toBe(true);
      else if (back[i] !== i) expect(back[i]).toBe(i);
    }
  });
});
