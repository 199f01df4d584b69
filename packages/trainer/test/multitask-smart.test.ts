import { selectBackend } from '@course/models';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  bregmanTerm,
  SlowWeights,
  smartDivergence,
  smartPerturbation,
  smartRegularizer,
} from '../src/multitask/smart.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

// The tiny model: f(e) = e·W with 2-D embeddings e [B, 2].
const linear = (W: tf.Tensor2D) => (e: tf.Tensor) => tf.matMul(e as tf.Tensor2D, W);

describe('smartDivergence', () => {
  test('symmetric KL, its binary form and squared error on hand-worked values', () => {
    // softmax(0, 0) = (½, ½), softmax(ln 3, 0) = (¾, ¼): Σ (p−q)(log p − log q) = −¼·ln(2/3) + ¼·ln 2 = ¼·ln 3.
    const a = tf.tensor2d([[0, 0]]);
    const b = tf.tensor2d([[Math.log(3), 0]]);
    expect(smartDivergence(a, b, 'classification').dataSync()[0]).toBeCloseTo(0.25 * Math.log(3), 6);
    // One logit: (σ(0) − σ(ln 3))·(0 − ln 3) = (½ − ¾)(−ln 3), the same two-class distributions.
    const bin = smartDivergence(tf.tensor1d([0]), tf.tensor1d([Math.log(3)]), 'binary').dataSync()[0];
    expect(bin).toBeCloseTo(0.25 * Math.log(3), 6);
    // Squared error summed over the output: (1−3)² + (2−2)² = 4.
    expect(smartDivergence(tf.tensor2d([[1, 2]]), tf.tensor2d([[3, 2]]), 'regression').dataSync()[0]).toBe(4);
  });

  test('different shapes are refused', () => {
    expect(() => smartDivergence(tf.zeros([2, 3]), tf.zeros([2, 2]), 'classification')).toThrow(
      /a is \[2,3\] and b is \[2,2\], expected the same shape/,
    );
  });
});

