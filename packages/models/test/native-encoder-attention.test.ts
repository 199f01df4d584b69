/**
 * The native backend's fused bidirectional (BERT) self-attention with a
 * key-padding mask and attention-probability dropout (fusedEncoderAttention,
 * packages/native/src/encoder_attention.cc):
 * - its output equals the math in plain float64 below and its gradients (q, k, v,
 *   here split from one [B, T, 3C] input) a central difference of that math, with and without padding (right padding, a padded
 *   key in the middle, a sequence with no real key), with and without dropout
 *   (the dropout mask re-derived here from its documented hash);
 * - encoderSelfAttention on native equals multiHeadAttention on cpu (output and
 *   the gradients of x and of all eight projection tensors), odd sizes;
 * - dropout drops at its rate, scales kept weights by 1/(1 − p), is off without
 *   a rate and repeats with the seed (native and the cpu composite).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { encoderSelfAttention, multiHeadAttention, scaledDotProductAttention } from '../src/attention.js';
import { fusedEncoderAttention } from '../src/kernels/native/index.js';
import {
  expectAllClose,
  expectSameOnBoth,
  finiteDifference,
  NATIVE_BUILT,
  nativeKernelStats,
  nativeSuite,
  randomTensor,
  setUpNative,
  uniform,
  type Vec,
} from './helpers/native.js';

beforeAll(async () => {
  if (NATIVE_BUILT) await setUpNative();
});

// ----------------------------------------------------------------------------- float64 reference

const MASK64 = (1n << 64n) - 1n;

/** splitmix64's output function, as the kernel's comment defines it. */
function splitmix64(x: bigint): bigint {
  let z = (x + 0x9e3779b97f4a7c15n) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/**
 * keep at i = ((b·H + h)·T + t)·T + u: the 32-bit half i mod 2 (low, high) of
 * splitmix64(splitmix64(seed) + ⌊i/2⌋) is ≥ ⌊rate·2³²⌋.
 */
function keepMask(B: number, H: number, T: number, rate: number, seed: number): Uint8Array {
  const keep = new Uint8Array(B * H * T * T).fill(1);
  if (rate === 0) return keep;
  const key = splitmix64(BigInt(seed));
  const threshold = BigInt(Math.floor(rate * 2 ** 32));
  for (let i = 0; i < keep.length; i++) {
    const word = splitmix64((key + BigInt(Math.floor(i / 2))) & MASK64);
    const half = i % 2 === 0 ? word & 0xffffffffn : word >> 32n;
    keep[i] = half >= threshold ? 1 : 0;
  }
  return keep;
}

/**
 * y[b, t, h·hs + e] = Σ_u D[t, u]·v[u, e], D = A ⊙ keep/(1 − p),
 * A = softmax over the real keys u of q_t·k_u/√hs (0 for padded keys; all 0 with no real key).
 */
function encoderAttentionRef(
  qkv: Vec,
  mask: number[] | null,
  [B, T, C, H]: number[],
  keep: Uint8Array,
  rate: number,
): Vec {
  const hs = C / H;
  const y = new Float64Array(B * T * C);
  const at = (b: number, t: number, part: number, h: number, e: number) =>
    qkv[(b * T + t) * 3 * C + part * C + h * hs + e];
  for (let b = 0; b < B; b++) {
    const real = Array.from({ length: T }, (_, u) => (mask ? mask[b * T + u] !== 0 : true));
    if (!real.some((r) => r)) continue;
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const scores = real.map((r, u) => {
          if (!r) return Number.NEGATIVE_INFINITY;
          let sum = 0;
          for (let e = 0; e < hs; e++) sum += at(b, t, 0, h, e) * at(b, u, 1, h, e);
          return sum / Math.sqrt(hs);
        });
        const max = Math.max(...scores);
        const ex = scores.map((s) => Math.exp(s - max));
        const total = ex.reduce((a, v) => a + v, 0);
        const d = ex.map((v, u) => (keep[((b * H + h) * T + t) * T + u] ? v / total / (1 - rate) : 0));
        for (let e = 0; e < hs; e++) {
          let sum = 0;
          for (let u = 0; u < T; u++) sum += d[u] * at(b, u, 2, h, e);
          y[(b * T + t) * C + h * hs + e] = sum;
        }
      }
    }
  }
  return y;
}

