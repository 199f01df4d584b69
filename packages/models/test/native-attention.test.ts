/**
 * The native backend's fused causal self-attention (llm.c's attention_forward/
 * backward in one kernel each way) against the composite multiHeadAttention on
 * the cpu backend: outputs and the gradients of x and of all four projection
 * tensors, on head counts and lengths that exercise the per-head BLAS calls
 * (odd T, one head, more heads than threads, B·H below the thread count).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, it } from 'vitest';
import { causalSelfAttention } from '../src/attention.js';
import {
  expectSameOnBoth,
  NATIVE_BUILT,
  nativeKernelStats,
  nativeSuite,
  randomTensor,
  setUpNative,
} from './helpers/native.js';

interface Case {
  B: number;
  T: number;
  C: number;
  H: number;
}

const CASES: Case[] = [
  { B: 2, T: 7, C: 12, H: 3 },
  { B: 1, T: 5, C: 8, H: 1 },
  { B: 3, T: 16, C: 32, H: 4 },
  { B: 1, T: 33, C: 6, H: 2 },
];

/** Sum of the output times fixed random weights: a scalar whose gradient reaches every input. */
function attentionLoss({ B, T, C, H }: Case): tf.Tensor[] {
  const x = randomTensor([B, T, C], 1) as tf.Tensor3D;
  const w = {
    qkv: {
      weight: randomTensor([3 * C, C], 2, -0.5, 0.5) as tf.Tensor2D,
      bias: randomTensor([3 * C], 3) as tf.Tensor1D,
    },
    proj: {
      weight: randomTensor([C, C], 4, -0.5, 0.5) as tf.Tensor2D,
      bias: randomTensor([C], 5) as tf.Tensor1D,
    },
  };
  const probe = randomTensor([B, T, C], 6);
  const f = (xi: tf.Tensor, qw: tf.Tensor, qb: tf.Tensor, pw: tf.Tensor, pb: tf.Tensor) => {
    const weights = {
      qkv: { weight: qw as tf.Tensor2D, bias: qb as tf.Tensor1D },
      proj: { weight: pw as tf.Tensor2D, bias: pb as tf.Tensor1D },
    };
    const y = causalSelfAttention(xi as tf.Tensor3D, weights, H);
    return tf.sum(tf.mul(y, probe));
  };
  const inputs = [x, w.qkv.weight, w.qkv.bias, w.proj.weight, w.proj.bias];
  const { value, grads } = tf.valueAndGrads(f)(inputs);
  return [value, ...grads];
}

describe.skipIf(!NATIVE_BUILT)(
  nativeSuite('fused causal attention on native equals the composite on cpu'),
  () => {
    beforeAll(setUpNative);

    for (const c of CASES) {
      it(`B ${c.B} T ${c.T} C ${c.C} H ${c.H}: output and the gradients of x, W_qkv, b_qkv, W_proj, b_proj`, async () => {
        // On cpu causalSelfAttention is the composite; on native, the fused kernels.
        nativeKernelStats(true);
        await expectSameOnBoth('attention', () => attentionLoss(c), { rtol: 2e-4, atol: 2e-5 });
        // the fused kernel (not the composite) ran on native
        const stats = nativeKernelStats();
        if (!stats.CourseCausalAttention || !stats.CourseCausalAttentionGrad) {
          throw new Error(`the fused attention kernels did not run: ${JSON.stringify(Object.keys(stats))}`);
        }
      });
    }
  },
);
