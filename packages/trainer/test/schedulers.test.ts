import { describe, expect, it } from 'vitest';
import { learningRate, wsdDecayPoint } from '../src/schedulers.js';

// The fork's defaults: -l 6e-4 -u 470 -x 4725 -q 0.0.
const fork = { maxLr: 6e-4, warmup: 470, totalSteps: 4725, finalFraction: 0 };
// The fork's example script's -l 0.01 -u 70 -x 1000, with -q 0.1 so min ≠ 0.
const small = { maxLr: 0.01, warmup: 70, totalSteps: 1000, finalFraction: 0.1 };
const lr0 = Math.fround(6e-4);

/** Relative closeness for values computed by hand in double precision. */
function near(actual: number, expected: number, rel = 1e-6) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

describe('cosine', () => {
  it('warms up linearly from lr0/W at step 0 to lr0 at step W−1', () => {
    near(learningRate('cosine', 0, fork), 6e-4 / 470);
    near(learningRate('cosine', 234, fork), (6e-4 * 235) / 470);
    expect(learningRate('cosine', 469, fork)).toBe(lr0);
  });
  it('starts decaying at step W with r = 0, i.e. exactly lr0', () => {
    expect(learningRate('cosine', 470, fork)).toBe(lr0);
  });
  it('is near the midpoint of lr0 and min half way through the decay', () => {
    // r = (2597−470)/(4725−470) = 2127/4255; lr = 0.5·(1+cos(πr))·6e-4
    near(learningRate('cosine', 2597, fork), 0.5 * (1 + Math.cos((Math.PI * 2127) / 4255)) * 6e-4);
    // with -q 0.1: min = 1e-3, r = 230/930
    near(learningRate('cosine', 300, small), 1e-3 + 0.5 * (1 + Math.cos((Math.PI * 230) / 930)) * 9e-3);
  });
  it('does not reach min at the last step (r = (N−1−W)/(N−W) < 1)', () => {
    // By hand: 6e-4 · (1 − cos(π/4255))/2 ≈ 8.2e-11; float32 cancellation in 1+cos makes it ~9e-11.
    const last = learningRate('cosine', 4724, fork);
    expect(last).toBeGreaterThan(5e-11);
    expect(last).toBeLessThan(1.2e-10);
    near(learningRate('cosine', 999, small), 1e-3 + 0.5 * (1 + Math.cos((Math.PI * 929) / 930)) * 9e-3);
  });
  it('matches float32 values from an independent C implementation (gcc, glibc)', () => {
    // printf("%.9g") of llm.c-style float arithmetic, from the spec's formulas.
    expect(learningRate('cosine', 0, fork)).toBe(Math.fround(1.27659575e-6));
    expect(learningRate('cosine', 2597, fork)).toBe(Math.fround(0.000300110783));
    expect(learningRate('cosine', 4724, fork)).toBe(Math.fround(8.94069679e-11));
    expect(learningRate('cosine', 100, small)).toBe(Math.fround(0.00997691229));
  });
  it('returns float32 values', () => {
    for (const step of [0, 13, 470, 1000, 4724]) {
      const v = learningRate('cosine', step, fork);
      expect(Math.fround(v)).toBe(v);
    }
  });
});

describe('linear', () => {
  it('has the same warmup as cosine', () => {
    near(learningRate('linear', 0, fork), 6e-4 / 470);
    expect(learningRate('linear', 469, fork)).toBe(lr0);
    expect(learningRate('linear', 470, fork)).toBe(lr0);
  });
  it('decays linearly towards min', () => {
    near(learningRate('linear', 2597, fork), 6e-4 * (1 - 2127 / 4255));
    near(learningRate('linear', 4724, fork), 6e-4 * (1 - 4254 / 4255), 1e-3);
    near(learningRate('linear', 535, small), 0.01 - (465 / 930) * 9e-3);
    expect(learningRate('linear', 2597, fork)).toBe(Math.fround(0.000300070533));
    expect(learningRate('linear', 4724, fork)).toBe(Math.fround(1.41037162e-7));
  });
});

describe('constant', () => {
  it('is lr0 at every step, with no warmup', () => {
    expect(learningRate('constant', 0, fork)).toBe(lr0);
    expect(learningRate('constant', 100, fork)).toBe(lr0);
    expect(learningRate('constant', 4724, fork)).toBe(lr0);
  });
});

describe('wsd', () => {
  it('decays from (int)(0.8·N)', () => {
    expect(wsdDecayPoint(1000)).toBe(800);
    expect(wsdDecayPoint(4725)).toBe(3780);
    expect(wsdDecayPoint(7)).toBe(5); // 5.6 truncated
  });
  it('warms up, holds lr0 until the decay point, then decays with 1−√r', () => {
    near(learningRate('wsd', 0, small), 0.01 / 70);
    expect(learningRate('wsd', 69, small)).toBe(Math.fround(0.01));
    expect(learningRate('wsd', 70, small)).toBe(Math.fround(0.01));
    expect(learningRate('wsd', 799, small)).toBe(Math.fround(0.01));
    expect(learningRate('wsd', 800, small)).toBe(Math.fround(0.01)); // r = 0
    near(learningRate('wsd', 900, small), 1e-3 + (1 - Math.sqrt(0.5)) * 9e-3);
    near(learningRate('wsd', 999, small), 1e-3 + (1 - Math.sqrt(199 / 200)) * 9e-3);
    expect(learningRate('wsd', 900, small)).toBe(Math.fround(0.00363603886));
    expect(learningRate('wsd', 999, small)).toBe(Math.fround(0.00102252851));
  });
});
