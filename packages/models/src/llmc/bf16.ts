/**
 * bfloat16 is the upper 16 bits of an IEEE float32 (sign, 8 exponent bits,
 * 7 mantissa bits). llm.c's v5 checkpoints store every parameter this way.
 */

/**
 * fp32 → bf16 bits with round-to-nearest-even, as torch's `.to(bfloat16)`:
 * add 0x7FFF plus the lowest kept bit, then truncate, so an exact tie rounds
 * towards the even upper half. Values that round past the largest finite bf16
 * become ±Inf (correct rounding). NaN keeps its sign and upper payload and gets
 * the quiet bit set, so it cannot truncate to an Inf pattern.
 */
export function fp32ToBf16(values: Float32Array, out = new Uint16Array(values.length)): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i];
    if ((b & 0x7fffffff) > 0x7f800000) {
      out[i] = (b >>> 16) | 0x0040;
    } else {
      out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
    }
  }
  return out;
}

/** bf16 bits → fp32, exactly (the low 16 bits become 0). */
export function bf16ToFp32(values: Uint16Array, out = new Float32Array(values.length)): Float32Array {
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < values.length; i++) bits[i] = values[i] << 16;
  return out;
}
