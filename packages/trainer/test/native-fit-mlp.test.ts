/**
 * fit on the native backend, where an Mlp runs each dense layer as one fused
 * kernel each way and the probability cross-entropy is one kernel each way
 * (kernels/native/dense.ts), against the composite ops on cpu: the same
 * per-batch losses and accuracies, and the same weights after the steps,
 * within fp32 noise; two native runs are bit-identical.
 */
import { createMlp, loadNativeAddon, nativeKernelStats, selectBackend } from '@course/models';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { adam } from '../src/fit/adam.js';
import { fit, sparseCategoricalAccuracy, sparseCategoricalCrossentropy } from '../src/fit/index.js';

interface Run {
  losses: number[];
  accuracies: number[];
  weights: Float32Array[];
}

/** 6 batches of 8 through a 30-24-16-10 SELU MLP with a softmax output (mlp-digits' shape of model). */
async function trainOn(backend: 'cpu' | 'native'): Promise<Run> {
  await selectBackend(backend);
  const model = createMlp({
    layers: [30, 24, 16, 10],
    activation: 'selu',
    outputActivation: 'softmax',
    initializer: 'lecun_normal',
    seed: 5,
  });
  const x = tf.tensor2d(
    Array.from({ length: 48 * 30 }, (_, i) => Math.sin(i * 0.61) * 0.8),
    [48, 30],
  );
  const y = tf.tensor1d(
    Array.from({ length: 48 }, (_, i) => (i * 7) % 10),
    'int32',
  );
  const run: Run = { losses: [], accuracies: [], weights: [] };
  const optimizer = adam(1e-2);
  await fit(
    model,
    { x, y },
    {
      epochs: 1,
      batchSize: 8,
      optimizer,
      loss: sparseCategoricalCrossentropy(),
      metrics: [sparseCategoricalAccuracy()],
      shuffle: false,
      callbacks: [
        {
          onBatchEnd: (_batch, logs) => {
            run.losses.push(logs.loss);
            run.accuracies.push(logs.accuracy);
          },
        },
      ],
    },
  );
  run.weights = [...model.namedVariables().values()].map((v) => (v.dataSync() as Float32Array).slice());
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return run;
}

describe.skipIf(loadNativeAddon().addon === null)(
  'fit of an Mlp on native (fused dense layers and loss)',
  () => {
    test('the same per-batch losses, accuracies and final weights as cpu within fp32 noise', async () => {
      const cpu = await trainOn('cpu');
      nativeKernelStats(true);
      const native = await trainOn('native');
      const stats = nativeKernelStats(true);
      expect(stats.CourseDense?.native).toBe(6 * 3);
      expect(stats.CourseDenseGrad?.native).toBe(6 * 3);
      expect(stats.CourseProbabilityXentGrad?.native).toBe(6);
      native.losses.forEach((loss, i) => {
        expect(Math.abs(loss - cpu.losses[i]), `batch ${i} loss`).toBeLessThan(1e-5 * cpu.losses[i]);
      });
      expect(native.accuracies).toEqual(cpu.accuracies);
      // the loss moved: the comparison above is between trained models
      expect(Math.abs(cpu.losses[5] - cpu.losses[0])).toBeGreaterThan(1e-3);
      cpu.weights.forEach((want, i) => {
        const got = native.weights[i];
        for (let j = 0; j < want.length; j++) expect(Math.abs(got[j] - want[j])).toBeLessThan(1e-5);
      });
    });

    test('two native runs are bit-identical', async () => {
      const a = await trainOn('native');
      const b = await trainOn('native');
      expect(b.losses).toEqual(a.losses);
      expect(b.weights).toEqual(a.weights);
    });
  },
);
