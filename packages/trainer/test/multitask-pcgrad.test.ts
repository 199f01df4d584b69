import { selectBackend } from '@course/models';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { seededRandom } from '../src/data/index.js';
import { type PcgradOrder, pcgrad, pcgradVectors, shuffledOrder } from '../src/multitask/pcgrad.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

const ascending: PcgradOrder = (_i, others) => others;
const descending: PcgradOrder = (_i, others) => [...others].reverse();

// Hand-made conflicting gradients: g1·g2 = −1, g1·g3 = −1, g2·g3 = −1; ‖g1‖² = 1, ‖g2‖² = 2, ‖g3‖² = 5.
const g1 = [1, 0];
const g2 = [-1, 1];
const g3 = [-1, -2];

describe('pcgradVectors (hand-computed projections)', () => {
  test('two conflicting tasks: each projected onto the normal plane of the other', () => {
    // g1 − (−1/2)·g2 = (0.5, 0.5); g2 − (−1/1)·g1 = (0, 1); sum (0.5, 1.5).
    const { sum, projected } = pcgradVectors([g1, g2], ascending);
    expect(projected[0]).toEqual([0.5, 0.5]);
    expect(projected[1]).toEqual([0, 1]);
    expect(sum).toEqual([0.5, 1.5]);
  });

  test('three tasks visited in ascending order', () => {
    // task 1: (1,0) +½(−1,1) = (0.5,0.5); ·g3 = −1.5 → +0.3(−1,−2) = (0.2,−0.1)
    // task 2: (−1,1) + 1·(1,0) = (0,1); ·g3 = −2 → +0.4(−1,−2) = (−0.4,0.2)
    // task 3: (−1,−2) + 1·(1,0) = (0,−2); ·g2 = −2 → +1·(−1,1) = (−1,−1)
    const { sum, projected } = pcgradVectors([g1, g2, g3], ascending);
    const want = [
      [0.2, -0.1],
      [-0.4, 0.2],
      [-1, -1],
    ];
    projected.forEach((p, i) => {
      expect(p[0]).toBeCloseTo(want[i][0], 12);
      expect(p[1]).toBeCloseTo(want[i][1], 12);
    });
    expect(sum[0]).toBeCloseTo(-1.2, 12);
    expect(sum[1]).toBeCloseTo(-0.9, 12);
  });

  test('the order matters: descending order gives another direction', () => {
    // task 1: +0.2·g3 = (0.8,−0.4); ·g2 = −1.2 → +0.6·g2 = (0.2,0.2)
    // task 2: +0.2·g3 = (−1.2,0.6); ·g1 = −1.2 → +1.2·g1 = (0,0.6)
    // task 3: +0.5·g2 = (−1.5,−1.5); ·g1 = −1.5 → +1.5·g1 = (0,−1.5)
    const { sum, projected } = pcgradVectors([g1, g2, g3], descending);
    expect(projected[0][0]).toBeCloseTo(0.2, 12);
    expect(projected[0][1]).toBeCloseTo(0.2, 12);
    expect(projected[1][0]).toBeCloseTo(0, 12);
    expect(projected[1][1]).toBeCloseTo(0.6, 12);
    expect(projected[2][0]).toBeCloseTo(0, 12);
    expect(projected[2][1]).toBeCloseTo(-1.5, 12);
    expect(sum[0]).toBeCloseTo(0.2, 12);
    expect(sum[1]).toBeCloseTo(-0.7, 12);
  });

  test('gradients that do not conflict are summed unchanged', () => {
    const { sum, projected } = pcgradVectors(
      [
        [1, 2],
        [3, -1],
      ],
      ascending,
    );
    expect(projected).toEqual([
      [1, 2],
      [3, -1],
    ]);
    expect(sum).toEqual([4, 1]);
  });

  test('vectors of different lengths are refused', () => {
    expect(() => pcgradVectors([[1, 2], [1]], ascending)).toThrow(/vector 1 has 1 values, expected 2/);
  });
});

describe('pcgrad on tensors', () => {
  test('dot products run over all variables, not per variable', () => {
    // The same g1, g2 cut into two variables of shapes [1] and [1, 1]. Per variable,
    // only the first conflicts; over both, the result is the hand-computed (0.5, 1.5).
    const t1 = [tf.tensor1d([1]), tf.tensor2d([[0]])];
    const t2 = [tf.tensor1d([-1]), tf.tensor2d([[1]])];
    const { grads, coefficients, projections } = pcgrad([t1, t2], ascending);
    expect(grads[0].shape).toEqual([1]);
    expect(grads[1].shape).toEqual([1, 1]);
    expect(grads[0].dataSync()[0]).toBeCloseTo(0.5, 6);
    expect(grads[1].dataSync()[0]).toBeCloseTo(1.5, 6);
    expect(projections).toBe(2);
    expect(coefficients[0][0]).toBeCloseTo(1, 6);
    expect(coefficients[0][1]).toBeCloseTo(0.5, 6);
    expect(coefficients[1][0]).toBeCloseTo(1, 6);
    expect(coefficients[1][1]).toBeCloseTo(1, 6);
    tf.dispose([...t1, ...t2, ...grads]);
  });

  test('three tasks in descending order equal the vector computation', () => {
    const tasks = [g1, g2, g3].map((g) => [tf.tensor1d([g[0], g[1]])]);
    const { grads } = pcgrad(tasks, descending);
    const out = grads[0].dataSync();
    expect(out[0]).toBeCloseTo(0.2, 5);
    expect(out[1]).toBeCloseTo(-0.7, 5);
    tf.dispose([...tasks.flat(), ...grads]);
  });

  test('mismatched shapes are refused, naming task and variable', () => {
    const a = [tf.tensor1d([1, 2])];
    const b = [tf.tensor1d([1, 2, 3])];
    expect(() => pcgrad([a, b], ascending)).toThrow(/task 1 variable 0: found shape \[3\], expected \[2\]/);
    tf.dispose([...a, ...b]);
  });
});

describe('shuffledOrder', () => {
  test('is a permutation of the other tasks, the same for the same seed', () => {
    const a = shuffledOrder(seededRandom(7));
    const b = shuffledOrder(seededRandom(7));
    const others = [0, 1, 3, 4, 5];
    for (let k = 0; k < 20; k++) {
      const x = a(2, others);
      expect([...x].sort()).toEqual(others);
      expect(b(2, others)).toEqual(x);
    }
  });

  test('visits every order of two others over many draws', () => {
    const order = shuffledOrder(seededRandom(1));
    const seen = new Set<string>();
    for (let k = 0; k < 50; k++) seen.add(order(0, [1, 2]).join(','));
    expect(seen).toEqual(new Set(['1,2', '2,1']));
  });
});
