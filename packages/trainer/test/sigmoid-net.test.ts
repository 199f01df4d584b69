import { InputError, selectBackend } from '@course/models';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  evaluateSigmoidNet,
  type SigmoidNetSpec,
  sigmoidNet64,
  sigmoidNetFiniteDifference,
  sigmoidNetGradient,
} from '../src/sigmoid-net.js';

// The nn-fundamentals homework network (W1, W2 are the handout's chosen values).
const NET: SigmoidNetSpec = {
  x: [0.02, 0.04, 0.01],
  W1: [
    [0.1, 0.2, 0.3],
    [0.4, 0.5, 0.6],
    [0.7, 0.8, 0.9],
  ],
  b1: 0.4,
  W2: [
    [0.1, 0.2],
    [0.3, 0.4],
    [0.5, 0.6],
  ],
  b2: 0.7,
  targets: [0.9, 0.5],
};

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

// Hand derivation (float64):
//   z1_j = b1 + Σ_i x_i W1[i][j]
//   z1_0 = 0.4 + 0.02·0.1 + 0.04·0.4 + 0.01·0.7 = 0.4 + 0.002 + 0.016 + 0.007 = 0.425
//   z1_1 = 0.4 + 0.004 + 0.020 + 0.008 = 0.432
//   z1_2 = 0.4 + 0.006 + 0.024 + 0.009 = 0.439
const h = [0.425, 0.432, 0.439].map(sigmoid); // ≈ 0.604679, 0.606351, 0.608021
//   z2_k = b2 + Σ_j h_j W2[j][k]
const z2 = [0.7 + 0.1 * h[0] + 0.3 * h[1] + 0.5 * h[2], 0.7 + 0.2 * h[0] + 0.4 * h[1] + 0.6 * h[2]];
const y = z2.map(sigmoid); // ≈ 0.776673, 0.806635
//   L = ½((y0 − 0.9)² + (y1 − 0.5)²) ≈ 0.0546171
const loss = 0.5 * ((y[0] - 0.9) ** 2 + (y[1] - 0.5) ** 2);
//   δ_k = ∂L/∂z2_k = (y_k − t_k)·y_k(1 − y_k)
const delta = [(y[0] - 0.9) * y[0] * (1 - y[0]), (y[1] - 0.5) * y[1] * (1 - y[1])];
//   ∂L/∂W2[0][0] = δ_0·h_0 ≈ −0.0129349
const dW2_00 = delta[0] * h[0];
//   ∂L/∂W1[0][0] = (δ_0 W2[0][0] + δ_1 W2[0][1])·h_0(1 − h_0)·x_0 ≈ 3.55043e-5
const dW1_00 = (delta[0] * 0.1 + delta[1] * 0.2) * h[0] * (1 - h[0]) * 0.02;
//   ∂L/∂b2 = δ_0 + δ_1 (shared bias: both outputs)
const db2 = delta[0] + delta[1];

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('evaluateSigmoidNet', () => {
  it('matches the hand derivation: hidden, outputs, loss', () => {
    const r = evaluateSigmoidNet(NET);
    for (const [j, v] of r.hidden.entries()) expect(v).toBeCloseTo(h[j], 6);
    for (const [k, v] of r.outputs.entries()) expect(v).toBeCloseTo(y[k], 6);
    expect(r.loss).toBeCloseTo(loss, 7);
    expect(loss).toBeCloseTo(0.0546171, 6); // the handout's printed value
    const exact = sigmoidNet64(NET);
    expect(exact.loss).toBeCloseTo(loss, 15);
    for (const [j, v] of exact.hidden.entries()) expect(v).toBeCloseTo(h[j], 15);
    for (const [k, v] of exact.outputs.entries()) expect(v).toBeCloseTo(y[k], 15);
  });
  it('autodiff equals the hand chain rule for W2[0][0], W1[0][0] and the shared b2', () => {
    const { gradients } = evaluateSigmoidNet(NET);
    expect(Object.keys(gradients)).toHaveLength(9 + 1 + 6 + 1);
    expect(gradients['W2[0][0]']).toBeCloseTo(dW2_00, 7);
    expect(dW2_00).toBeCloseTo(-0.0129349, 6);
    expect(gradients['W1[0][0]'] / dW1_00).toBeCloseTo(1, 4);
    expect(gradients.b2).toBeCloseTo(db2, 7);
  });
  it('autodiff agrees with the central difference for every weight', () => {
    const names = Object.keys(evaluateSigmoidNet(NET).gradients);
    for (const name of names) {
      const g = sigmoidNetGradient(NET, name);
      const tolerance = 1e-9 + 1e-4 * Math.abs(g.finiteDifference);
      expect(Math.abs(g.autodiff - g.finiteDifference), name).toBeLessThan(tolerance);
    }
    // The difference quotient itself is right to ~1e-10, not just consistent with autodiff.
    expect(sigmoidNetGradient(NET, 'W1[0][0]').finiteDifference).toBeCloseTo(dW1_00, 11);
  });
  it('rejects an unknown weight and a mis-shaped network', () => {
    expect(() => sigmoidNetGradient(NET, 'W3[0][0]')).toThrow(/expected one of W1\[0\]\[0\]/);
    expect(() => sigmoidNetFiniteDifference(NET, 'W2[0][2]')).toThrow(/within the shapes/);
    expect(() => evaluateSigmoidNet({ ...NET, targets: [0.9] })).toThrow(InputError);
    expect(() => evaluateSigmoidNet({ ...NET, W2: [[0.1, 0.2]] })).toThrow(/W2: expected 3 rows/);
  });
});
