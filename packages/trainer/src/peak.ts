/**
 * This machine's measured matMul peak on the active backend, the denominator
 * of MFU. llm.c divides by a GPU's datasheet bf16 peak; a CPU running tfjs has
 * no datasheet figure that means anything, so we time a plain 2-D product.
 */
import * as tf from '@tensorflow/tfjs';

let cached: { backend: string; flops: number } | null = null;

/** FLOP/s of a 512×512×512 fp32 matMul (best of a few), cached per backend. */
export function measurePeakFlops(size = 512, repeats = 3): number {
  const backend = tf.getBackend();
  if (cached?.backend === backend) return cached.flops;
  const a = tf.randomNormal([size, size], 0, 1, 'float32', 1);
  const b = tf.randomNormal([size, size], 0, 1, 'float32', 2);
  tf.tidy(() => tf.matMul(a, b).dataSync()); // warm-up
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    tf.tidy(() => tf.matMul(a, b).dataSync());
    best = Math.min(best, performance.now() - t0);
  }
  tf.dispose([a, b]);
  const flops = (2 * size ** 3) / (Math.max(best, 1e-3) / 1000);
  cached = { backend, flops };
  return flops;
}
