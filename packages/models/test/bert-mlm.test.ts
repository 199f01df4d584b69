/**
 * Masked-language modelling: the 15% / 80-10-10 masking by its counts on a
 * long seeded sequence, the head against a float64 computation, training
 * lowering the loss, and the head saved next to BertModel's tensors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { bertConfig } from '../src/bert/config.js';
import { loadBertFolder, saveBertFolder } from '../src/bert/hf.js';
import { BertMlmHead, maskTokens } from '../src/bert/mlm.js';
import { Bert } from '../src/bert/model.js';
import { WordPieceTokenizer, WordPieceVocab } from '../src/bert/wordpiece.js';
import { MT19937 } from '../src/rand/mt19937.js';
import { erf64 } from './helpers/reference-bert.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const V = 100;
const MASK = 4;
const SPECIAL = [0, 2, 3]; // [PAD] [CLS] [SEP]

describe('maskTokens', () => {
  // 20,000 ids, every 10th a [SEP]: 18,000 maskable. Binomial sd of the selected share is 0.0027;
  // of the shares among ~2,700 selected about 0.008: the bounds are ≥ 3.5 sd wide.
  const ids = Int32Array.from({ length: 20_000 }, (_, i) => (i % 10 === 9 ? 3 : 5 + ((i * 37) % 90)));
  const run = () => maskTokens(ids, new MT19937(42), { vocabSize: V, maskId: MASK, specialIds: SPECIAL });

  test('15% of the maskable tokens selected, never a special; targets are the originals', () => {
    const { inputIds, positions, targets } = run();
    expect(Math.abs(positions.length / 18_000 - 0.15)).toBeLessThan(0.01);
    const picked = new Set(positions);
    positions.forEach((p, k) => {
      expect(ids[p]).not.toBe(3);
      expect(targets[k]).toBe(ids[p]);
    });
    for (let i = 0; i < ids.length; i++) if (!picked.has(i)) expect(inputIds[i]).toBe(ids[i]);
  });

  test('of the selected: 80% [MASK], 10% another token, 10% unchanged (a random draw equal to the original counts as unchanged)', () => {
    const { inputIds, positions } = run();
    let masked = 0;
    let replaced = 0;
    let kept = 0;
    for (const p of positions) {
      if (inputIds[p] === MASK) masked++;
      else if (inputIds[p] !== ids[p]) replaced++;
      else kept++;
    }
    const n = positions.length;
    expect(Math.abs(masked / n - 0.8)).toBeLessThan(0.03);
    expect(Math.abs(replaced / n - 0.099)).toBeLessThan(0.03); // 0.1 · 99/100
    expect(Math.abs(kept / n - 0.101)).toBeLessThan(0.03);
  });

  test('same seed, same masking; a batch with nothing drawn gets its one maskable token', () => {
    expect(run()).toEqual(run());
    const tiny = maskTokens([2, 7, 3, 0], new MT19937(1), {
      vocabSize: V,
      maskId: MASK,
      specialIds: SPECIAL,
      probability: 1e-12,
    });
    expect([...tiny.positions]).toEqual([1]);
    expect([...tiny.targets]).toEqual([7]);
  });
});

describe('BertMlmHead', () => {
  const config = bertConfig({
    vocabSize: 30,
    hidden: 8,
    layers: 1,
    heads: 2,
    intermediate: 16,
    maxPositions: 16,
  });

  test('logits = LN(gelu_erf(W_t·x + b_t))·E_wordᵀ + b, checked in float64', () => {
    const bert = new Bert(config, { seed: 1 });
    const head = new BertMlmHead(bert, { seed: 2 });
    const rng = new MT19937(3);
    const C = 8;
    const values = (n: number, mean: number, std: number) => rng.normal(new Float32Array(n), mean, std);
    const w = { shape: [C, C], data: values(C * C, 0, 0.5) };
    const b = { shape: [C], data: values(C, 0, 0.1) };
    const g = { shape: [C], data: values(C, 1, 0.1) };
    const beta = { shape: [C], data: values(C, 0, 0.1) };
    const bias = { shape: [30], data: values(30, 0, 0.1) };
    head.load(
      new Map([
        ['cls.predictions.transform.dense.weight', w],
        ['cls.predictions.transform.dense.bias', b],
        ['cls.predictions.transform.LayerNorm.gamma', g], // TF-era names accepted
        ['cls.predictions.transform.LayerNorm.beta', beta],
        ['cls.predictions.bias', bias],
      ]),
    );
    const x = values(2 * C, 0, 1);
    const logits = head.logits(tf.tensor2d(x, [2, C])).arraySync();
    const table = bert.namedVariables().get('embeddings.word_embeddings.weight')!.dataSync();
    for (let n = 0; n < 2; n++) {
      const d = Array.from({ length: C }, (_, o) => {
        let s = b.data[o];
        for (let i = 0; i < C; i++) s += w.data[o * C + i] * x[n * C + i];
        return 0.5 * s * (1 + erf64(s / Math.SQRT2));
      });
      const mean = d.reduce((a, v) => a + v, 0) / C;
      const variance = d.reduce((a, v) => a + (v - mean) ** 2, 0) / C;
      const h = d.map((v, i) => ((v - mean) / Math.sqrt(variance + 1e-12)) * g.data[i] + beta.data[i]);
      for (let t = 0; t < 30; t++) {
        let s = bias.data[t];
        for (let i = 0; i < C; i++) s += h[i] * table[t * C + i];
        expect(Math.abs(logits[n][t] - s)).toBeLessThan(1e-4);
      }
    }
    head.dispose();
    bert.dispose();
  });

  test('a few SGD steps on one masked batch lower the loss; the tied embedding table gets gradient', () => {
    const bert = new Bert(config, { seed: 4 });
    const head = new BertMlmHead(bert, { seed: 5 });
    const ids = Int32Array.from([2, 7, 9, 11, 13, 15, 17, 3, 2, 8, 10, 12, 14, 16, 18, 3]);
    const batch = maskTokens(ids, new MT19937(6), {
      vocabSize: 30,
      maskId: MASK,
      specialIds: SPECIAL,
      probability: 0.3,
    });
    const inputs = { inputIds: tf.tensor2d(batch.inputIds, [2, 8], 'int32') };
    const variables = [...bert.variables(), ...head.parameters.map((p) => p.variable)];
    const lossFn = () => head.loss(inputs, batch.positions, batch.targets);
    const first = lossFn().dataSync()[0];
    const { grads } = tf.variableGrads(lossFn, variables);
    const table = bert.namedVariables().get('embeddings.word_embeddings.weight')!;
    const rowGrad = grads[table.name].slice([batch.targets[0], 0], [1, 8]).dataSync();
    expect(rowGrad.some((v) => v !== 0)).toBe(true);
    const sgd = tf.train.sgd(0.5);
    for (let i = 0; i < 10; i++) sgd.minimize(lossFn as () => tf.Scalar, false, variables);
    expect(lossFn().dataSync()[0]).toBeLessThan(first - 0.5);
    head.dispose();
    bert.dispose();
  });

  test('saved next to BertModel as cls.predictions.*; the folder loads, and so does the head', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bert-mlm-'));
    try {
      const bert = new Bert(config, { seed: 7 });
      const head = new BertMlmHead(bert, { seed: 8 });
      const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'b'];
      saveBertFolder(dir, bert, new WordPieceTokenizer(new WordPieceVocab(vocab)), head.toTensors());
      const loaded = loadBertFolder(dir);
      expect(loaded.model.toTensors()).toEqual(bert.toTensors());
      const again = new BertMlmHead(loaded.model, { seed: 99 });
      again.loadFile(join(dir, 'model.safetensors'));
      expect(again.toTensors()).toEqual(head.toTensors());
      for (const m of [again, head, loaded.model, bert]) m.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
