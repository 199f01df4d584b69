/**
 * BERT: the parameter count by hand, exact GELU, and a Hugging Face model
 * folder the test writes itself (BertModel's tensor names, [out, in]
 * matrices) loaded and run against a float64 forward pass written
 * independently (helpers/reference-bert.ts), then saved back unchanged.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BERT_BASE, BERT_MINI, bertConfig, bertParameterCount, bertTensorSpecs } from '../src/bert/config.js';
import { loadBertFolder, saveBertFolder } from '../src/bert/hf.js';
import { Bert, geluErf } from '../src/bert/model.js';
import { MT19937 } from '../src/rand/mt19937.js';
import { readSafetensors, type SafetensorsTensor, writeSafetensors } from '../src/weights/safetensors.js';
import { erf64, referenceBert } from './helpers/reference-bert.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('parameter count', () => {
  test('bert-base-uncased with pooler: 109,482,240', () => {
    const [V, P, S, C, I, L] = [30522, 512, 2, 768, 3072, 12];
    const embeddings = V * C + P * C + S * C + 2 * C; // word, position, token type, LayerNorm
    expect(embeddings).toBe(23_837_184);
    const attention = 4 * (C * C + C) + 2 * C; // q, k, v, output dense; LayerNorm
    const feedForward = C * I + I + I * C + C + 2 * C; // intermediate, output dense; LayerNorm
    expect(attention + feedForward).toBe(7_087_872);
    const pooler = C * C + C;
    expect(embeddings + L * (attention + feedForward) + pooler).toBe(109_482_240);
    expect(bertParameterCount(BERT_BASE)).toBe(109_482_240);
    expect(bertParameterCount(BERT_BASE, { pooler: false })).toBe(109_482_240 - 590_592);
  });

  test('BERT-mini (4 layers, 256, FFN 1024): 11,170,560, and the tensor list sums to the formula', () => {
    expect(bertParameterCount(BERT_MINI)).toBe(
      (30522 + 512 + 2) * 256 + 512 + 4 * (4 * 256 * 256 + 2 * 256 * 1024 + 9 * 256 + 1024) + 256 * 257,
    );
    expect(bertParameterCount(BERT_MINI)).toBe(11_170_560);
    for (const c of [BERT_BASE, BERT_MINI]) {
      const sum = bertTensorSpecs(c).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
      expect(sum).toBe(bertParameterCount(c));
    }
  });

  test('heads must divide hidden', () => {
    expect(() => bertConfig({ hidden: 10, heads: 3 })).toThrow(
      'heads: found 3, expected a divisor of hidden 10',
    );
  });
});

describe('geluErf', () => {
  test('x·Φ(x) at tabulated Φ values; the erf helper matches tabulated erf', () => {
    expect(erf64(0.5)).toBeCloseTo(0.5204998778130465, 14);
    expect(erf64(3)).toBeCloseTo(0.9999779095030014, 14);
    expect(erf64(-1)).toBeCloseTo(-0.8427007929497149, 14);
    const y = geluErf(tf.tensor1d([-1, 0, 1, 2])).dataSync();
    const expected = [-0.15865525393145707, 0, 0.8413447460685429, 1.9544997361036416]; // x·Φ(x)
    expected.forEach((e, i) => {
      expect(y[i]).toBeCloseTo(e, 6);
    });
  });
});

// ------------------------------------------------------------------ a small Hugging Face checkpoint

const SMALL = { V: 24, C: 16, L: 2, H: 2, I: 32, P: 12, S: 2, eps: 1e-12 };
const VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  'the',
  'cat',
  'sat',
  'on',
  'mat',
  'un',
  '##aff',
  '##able',
  '.',
  ',',
  'a',
  'dog',
];

/** BertModel's state_dict for SMALL, named by hand; N(0, 0.4) matrices, LayerNorm weights near 1. */
function smallCheckpoint(seed: number): Map<string, SafetensorsTensor> {
  const { V, C, L, I, P, S } = SMALL;
  const rng = new MT19937(seed);
  const tensors = new Map<string, SafetensorsTensor>();
  const put = (name: string, shape: number[], mean: number, std: number) => {
    const data = rng.normal(new Float32Array(shape.reduce((a, b) => a * b, 1)), mean, std);
    tensors.set(name, { shape, data });
  };
  const linear = (name: string, out: number, inp: number) => {
    put(`${name}.weight`, [out, inp], 0, 0.4);
    put(`${name}.bias`, [out], 0, 0.1);
  };
  const norm = (name: string) => {
    put(`${name}.weight`, [C], 1, 0.1);
    put(`${name}.bias`, [C], 0, 0.1);
  };
  put('embeddings.word_embeddings.weight', [V, C], 0, 1);
  put('embeddings.position_embeddings.weight', [P, C], 0, 0.5);
  put('embeddings.token_type_embeddings.weight', [S, C], 0, 0.5);
  norm('embeddings.LayerNorm');
  for (let l = 0; l < L; l++) {
    for (const part of ['query', 'key', 'value']) linear(`encoder.layer.${l}.attention.self.${part}`, C, C);
    linear(`encoder.layer.${l}.attention.output.dense`, C, C);
    norm(`encoder.layer.${l}.attention.output.LayerNorm`);
    linear(`encoder.layer.${l}.intermediate.dense`, I, C);
    linear(`encoder.layer.${l}.output.dense`, C, I);
    norm(`encoder.layer.${l}.output.LayerNorm`);
  }
  linear('pooler.dense', C, C);
  return tensors;
}