/** The fused op's value and its gradient of Σ value·weights on native. */
async function fusedOnNative(
  qkv: Float32Array,
  mask: number[] | null,
  [B, T, C, H]: number[],
  weights: Float32Array,
  dropout?: { rate: number; seed: number },
): Promise<{ y: Float32Array; dqkv: Float32Array }> {
  await tf.setBackend('native');
  return tf.tidy(() => {
    const x = tf.tensor3d(qkv, [B, T, 3 * C]);
    const paddingMask = mask ? tf.tensor2d(mask, [B, T], 'int32') : undefined;
    const f = (xi: tf.Tensor) => {
      const [q, k, v] = tf.split(xi, 3, 2) as tf.Tensor3D[];
      return fusedEncoderAttention(q, k, v, H, { paddingMask, dropout });
    };
    const y = f(x);
    const [dqkv] = tf.grads(f)([x], tf.tensor(weights, [B, T, C]));
    return { y: y.dataSync() as Float32Array, dqkv: dqkv.dataSync() as Float32Array };
  });
}

interface RefCase {
  what: string;
  shape: [number, number, number, number]; // B, T, C, H
  mask: number[] | null;
  dropout?: { rate: number; seed: number };
}

const REF_CASES: RefCase[] = [
  { what: 'no mask, B 2 T 5 C 6 H 2', shape: [2, 5, 6, 2], mask: null },
  { what: 'no mask, one head, B 1 T 7 C 3', shape: [1, 7, 3, 1], mask: null },
  {
    what: 'right padding and a padded key in the middle, B 2 T 5 C 6 H 3',
    shape: [2, 5, 6, 3],
    mask: [1, 1, 1, 0, 0, 1, 0, 1, 1, 0],
  },
  {
    what: 'a sequence without any real key (zeros, no gradient), B 2 T 3 C 4 H 2',
    shape: [2, 3, 4, 2],
    mask: [1, 1, 0, 0, 0, 0],
  },
  {
    what: 'dropout 0.3 with padding, B 2 T 6 C 4 H 2',
    shape: [2, 6, 4, 2],
    mask: [1, 1, 1, 1, 0, 0, 1, 0, 1, 1, 1, 1],
    dropout: { rate: 0.3, seed: 12345 },
  },
  {
    what: 'dropout 0.5, no mask, B 1 T 9 C 5 H 1',
    shape: [1, 9, 5, 1],
    mask: null,
    dropout: { rate: 0.5, seed: 7 },
  },
];

describe.skipIf(!NATIVE_BUILT)(
  nativeSuite('fused encoder attention on native: float64 reference and finite differences'),
  () => {
    for (const c of REF_CASES) {
      it(`${c.what}: y and dqkv`, async () => {
        const [B, T, C, H] = c.shape;
        const qkv = uniform(B * T * 3 * C, 31, -1.5, 1.5);
        const weights = uniform(B * T * C, 32);
        nativeKernelStats(true);
        const got = await fusedOnNative(qkv, c.mask, c.shape, weights, c.dropout);
        const stats = nativeKernelStats(true);
        expect(stats.CourseEncoderAttention?.native).toBe(2);
        expect(stats.CourseEncoderAttentionGrad?.native).toBe(1);
        const rate = c.dropout?.rate ?? 0;
        const keep = keepMask(B, H, T, rate, c.dropout?.seed ?? 0);
        if (rate > 0) {
          const dropped = keep.reduce((n, k) => n + (1 - k), 0);
          expect(dropped, 'some weights are dropped').toBeGreaterThan(0);
          expect(dropped, 'some weights are kept').toBeLessThan(keep.length);
        }
        const f = (x: Vec) => encoderAttentionRef(x, c.mask, c.shape, keep, rate);
        const want = f(Float64Array.from(qkv));
        expectAllClose(got.y, want, { rtol: 1e-5, atol: 1e-6 }, `${c.what} y`);
        const grad = finiteDifference(([x]) => f(x), [Float64Array.from(qkv)], weights, 0);
        const scale = grad.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        expect(scale).toBeGreaterThan(0);
        expectAllClose(got.dqkv, grad, { rtol: 1e-4, atol: 1e-4 * scale }, `${c.what} dqkv`);
        if (c.mask?.slice(T).every((m) => m === 0)) {
          // the second sequence has no real key: exact zeros, no NaN
          expect([...got.y.slice(T * C)].every((v) => v === 0)).toBe(true);
          expect([...got.dqkv.slice(T * 3 * C)].every((v) => v === 0)).toBe(true);
        }
      });
    }
  },
);

