/**
 * The Mersenne Twister exactly as llm.c's `llmc/rand.h` and PyTorch's CPU
 * generator run it, so a seed gives the same numbers here as there.
 *
 * - Seeding is MT19937's standard `init_genrand` (torch.manual_seed, llm.c
 *   manual_seed); the first draw after seeding twists the whole state.
 * - `randFloat32` = (u32 & 0xFFFFFF) / 2^24; `randFloat64` keeps the low 53 bits
 *   of a 64-bit draw whose first 32-bit draw is the high half (torch's random64;
 *   gcc evaluates llm.c's `(randint32() << 32) | randint32()` in that order).
 * - `normal` is llm.c's `normal_`: Box–Muller in float on blocks of 16 uniforms,
 *   with glibc's logf/sinf/cosf reproduced bit for bit (see glibc-float.ts).
 *
 * The state mirrors llm.c's `mt19937_state` field by field (`left`, `next`,
 * 624 words), so `toLlmcStateBytes` writes the struct a llm.c state file holds.
 */
import { formatError } from '../errors.js';
import { logf, sincosf } from './glibc-float.js';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** sizeof(mt19937_state) on x86-64: u64 seed_, int left_, uint next_, uint state_[624], uint MATRIX_A[2]. */
export const LLMC_MT19937_STATE_BYTES = 8 + 4 + 4 + 4 * N + 4 * 2;

/**
 * A snapshot of the generator, in llm.c's terms: `left` counts down to the next
 * twist (a draw twists first when `left` ≤ 1), `next` is the index of the next
 * word to temper, `words` the 624-word state.
 */
export interface MT19937State {
  seed: number;
  left: number;
  next: number;
  words: Uint32Array;
}

export class MT19937 {
  private seed = 0;
  private left = 1;
  private next = 0;
  private readonly words = new Uint32Array(N);
  /** Scratch for sincosf's two results (no allocation per sample). */
  private readonly sinCos = new Float64Array(2);

  constructor(seed = 5489) {
    this.manualSeed(seed);
  }

  /** torch.manual_seed / llm.c manual_seed: init_genrand with the low 32 bits of `seed`. */
  manualSeed(seed: number): void {
    if (!Number.isInteger(seed) || seed < 0)
      throw new RangeError(`MT19937 seed: found ${seed}, expected an integer ≥ 0`);
    const s = seed % 2 ** 32;
    this.seed = s;
    this.words[0] = s;
    for (let j = 1; j < N; j++) {
      const prev = this.words[j - 1];
      this.words[j] = Math.imul(1812433253, prev ^ (prev >>> 30)) + j;
    }
    this.left = 1;
    this.next = 0;
  }

