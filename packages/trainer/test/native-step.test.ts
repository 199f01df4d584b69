/**
 * The trainer on the native backend: AdamW's in-place path equals its tf-ops
 * path (the one every other backend runs), and a whole training step gives the
 * same loss, norm and parameters as on cpu without leaking tensors.
 */
import {
  GPT2,
  gpt2Config,
  initParametersLlmc,
  loadNativeAddon,
  numParameters,
  selectBackend,
} from '@course/models';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { AdamW, type AdamWStep } from '../src/adamw.js';
import type { Batch } from '../src/dataloader.js';
import { trainStep } from '../src/step.js';

const loaded = loadNativeAddon();
const title = (t: string) =>
  loaded.addon !== null
    ? t
    : `${t} (skipped: @course/native is not built (${loaded.reason}); the native backend is not tested)`;

const config = gpt2Config({ depth: 2, channels: 32, heads: 2, vocabSize: 100, maxSeqLen: 32 });
const N = numParameters(config);
const [B, T] = [2, 8];

/** Deterministic floats in [-scale, scale) (an LCG, independent of tfjs). */
function randomFloats(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

/** Batches of B·T tokens in [0, V), the same sequence on every call of a fresh loader. */
function loader(seed: number): () => Batch {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % config.vocabSize;
  };
  return () => {
    const tokens = Int32Array.from({ length: B * T + 1 }, next);
    return { inputs: tokens.subarray(0, B * T), targets: tokens.subarray(1) };
  };
}

/** |a − b| ≤ rel·max(|b|, floor) for every element. */
function expectClose(
  what: string,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  rel: number,
  floor: number,
): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const allowed = rel * Math.max(Math.abs(b[i]), floor);
    if (!(Math.abs(a[i] - b[i]) <= allowed)) {
      throw new Error(`${what}[${i}]: native ${a[i]} vs cpu ${b[i]} (allowed ${allowed})`);
    }
  }
}

const STEPS: AdamWStep[] = [
  { learningRate: 1e-3, weightDecay: 0.1, t: 1, gradScale: 1 },
  { learningRate: 5e-4, weightDecay: 0.1, t: 2, gradScale: 0.5 },
  { learningRate: 2e-3, weightDecay: 0.3, t: 3, gradScale: 0.125 },
];

/** Three AdamW updates from loaded m and v on `backend`; the flat params, m and v after. */
async function adamwOn(backend: 'cpu' | 'native') {
  await selectBackend(backend);
  const model = new GPT2(config, initParametersLlmc(config));
  const optimizer = new AdamW(model.parameters);
  optimizer.loadFlat(randomFloats(N, 7, 0.01), randomFloats(N, 8, 0.001).map(Math.abs));
  for (const [k, s] of STEPS.entries()) {
    const flat = randomFloats(N, 100 + k, 0.05);
    const grads = model.parameters.map((p) => tf.tensor(flat.slice(p.offset, p.offset + p.size), p.shape));
    optimizer.apply(grads, s);
    tf.dispose(grads);
  }
  const result = { params: model.toFlat(), ...optimizer.toFlat(N) };
  optimizer.dispose();
  model.dispose();
  return result;
}

describe.skipIf(loaded.addon === null)(title('the trainer on the native backend'), () => {
  test('AdamW in place (native) equals the tf-ops AdamW (cpu) over 3 steps from loaded m and v', async () => {
    const cpu = await adamwOn('cpu');
    const native = await adamwOn('native');
    expectClose('m', native.m, cpu.m, 1e-5, 1e-3); // m = β1·m + (1−β1)·g cancels: relative to its scale
    expectClose('v', native.v, cpu.v, 1e-5, 1e-8);
    expectClose('params', native.params, cpu.params, 1e-5, 1e-3);
    // and the update moved the parameters
    const init = initParametersLlmc(config);
    expect(native.params.some((p, i) => Math.abs(p - init[i]) > 1e-4)).toBe(true);
  });

  test('two trainStep calls (2 micro-batches each): same loss, norm and parameters as cpu, tensor count flat', async () => {
    const run = async (backend: 'cpu' | 'native') => {
      await selectBackend(backend);
      const model = new GPT2(config, initParametersLlmc(config));
      const optimizer = new AdamW(model.parameters);
      const nextBatch = loader(3);
      const before = tf.memory().numTensors;
      const results = [];
      const counts = [];
      for (let t = 1; t <= 2; t++) {
        results.push(
          trainStep(model, optimizer, nextBatch, {
            B,
            T,
            gradAccum: 2,
            learningRate: 1e-3,
            weightDecay: 0.1,
            t,
          }),
        );
        counts.push(tf.memory().numTensors);
      }
      const params = model.toFlat();
      optimizer.dispose();
      model.dispose();
      return { results, counts, before, params };
    };
    const cpu = await run('cpu');
    const native = await run('native');
    expect(native.counts).toEqual([native.before, native.before]);
    for (const [k, r] of native.results.entries()) {
      expect(r.applied).toBe(true);
      expect(Math.abs(r.loss - cpu.results[k].loss)).toBeLessThan(1e-5 * cpu.results[k].loss);
      expect(Math.abs(r.norm - cpu.results[k].norm)).toBeLessThan(1e-4 * cpu.results[k].norm);
    }
    // AdamW divides each gradient element by its own size, so fp32 noise in a gradient near 0
    // moves that parameter by a fraction of lr (1e-3): compare to 1% of lr (1e-4 of 0.1), not relatively
    expectClose('params after 2 steps', native.params, cpu.params, 1e-4, 0.1);
  });
});