// ----------------------------------------------------------------------------- against the cpu composite

interface Case {
  B: number;
  T: number;
  C: number;
  H: number;
  /** Real tokens per sequence (the rest right-padded); undefined: no mask. */
  lengths?: number[];
  /** One fused [3C, C] projection (GPT-2's layout) instead of BERT's three. */
  joint?: boolean;
}

const CASES: Case[] = [
  { B: 2, T: 7, C: 12, H: 3 },
  { B: 2, T: 7, C: 12, H: 3, lengths: [7, 4] },
  { B: 3, T: 16, C: 32, H: 4, lengths: [16, 1, 9] },
  { B: 1, T: 33, C: 6, H: 2, lengths: [20] },
  { B: 5, T: 5, C: 8, H: 1, lengths: [5, 5, 2, 3, 4] },
  { B: 2, T: 6, C: 8, H: 2, lengths: [6, 3], joint: true },
];

/** Σ output·probe for BERT's separate q, k, v projections (or a joint one), and its gradients (x and every weight). */
function attentionLoss({ B, T, C, H, lengths, joint }: Case): tf.Tensor[] {
  const x = randomTensor([B, T, C], 1) as tf.Tensor3D;
  const tensors: tf.Tensor[] = [x];
  if (joint) tensors.push(randomTensor([3 * C, C], 10, -0.5, 0.5), randomTensor([3 * C], 20));
  for (let i = joint ? 3 : 0; i < 4; i++) {
    tensors.push(randomTensor([C, C], 10 + i, -0.5, 0.5), randomTensor([C], 20 + i));
  }
  const mask = lengths
    ? tf.tensor2d(
        lengths.flatMap((n) => Array.from({ length: T }, (_, t) => (t < n ? 1 : 0))),
        [B, T],
        'int32',
      )
    : undefined;
  const probe = randomTensor([B, T, C], 6);
  const f = (...ts: tf.Tensor[]) => {
    const p = (w: tf.Tensor, b: tf.Tensor) => ({ weight: w as tf.Tensor2D, bias: b as tf.Tensor1D });
    const xi = ts[0];
    const w = joint
      ? { qkv: p(ts[1], ts[2]), proj: p(ts[3], ts[4]) }
      : { q: p(ts[1], ts[2]), k: p(ts[3], ts[4]), v: p(ts[5], ts[6]), proj: p(ts[7], ts[8]) };
    return tf.sum(tf.mul(encoderSelfAttention(xi as tf.Tensor3D, w, H, { paddingMask: mask }), probe));
  };
  const { value, grads } = tf.valueAndGrads(f)(tensors);
  return [value, ...grads];
}

describe.skipIf(!NATIVE_BUILT)(
  nativeSuite('encoderSelfAttention on native equals multiHeadAttention on cpu'),
  () => {
    for (const c of CASES) {
      const padding = `${c.lengths ? `lengths ${c.lengths}` : 'no mask'}${c.joint ? ', joint [3C, C] projection' : ''}`;
      it(`B ${c.B} T ${c.T} C ${c.C} H ${c.H}, ${padding}: output and the gradients of x, W/b q, k, v, proj`, async () => {
        nativeKernelStats(true);
        await expectSameOnBoth('encoder attention', () => attentionLoss(c), { rtol: 2e-4, atol: 2e-5 });
        const stats = nativeKernelStats();
        expect(stats.CourseEncoderAttention?.native, 'the fused kernel ran on native').toBeGreaterThan(0);
        expect(stats.CourseEncoderAttentionGrad?.native).toBeGreaterThan(0);
      });
    }

    it('on cpu it is the composite multiHeadAttention exactly', async () => {
      await tf.setBackend('cpu');
      const c = { B: 2, T: 5, C: 8, H: 2 };
      tf.tidy(() => {
        const x = randomTensor([c.B, c.T, c.C], 1) as tf.Tensor3D;
        const p = (s: number) => ({
          weight: randomTensor([c.C, c.C], s) as tf.Tensor2D,
          bias: randomTensor([c.C], s + 1) as tf.Tensor1D,
        });
        const w = { q: p(2), k: p(4), v: p(6), proj: p(8) };
        const mask = tf.tensor2d([1, 1, 1, 0, 0, 1, 1, 1, 1, 1], [2, 5], 'int32');
        const a = encoderSelfAttention(x, w, c.H, { paddingMask: mask }).dataSync();
        const b = multiHeadAttention(x, w, { heads: c.H, paddingMask: mask }).output.dataSync();
        expect(Array.from(a)).toEqual(Array.from(b));
      });
    });
  },
);