const HF_CONFIG = {
  architectures: ['BertModel'],
  hidden_act: 'gelu',
  hidden_size: SMALL.C,
  num_hidden_layers: SMALL.L,
  num_attention_heads: SMALL.H,
  intermediate_size: SMALL.I,
  max_position_embeddings: SMALL.P,
  type_vocab_size: SMALL.S,
  vocab_size: SMALL.V,
  layer_norm_eps: SMALL.eps,
  hidden_dropout_prob: 0.1,
  model_type: 'bert',
};

function writeFolder(dir: string, tensors: Map<string, SafetensorsTensor>): void {
  writeFileSync(join(dir, 'config.json'), JSON.stringify(HF_CONFIG));
  writeFileSync(join(dir, 'vocab.txt'), `${VOCAB.join('\n')}\n`);
  writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
}

const refConfig = { hidden: SMALL.C, heads: SMALL.H, layers: SMALL.L, eps: SMALL.eps };

describe('Hugging Face model folder', () => {
  let dir: string;
  const weights = smallCheckpoint(7);
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bert-'));
    writeFolder(dir, weights);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('loads with one call; pooled and hidden states equal the float64 reference (pair + padded row)', () => {
    const { tokenizer, model, config } = loadBertFolder(dir);
    try {
      expect(config).toMatchObject({ hidden: 16, layers: 2, heads: 2, intermediate: 32, maxPositions: 12 });
      const a = tokenizer.encode('The cat sat on the mat.', 'A dog, unaffable.', { maxLength: 12 });
      // 7 + 7 tokens into 9: b, a, b, a, b lose their last token (b on ties)
      expect(a.tokens).toEqual([
        '[CLS]',
        'the',
        'cat',
        'sat',
        'on',
        'the',
        '[SEP]',
        'a',
        'dog',
        ',',
        'un',
        '[SEP]',
      ]);
      const b = tokenizer.encode('the cat', undefined, { maxLength: 12, pad: true });
      const rows = [a, b];
      const T = 12;
      const t2 = (key: 'ids' | 'tokenTypeIds' | 'attentionMask') =>
        tf.tensor2d(
          rows.map((r) => r[key]),
          [2, T],
          'int32',
        );
      const inputs = {
        inputIds: t2('ids'),
        tokenTypeIds: t2('tokenTypeIds'),
        attentionMask: t2('attentionMask'),
      };
      const out = model.forward(inputs);
      const pooled = out.pooled!.arraySync();
      const sequence = out.sequence.arraySync();
      rows.forEach((r, i) => {
        const ref = referenceBert(weights, refConfig, r.ids, r.tokenTypeIds, r.attentionMask);
        ref.pooled.forEach((v, j) => {
          expect(Math.abs(pooled[i][j] - v)).toBeLessThan(2e-5);
        });
        const real = r.attentionMask.filter((m) => m === 1).length;
        for (let t = 0; t < real; t++) {
          ref.sequence[t].forEach((v, j) => {
            expect(Math.abs(sequence[i][t][j] - v)).toBeLessThan(1e-4);
          });
        }
      });
      // the padded row's real positions are what the same row gives unpadded
      const unpadded = model.forward({ inputIds: tf.tensor2d([b.ids.slice(0, 4)], [1, 4], 'int32') });
      const alone = unpadded.pooled!.arraySync()[0];
      alone.forEach((v, j) => {
        expect(v).toBeCloseTo(pooled[1][j], 5);
      });
      tf.dispose([inputs.inputIds, inputs.tokenTypeIds, inputs.attentionMask, out.sequence, out.pooled!]);
      tf.dispose([unpadded.sequence, unpadded.pooled!]);
    } finally {
      model.dispose();
    }
  });

  test('saves back in the same layout: same names, shapes and values; config.json and vocab.txt readable again', () => {
    const out = mkdtempSync(join(tmpdir(), 'bert-saved-'));
    const { tokenizer, model } = loadBertFolder(dir);
    try {
      saveBertFolder(out, model, tokenizer);
      const saved = readSafetensors(join(out, 'model.safetensors'));
      expect(saved.metadata).toEqual({ format: 'pt' });
      expect([...saved.tensors.keys()].sort()).toEqual([...weights.keys()].sort());
      for (const [name, t] of weights) {
        expect(saved.tensors.get(name)!.shape).toEqual(t.shape);
        expect(saved.tensors.get(name)!.data).toEqual(t.data);
      }
      const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
      for (const [key, value] of Object.entries(HF_CONFIG)) {
        if (key !== 'hidden_dropout_prob') expect(config[key]).toEqual(value);
      }
      expect(readFileSync(join(out, 'vocab.txt'), 'utf8')).toBe(`${VOCAB.join('\n')}\n`);
      const again = loadBertFolder(out);
      expect(again.model.toTensors()).toEqual(model.toTensors());
      again.model.dispose();
    } finally {
      model.dispose();
      rmSync(out, { recursive: true, force: true });
    }
  });

  test("a 'bert.' prefix, TF-era gamma/beta names and BertForPreTraining's heads load to the same weights", () => {
    const other = mkdtempSync(join(tmpdir(), 'bert-prefixed-'));
    try {
      const renamed = new Map<string, SafetensorsTensor>();
      for (const [name, t] of weights) {
        renamed.set(
          `bert.${name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta')}`,
          t,
        );
      }
      renamed.set('cls.predictions.bias', { shape: [SMALL.V], data: new Float32Array(SMALL.V) });
      renamed.set('bert.embeddings.position_ids', { shape: [1, SMALL.P], data: new Float32Array(SMALL.P) });
      writeFolder(other, renamed);
      const { model } = loadBertFolder(other);
      expect(model.toTensors()).toEqual(weights);
      model.dispose();
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test('a missing, misshapen or unknown tensor is an error naming the file and the tensor', () => {
    const other = mkdtempSync(join(tmpdir(), 'bert-bad-'));
    const file = join(other, 'model.safetensors');
    try {
      const missing = new Map(weights);
      missing.delete('encoder.layer.1.output.dense.bias');
      writeFolder(other, missing);
      expect(() => loadBertFolder(other)).toThrow(
        `${file}: tensor encoder.layer.1.output.dense.bias: missing`,
      );
      const misshapen = new Map(weights);
      misshapen.set('pooler.dense.bias', { shape: [3], data: new Float32Array(3) });
      writeFolder(other, misshapen);
      expect(() => loadBertFolder(other)).toThrow('tensor pooler.dense.bias: found shape [3], expected [16]');
      const extra = new Map(weights);
      extra.set('encoder.layer.2.output.dense.bias', { shape: [16], data: new Float32Array(16) });
      writeFolder(other, extra);
      expect(() => loadBertFolder(other)).toThrow(
        `${file}: tensors: found encoder.layer.2.output.dense.bias`,
      );
      writeFileSync(join(other, 'config.json'), JSON.stringify({ ...HF_CONFIG, hidden_act: 'relu' }));
      expect(() => loadBertFolder(other)).toThrow('hidden_act: found "relu"');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('training mode', () => {
  test('dropout changes the output; every variable gets a finite, non-zero gradient', () => {
    const config = bertConfig({
      vocabSize: 30,
      hidden: 16,
      layers: 2,
      heads: 2,
      maxPositions: 8,
      dropout: 0.1,
    });
    const model = new Bert(config, { seed: 3 });
    const inputs = {
      inputIds: tf.tensor2d([[2, 7, 9, 3, 0]], [1, 5], 'int32'),
      attentionMask: tf.tensor2d([[1, 1, 1, 1, 0]], [1, 5], 'int32'),
    };
    const evalA = model.forward(inputs).pooled!.dataSync();
    const evalB = model.forward(inputs).pooled!.dataSync();
    const train = model.forward(inputs, { training: true }).pooled!.dataSync();
    expect(evalA).toEqual(evalB);
    expect(train).not.toEqual(evalA);
    const { grads } = tf.variableGrads(
      () => tf.sum(model.forward(inputs, { training: true }).pooled!) as tf.Scalar,
    );
    for (const p of model.parameters) {
      const g = grads[p.variable.name].dataSync();
      expect(g.every(Number.isFinite), p.name).toBe(true);
      // the [PAD] row and position 5+ rows get none; everything else does
      if (!p.name.startsWith('embeddings.') || p.name.includes('LayerNorm'))
        expect(
          g.some((v) => v !== 0),
          p.name,
        ).toBe(true);
    }
    model.dispose();
  });
});
