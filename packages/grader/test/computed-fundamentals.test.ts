import { describe, expect, it } from 'vitest';
import { COMPUTED } from '../src/computed.js';

const compute = (fn: string, args: Record<string, unknown>) => COMPUTED[fn].compute(args);

const NET = {
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
const PAIRS = [
  { confidence: 0.9, label: 1 },
  { confidence: 0.8, label: 0 },
  { confidence: 0.7, label: 1 },
  { confidence: 0.6, label: 1 },
  { confidence: 0.5, label: 0 },
  { confidence: 0.4, label: 1 },
  { confidence: 0.3, label: 0 },
];

describe('computed references of the nn-fundamentals homework', () => {
  it('mlp_params: 33-512-10 with biases 22,538; with no biases 22,016', () => {
    expect(compute('mlp_params', { layers: [33, 512, 10] })).toBe(33 * 512 + 512 + 512 * 10 + 10);
    expect(compute('mlp_params', { layers: [33, 512, 10], bias: false })).toBe(22_016);
    expect(() => compute('mlp_params', { layers: '33,512,10' })).toThrow(/args\.layers/);
    expect(() => compute('mlp_params', { layers: [33, 512, 10], bias: 'no' })).toThrow(/args\.bias/);
  });

  it('sigmoid_net: hidden, output, loss and a gradient, by hand', () => {
    const s = (z: number) => 1 / (1 + Math.exp(-z));
    const h = [s(0.425), s(0.432), s(0.439)]; // 0.4 + x·W1 columns
    const y0 = s(0.7 + 0.1 * h[0] + 0.3 * h[1] + 0.5 * h[2]);
    const y1 = s(0.7 + 0.2 * h[0] + 0.4 * h[1] + 0.6 * h[2]);
    expect(compute('sigmoid_net', { ...NET, quantity: 'hidden', index: 2 })).toBeCloseTo(h[2], 14);
    expect(compute('sigmoid_net', { ...NET, quantity: 'output', index: 1 })).toBeCloseTo(y1, 14);
    expect(compute('sigmoid_net', { ...NET, quantity: 'loss' })).toBeCloseTo(
      0.5 * ((y0 - 0.9) ** 2 + (y1 - 0.5) ** 2),
      14,
    );
    // ∂L/∂W2[0][0] = (y0 − t0)·y0(1 − y0)·h0
    expect(compute('sigmoid_net', { ...NET, quantity: 'gradient', weight: 'W2[0][0]' })).toBeCloseTo(
      (y0 - 0.9) * y0 * (1 - y0) * h[0],
      10,
    );
    expect(() => compute('sigmoid_net', { ...NET, quantity: 'output', index: 2 })).toThrow(/args\.index/);
    expect(() => compute('sigmoid_net', { ...NET, quantity: 'weights' })).toThrow(/args\.quantity/);
    expect(() => compute('sigmoid_net', { ...NET, W1: [[0.1], [0.2, 0.3]], quantity: 'loss' })).toThrow(
      /args\.W1\[1\]/,
    );
  });

  it('precision_at, recall_at, average_precision, by hand', () => {
    // ≥ 0.6: TP 3 (0.9, 0.7, 0.6), FP 1 (0.8), FN 1 (0.4)
    expect(compute('precision_at', { pairs: PAIRS, threshold: 0.6 })).toBe(0.75);
    expect(compute('recall_at', { pairs: PAIRS, threshold: 0.6 })).toBe(0.75);
    // Envelope at recall 1/4..1: 1, 3/4, 3/4, 2/3 → AP = 19/24
    expect(compute('average_precision', { pairs: PAIRS })).toBeCloseTo(19 / 24, 14);
    expect(() => compute('average_precision', { pairs: [[0.9, 1]] })).toThrow(/args\.pairs/);
  });

  it("llmc_lr: warmup lr0·(s+1)/W in float32 (HW5 1e: 0.01 · 20 / 470), then the trainer's cosine", () => {
    const lr = compute('llmc_lr', { step: 19, maxLr: 0.01, warmup: 470, totalSteps: 20 });
    expect(lr).toBe(Math.fround(Math.fround(Math.fround(0.01) * 20) / 470));
    expect(lr).toBeCloseTo(0.2 / 470, 9);
    // past warmup, cosine at the midpoint r = 1/2: min + ½(lr0 − min), min = 0
    expect(compute('llmc_lr', { step: 60, maxLr: 0.01, warmup: 20, totalSteps: 100 })).toBeCloseTo(0.005, 7);
    expect(() =>
      compute('llmc_lr', { step: 1, maxLr: 0.01, warmup: 2, totalSteps: 9, scheduler: 'step' }),
    ).toThrow(/args\.scheduler/);
  });

  it('pearson: x̄ 2.5, ȳ 5, Σdxdy 11, Σdx² 5, Σdy² 26 → 11/√130; a constant series is a spec error', () => {
    expect(compute('pearson', { x: [1, 2, 3, 4], y: [2, 4, 5, 9] })).toBeCloseTo(11 / Math.sqrt(130), 14);
    expect(() => compute('pearson', { x: [1, 2, 3], y: [1, 2] })).toThrow(
      'args.y: expected 3 numbers, found 2',
    );
    expect(() => compute('pearson', { x: [1, 2, 3], y: [5, 5, 5] })).toThrow(/y is constant/);
  });

  it('fc_roofline: the field asked for', () => {
    const layer = {
      batch: 1,
      inputs: 4096,
      outputs: 4096,
      bytesPerValue: 2,
      macsPerCycle: 4096,
      clockHz: 1e9,
      bandwidthBytesPerSecond: 1e11,
    };
    // bytes = 2·(4096² + 2·4096) = 33,570,816 → 335.70816 µs (memory-bound)
    expect(compute('fc_roofline', layer)).toBeCloseTo(3.3570816e-4, 15);
    expect(compute('fc_roofline', { ...layer, field: 'macs' })).toBe(4096 * 4096);
    expect(compute('fc_roofline', { ...layer, field: 'computeSeconds' })).toBeCloseTo(4.096e-6, 18);
    expect(() => compute('fc_roofline', { ...layer, field: 'watts' })).toThrow(/args\.field/);
    expect(() => compute('fc_roofline', { ...layer, batch: 0.5 })).toThrow(/args\.batch/);
  });
});
