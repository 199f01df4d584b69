/**
 * This machine's measured matMul peak on the active backend, the denominator
 * of MFU. llm.c divides by a GPU's datasheet bf16 peak; a CPU running tfjs has
 * no datasheet figure that means anything, so we time a plain 2-D product.
 *
 * The best of repeated products over ~1.5 s: V8 first runs wasm through its
 * baseline compiler and swaps in optimised code a moment later, so the first
 * products are many times slower than the steady state.
 */
import * as tf from '@tensorflow/tfjs';

let cached: { backend: string; flops: number } | null = null;

/** Best FLOP/s of a plain n×n×n fp32 matMul (n = 256 on the pure-JS cpu backend, else 1024), cached per backend. */
export function measurePeakFlops(budgetMs = 1500): number {
  const backend = tf.getBackend();
  if (cached?.backend === backend) return cached.flops;
  const n = backend === 'cpu' ? 256 : 1024;
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  let best = Number.POSITIVE_INFINITY;
  const start = performance.now();
  for (let i = 0; i < 50 && (i < 3 || performance.now() - start < budgetMs); i++) {
    const t0 = performance.now();
    const product = tf.matMul(a, b);
    product.dataSync();
    product.dispose();
    best = Math.min(best, performance.now() - t0);
  }
  tf.dispose([a, b]);
  const flops = (2 * n ** 3) / (Math.max(best, 1e-3) / 1000);
  cached = { backend, flops };
  return flops;
}
