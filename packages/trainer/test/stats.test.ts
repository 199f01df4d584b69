import { InputError } from '@course/models';
import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  fcLayerRoofline,
  pearson,
  precisionRecallAt,
  precisionRecallCurve,
  type ScoredLabel,
} from '../src/stats/index.js';

// Seven detections, 4 positives, already sorted by confidence.
const TABLE: ScoredLabel[] = [
  { confidence: 0.9, label: 1 },
  { confidence: 0.8, label: 0 },
  { confidence: 0.7, label: 1 },
  { confidence: 0.6, label: 1 },
  { confidence: 0.5, label: 0 },
  { confidence: 0.4, label: 1 },
  { confidence: 0.3, label: 0 },
];

describe('precisionRecallAt', () => {
  it('calls confidence ≥ threshold positive (the threshold itself included)', () => {
    // ≥ 0.6: 0.9(+) 0.8(−) 0.7(+) 0.6(+) → tp 3, fp 1; below: 0.5(−) 0.4(+) 0.3(−) → fn 1, tn 2.
    expect(precisionRecallAt(TABLE, 0.6)).toEqual({
      precision: 0.75,
      recall: 0.75,
      tp: 3,
      fp: 1,
      fn: 1,
      tn: 2,
    });
    // 0.65 drops the 0.6 positive: tp 2, fp 1, fn 2, tn 2 → P 2/3, R 1/2.
    const r = precisionRecallAt(TABLE, 0.65);
    expect([r.tp, r.fp, r.fn, r.tn]).toEqual([2, 1, 2, 2]);
    expect(r.precision).toBeCloseTo(2 / 3, 15);
    expect(r.recall).toBe(0.5);
  });
  it('accepts boolean labels and gives NaN for 0/0', () => {
    const pairs = TABLE.map((p) => ({ confidence: p.confidence, label: p.label === 1 }));
    expect(precisionRecallAt(pairs, 0.6).precision).toBe(0.75);
    const none = precisionRecallAt(TABLE, 0.95); // nothing predicted positive
    expect(none.precision).toBeNaN();
    expect(none.recall).toBe(0);
    expect(precisionRecallAt([{ confidence: 0.5, label: 0 }], 0.1).recall).toBeNaN();
  });
  it('rejects bad input with the field named', () => {
    expect(() => precisionRecallAt([{ confidence: 0.5, label: 2 }], 0.5)).toThrow(/pairs\[0\]\.label/);
    expect(() => precisionRecallAt([{ confidence: Number.NaN, label: 1 }], 0.5)).toThrow(InputError);
    expect(() => precisionRecallAt([], 0.5)).toThrow(/empty/);
    expect(() => precisionRecallAt(TABLE, Number.NaN)).toThrow(/threshold/);
  });
});

describe('averagePrecision', () => {
  it('matches the hand-computed all-point interpolated AP', () => {
    // Curve (threshold: P, R): .9: 1, 1/4 | .8: 1/2, 1/4 | .7: 2/3, 1/2 | .6: 3/4, 3/4
    //                          .5: 3/5, 3/4 | .4: 2/3, 1 | .3: 4/7, 1
    // Envelope (max to the right): 1, 3/4, 3/4, 3/4, 2/3, 2/3, 4/7.
    // AP = 1/4·1 + 1/4·3/4 + 1/4·3/4 + 1/4·2/3 = 1/4 + 3/8 + 1/6 = 19/24.
    expect(averagePrecision(TABLE)).toBeCloseTo(19 / 24, 15);
    // Without the envelope (sklearn): 1/4·1 + 1/4·2/3 + 1/4·3/4 + 1/4·2/3 = 37/48, smaller.
    expect(sklearnAveragePrecision(TABLE)).toBeCloseTo(37 / 48, 15);
  });
  it('is 1 for a perfect ranking and does not depend on the order of tied confidences', () => {
    expect(
      averagePrecision(
        [...TABLE]
          .sort((a, b) => Number(b.label) - Number(a.label))
          .map((p, i) => ({ ...p, confidence: 1 - i / 10 })),
      ),
    ).toBe(1);
    const tied: ScoredLabel[] = [
      { confidence: 0.8, label: 1 },
      { confidence: 0.5, label: 0 },
      { confidence: 0.5, label: 1 },
      { confidence: 0.2, label: 1 },
    ];
    // Points: .8: P 1, R 1/3 | .5 (both enter): P 2/3, R 2/3 | .2: P 3/4, R 1.
    // Envelope: 1, 3/4, 3/4 → AP = 1/3 + 1/3·3/4 + 1/3·3/4 = 5/6.
    expect(averagePrecision(tied)).toBeCloseTo(5 / 6, 15);
    expect(averagePrecision([tied[0], tied[2], tied[1], tied[3]])).toBeCloseTo(5 / 6, 15);
  });
  it('agrees with a brute-force implementation on random tables (with ties)', () => {
    const random = lcg(12345);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(random() * 40);
      const decimals = trial % 2 === 0 ? 1 : 6; // one decimal: many ties
      const pairs = Array.from({ length: n }, () => ({
        confidence: Number(random().toFixed(decimals)),
        label: random() < 0.4 ? 1 : 0,
      }));
      if (!pairs.some((p) => p.label === 1)) pairs[0].label = 1;
      const ap = averagePrecision(pairs);
      expect(ap).toBeCloseTo(bruteForceAveragePrecision(pairs), 12);
      expect(ap).toBeGreaterThanOrEqual(sklearnAveragePrecision(pairs) - 1e-12);
      expect(ap).toBeLessThanOrEqual(1 + 1e-12);
    }
  });
  it('needs a positive label', () => {
    expect(() => averagePrecision([{ confidence: 0.3, label: 0 }])).toThrow(/no positive/);
  });
});

