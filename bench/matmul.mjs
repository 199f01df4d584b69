/**
 * matmul: the same 2·1024³ FLOPs three ways: plain a·b, a·bᵀ (transposeB), and
 * a batch of 8 products of 512³. On wasm only the first reaches XNNPACK's fast path.
 */
import { MT19937 } from '@course/models';
import * as tf from '@tensorflow/tfjs';
import { round, TOKEN_SEED, timeSteps, versions } from './common.mjs';

const MATMUL_VARIANTS = [
  { key: 'plain', aShape: [1024, 1024], bShape: [1024, 1024], transposeB: false },
  { key: 'transpose_b', aShape: [1024, 1024], bShape: [1024, 1024], transposeB: true },
  { key: 'batched_8x512', aShape: [8, 512, 512], bShape: [8, 512, 512], transposeB: false },
];
const MATMUL_FLOP = 2 * 1024 ** 3;

/**
 * tensors_start is the count after the first variant's warm-up; tensors_end
 * adds each variant's growth over its timed steps, so they are equal when no
 * variant leaked.
 */
export async function benchMatMul(name, opts) {
  const record = { case: name, backend: opts.backendName, M: 1024, K: 1024, N: 1024 };
  const rng = new MT19937(TOKEN_SEED);
  let tensorsStart;
  let growth = 0;
  for (const variant of MATMUL_VARIANTS) {
    const size = (shape) => shape.reduce((p, d) => p * d, 1);
    const a = tf.tensor(rng.uniform(new Float32Array(size(variant.aShape)), -1, 1), variant.aShape);
    const b = tf.tensor(rng.uniform(new Float32Array(size(variant.bShape)), -1, 1), variant.bShape);
    const step = () => {
      const c = tf.matMul(a, b, false, variant.transposeB);
      c.dataSync();
      c.dispose();
    };
    // The slow variants take ~1 s each on wasm: a shorter target keeps the run short.
    const timing = await timeSteps(`${name} ${variant.key}`, step, { ...opts, targetSeconds: 3 });
    tf.dispose([a, b]);
    tensorsStart ??= timing.tensorsStart;
    growth += timing.tensorsEnd - timing.tensorsStart;
    record[`gflop_per_s_${variant.key}`] = round(MATMUL_FLOP / (timing.msPerStep * 1e6), 2);
    record[`ms_${variant.key}`] = round(timing.msPerStep, 1);
    record.steps = Math.min(record.steps ?? timing.steps, timing.steps);
  }
  record.warmup = opts.warmup;
  record.tensors_start = tensorsStart;
  record.tensors_end = tensorsStart + growth;
  return { ...record, ...versions() };
}
