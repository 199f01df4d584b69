/**
 * The trainer's Adam (fit's optimizer) against tf.train.adam: identical on the
 * cpu backend (it is tf.train.adam there), and on the native backend (one
 * fused in-place pass per variable) the same weights after several fit epochs
 * within fp32 noise.
 */
import { createMlp, loadNativeAddon, selectBackend } from '@course/models';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { adam } from '../src/fit/adam.js';
import { fit, sparseCategoricalCrossentropy } from '../src/fit/index.js';

/** Trains a 6-5-4-3 MLP for 3 epochs on fixed data; returns its weights. */
async function trainedWeights(
  backend: 'cpu' | 'native',
  optimizer: () => tf.Optimizer,
): Promise<Float32Array[]> {
  await selectBackend(backend);
  const model = createMlp({ layers: [6, 5, 4, 3], activation: 'selu', initializer: 'lecun_normal', seed: 7 });
  const x = tf.tensor2d(
    Array.from({ length: 24 * 6 }, (_, i) => Math.sin(i * 0.37)),
    [24, 6],
  );
  const y = tf.tensor1d(
    Array.from({ length: 24 }, (_, i) => i % 3),
    'int32',
  );
  const opt = optimizer();
  await fit(
    model,
    { x, y },
    {
      epochs: 3,
      batchSize: 8,
      optimizer: opt,
      loss: sparseCategoricalCrossentropy({ fromLogits: true }),
      shuffle: false,
    },
  );
  const weights = [...model.namedVariables().values()].map((v) => (v.dataSync() as Float32Array).slice());
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
  return weights;
}

describe("the trainer's Adam", () => {
  test('on cpu it is tf.train.adam: the same weights bit for bit', async () => {
    const ours = await trainedWeights('cpu', () => adam(0.01));
    const tfjs = await trainedWeights('cpu', () => tf.train.adam(0.01));
    expect(ours).toEqual(tfjs);
  });

  test.skipIf(loadNativeAddon().addon === null)(
    'on native (fused, in place) it matches tf.train.adam on cpu within fp32 noise, and moves the weights',
    async () => {
      const reference = await trainedWeights('cpu', () => tf.train.adam(0.01));
      const native = await trainedWeights('native', () => adam(0.01));
      const start = await trainedWeights('cpu', () => tf.train.sgd(0)); // the initial weights
      reference.forEach((want, i) => {
        const got = native[i];
        for (let j = 0; j < want.length; j++) expect(Math.abs(got[j] - want[j])).toBeLessThan(1e-5);
        // 9 updates of lr 0.01 moved them: the check above is not comparing two untouched copies
        expect(Math.max(...want.map((w, j) => Math.abs(w - start[i][j])))).toBeGreaterThan(1e-3);
      });
    },
  );
});
