import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { registerWasmKernels } from '../src/kernels/wasm.js';
import { expectClose, gradientsOn, seededUniform } from './helpers/compare-backends.js';

/** Runs `fn` on `backend` (tensors must be created after switching) and returns its values. */
async function valuesOn(
  backend: 'wasm' | 'cpu',
  fn: () => tf.Tensor,
): Promise<{ shape: number[]; values: number[] }> {
  await selectBackend(backend);
  const result = tf.tidy(fn);
  const out = { shape: result.shape, values: Array.from(await result.data()) };
  result.dispose();
  return out;
}

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('UnsortedSegmentSum on wasm', () => {
  it('registers only the kernel wasm lacks, and a second call is harmless', () => {
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeDefined();
    const registered = tf.getKernel('UnsortedSegmentSum', 'wasm');
    registerWasmKernels();
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBe(registered);
  });

  it('sums 1-D data by segment: repeated ids add, an unused segment is 0, out-of-range ids drop', async () => {
    const got = await valuesOn('wasm', () =>
      tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4, 5, 6]), tf.tensor1d([2, 0, 2, 7, -1, 3], 'int32'), 4),
    );
    // segment 0: x[1]; 1: nothing; 2: x[0] + x[2]; 3: x[5]; ids 7 and -1 are dropped
    expect(got).toEqual({ shape: [4], values: [2, 0, 4, 6] });
  });

  it('sums 3-D data row by row', async () => {
    const x = [
      [
        [1, 2],
        [3, 4],
      ],
      [
        [10, 20],
        [30, 40],
      ],
      [
        [100, 200],
        [300, 400],
      ],
    ];
    const got = await valuesOn('wasm', () =>
      tf.unsortedSegmentSum(tf.tensor3d(x), tf.tensor1d([1, 1, 0], 'int32'), 3),
    );
    expect(got.shape).toEqual([3, 2, 2]);
    expect(got.values).toEqual([100, 200, 300, 400, 11, 22, 33, 44, 0, 0, 0, 0]);
  });

  it('takes segment ids shaped like a prefix of the data (TF semantics) and int32 data', async () => {
    // tf.unsortedSegmentSum's types allow only 1-D ids; the kernel follows TF and takes any prefix.
    const got = await valuesOn('wasm', () => {
      const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], 'int32');
      const segmentIds = tf.tensor2d([0, 2, 2, 0], [2, 2], 'int32');
      return tf.engine().runKernel('UnsortedSegmentSum', { x, segmentIds }, { numSegments: 3 }) as tf.Tensor;
    });
    // rows [1,2] and [7,8] go to segment 0, [3,4] and [5,6] to segment 2
    expect(got).toEqual({ shape: [3, 2], values: [8, 10, 0, 0, 8, 10] });
  });

  it('is the gradient of tf.gather (an embedding lookup)', async () => {
    const got = await valuesOn('wasm', () => {
      const table = tf.zeros([4, 3]);
      const lookup = (t: tf.Tensor) => tf.gather(t, tf.tensor1d([0, 2, 2], 'int32'));
      return tf.grad(lookup)(table, tf.ones([3, 3]));
    });
    // row 0 looked up once, row 2 twice, rows 1 and 3 never
    expect(got.values).toEqual([1, 1, 1, 0, 0, 0, 2, 2, 2, 0, 0, 0]);
  });

  it('equals the cpu backend on random data', async () => {
    const data = seededUniform(60 * 7 * 3, 11, 3);
    const ids = Array.from(seededUniform(60, 12, 1), (u) => Math.floor((u + 1) * 11) - 2); // -2..19
    const run = () => tf.unsortedSegmentSum(tf.tensor3d(data, [60, 7, 3]), tf.tensor1d(ids, 'int32'), 16);
    const wasm = await valuesOn('wasm', run);
    const cpu = await valuesOn('cpu', run);
    expect(wasm.shape).toEqual([16, 7, 3]);
    expect(cpu.shape).toEqual([16, 7, 3]);
    expectClose(wasm.values, cpu.values, 1e-6);
  });
});