describe('pearson', () => {
  it('matches the hand computation', () => {
    // x̄ = 2.5, ȳ = 5; dx = (−1.5, −.5, .5, 1.5), dy = (−3, −1, 0, 4)
    // Σdxdy = 4.5 + .5 + 0 + 6 = 11; Σdx² = 5; Σdy² = 26 → r = 11 / sqrt(130)
    expect(pearson([1, 2, 3, 4], [2, 4, 5, 9])).toBeCloseTo(11 / Math.sqrt(130), 15);
  });
  it('is invariant to shifting and scaling, flips sign with a negative scale, keeps digits far from 0', () => {
    const x = [1, 2, 3, 4];
    const y = [2, 4, 5, 9];
    const r = 11 / Math.sqrt(130);
    expect(
      pearson(
        x.map((v) => 3 * v + 7),
        y,
      ),
    ).toBeCloseTo(r, 14);
    expect(
      pearson(
        x.map((v) => -2 * v),
        y,
      ),
    ).toBeCloseTo(-r, 14);
    expect(
      pearson(
        x.map((v) => v + 1e9),
        y,
      ),
    ).toBeCloseTo(r, 9);
    expect(pearson(x, x)).toBe(1);
  });
  it('rejects constant series and mismatched lengths', () => {
    expect(() => pearson([1, 1, 1], [1, 2, 3])).toThrow(/x is constant/);
    expect(() => pearson([1, 2], [1, 2, 3])).toThrow(/same length/);
    expect(() => pearson([1], [1])).toThrow(/at least 2/);
  });
});

describe('fcLayerRoofline', () => {
  const machine = { bytesPerValue: 2, macsPerCycle: 4096, clockHz: 1e9, bandwidthBytesPerSecond: 100e9 };
  it('batch 1 is memory-bound (hand values)', () => {
    const r = fcLayerRoofline({ batch: 1, inputs: 4096, outputs: 4096, ...machine });
    // MACs = 4096² = 16,777,216; bytes = 2·(4096² + 4096 + 4096) = 33,570,816
    // compute = 16,777,216 / (4096·1e9) = 4.096 µs; memory = 33,570,816 / 1e11 = 335.70816 µs
    expect(r.macs).toBe(16_777_216);
    expect(r.bytes).toBe(33_570_816);
    expect(r.computeSeconds).toBeCloseTo(4.096e-6, 18);
    expect(r.memorySeconds).toBeCloseTo(3.3570816e-4, 16);
    expect(r.seconds).toBe(r.memorySeconds);
    expect(r.bound).toBe('memory');
    expect(r.arithmeticIntensity).toBeCloseTo(16_777_216 / 33_570_816, 15); // ≈ 0.4998 MAC/byte
    expect(r.ridgePoint).toBeCloseTo(40.96, 12); // 4.096e12 MAC/s / 1e11 B/s
  });
  it('batch 256 is compute-bound (hand values)', () => {
    const r = fcLayerRoofline({ batch: 256, inputs: 4096, outputs: 4096, ...machine });
    // MACs = 256·4096² = 4,294,967,296 → 1.048576 ms; bytes = 2·(4096² + 2·256·4096) = 37,748,736 → 377.48736 µs
    expect(r.macs).toBe(4_294_967_296);
    expect(r.bytes).toBe(37_748_736);
    expect(r.seconds).toBeCloseTo(1.048576e-3, 15);
    expect(r.memorySeconds).toBeCloseTo(3.7748736e-4, 15);
    expect(r.bound).toBe('compute');
    expect(r.arithmeticIntensity).toBeGreaterThan(r.ridgePoint);
  });
  it('names a bad field', () => {
    expect(() => fcLayerRoofline({ batch: 1, inputs: 0, outputs: 2, ...machine })).toThrow(/inputs: found 0/);
  });
});

/**
 * Second implementation, written differently: every distinct threshold counts
 * its TP/FP from scratch, and the interpolated precision at a point is the
 * maximum precision over all points with at least its recall (not a right-to-left scan).
 */
function bruteForceAveragePrecision(pairs: ScoredLabel[]): number {
  const positives = pairs.filter((p) => p.label === 1).length;
  const thresholds = [...new Set(pairs.map((p) => p.confidence))].sort((a, b) => b - a);
  const points = thresholds.map((t) => {
    const called = pairs.filter((p) => p.confidence >= t);
    const tp = called.filter((p) => p.label === 1).length;
    return { recall: tp / positives, precision: tp / called.length };
  });
  let ap = 0;
  let previous = 0;
  for (const { recall } of points) {
    const interpolated = Math.max(...points.filter((q) => q.recall >= recall).map((q) => q.precision));
    ap += (recall - previous) * interpolated;
    previous = recall;
  }
  return ap;
}

/** sklearn's average_precision_score: Σ (R_k − R_{k−1}) · P_k, no envelope. */
function sklearnAveragePrecision(pairs: ScoredLabel[]): number {
  let ap = 0;
  let previous = 0;
  for (const { recall, precision } of precisionRecallCurve(pairs)) {
    ap += (recall - previous) * precision;
    previous = recall;
  }
  return ap;
}

/** Deterministic uniform [0, 1) numbers. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