describe('SMART adversarial regulariser on f(e) = e·W', () => {
  test('regression: two projected ascent steps from fixed noise, by hand', () => {
    // x = (1, 2), w = (0.5, −1), ν = (0.01, −0.02), η = 1, ε = 0.05.
    // ℓ(δ) = (δ·w)², ∇ℓ = 2(δ·w)·w.
    // step 1: δ·w = 0.005 + 0.02 = 0.025 → ∇ = (0.025, −0.05) → δ = (0.035, −0.07) → clip (0.035, −0.05)
    // step 2: δ·w = 0.0175 + 0.05 = 0.0675 → ∇ = (0.0675, −0.135) → δ = (0.1025, −0.185) → clip (0.05, −0.05)
    // R = (0.05·0.5 + 0.05)² = 0.075² = 0.005625; λ_s = 2 → 0.01125.
    const W = tf.variable(tf.tensor2d([[0.5], [-1]]));
    const f = linear(W);
    const x = tf.tensor2d([[1, 2]]);
    const noise = tf.tensor2d([[0.01, -0.02]]);
    const opts = { task: 'regression', noise, stepSize: 1, epsilon: 0.05 } as const;
    const one = smartPerturbation(f, x, { ...opts, steps: 1 }).dataSync();
    expect(one[0]).toBeCloseTo(0.035, 6);
    expect(one[1]).toBeCloseTo(-0.05, 6);
    const delta = smartPerturbation(f, x, { ...opts, steps: 2 });
    expect(Array.from(delta.dataSync())).toEqual([expect.closeTo(0.05, 6), expect.closeTo(-0.05, 6)]);
    expect(smartRegularizer(f, x, delta, 'regression', 2).dataSync()[0]).toBeCloseTo(0.01125, 6);
    // ∂R/∂w = 2(δ·w)·δ = 2·0.075·(0.05, −0.05) = (0.0075, −0.0075): gradients reach the weights.
    const { grads } = tf.variableGrads(() => smartRegularizer(f, x, delta, 'regression', 1), [W]);
    const gW = grads[W.name].dataSync();
    expect(gW[0]).toBeCloseTo(0.0075, 6);
    expect(gW[1]).toBeCloseTo(-0.0075, 6);
    tf.dispose([W, x, noise, delta, ...Object.values(grads)]);
  });

  test('classification: ascent on the symmetric KL equals the analytic gradient', () => {
    const x = [1, -1];
    const Wv = [
      [1, 2],
      [0.5, -1],
    ];
    const nu = [0.1, 0.05];
    const eta = 20;
    const eps = 0.2;
    // Reference in float64, without tfjs: z = e·W, q = softmax(z̃), p = softmax(z) fixed;
    // ∂ℓ/∂q_k = log(q_k/p_k) − p_k/q_k + 1 =: a_k; ∂ℓ/∂z̃_j = q_j(a_j − Σ_k q_k a_k); ∂ℓ/∂δ_i = Σ_j W_ij ∂ℓ/∂z̃_j.
    // (A central-difference check gives δ₁ = (0.168997, −0.053496); step 2 leaves the ball and clips to (0.2, −0.2).)
    const logits = (e: number[]) => [0, 1].map((j) => e[0] * Wv[0][j] + e[1] * Wv[1][j]);
    const softmax = (z: number[]) => {
      const m = Math.max(...z);
      const ex = z.map((v) => Math.exp(v - m));
      const s = ex.reduce((a, b) => a + b, 0);
      return ex.map((v) => v / s);
    };
    const p = softmax(logits(x));
    const reference = (K: number) => {
      let delta = [...nu];
      for (let k = 0; k < K; k++) {
        const q = softmax(logits([x[0] + delta[0], x[1] + delta[1]]));
        const a = q.map((qk, i) => Math.log(qk / p[i]) - p[i] / qk + 1);
        const qa = q.reduce((s, qk, i) => s + qk * a[i], 0);
        const gz = q.map((qj, j) => qj * (a[j] - qa));
        const gd = [0, 1].map((i) => Wv[i][0] * gz[0] + Wv[i][1] * gz[1]);
        delta = delta.map((d, i) => Math.max(-eps, Math.min(eps, d + eta * gd[i])));
      }
      const q = softmax(logits([x[0] + delta[0], x[1] + delta[1]]));
      const R = p.reduce((s, pk, k) => s + (pk - q[k]) * (Math.log(pk) - Math.log(q[k])), 0);
      return { delta, R };
    };

    const W = tf.variable(tf.tensor2d(Wv));
    const f = linear(W);
    const xt = tf.tensor2d([x]);
    const noise = tf.tensor2d([nu]);
    for (const K of [1, 2]) {
      const want = reference(K);
      const got = smartPerturbation(f, xt, {
        task: 'classification',
        noise,
        stepSize: eta,
        epsilon: eps,
        steps: K,
      });
      const g = got.dataSync();
      expect(g[0]).toBeCloseTo(want.delta[0], 5);
      expect(g[1]).toBeCloseTo(want.delta[1], 5);
      const R = smartRegularizer(f, xt, got, 'classification', 3).dataSync()[0];
      expect(R / (3 * want.R)).toBeCloseTo(1, 4);
      got.dispose();
    }
    expect(reference(1).delta[0]).toBeCloseTo(0.168997, 5);
    expect(reference(2).delta).toEqual([0.2, -0.2]);
    tf.dispose([W, xt, noise]);
  });

  test("'inf' normalisation takes steps of η along the gradient's sign in the largest coordinate", () => {
    // Regression as above, one step: ∇ = (0.025, −0.05), max |∇| = 0.05 → ∇/max = (0.5, −1) (the 1e-6 aside);
    // δ = (0.01, −0.02) + 0.01·(0.5, −1) = (0.015, −0.03), inside ε = 0.05.
    const W = tf.variable(tf.tensor2d([[0.5], [-1]]));
    const x = tf.tensor2d([[1, 2]]);
    const noise = tf.tensor2d([[0.01, -0.02]]);
    const d = smartPerturbation(linear(W), x, {
      task: 'regression',
      noise,
      stepSize: 0.01,
      epsilon: 0.05,
      normalize: 'inf',
    }).dataSync();
    expect(d[0]).toBeCloseTo(0.015, 6);
    expect(d[1]).toBeCloseTo(-0.03, 6);
    tf.dispose([W, x, noise]);
  });

  test('drawn noise: seeded, within the ε ball after a step', () => {
    const W = tf.variable(tf.tensor2d([[0.5], [-1]]));
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const a = smartPerturbation(linear(W), x, { task: 'regression', sigma: 1, epsilon: 0.1, seed: 5 });
    const b = smartPerturbation(linear(W), x, { task: 'regression', sigma: 1, epsilon: 0.1, seed: 5 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    for (const v of a.dataSync()) expect(Math.abs(v)).toBeLessThanOrEqual(0.1 + 1e-7);
    tf.dispose([W, x, a, b]);
  });
});

describe('Bregman proximal point with a slow momentum copy', () => {
  test('θ̃ ← (1−β)θ + βθ̃, the slow model’s outputs and μ·ℓ_s, by hand', () => {
    const W = tf.variable(tf.tensor2d([[1], [2]]));
    const slow = new SlowWeights([W]);
    W.assign(tf.tensor2d([[3], [6]]));
    // β = 0.75: θ̃ = 0.25·(3, 6) + 0.75·(1, 2) = (1.5, 3).
    slow.update(0.75);
    expect(Array.from(slow.values()[0].dataSync())).toEqual([1.5, 3]);
    const x = tf.tensor2d([[1, 1]]);
    const f = linear(W);
    const slowOut = slow.run(() => f(x)); // (1, 1)·(1.5, 3) = 4.5
    expect(slowOut.dataSync()[0]).toBeCloseTo(4.5, 6);
    expect(Array.from(W.dataSync())).toEqual([3, 6]); // θ restored
    // f(x; θ) = 9: μ·(9 − 4.5)² = 0.5·20.25.
    expect(bregmanTerm(f(x), slowOut, 'regression', 0.5).dataSync()[0]).toBeCloseTo(10.125, 5);
    // ∂/∂w of μ(x·w − 4.5)² = 2μ(9 − 4.5)·x = (4.5, 4.5) with μ = 0.5.
    const { grads } = tf.variableGrads(() => bregmanTerm(f(x), slowOut, 'regression', 0.5), [W]);
    expect(Array.from(grads[W.name].dataSync())).toEqual([expect.closeTo(4.5, 5), expect.closeTo(4.5, 5)]);
    expect(() => slow.update(1.5)).toThrow(/beta: found 1.5, expected 0 ≤ β ≤ 1/);
    slow.dispose();
    tf.dispose([W, x, slowOut, ...Object.values(grads)]);
  });
});
