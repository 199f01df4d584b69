import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GPT2,
  gpt2Config,
  type HellaSwagExample,
  InputError,
  numParameters,
  parameterTensors,
  selectBackend,
  writeShard,
} from '@course/models';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DataLoader } from '../src/dataloader.js';
import { accuracyInterval, formatValLoss, hellaswagAccuracy, valLoss } from '../src/eval.js';

const config = gpt2Config({ depth: 1, channels: 16, heads: 2, vocabSize: 64, maxSeqLen: 32 });
const V = config.vocabSize;

/** A small deterministic generator (LCG), independent of the code under test. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Weights large enough (uniform ±0.3, LayerNorm weights ~1) that the endings'
 * losses differ clearly, so a wrong position or mask changes the predictions.
 */
function randomParameters(seed: number): Float32Array {
  const rand = lcg(seed);
  const flat = new Float32Array(numParameters(config));
  for (const t of parameterTensors(config)) {
    const isLayerNormWeight = t.name === 'ln1w' || t.name === 'ln2w' || t.name === 'lnfw';
    for (let i = 0; i < t.size; i++) flat[t.offset + i] = (isLayerNormWeight ? 1 : 0) + (rand() - 0.5) * 0.6;
  }
  return flat;
}

let model: GPT2;

beforeAll(async () => {
  await selectBackend('cpu');
  model = new GPT2(config, randomParameters(3));
});

afterAll(() => model.dispose());

describe('valLoss', () => {
  test('is the mean of model.loss over the first N unshuffled batches, sliced by hand; it resets the loader first', () => {
    const B = 2;
    const T = 8;
    const rand = lcg(11);
    const dir = mkdtempSync(join(tmpdir(), 'course-eval-'));
    // 3 samples in shard 0 (ntok 60: floor(59/16) = 3), 2 in shard 1 (ntok 40)
    const shards = [60, 40].map((n) => Uint16Array.from({ length: n }, () => Math.floor(rand() * V)));
    for (const [s, tokens] of shards.entries()) writeShard(join(dir, `ev_val_00000${s}.bin`), tokens);
    const windows: [number, number][] = [
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [0, 0], // wraps to the first shard
    ];
    let sum = 0;
    for (const [shard, sample] of windows) {
      const start = sample * B * T;
      const x = Array.from(shards[shard].subarray(start, start + B * T));
      const y = Array.from(shards[shard].subarray(start + 1, start + B * T + 1));
      sum += tf.tidy(
        () => model.loss(tf.tensor2d(x, [B, T], 'int32'), tf.tensor2d(y, [B, T], 'int32')).dataSync()[0],
      );
    }
    const expected = sum / windows.length;

    const loader = new DataLoader(join(dir, 'ev_val_*.bin'), B, T, { shuffle: false });
    loader.nextBatch();
    loader.nextBatch();
    expect(valLoss(model, loader, windows.length)).toBeCloseTo(expected, 6);
    // and again: the same batches every time
    expect(valLoss(model, loader, windows.length)).toBeCloseTo(expected, 6);
    // a different number of batches is a different mean (the test can see which batches were used)
    expect(Math.abs(valLoss(model, loader, 2) - expected)).toBeGreaterThan(1e-4);
  });
});

/**
 * llm.c's HellaSwag scoring (train_gpt2.cu's EvalLoader), written out: each example's
 * 4 rows at a fixed T (context + ending, zero padded), per-token losses, each ending's
 * mean loss over its own positions (targets at ctx_len−1+i), argmin with the first winning ties.
 */
function llmcPredictions(examples: HellaSwagExample[], T: number): number[] {
  return examples.map((ex) => {
    const inputs = new Int32Array(4 * T);
    const targets = new Int32Array(4 * T);
    ex.endings.forEach((ending, r) => {
      const row = [...ex.context, ...ending];
      for (let t = 0; t < row.length; t++) inputs[r * T + t] = row[t];
      for (let i = 0; i < ending.length; i++) targets[r * T + ex.context.length - 1 + i] = ending[i];
    });
    const losses = tf.tidy(() =>
      model
        .tokenLosses(tf.tensor2d(inputs, [4, T], 'int32'), tf.tensor2d(targets, [4, T], 'int32'))
        .dataSync(),
    );
    let best = -1;
    let bestLoss = Number.POSITIVE_INFINITY;
    ex.endings.forEach((ending, r) => {
      let sum = 0;
      for (let i = 0; i < ending.length; i++) sum += losses[r * T + ex.context.length - 1 + i];
      if (sum / ending.length < bestLoss) {
        bestLoss = sum / ending.length;
        best = r;
      }
    });
    return best;
  });
}

