/**
 * The native dense layer and probability cross-entropy (kernels/native/dense.ts):
 * - forward equals the math in plain float64 JavaScript below, and every
 *   gradient equals a central finite difference of that math, for each
 *   activation, with and without bias;
 * - the Mlp (which takes fusedDense on native) gives the same loss and
 *   gradients as the composite ops on cpu;
 * - repeated runs on native are bit-identical.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DENSE_ACTIVATIONS,
  type DenseActivation,
  fusedDense,
  fusedProbabilityCrossEntropy,
  fusedSparseAccuracy,
} from '../src/kernels/native/dense.js';
import { createMlp } from '../src/nn/mlp.js';
import { expectClose, gradientsOn } from './helpers/compare-backends.js';
import {
  expectAllClose,
  expectGradClose,
  expectSameOnBoth,
  finiteDifference,
  NATIVE_BUILT,
  nativeKernelStats,
  nativeSuite,
  randomInts,
  setUpNative,
  uniform,
  type Vec,
} from './helpers/native.js';

beforeAll(async () => {
  if (NATIVE_BUILT) await setUpNative();
});

const f64 = (a: ArrayLike<number>) => Float64Array.from(a);

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** y = act(x·W + b) for x [N, In], W [In, Out], b [Out] (empty: none), in float64. */
function denseRef(x: Vec, w: Vec, b: Vec, N: number, In: number, Out: number, act: DenseActivation): Vec {
  const y = new Float64Array(N * Out);
  for (let r = 0; r < N; r++) {
    for (let c = 0; c < Out; c++) {
      let z = b.length > 0 ? b[c] : 0;
      for (let k = 0; k < In; k++) z += x[r * In + k] * w[k * Out + c];
      y[r * Out + c] = z;
    }
    const row = y.subarray(r * Out, (r + 1) * Out);
    if (act === 'softmax') {
      const max = Math.max(...row);
      let sum = 0;
      for (let c = 0; c < Out; c++) sum += Math.exp(row[c] - max);
      for (let c = 0; c < Out; c++) row[c] = Math.exp(row[c] - max) / sum;
      continue;
    }
    for (let c = 0; c < Out; c++) {
      const z = row[c];
      if (act === 'relu') row[c] = Math.max(z, 0);
      else if (act === 'selu') row[c] = z > 0 ? SELU_SCALE * z : SELU_SCALE * SELU_ALPHA * Math.expm1(z);
      else if (act === 'sigmoid') row[c] = 1 / (1 + Math.exp(-z));
      else if (act === 'tanh') row[c] = Math.tanh(z);
    }
  }
  return y;
}

/** Keras' sparse cross-entropy on probabilities: −mean_b log clip(p_{b,y}/Σ_j p_{b,j}, ε, 1 − ε). */
function probXentRef(p: Vec, labels: ArrayLike<number>, K: number, eps: number): Vec {
  let total = 0;
  for (let b = 0; b < labels.length; b++) {
    let sum = 0;
    for (let j = 0; j < K; j++) sum += p[b * K + j];
    total -= Math.log(Math.min(Math.max(p[b * K + labels[b]] / sum, eps), 1 - eps));
  }
  return Float64Array.of(total / labels.length);
}

/** The op's value on native and the gradients of Σ value·weights with respect to every input. */
async function onNative(
  inputs: { values: Float32Array; shape: number[] }[],
  op: (...xs: tf.Tensor[]) => tf.Tensor,
  weights: Float32Array,
): Promise<{ value: Float32Array; grads: Float32Array[] }> {
  await tf.setBackend('native');
  return tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.values, i.shape));
    const value = op(...xs);
    const g = tf.grads((...ws: tf.Tensor[]) => op(...ws))(xs, tf.tensor(weights, value.shape));
    return { value: value.dataSync() as Float32Array, grads: g.map((t) => t.dataSync() as Float32Array) };
  });
}

