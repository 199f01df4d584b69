import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { InputError } from '../src/errors.js';
import { createMlp, mlpParameterCount } from '../src/nn/mlp.js';
import { moduleParameterCount } from '../src/nn/module.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

function moments(values: Float32Array | Int32Array | Uint8Array): {
  mean: number;
  variance: number;
  maxAbs: number;
} {
  let sum = 0;
  let sumSq = 0;
  let maxAbs = 0;
  for (const v of values) {
    sum += v;
    sumSq += v * v;
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  const mean = sum / values.length;
  return { mean, variance: sumSq / values.length - mean * mean, maxAbs };
}

describe('mlpParameterCount', () => {
  it('counts weights and one bias per unit, by hand', () => {
    // 33·512 + 512 + 512·10 + 10 = 16896 + 512 + 5120 + 10
    expect(mlpParameterCount([33, 512, 10])).toBe(22_538);
    // the published answer counted one bias per layer: 16896 + 5120 + 1 + 1 = 22,018 (wrong)
    expect(mlpParameterCount([33, 512, 10])).not.toBe(22_018);
    expect(mlpParameterCount([33, 512, 10], { bias: false })).toBe(16_896 + 5_120);
    // the mlp-digits homework's four nets
    expect(mlpParameterCount([784, 30, 20, 10])).toBe(784 * 30 + 30 + 30 * 20 + 20 + 20 * 10 + 10); // 24,380
    expect(mlpParameterCount([784, 30, 20, 10])).toBe(24_380);
    expect(mlpParameterCount([784, 60, 50, 40, 30, 10])).toBe(53_730);
    expect(mlpParameterCount([784, 500, 200, 200, 50, 10])).toBe(543_460);
    expect(mlpParameterCount([784, 600, 200, 500, 300, 400, 400, 100, 50, 10])).toBe(1_168_460);
  });

  it('rejects fewer than two widths and non-integer widths', () => {
    expect(() => mlpParameterCount([10])).toThrow(InputError);
    expect(() => mlpParameterCount([10, 0])).toThrow(/positive integer/);
    expect(() => mlpParameterCount([10, 2.5])).toThrow(/positive integer/);
  });
});

describe('Mlp', () => {
  it('has variables named dense_i/kernel|bias whose sizes add up to mlpParameterCount', () => {
    for (const bias of [true, false]) {
      const mlp = createMlp({ layers: [33, 512, 10], bias });
      const names = [...mlp.namedVariables().keys()];
      expect(names).toEqual(
        bias
          ? ['dense_0/kernel', 'dense_0/bias', 'dense_1/kernel', 'dense_1/bias']
          : ['dense_0/kernel', 'dense_1/kernel'],
      );
      expect(mlp.namedVariables().get('dense_0/kernel')?.shape).toEqual([33, 512]);
      expect(moduleParameterCount(mlp)).toBe(mlpParameterCount([33, 512, 10], { bias }));
      mlp.dispose();
    }
  });

  it('computes a 2-3-2 relu/softmax net as by hand', () => {
    const mlp = createMlp({ layers: [2, 3, 2], activation: 'relu', outputActivation: 'softmax' });
    const v = mlp.namedVariables();
    v.get('dense_0/kernel')?.assign(
      tf.tensor2d([
        [1, 0, -1],
        [0.5, 1, 0],
      ]),
    );
    v.get('dense_0/bias')?.assign(tf.tensor1d([0, -1, 0.5]));
    v.get('dense_1/kernel')?.assign(
      tf.tensor2d([
        [1, -1],
        [2, 0],
        [3, 1],
      ]),
    );
    v.get('dense_1/bias')?.assign(tf.tensor1d([0.5, 0]));
    // x = (1, 2)
    // z1 = (1·1 + 2·0.5 + 0, 1·0 + 2·1 − 1, 1·(−1) + 2·0 + 0.5) = (2, 1, −0.5); relu -> h = (2, 1, 0)
    // z2 = (2·1 + 1·2 + 0·3 + 0.5, 2·(−1) + 1·0 + 0·1 + 0) = (4.5, −2)
    // softmax: p0 = e^4.5 / (e^4.5 + e^−2) = 1 / (1 + e^−6.5), p1 = 1 − p0
    const p0 = 1 / (1 + Math.exp(-6.5));
    const y = mlp.apply(tf.tensor2d([[1, 2]]));
    const out = y.dataSync();
    expect(out[0]).toBeCloseTo(p0, 6);
    expect(out[1]).toBeCloseTo(1 - p0, 6);
    // per-layer activations: a second sample exercising tanh and sigmoid
    const tanhNet = createMlp({ layers: [2, 3, 2], activation: ['tanh', 'sigmoid'] });
    for (const [name, variable] of v) tanhNet.namedVariables().get(name)?.assign(variable);
    // h = tanh(2, 1, −0.5); z2 = (h0 + 2·h1 + 3·h2 + 0.5, −h0 + h2)
    const h = [Math.tanh(2), Math.tanh(1), Math.tanh(-0.5)];
    const sig = (z: number) => 1 / (1 + Math.exp(-z));
    const out2 = tanhNet.apply(tf.tensor2d([[1, 2]])).dataSync();
    expect(out2[0]).toBeCloseTo(sig(h[0] + 2 * h[1] + 3 * h[2] + 0.5), 6);
    expect(out2[1]).toBeCloseTo(sig(-h[0] + h[2]), 6);
    tf.dispose(y);
    mlp.dispose();
    tanhNet.dispose();
  });

  it('selu matches its definition and inputs of rank > 2 are flattened', () => {
    const mlp = createMlp({ layers: [4, 1], activation: ['selu'] });
    mlp
      .namedVariables()
      .get('dense_0/kernel')
      ?.assign(tf.tensor2d([[1], [-1], [0.5], [-3]]));
    const x = tf.tensor3d([
      [
        [1, 2],
        [3, 4],
      ],
    ]); // [1, 2, 2] -> [1, 4]
    const z = 1 - 2 + 1.5 - 12; // −11.5
    const alpha = 1.6732632423543772;
    const scale = 1.0507009873554805;
    expect(mlp.apply(x).dataSync()[0]).toBeCloseTo(scale * alpha * (Math.exp(z) - 1), 5);
    expect(() => mlp.apply(tf.zeros([1, 5]))).toThrow(/found 5 features, expected 4/);
    mlp.dispose();
  });

  it('initializers have the named variance (lecun 1/fan_in, he 2/fan_in, glorot 2/(in+out)), zero mean, seeded', () => {
    const [fanIn, fanOut] = [300, 200];
    const n = fanIn * fanOut;
    const cases = [
      { initializer: 'lecun_normal', variance: 1 / fanIn, bound: 2 / Math.sqrt(fanIn) / 0.8796 },
      { initializer: 'he_normal', variance: 2 / fanIn, bound: (2 * Math.sqrt(2 / fanIn)) / 0.8796 },
      {
        initializer: 'glorot_uniform',
        variance: 2 / (fanIn + fanOut),
        bound: Math.sqrt(6 / (fanIn + fanOut)),
      },
    ] as const;
    for (const { initializer, variance, bound } of cases) {
      const mlp = createMlp({ layers: [fanIn, fanOut], initializer, seed: 7 });
      const kernel = mlp.namedVariables().get('dense_0/kernel') as tf.Variable;
      const stats = moments(kernel.dataSync());
      // sample variance has standard error ≈ σ²·sqrt(2/n) (≤ that for these light-tailed laws): allow 5 SE,
      // ±2.9%, which tells the named variance from tfjs' own lecunNormal/heNormal (0.774 of it).
      expect(Math.abs(stats.variance / variance - 1), initializer).toBeLessThan(5 * Math.sqrt(2 / n));
      expect(Math.abs(stats.mean), initializer).toBeLessThan((5 * Math.sqrt(variance)) / Math.sqrt(n));
      expect(stats.maxAbs, initializer).toBeLessThanOrEqual(bound * (1 + 1e-6)); // truncated at 2σ / uniform limit
      expect(moments(mlp.namedVariables().get('dense_0/bias')?.dataSync() as Float32Array).maxAbs).toBe(0);
      const again = createMlp({ layers: [fanIn, fanOut], initializer, seed: 7 });
      const other = createMlp({ layers: [fanIn, fanOut], initializer, seed: 8 });
      const first = kernel.dataSync();
      expect(again.namedVariables().get('dense_0/kernel')?.dataSync()).toEqual(first);
      expect(other.namedVariables().get('dense_0/kernel')?.dataSync()).not.toEqual(first);
      for (const m of [mlp, again, other]) m.dispose();
    }
  });

  it('frees everything on dispose and its gradients reach every variable', () => {
    const before = tf.memory().numTensors;
    const mlp = createMlp({ layers: [5, 4, 3], activation: 'tanh', initializer: 'he_normal', seed: 1 });
    const x = tf.randomNormal([6, 5], 0, 1, 'float32', 3);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(mlp.apply(x))) as tf.Scalar);
    for (const name of mlp.namedVariables().keys()) {
      const g = grads[(mlp.namedVariables().get(name) as tf.Variable).name].dataSync();
      expect(g.every(Number.isFinite), name).toBe(true);
      expect(
        g.some((e) => e !== 0),
        name,
      ).toBe(true);
    }
    tf.dispose([value, x, ...Object.values(grads)]);
    mlp.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
