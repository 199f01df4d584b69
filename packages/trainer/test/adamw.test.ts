import {
  GPT2,
  gpt2Config,
  initParametersLlmc,
  numParameters,
  parameterTensors,
  selectBackend,
} from '@course/models';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { AdamW, type AdamWStep, clipScale, globalNorm } from '../src/adamw.js';

const config = gpt2Config({ depth: 2, channels: 16, heads: 2, vocabSize: 64, maxSeqLen: 32 });
const N = numParameters(config);

/** The 2-D tensors llm.c decays (indices 0, 1, 4, 6, 10, 12 of its 16), named by hand. */
const DECAYED = new Set(['wte', 'wpe', 'qkvw', 'attprojw', 'fcw', 'fcprojw']);

/** Element i of the flat llm.c array gets weight decay. */
function decayMask(): boolean[] {
  const mask: boolean[] = new Array(N).fill(false);
  for (const t of parameterTensors(config)) mask.fill(DECAYED.has(t.name), t.offset, t.offset + t.size);
  return mask;
}

/** Deterministic float32 values in [-scale, scale) (a small LCG, independent of tfjs). */
function randomFloats(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

/** The model's gradients as tensors, one per variable, cut from a flat llm.c-ordered array. */
function gradTensors(model: GPT2, flat: Float32Array): tf.Tensor[] {
  return model.parameters.map((p) => tf.tensor(flat.slice(p.offset, p.offset + p.size), p.shape));
}

/** AdamW in float64, element by element, straight from the formulas (llm.c's train_gpt2.cu). */
class ScalarAdamW {
  readonly p: Float64Array;
  readonly m: Float64Array;
  readonly v: Float64Array;
  constructor(
    params: Float32Array,
    m?: Float32Array,
    v?: Float32Array,
    readonly beta2 = 0.95,
  ) {
    this.p = Float64Array.from(params);
    this.m = m ? Float64Array.from(m) : new Float64Array(params.length);
    this.v = v ? Float64Array.from(v) : new Float64Array(params.length);
  }
  step(grad: Float32Array, s: AdamWStep, decay: boolean[]): void {
    const beta1 = 0.9;
    const beta2 = this.beta2;
    const eps = 1e-8;
    for (let i = 0; i < this.p.length; i++) {
      const g = grad[i] * s.gradScale;
      this.m[i] = beta1 * this.m[i] + (1 - beta1) * g;
      this.v[i] = beta2 * this.v[i] + (1 - beta2) * g * g;
      const mHat = this.m[i] / (1 - beta1 ** s.t);
      const vHat = this.v[i] / (1 - beta2 ** s.t);
      const wd = decay[i] ? s.weightDecay : 0;
      this.p[i] -= s.learningRate * (mHat / (Math.sqrt(vHat) + eps) + wd * this.p[i]);
    }
  }
}

/** Every element within `rel` of the float64 value (with a tiny absolute floor for values near 0). */
function expectAllClose(what: string, actual: Float32Array, expected: Float64Array, rel = 1e-5) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const allowed = rel * Math.max(Math.abs(expected[i]), 1e-4);
    if (!(Math.abs(actual[i] - expected[i]) <= allowed)) {
      throw new Error(`${what}[${i}]: ${actual[i]} vs float64 ${expected[i]} (allowed ${allowed})`);
    }
  }
}

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('AdamW', () => {
  test('three steps equal a float64 scalar AdamW (bias correction, grad scale, decay on 2-D tensors only)', () => {
    const init = initParametersLlmc(config);
    const model = new GPT2(config, init);
    const optimizer = new AdamW(model.parameters);
    const reference = new ScalarAdamW(init);
    const decay = decayMask();
    const steps: AdamWStep[] = [
      { learningRate: 1e-3, weightDecay: 0.1, t: 1, gradScale: 1 },
      { learningRate: 5e-4, weightDecay: 0.1, t: 2, gradScale: 0.5 },
      { learningRate: 2e-3, weightDecay: 0.3, t: 3, gradScale: 0.125 },
    ];
    steps.forEach((s, k) => {
      const grad = randomFloats(N, 100 + k, 0.05);
      const grads = gradTensors(model, grad);
      optimizer.apply(grads, s);
      tf.dispose(grads);
      reference.step(grad, s, decay);
    });
    const { m, v } = optimizer.toFlat(N);
    expectAllClose('m', m, reference.m);
    expectAllClose('v', v, reference.v);
    expectAllClose('params', model.toFlat(), reference.p);
    // The test can tell decay from no decay: a decayed tensor moved differently than without it.
    const noDecay = new ScalarAdamW(init);
    for (const [k, s] of steps.entries())
      noDecay.step(randomFloats(N, 100 + k, 0.05), s, new Array(N).fill(false));
    const wpe = parameterTensors(config)[1];
    expect(Math.abs(noDecay.p[wpe.offset] - reference.p[wpe.offset])).toBeGreaterThan(1e-6);
    optimizer.dispose();
    model.dispose();
  });

  test('beta2 0.999 (torch.optim.AdamW, BERT fine-tuning) equals the float64 AdamW with that β2; the default stays 0.95', () => {
    const init = initParametersLlmc(config);
    const model = new GPT2(config, init);
    const optimizer = new AdamW(model.parameters, { beta2: 0.999 });
    expect(new AdamW([]).beta2).toBe(0.95);
    expect(optimizer.beta2).toBe(0.999);
    const reference = new ScalarAdamW(init, undefined, undefined, 0.999);
    const llmc = new ScalarAdamW(init);
    const decay = decayMask();
    const steps: AdamWStep[] = [
      { learningRate: 1e-3, weightDecay: 0.1, t: 1, gradScale: 1 },
      { learningRate: 1e-3, weightDecay: 0.1, t: 2, gradScale: 1 },
    ];
    steps.forEach((s, k) => {
      const grad = randomFloats(N, 300 + k, 0.05);
      const grads = gradTensors(model, grad);
      optimizer.apply(grads, s);
      tf.dispose(grads);
      reference.step(grad, s, decay);
      llmc.step(grad, s, decay);
    });
    const { v } = optimizer.toFlat(N);
    expectAllClose('v', v, reference.v);
    expectAllClose('params', model.toFlat(), reference.p);
    // β2 matters: after two steps v differs from llm.c's 0.95 run
    expect(Math.abs(llmc.v[0] - reference.v[0])).toBeGreaterThan(1e-9);
    optimizer.dispose();
    model.dispose();
  });

  test('loadFlat puts m and v of each tensor at its llm.c offset; the next step continues from them', () => {
    const init = initParametersLlmc(config);
    const model = new GPT2(config, init);
    const optimizer = new AdamW(model.parameters);
    const m0 = randomFloats(N, 7, 0.01);
    const v0 = randomFloats(N, 8, 0.001).map(Math.abs);
    optimizer.loadFlat(m0, v0);
    const roundTrip = optimizer.toFlat(N);
    expect(roundTrip.m).toEqual(m0);
    expect(roundTrip.v).toEqual(v0);

    const grad = randomFloats(N, 9, 0.05);
    const s: AdamWStep = { learningRate: 1e-3, weightDecay: 0.1, t: 5, gradScale: 0.8 };
    const grads = gradTensors(model, grad);
    optimizer.apply(grads, s);
    tf.dispose(grads);
    const reference = new ScalarAdamW(init, m0, v0);
    reference.step(grad, s, decayMask());
    const { m, v } = optimizer.toFlat(N);
    expectAllClose('m', m, reference.m);
    expectAllClose('v', v, reference.v);
    expectAllClose('params', model.toFlat(), reference.p);
    optimizer.dispose();
    model.dispose();
  });

  test('toFlat is in llm.c order: tensor-major, then layer, each at its file offset', () => {
    const model = new GPT2(config, initParametersLlmc(config));
    const optimizer = new AdamW(model.parameters);
    // Gradient of every (tensor, layer) slice = a distinct constant; after one step
    // from zero, m = (1 − β1)·g, so m tells which slice landed where.
    const grads = model.parameters.map((p, k) => tf.fill(p.shape, k + 1));
    optimizer.apply(grads, { learningRate: 1e-3, weightDecay: 0, t: 1, gradScale: 1 });
    tf.dispose(grads);
    const { m } = optimizer.toFlat(N);
    // Offsets by hand from llm.c's layout: 16 tensors, per-layer ones stacked over L.
    const { channels: C, numLayers: L, paddedVocabSize: Vp, maxSeqLen: T } = config;
    const layerSizes: [string, number, boolean][] = [
      ['wte', Vp * C, false],
      ['wpe', T * C, false],
      ['ln1w', C, true],
      ['ln1b', C, true],
      ['qkvw', 3 * C * C, true],
      ['qkvb', 3 * C, true],
      ['attprojw', C * C, true],
      ['attprojb', C, true],
      ['ln2w', C, true],
      ['ln2b', C, true],
      ['fcw', 4 * C * C, true],
      ['fcb', 4 * C, true],
      ['fcprojw', 4 * C * C, true],
      ['fcprojb', C, true],
      ['lnfw', C, false],
      ['lnfb', C, false],
    ];
    let offset = 0;
    let slice = 0;
    for (const [name, size, perLayer] of layerSizes) {
      for (let l = 0; l < (perLayer ? L : 1); l++) {
        slice++;
        const expected = Math.fround(0.1 * slice);
        for (const i of [offset, offset + size - 1]) {
          expect(Math.abs(m[i] - expected), `${name} layer ${l} at ${i}`).toBeLessThan(1e-6);
        }
        offset += size;
      }
    }
    expect(offset).toBe(N);
    optimizer.dispose();
    model.dispose();
  });
});

describe('gradient norm and clipping', () => {
  test('globalNorm is the L2 norm over every element of every gradient', () => {
    const a = randomFloats(300, 1, 2);
    const b = randomFloats(17, 2, 0.5);
    const c = randomFloats(64, 3, 1);
    let sum = 0;
    for (const x of [a, b, c]) for (const value of x) sum += value * value;
    const tensors = [tf.tensor(a, [30, 10]), tf.tensor(b), tf.tensor(c, [4, 4, 4])];
    const norm = globalNorm(tensors);
    tf.dispose(tensors);
    expect(Math.abs(norm - Math.sqrt(sum))).toBeLessThanOrEqual(1e-5 * Math.sqrt(sum));
    expect(globalNorm([tf.tensor([3, 4])])).toBeCloseTo(5, 6);
  });

  test('clipScale is 1/norm only above 1.0', () => {
    expect(clipScale(0)).toBe(1);
    expect(clipScale(0.5)).toBe(1);
    expect(clipScale(1)).toBe(1);
    expect(clipScale(2)).toBe(0.5);
    expect(clipScale(8)).toBe(0.125);
    expect(clipScale(1.25)).toBeCloseTo(0.8, 12);
  });
});
