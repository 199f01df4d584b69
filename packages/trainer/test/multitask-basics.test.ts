import { selectBackend } from '@course/models';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { seededRandom } from '../src/data/index.js';
import { AdaMax } from '../src/multitask/adamax.js';
import {
  cosineSimilarity,
  cosineToSimilarity,
  pairFeatures,
  pairFeatureWidth,
} from '../src/multitask/heads.js';
import {
  overallScore,
  paraphraseAccuracy,
  sentimentAccuracy,
  stsCorrelation,
} from '../src/multitask/metrics.js';
import {
  proportionalSchedule,
  roundRobinSchedule,
  taskProbabilities,
  warmupLinearDecay,
} from '../src/multitask/schedules.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('multitask metrics', () => {
  test('accuracies, Pearson r and the overall score on hand-worked values', () => {
    expect(sentimentAccuracy([1, 0, 4, 3], [1, 1, 4, 2])).toBe(0.5);
    expect(paraphraseAccuracy([1, 0, 1, 1], [1, 0, 1, 0])).toBe(0.75);
    // x̄ = ȳ = 2; Σdxdy = 1, Σdx² = Σdy² = 2 → r = 0.5
    expect(stsCorrelation([1, 2, 3], [1, 3, 2])).toBeCloseTo(0.5, 12);
    // (0.5 + 0.75 + (0.2 + 1)/2) / 3 = 1.85 / 3
    expect(
      overallScore({ sentimentAccuracy: 0.5, paraphraseAccuracy: 0.75, stsCorrelation: 0.2 }),
    ).toBeCloseTo(1.85 / 3, 12);
    // r = −1 adds nothing, r = 1 adds a full third.
    expect(overallScore({ sentimentAccuracy: 0, paraphraseAccuracy: 0, stsCorrelation: -1 })).toBe(0);
    expect(overallScore({ sentimentAccuracy: 1, paraphraseAccuracy: 1, stsCorrelation: 1 })).toBe(1);
  });

  test('mismatched lengths name the metric', () => {
    expect(() => sentimentAccuracy([1], [1, 0])).toThrow(
      /sentiment accuracy: found 1 predictions and 2 labels/,
    );
    expect(() => paraphraseAccuracy([], [])).toThrow(/paraphrase accuracy: found 0 examples/);
  });
});

describe('pair heads', () => {
  const u = () => tf.tensor2d([[1, 2]]);
  const v = () => tf.tensor2d([[3, -1]]);

  test('concatenations in order u, v, |u−v|, u∗v', () => {
    const [a, b] = [u(), v()];
    expect(pairFeatures(a, b, 'uv').arraySync()).toEqual([[1, 2, 3, -1]]);
    expect(pairFeatures(a, b, 'uv-diff').arraySync()).toEqual([[1, 2, 3, -1, 2, 3]]);
    expect(pairFeatures(a, b, 'uv-diff-prod').arraySync()).toEqual([[1, 2, 3, -1, 2, 3, 3, -2]]);
    expect([
      pairFeatureWidth('uv', 2),
      pairFeatureWidth('uv-diff', 2),
      pairFeatureWidth('uv-diff-prod', 2),
    ]).toEqual([4, 6, 8]);
    tf.dispose([a, b]);
  });

  test('cosine similarity and its 0..5 score', () => {
    // u·v = 3 − 2 = 1, ‖u‖‖v‖ = √5·√10 = √50; a zero vector gives 0 (eps), so 2.5.
    const a = tf.tensor2d([
      [1, 2],
      [0, 0],
    ]);
    const b = tf.tensor2d([
      [3, -1],
      [1, 1],
    ]);
    const cos = cosineSimilarity(a, b).arraySync();
    expect(cos[0]).toBeCloseTo(1 / Math.sqrt(50), 6);
    expect(cos[1]).toBe(0);
    const score = cosineToSimilarity(tf.tensor1d([-1, 1 / Math.sqrt(50), 1])).arraySync();
    expect(score[0]).toBeCloseTo(0, 6);
    expect(score[1]).toBeCloseTo(2.5 * (1 + 1 / Math.sqrt(50)), 5);
    expect(score[2]).toBeCloseTo(5, 6);
    tf.dispose([a, b]);
  });

  test('mismatched shapes are refused', () => {
    const [a, b] = [tf.tensor2d([[1, 2]]), tf.tensor2d([[1, 2, 3]])];
    expect(() => pairFeatures(a, b, 'uv')).toThrow(/u is \[1,2\] and v is \[1,3\], expected both \[B, H\]/);
    tf.dispose([a, b]);
  });
});