function randomExamples(count: number, seed: number): HellaSwagExample[] {
  const rand = lcg(seed);
  const tokens = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * V));
  return Array.from({ length: count }, () => ({
    label: Math.floor(rand() * 4),
    context: tokens(1 + Math.floor(rand() * 12)),
    endings: [0, 1, 2, 3].map(() => tokens(1 + Math.floor(rand() * 9))),
  }));
}

describe('formatValLoss', () => {
  test('says over how many batches of B×T the loss was averaged', () => {
    expect(formatValLoss(4.123456789, { batches: 20, B: 4, T: 64 })).toBe(
      'val loss 4.1235 (20 batches of 4×64)',
    );
    expect(formatValLoss(4.123456789, { batches: 1, B: 8, T: 1024 }, 6)).toBe(
      'val loss 4.123457 (1 batch of 8×1024)',
    );
  });
});

describe('hellaswagAccuracy', () => {
  const examples = randomExamples(12, 5);
  // four identical endings: equal losses, and the first wins the tie
  examples.push({ label: 2, context: [5, 6, 7], endings: [0, 1, 2, 3].map(() => [40, 9]) });

  test("scored at each example's own length equals llm.c's fixed-T packing, example for example", () => {
    const expected = llmcPredictions(examples, config.maxSeqLen);
    // the examples are not trivially all the same answer
    expect(new Set(expected).size).toBeGreaterThan(1);
    for (const examplesPerBatch of [1, 5, 8, 13]) {
      const result = hellaswagAccuracy(model, examples, { examplesPerBatch });
      expect(result.predictions, `${examplesPerBatch} examples per batch`).toEqual(expected);
      const correct = expected.filter((p, i) => p === examples[i].label).length;
      expect(result.correct).toBe(correct);
      expect(result.total).toBe(examples.length);
      expect(result.accuracy).toBeCloseTo(correct / examples.length, 12);
    }
  });

  test('equal losses: the first ending wins the tie', () => {
    expect(hellaswagAccuracy(model, examples.slice(-1)).predictions).toEqual([0]);
    expect(hellaswagAccuracy(model, examples).predictions[examples.length - 1]).toBe(0);
  });

  test('progress is reported per group of examples', () => {
    const seen: [number, number][] = [];
    hellaswagAccuracy(model, examples, {
      examplesPerBatch: 5,
      onProgress: (done, total) => seen.push([done, total]),
    });
    expect(seen).toEqual([
      [5, 13],
      [10, 13],
      [13, 13],
    ]);
  });

  test('an empty context is an InputError naming the example', () => {
    const bad = [...examples.slice(0, 2), { label: 0, context: [], endings: [[1], [2], [3], [4]] }];
    expect(() => hellaswagAccuracy(model, bad)).toThrow(InputError);
    expect(() => hellaswagAccuracy(model, bad)).toThrow(/example 2/);
  });
});

describe('accuracyInterval (Wilson, 95%)', () => {
  const z = 1.959963984540054;
  test('62/200 by hand: centre (p + z²/2n)/(1 + z²/n) ± half-width = [0.2500, 0.3772]', () => {
    const [lo, hi] = accuracyInterval(62, 200);
    expect(lo).toBeCloseTo(0.25, 3);
    expect(hi).toBeCloseTo(0.37717, 4);
  });
  test('both ends solve (p̂ − p)² = z²·p(1 − p)/n', () => {
    for (const [k, n] of [
      [1, 10],
      [250, 1000],
      [37, 40],
    ]) {
      const phat = k / n;
      for (const p of accuracyInterval(k, n))
        expect((phat - p) ** 2).toBeCloseTo((z * z * p * (1 - p)) / n, 12);
    }
  });
  test('stays inside [0, 1] at 0/n and n/n', () => {
    expect(accuracyInterval(0, 20)[0]).toBe(0);
    expect(accuracyInterval(20, 20)[1]).toBeCloseTo(1, 12);
    expect(accuracyInterval(0, 0)).toEqual([0, 1]);
  });
});