// ----------------------------------------------------------------------------- dropout rate

/**
 * With q = k = 0 every real key has probability 1/n; v = the identity (one head,
 * C = T) makes y the dropped probabilities themselves: 0 or 1/(n·(1 − p)).
 */
function droppedProbabilities(B: number, T: number, dropout?: { rate: number; seed: number }): Float32Array {
  return tf.tidy(() => {
    const eye = tf.tile(tf.reshape(tf.eye(T), [1, T, T]), [B, 1, 1]) as tf.Tensor3D;
    const zeros = tf.zeros([B, T, T]) as tf.Tensor3D;
    return fusedEncoderAttention(zeros, zeros, eye, 1, { dropout }).dataSync() as Float32Array;
  });
}

/** The same on the cpu composite: scaledDotProductAttention's weights·v with v = I. */
function droppedProbabilitiesCpu(
  B: number,
  T: number,
  dropout?: { rate: number; seed: number },
): Float32Array {
  return tf.tidy(() => {
    const zeros = tf.zeros([B, 1, T, T]) as tf.Tensor4D;
    const eye = tf.tile(tf.reshape(tf.eye(T), [1, 1, T, T]), [B, 1, 1, 1]) as tf.Tensor4D;
    return scaledDotProductAttention(zeros, zeros, eye, { dropout }).output.dataSync() as Float32Array;
  });
}

/** Fraction of zeros, and every nonzero equal to 1/(T·(1 − p)). */
function checkRate(y: Float32Array, T: number, rate: number): void {
  const kept = Math.fround(1 / T / (1 - rate));
  let zeros = 0;
  for (const v of y) {
    if (v === 0) zeros++;
    else expect(Math.abs(v - kept)).toBeLessThanOrEqual(2e-7 * kept);
  }
  // binomial: n draws, standard deviation √(n·p·(1 − p)); 5 of them
  const n = y.length;
  expect(Math.abs(zeros - n * rate)).toBeLessThan(5 * Math.sqrt(n * rate * (1 - rate)));
}

describe('attention dropout on the cpu composite', () => {
  it('drops at its rate, scales by 1/(1 − p), repeats with the seed; none without a rate', async () => {
    await tf.setBackend('cpu');
    const [B, T] = [4, 32];
    checkRate(droppedProbabilitiesCpu(B, T, { rate: 0.1, seed: 3 }), T, 0.1);
    expect(droppedProbabilitiesCpu(B, T, { rate: 0.1, seed: 3 })).toEqual(
      droppedProbabilitiesCpu(B, T, { rate: 0.1, seed: 3 }),
    );
    const plain = droppedProbabilitiesCpu(B, T);
    expect(plain.every((v) => Math.abs(v - 1 / T) < 1e-7)).toBe(true);
  });
});

describe.skipIf(!NATIVE_BUILT)(nativeSuite('attention dropout in the native kernel'), () => {
  it('drops at its rate (0.1 and 0.5), scales by 1/(1 − p), repeats with the seed, differs across seeds', async () => {
    await tf.setBackend('native');
    const [B, T] = [4, 64];
    for (const rate of [0.1, 0.5]) checkRate(droppedProbabilities(B, T, { rate, seed: 11 }), T, rate);
    const a = droppedProbabilities(B, T, { rate: 0.1, seed: 11 });
    expect(droppedProbabilities(B, T, { rate: 0.1, seed: 11 })).toEqual(a);
    expect(droppedProbabilities(B, T, { rate: 0.1, seed: 12 })).not.toEqual(a);
    // rows differ: the mask is per (b, h, t, u), not shared across queries
    expect(a.slice(0, T)).not.toEqual(a.slice(T, 2 * T));
  });

  it('no rate: no dropout (every probability 1/T)', async () => {
    await tf.setBackend('native');
    const T = 16;
    expect(droppedProbabilities(2, T).every((v) => Math.abs(v - 1 / T) < 1e-7)).toBe(true);
    expect(droppedProbabilities(2, T, { rate: 0, seed: 5 }).every((v) => Math.abs(v - 1 / T) < 1e-7)).toBe(
      true,
    );
  });
});