describe.skipIf(!NATIVE_BUILT)(
  nativeSuite('native dense ops: float64 reference and finite differences'),
  () => {
    const activations = Object.keys(DENSE_ACTIVATIONS) as DenseActivation[];

    it('fusedDense: y, dx, dW, db for every activation, with and without bias, on [5, 7]·[7, 9] and [3, 130]·[130, 33]', async () => {
      for (const [N, In, Out] of [
        [5, 7, 9],
        [3, 130, 33],
      ]) {
        for (const act of activations) {
          for (const bias of [true, false]) {
            const what = `dense ${act} ${bias ? 'bias' : 'no bias'} [${N}, ${In}, ${Out}]`;
            const x = uniform(N * In, 1, -1.5, 1.5);
            const w = uniform(In * Out, 2, -0.6, 0.6);
            const b = uniform(Out, 3, -0.5, 0.5);
            const weights = uniform(N * Out, 4);
            nativeKernelStats(true);
            const got = await onNative(
              [
                { values: x, shape: [N, In] },
                { values: w, shape: [In, Out] },
                ...(bias ? [{ values: b, shape: [Out] }] : []),
              ],
              (xi, wi, bi) =>
                fusedDense(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D | undefined, act),
              weights,
            );
            const stats = nativeKernelStats(true);
            expect(stats.CourseDense?.native, what).toBeGreaterThan(0);
            expect(stats.CourseDenseGrad?.native, what).toBe(1);
            const f = ([xv, wv, bv]: Vec[]) => denseRef(xv, wv, bv ?? new Float64Array(0), N, In, Out, act);
            const inputs = bias ? [f64(x), f64(w), f64(b)] : [f64(x), f64(w)];
            expectAllClose(got.value, f(inputs), { rtol: 1e-5, atol: 1e-6 }, `${what} y`);
            ['dx', 'dW', 'db'].slice(0, inputs.length).forEach((name, k) => {
              expectGradClose(got.grads[k], finiteDifference(f, inputs, weights, k), `${what} ${name}`);
            });
          }
        }
      }
    });

    it('fusedProbabilityCrossEntropy: loss and dp, rows not summing to 1, a clipped row gets no gradient', async () => {
      const [B, K, eps] = [6, 5, 1e-7];
      const p = uniform(B * K, 5, 0.05, 1);
      const labels = randomInts(B, 6, 0, K);
      // row 5: its target has probability 0 -> clipped to ε, no gradient through it
      p[5 * K + labels[5]] = 0;
      for (const dtype of ['float32', 'int32'] as const) {
        await tf.setBackend('native');
        const got = tf.tidy(() => {
          const ps = tf.tensor2d(p, [B, K]);
          const ys = tf.tensor1d(labels, dtype);
          const f = (q: tf.Tensor) => fusedProbabilityCrossEntropy(ys, q as tf.Tensor2D, eps);
          return { value: f(ps).dataSync()[0], grad: tf.grad(f)(ps).dataSync() as Float32Array };
        });
        const f = ([pv]: Vec[]) => probXentRef(pv, labels, K, eps);
        expectAllClose([got.value], f([f64(p)]), { rtol: 1e-6 }, `loss (${dtype} labels)`);
        // the clipped entry's neighbours: the reference's difference is 0 there too (the clip is flat)
        const want = finiteDifference((v) => f(v), [f64(p)], [1], 0);
        want[5 * K + labels[5]] = 0; // the kink at 0: tfjs' clip passes nothing below ε
        expectGradClose(got.grad, want, `dp (${dtype} labels)`);
      }
    });

    it('fusedSparseAccuracy: argmax (the first of equal scores, as tfjs) against float and int32 labels', async () => {
      await tf.setBackend('native');
      const scores = [
        [0.1, 0.7, 0.2], // 1
        [0.5, 0.5, 0.0], // tie: 0
        [0.0, 0.2, 0.9], // 2
        [0.3, 0.3, 0.3], // all equal: 0
        [0.9, 0.0, 0.1], // 0
      ];
      const labels = [1, 1, 2.7, 0, 1]; // hits: rows 0, 2 (2.7 reads as 2), 3 -> 3/5
      for (const dtype of ['float32', 'int32'] as const) {
        const got = tf.tidy(
          () => fusedSparseAccuracy(tf.tensor1d(labels, dtype), tf.tensor2d(scores)).dataSync()[0],
        );
        expect(got, dtype).toBeCloseTo(3 / 5, 7);
      }
    });

    it('GatherV2 of int32 rows (labels, token ids) on native equals cpu; an index out of range throws', async () => {
      const ids = Int32Array.from([3, 0, 3, 1]);
      await expectSameOnBoth('gather [5] int32', () =>
        tf.gather(tf.tensor1d([7, 8, 9, 10, 11], 'int32'), ids),
      );
      await expectSameOnBoth('gather [5, 3] int32', () =>
        tf.gather(
          tf.tensor2d(
            Int32Array.from({ length: 15 }, (_, i) => i * 3 - 7),
            [5, 3],
            'int32',
          ),
          ids,
        ),
      );
      await tf.setBackend('native');
      expect(() => tf.tidy(() => tf.gather(tf.tensor1d([1, 2], 'int32'), [2]))).toThrow(
        /index 2 at position 0/,
      );
    });

    it('fusedProbabilityCrossEntropy: one label per row', async () => {
      await tf.setBackend('native');
      expect(() =>
        tf.tidy(() =>
          fusedProbabilityCrossEntropy(tf.tensor1d([0, 1, 2]), tf.ones([2, 3]) as tf.Tensor2D, 1e-7),
        ),
      ).toThrow(/labels: found 3, expected 2/);
    });
  },
);