describe('gradients on wasm equal cpu', () => {
  const vocab = 11;
  const seqLen = 5;
  const tokens = [1, 4, 4, 9, 0, 4, 10, 1, 1, 3];
  const targets = [4, 4, 9, 0, 2, 10, 1, 1, 3, 7];

  it('embedding lookup + dense + softmax cross-entropy', async () => {
    const channels = 6;
    const build = () => {
      const variables = {
        wte: tf.variable(tf.tensor2d(seededUniform(vocab * channels, 1), [vocab, channels])),
        w: tf.variable(tf.tensor2d(seededUniform(channels * vocab, 2), [channels, vocab])),
        b: tf.variable(tf.tensor1d(seededUniform(vocab, 3))),
      };
      const loss = () =>
        tf.tidy(() => {
          const hidden = tf.gather(variables.wte, tf.tensor1d(tokens, 'int32'));
          const logits = tf.add(tf.matMul(tf.tanh(hidden), variables.w), variables.b);
          return tf.losses.softmaxCrossEntropy(
            tf.oneHot(tf.tensor1d(targets, 'int32'), vocab),
            logits,
          ) as tf.Scalar;
        });
      return { loss, variables };
    };
    const wasm = await gradientsOn('wasm', build);
    const cpu = await gradientsOn('cpu', build);
    expect([...wasm.grads.keys()]).toEqual(['wte', 'w', 'b']);
    // rows never looked up get no gradient; a wrong kernel would not leave them 0
    const wteGrad = wasm.grads.get('wte')!;
    expect(Array.from(wteGrad.subarray(2 * channels, 3 * channels))).toEqual(new Array(channels).fill(0));
    expect(Math.max(...wteGrad.subarray(4 * channels, 5 * channels).map(Math.abs))).toBeGreaterThan(0);
    expectClose(wasm, cpu, 1e-5);
  });

  it('a small tf.layers LSTM language model', async () => {
    const build = () => {
      const model = tf.sequential({
        layers: [
          tf.layers.embedding({ inputDim: vocab, outputDim: 4, inputLength: seqLen }),
          tf.layers.lstm({ units: 6, returnSequences: true }),
          tf.layers.dense({ units: vocab }),
        ],
      });
      const weights = model.weights.map((w, i) => {
        const shape = w.shape as number[]; // built with an inputLength: no unknown dimensions
        return tf.tensor(seededUniform(tf.util.sizeFromShape(shape), 100 + i), shape);
      });
      model.setWeights(weights);
      tf.dispose(weights);
      const loss = () =>
        tf.tidy(() => {
          const logits = model.apply(tf.tensor2d(tokens, [2, seqLen])) as tf.Tensor;
          const labels = tf.oneHot(tf.tensor2d(targets, [2, seqLen], 'int32'), vocab);
          return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
        });
      return loss;
    };
    const wasm = await gradientsOn('wasm', build);
    const cpu = await gradientsOn('cpu', build);
    expect(wasm.grads.size).toBe(6); // embedding; LSTM kernel, recurrent kernel, bias; dense kernel, bias
    expectClose(wasm, cpu, 1e-5);
  });
});

describe('memory', () => {
  it('keeps tf.memory().numTensors flat over repeated training steps on wasm', async () => {
    await selectBackend('wasm');
    const table = tf.variable(tf.tensor2d(seededUniform(8 * 4, 5), [8, 4]));
    const ids = tf.tensor1d([1, 3, 3, 7], 'int32');
    const optimizer = tf.train.adam(0.01);
    const step = () => optimizer.minimize(() => tf.gather(table, ids).square().sum() as tf.Scalar);
    step(); // Adam creates its slot variables on the first step
    const tensors = tf.memory().numTensors;
    const buffers = tf.backend().numDataIds(); // wasm heap allocations, which a kernel could leak
    for (let i = 0; i < 10; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.backend().numDataIds()).toBe(buffers);
    tf.dispose([table, ids]);
    optimizer.dispose();
  });
});