  /** The next 32-bit output, as an unsigned integer. */
  randInt32(): number {
    if (--this.left <= 0) this.twist();
    let y = this.words[this.next++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Uniform in [0, 1) with 24 random bits (one draw). */
  randFloat32(): number {
    return (this.randInt32() & 0xffffff) / 0x1000000;
  }

  /** Uniform in [0, 1) with 53 random bits (two draws; the first is the high half). */
  randFloat64(): number {
    const high = this.randInt32();
    const low = this.randInt32();
    return ((high & 0x1fffff) * 2 ** 32 + low) / 2 ** 53;
  }

  /** llm.c uniform_: out[i] = u·(to − from) + from, all in float. */
  uniform(out: Float32Array, from: number, to: number): Float32Array {
    const lo = Math.fround(from);
    const width = Math.fround(Math.fround(to) - lo);
    for (let i = 0; i < out.length; i++) out[i] = Math.fround(this.randFloat32() * width) + lo;
    return out;
  }

  /**
   * llm.c normal_ (for ≥ 16 elements torch's scalar CPU normal_ but for the
   * 1e-12 below): fills `out` with N(mean, std²) samples and returns it. mean
   * and std are used as floats.
   */
  normal(out: Float32Array, mean: number, std: number): Float32Array {
    const m = Math.fround(mean);
    const s = Math.fround(std);
    if (out.length >= 16) this.normalBlocks(out, m, s);
    else this.normalFew(out, m, s);
    return out;
  }

  /**
   * ≥ 16 elements: uniforms for all, Box–Muller on each full block of 16, and if
   * a tail is left, fresh uniforms for the last 16 positions, transformed again.
   */
  private normalBlocks(out: Float32Array, mean: number, std: number): void {
    const n = out.length;
    this.fillFloat32(out, 0, n);
    for (let i = 0; i + 16 <= n; i += 16) this.boxMuller16(out, i, mean, std);
    if (n % 16 !== 0) {
      this.fillFloat32(out, n - 16, n);
      this.boxMuller16(out, n - 16, mean, std);
    }
  }

  /** out[start..end) = randFloat32() each: the same draws, kept in locals for the 124M-element init. */
  private fillFloat32(out: Float32Array, start: number, end: number): void {
    const w = this.words;
    let i = start;
    while (i < end) {
      if (this.left <= 1) {
        this.twist();
        this.left = N + 1; // the draw below takes one, as randInt32's pre-decrement does
      }
      // Draw min(words left in this block, elements left) without touching the fields.
      const count = Math.min(this.left - 1, end - i);
      let next = this.next;
      for (const stop = i + count; i < stop; i++) {
        let y = w[next++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        out[i] = (y & 0xffffff) / 0x1000000;
      }
      this.next = next;
      this.left -= count;
    }
  }

  /**
   * Pairs (t, t+8) of the block at `at`: u1 = 1 − out[t] (in (0, 1]) gives the
   * radius, u2 = out[t+8] the angle. Float everywhere except θ = 2π·u2, which C
   * computes in double (2.0 * M_PI) and rounds to float. llm.c adds 1e-12 (in
   * double) to u1 before logf and torch does not: the radius then differs for
   * u1 < 2^-15 only (45 of the 2^24 values), 315 of GPT-2 124M's weights.
   */
  private boxMuller16(data: Float32Array, at: number, mean: number, std: number): void {
    const sc = this.sinCos;
    for (let t = at; t < at + 8; t++) {
      const u1 = Math.fround(1 - data[t]);
      const u2 = data[t + 8];
      const radius = Math.fround(Math.sqrt(Math.fround(-2 * logf(Math.fround(u1 + 1e-12)))));
      sincosf(Math.fround(2 * Math.PI * u2), sc);
      data[t] = Math.fround(Math.fround(radius * sc[1]) * std) + mean;
      data[t + 8] = Math.fround(Math.fround(radius * sc[0]) * std) + mean;
    }
  }

  /**
   * < 16 elements, llm.c's path: two float64 uniforms per pair, rounded to
   * float, then the same float Box–Muller (u1 → angle, u2 → radius); the second
   * sample of a pair is kept as a double and scaled in double. The cache lives
   * for one call only. (torch computes this path entirely in double and keeps
   * the spare sample in the generator, so it can differ in the last bits.)
   */
  private normalFew(out: Float32Array, mean: number, std: number): void {
    const sc = this.sinCos;
    let spare = 0;
    let hasSpare = false;
    for (let t = 0; t < out.length; t++) {
      if (hasSpare) {
        out[t] = spare * std + mean;
        hasSpare = false;
        continue;
      }
      const u1 = Math.fround(this.randFloat64());
      const u2 = Math.fround(this.randFloat64());
      const radius = Math.fround(Math.sqrt(Math.fround(-2 * logf(Math.fround(Math.fround(1 - u2) + 1e-12)))));
      sincosf(Math.fround(2 * Math.PI * u1), sc);
      spare = Math.fround(radius * sc[0]);
      hasSpare = true;
      out[t] = Math.fround(Math.fround(radius * sc[1]) * std) + mean;
    }
  }

  /** MT19937's twist of all 624 words; the next draw starts at word 0. */
  private twist(): void {
    const w = this.words;
    let j = 0;
    for (; j < N - M; j++) {
      const y = (w[j] & UPPER_MASK) | (w[j + 1] & LOWER_MASK);
      w[j] = w[j + M] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    for (; j < N - 1; j++) {
      const y = (w[j] & UPPER_MASK) | (w[j + 1] & LOWER_MASK);
      w[j] = w[j + M - N] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    const y = (w[N - 1] & UPPER_MASK) | (w[0] & LOWER_MASK);
    w[N - 1] = w[M - 1] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    this.left = N;
    this.next = 0;
  }

  /** A copy of the generator's state (continue later with `setState`). */
  state(): MT19937State {
    return { seed: this.seed, left: this.left, next: this.next, words: this.words.slice() };
  }

  setState(state: MT19937State): void {
    const { seed, left, next, words } = state;
    if (words.length !== N) throw new RangeError(`MT19937 state: found ${words.length} words, expected ${N}`);
    if (!Number.isInteger(left) || left < 1 || left > N) {
      throw new RangeError(`MT19937 state: left = ${left}, expected 1..${N}`);
    }
    if (!Number.isInteger(next) || next < 0 || next + left > N + 1) {
      throw new RangeError(
        `MT19937 state: next = ${next} with left = ${left}, expected next + left ≤ ${N + 1}`,
      );
    }
    this.seed = seed;
    this.left = left;
    this.next = next;
    this.words.set(words);
  }

  /**
   * llm.c's raw `mt19937_state` struct (x86-64, little-endian), as train_gpt2.cu
   * appends it to a state file: u64 seed_, int32 left_, uint32 next_,
   * uint32 state_[624], uint32 MATRIX_A[2] = {0, 0x9908b0df}. llm.c never sets
   * seed_ (it holds whatever the memory held); we write the seed.
   */
  toLlmcStateBytes(): Uint8Array {
    const bytes = new Uint8Array(LLMC_MT19937_STATE_BYTES);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, BigInt(this.seed), true);
    view.setInt32(8, this.left, true);
    view.setUint32(12, this.next, true);
    for (let j = 0; j < N; j++) view.setUint32(16 + 4 * j, this.words[j], true);
    view.setUint32(16 + 4 * N, 0, true);
    view.setUint32(20 + 4 * N, MATRIX_A, true);
    return bytes;
  }

  /** The generator a llm.c state file's `mt19937_state` bytes describe; `file` names it in errors. */
  static fromLlmcStateBytes(bytes: Uint8Array, file = 'mt19937 state'): MT19937 {
    if (bytes.length !== LLMC_MT19937_STATE_BYTES) {
      throw formatError(
        file,
        'mt19937_state size',
        `${bytes.length} bytes`,
        `${LLMC_MT19937_STATE_BYTES} bytes`,
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const matrixA0 = view.getUint32(16 + 4 * N, true);
    const matrixA1 = view.getUint32(20 + 4 * N, true);
    if (matrixA0 !== 0 || matrixA1 !== MATRIX_A) {
      const found = `{0x${matrixA0.toString(16)}, 0x${matrixA1.toString(16)}}`;
      throw formatError(file, 'mt19937_state MATRIX_A', found, '{0x0, 0x9908b0df}');
    }
    const left = view.getInt32(8, true);
    const next = view.getUint32(12, true);
    if (left < 1 || left > N || next + left > N + 1) {
      throw formatError(
        file,
        'mt19937_state left_/next_',
        `${left}/${next}`,
        `left_ in 1..${N}, next_ + left_ ≤ ${N + 1}`,
      );
    }
    const words = new Uint32Array(N);
    for (let j = 0; j < N; j++) words[j] = view.getUint32(16 + 4 * j, true);
    const rng = new MT19937();
    // seed_ is garbage in llm.c's files; keep its low 32 bits only as a label.
    rng.setState({ seed: Number(view.getBigUint64(0, true) & 0xffffffffn), left, next, words });
    return rng;
  }
}