/**
 * An MLP of `layers` on a batch of N, a probability cross-entropy on a softmax
 * output (else the mean square of the outputs).
 */
function mlpCase(activation: DenseActivation, output: DenseActivation, layers = [12, 9, 7, 4], N = 8) {
  const K = layers[layers.length - 1];
  const mlp = createMlp({
    layers,
    activation,
    outputActivation: output,
    initializer: 'lecun_normal',
    seed: 3,
  });
  const x = tf.tensor2d(uniform(N * layers[0], 11, -1, 1), [N, layers[0]]);
  const labels = tf.tensor1d(randomInts(N, 12, 0, K), 'float32');
  const loss = () =>
    tf.tidy(() => {
      const p = mlp.apply(x) as tf.Tensor2D;
      if (output === 'softmax') {
        if (tf.getBackend() === 'native') return fusedProbabilityCrossEntropy(labels, p, 1e-7);
        // the trainer's sparse categorical cross-entropy on probabilities
        const q = tf.clipByValue(tf.div(p, tf.sum(p, -1, true)), 1e-7, 1 - 1e-7);
        return tf.neg(
          tf.mean(tf.sum(tf.mul(tf.oneHot(tf.cast(labels, 'int32'), K), tf.log(q)), -1)),
        ) as tf.Scalar;
      }
      return tf.mean(tf.square(p)) as tf.Scalar;
    });
  return { loss, variables: Object.fromEntries(mlp.namedVariables()) };
}

describe.skipIf(!NATIVE_BUILT)(nativeSuite('Mlp on native (fused dense) against cpu (composite ops)'), () => {
  for (const [activation, output] of [
    ['selu', 'softmax'],
    ['relu', 'linear'],
    ['tanh', 'sigmoid'],
  ] as [DenseActivation, DenseActivation][]) {
    it(`${activation} hidden, ${output} output: loss and every gradient`, async () => {
      const cpu = await gradientsOn('cpu', () => mlpCase(activation, output));
      nativeKernelStats(true);
      const native = await gradientsOn('native', () => mlpCase(activation, output));
      expect(nativeKernelStats(true).CourseDenseGrad?.native).toBe(3);
      expectClose(native, cpu, 1e-5);
    });
  }

  it('selu 64×[20, 300, 10] (loops large enough to run on every thread): loss and every gradient', async () => {
    const cpu = await gradientsOn('cpu', () => mlpCase('selu', 'softmax', [20, 300, 10], 64));
    const native = await gradientsOn('native', () => mlpCase('selu', 'softmax', [20, 300, 10], 64));
    expectClose(native, cpu, 1e-5);
  });

  it('is deterministic: two native runs give bit-identical gradients', async () => {
    const a = await gradientsOn('native', () => mlpCase('selu', 'softmax'));
    const b = await gradientsOn('native', () => mlpCase('selu', 'softmax'));
    expect(a.loss).toBe(b.loss);
    for (const [name, g] of a.grads) expect(Array.from(b.grads.get(name)!), name).toEqual(Array.from(g));
  });
});