describe('multitask schedules', () => {
  test('round-robin: task s mod T, each task cycling through its batches', () => {
    const s = roundRobinSchedule([2, 3, 1]);
    expect(s.map((x) => x.task)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    expect(s.map((x) => x.batch)).toEqual([0, 0, 0, 1, 1, 0, 0, 2, 0]);
  });

  test('proportional: inverse CDF of one uniform draw per step', () => {
    // counts [1, 2, 1] → p = [0.25, 0.5, 0.25], cumulative 0.25, 0.75, 1.
    const draws = [0.1, 0.3, 0.8, 0.74, 0.25];
    const s = proportionalSchedule([1, 2, 1], () => draws.shift()!, { steps: 5 });
    expect(s.map((x) => x.task)).toEqual([0, 1, 2, 1, 1]);
    expect(s.map((x) => x.batch)).toEqual([0, 0, 0, 1, 0]);
    expect(taskProbabilities([1, 2, 1], 0)).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  test('proportional: seeded frequencies follow the task sizes, the same run for the same seed', () => {
    const a = proportionalSchedule([100, 300, 600], seededRandom(3), { steps: 30000 });
    const b = proportionalSchedule([100, 300, 600], seededRandom(3), { steps: 30000 });
    expect(b).toEqual(a);
    const freq = [0, 1, 2].map((t) => a.filter((x) => x.task === t).length / a.length);
    expect(freq[0]).toBeCloseTo(0.1, 1);
    expect(freq[1]).toBeCloseTo(0.3, 1);
    expect(freq[2]).toBeCloseTo(0.6, 1);
  });

  test('bad counts are refused', () => {
    expect(() => roundRobinSchedule([2, 0])).toThrow(/counts\[1\]: found 0, expected an integer ≥ 1/);
  });

  test('linear warmup then linear decay (the trainer’s llm.c linear schedule)', () => {
    // W = 10, N = 100, lr0 = 1e-3: warmup lr0·(s+1)/W, then lr0·(1 − (s−W)/(N−W)).
    expect(warmupLinearDecay(0, 1e-3, 10, 100)).toBeCloseTo(1e-4, 9);
    expect(warmupLinearDecay(9, 1e-3, 10, 100)).toBeCloseTo(1e-3, 9);
    expect(warmupLinearDecay(10, 1e-3, 10, 100)).toBeCloseTo(1e-3, 9);
    expect(warmupLinearDecay(55, 1e-3, 10, 100)).toBeCloseTo(5e-4, 9);
    expect(warmupLinearDecay(99, 1e-3, 10, 100)).toBeCloseTo(1e-3 / 90, 9);
  });
});

describe('AdaMax with decoupled weight decay', () => {
  test('three steps equal the hand-computed updates', () => {
    const w = tf.variable(tf.tensor1d([1, -2]));
    const b = tf.variable(tf.tensor1d([3]));
    const opt = new AdaMax([
      { variable: w, decay: true },
      { variable: b, decay: false },
    ]);
    const step = (gw: number[], gb: number[], t: number) => {
      const g = [tf.tensor1d(gw), tf.tensor1d(gb)];
      opt.apply(g, { learningRate: 0.1, weightDecay: 0.1, t });
      tf.dispose(g);
    };
    // t=1, g = (0.5, −1): m = (0.05, −0.1), u = (0.5, 1), 1−β1 = 0.1 → m/(0.1u) = (1, −1);
    // w ← w − 0.1·((1, −1) + 0.1·(1, −2)) = (0.89, −1.88); b: m 0.05, u 0.5 → 3 − 0.1 = 2.9.
    step([0.5, -1], [0.5], 1);
    expect(Array.from(w.dataSync())).toEqual([expect.closeTo(0.89, 6), expect.closeTo(-1.88, 6)]);
    expect(b.dataSync()[0]).toBeCloseTo(2.9, 6);
    // t=2, g = (−0.2, 0.3): m = (0.045−0.02, −0.09+0.03) = (0.025, −0.06);
    // u = max(0.999·(0.5, 1), (0.2, 0.3)) = (0.4995, 0.999); 1−β1² = 0.19.
    step([-0.2, 0.3], [-0.2], 2);
    const w2 = [
      0.89 - 0.1 * (0.025 / (0.19 * 0.4995) + 0.1 * 0.89),
      -1.88 - 0.1 * (-0.06 / (0.19 * 0.999) + 0.1 * -1.88),
    ];
    const b2 = 2.9 - 0.1 * (0.025 / (0.19 * 0.4995));
    expect(w.dataSync()[0]).toBeCloseTo(w2[0], 5);
    expect(w.dataSync()[1]).toBeCloseTo(w2[1], 5);
    expect(b.dataSync()[0]).toBeCloseTo(b2, 5);
    // t=3, g = (2, 0): m = (0.0225+0.2, −0.054); u = max((0.49900…, 0.998…), (2, 0)) = (2, 0.998001);
    // 1−β1³ = 0.271.
    step([2, 0], [0], 3);
    const m3 = [0.9 * 0.025 + 0.1 * 2, 0.9 * -0.06];
    const u3 = [2, 0.999 * 0.999];
    const w3 = w2.map((x, i) => x - 0.1 * (m3[i] / (0.271 * u3[i]) + 0.1 * x));
    expect(w.dataSync()[0]).toBeCloseTo(w3[0], 5);
    expect(w.dataSync()[1]).toBeCloseTo(w3[1], 5);
    expect(opt.state().u[0].dataSync()[1]).toBeCloseTo(0.998001, 6);
    opt.dispose();
    tf.dispose([w, b]);
  });
});
