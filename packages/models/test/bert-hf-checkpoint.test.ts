/**
 * Real Hugging Face BERT checkpoints load unchanged, and BERT's dropout on the
 * attention probabilities (attention_probs_dropout_prob):
 * - a folder laid out as bert-base-uncased's (its config.json keys, vocab.txt,
 *   a model.safetensors the test writes byte by byte: 'bert.' names, TF-era
 *   gamma/beta, the I64 buffer embeddings.position_ids, a cls.predictions head,
 *   one BF16 and one F16 weight) loads; every weight arrives bit for bit as the
 *   test converted it by hand; the buffer is skipped with a note; any other
 *   integer tensor is an error naming file, tensor and dtype;
 * - attention dropout: read from and written to config.json, defaults to
 *   hidden dropout, off at eval (deterministic), on while training.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bertConfig, bertTensorSpecs } from '../src/bert/config.js';
import { bertConfigFromHf, bertConfigToHf, loadBertFolder } from '../src/bert/hf.js';
import { Bert } from '../src/bert/model.js';
import { NATIVE_BUILT, setUpNative, uniform } from './helpers/native.js';

beforeAll(async () => {
  if (NATIVE_BUILT) await setUpNative();
  await tf.setBackend('cpu');
});

const SIZES = { hidden: 8, layers: 1, heads: 2, intermediate: 16, maxPositions: 6, typeVocab: 2 };
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'cat', 'sat', '##s'];

/** bert-base-uncased's config.json, every key it has, at small sizes. */
const CONFIG_JSON = {
  architectures: ['BertForMaskedLM'],
  attention_probs_dropout_prob: 0.2,
  gradient_checkpointing: false,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  hidden_size: SIZES.hidden,
  initializer_range: 0.02,
  intermediate_size: SIZES.intermediate,
  layer_norm_eps: 1e-12,
  max_position_embeddings: SIZES.maxPositions,
  model_type: 'bert',
  num_attention_heads: SIZES.heads,
  num_hidden_layers: SIZES.layers,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
  transformers_version: '4.6.0.dev0',
  type_vocab_size: SIZES.typeVocab,
  use_cache: true,
  vocab_size: VOCAB.length,
};

/** A tensor as raw little-endian bytes of its dtype. */
interface RawTensor {
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

/** safetensors' layout, written here independently of the code: u64 header length, JSON, data. */
function safetensorsBytes(tensors: [string, RawTensor][]): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  let at = 8 + json.length;
  for (const [, t] of tensors) {
    out.set(t.bytes, at);
    at += t.bytes.length;
  }
  return out;
}

function f32Bytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return out;
}

/**
 * Half-precision bit patterns with their values worked out by hand
 * (sign, 5-bit exponent with bias 15, 10-bit mantissa): normal, subnormal, largest, −0.
 */
const F16_TABLE: [number, number][] = [
  [0x3c00, 1],
  [0x3e00, 1.5],
  [0xb400, -0.25],
  [0x3555, 0.333251953125], // (1 + 341/1024)·2^−2
  [0x7bff, 65504], // (1 + 1023/1024)·2^15
  [0x0001, 2 ** -24], // smallest subnormal: 1·2^−24
  [0x83ff, -1023 * 2 ** -24], // largest subnormal, negative
  [0x8000, -0],
  [0x0400, 2 ** -14], // smallest normal
  [0xc900, -10], // −(1 + 256/1024)·2^3
];

/** The file's F32/BF16/F16 bytes and, per BertModel name, the float32 values expected after loading. */
function checkpoint(): { file: Uint8Array; expected: Map<string, Float32Array> } {
  const config = bertConfig({ ...SIZES, vocabSize: VOCAB.length });
  const expected = new Map<string, Float32Array>();
  const tensors: [string, RawTensor][] = [];
  bertTensorSpecs(config).forEach((spec, i) => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const stored = `bert.${spec.name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta')}`;
    if (spec.name === 'embeddings.word_embeddings.weight') {
      // BF16: the top 16 bits of a float32, so the value is those bits followed by 16 zero bits
      const bytes = new Uint8Array(2 * n);
      const want = new Uint8Array(4 * n);
      for (let j = 0; j < n; j++) {
        const hi = ((j * 40503 + 12345) & 0xffff & ~0x7f80) | 0x3f00; // finite: exponent bits not all ones
        bytes[2 * j] = hi & 0xff;
        bytes[2 * j + 1] = hi >> 8;
        want[4 * j + 2] = hi & 0xff; // little-endian float32: the high half is bytes 2, 3
        want[4 * j + 3] = hi >> 8;
      }
      tensors.push([stored, { dtype: 'BF16', shape: spec.shape, bytes }]);
      expected.set(spec.name, new Float32Array(want.buffer));
    } else if (spec.name === 'encoder.layer.0.attention.self.query.weight') {
      const bytes = new Uint8Array(2 * n);
      const want = new Float32Array(n);
      for (let j = 0; j < n; j++) {
        const [bits, value] = F16_TABLE[j % F16_TABLE.length];
        bytes[2 * j] = bits & 0xff;
        bytes[2 * j + 1] = bits >> 8;
        want[j] = value;
      }
      tensors.push([stored, { dtype: 'F16', shape: spec.shape, bytes }]);
      expected.set(spec.name, want);
    } else {
      const values = uniform(n, 100 + i, -0.1, 0.1);
      tensors.push([stored, { dtype: 'F32', shape: spec.shape, bytes: f32Bytes(values) }]);
      expected.set(spec.name, values);
    }
    if (spec.name === 'embeddings.position_embeddings.weight') {
      // transformers' registered buffer: arange(P) as int64 [1, P]
      const ids = new Uint8Array(8 * SIZES.maxPositions);
      const view = new DataView(ids.buffer);
      for (let p = 0; p < SIZES.maxPositions; p++) view.setBigInt64(8 * p, BigInt(p), true);
      tensors.push([
        'bert.embeddings.position_ids',
        { dtype: 'I64', shape: [1, SIZES.maxPositions], bytes: ids },
      ]);
    }
  });
  tensors.push([
    'cls.predictions.bias',
    { dtype: 'F32', shape: [VOCAB.length], bytes: f32Bytes(uniform(VOCAB.length, 99)) },
  ]);
  return { file: safetensorsBytes(tensors), expected };
}

const bytesOf = (a: Float32Array) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

describe('a real Hugging Face checkpoint folder', () => {
  let dir: string;
  const { file, expected } = checkpoint();
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bert-hf-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIG_JSON, null, 2));
    writeFileSync(join(dir, 'vocab.txt'), `${VOCAB.join('\n')}\n`);
    writeFileSync(join(dir, 'model.safetensors'), file);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('loads unchanged: F32 as is, BF16 and F16 widened bit for bit, position_ids skipped with a note', () => {
    const { model, config, notes } = loadBertFolder(dir);
    try {
      expect(config).toMatchObject({ ...SIZES, dropout: 0.1, attentionDropout: 0.2 });
      expect(notes).toEqual([
        `${join(dir, 'model.safetensors')}: tensor bert.embeddings.position_ids: I64 [1,${SIZES.maxPositions}] buffer skipped (not a parameter)`,
      ]);
      const vars = model.namedVariables();
      expect([...vars.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [name, want] of expected) {
        expect(bytesOf(vars.get(name)!.dataSync() as Float32Array), name).toEqual(bytesOf(want));
      }
      // the table's −0 arrived as −0 and the subnormals exactly
      const q = vars.get('encoder.layer.0.attention.self.query.weight')!.dataSync();
      expect(Object.is(q[7], -0)).toBe(true);
      expect(q[5]).toBe(2 ** -24);
      // and the model runs
      const out = model.forward({ inputIds: tf.tensor2d([[2, 5, 6, 3]], [1, 4], 'int32') });
      expect(out.pooled!.dataSync().every(Number.isFinite)).toBe(true);
    } finally {
      model.dispose();
    }
  });

  test('any other non-float tensor is an error naming the file, the tensor and its dtype', () => {
    const other = mkdtempSync(join(tmpdir(), 'bert-hf-bad-'));
    try {
      writeFileSync(join(other, 'config.json'), JSON.stringify(CONFIG_JSON));
      writeFileSync(join(other, 'vocab.txt'), `${VOCAB.join('\n')}\n`);
      const extra = safetensorsBytes([
        [
          'bert.pooler.dense.bias',
          { dtype: 'I32', shape: [SIZES.hidden], bytes: new Uint8Array(4 * SIZES.hidden) },
        ],
      ]);
      writeFileSync(join(other, 'model.safetensors'), extra);
      expect(() => loadBertFolder(other)).toThrow(
        `${join(other, 'model.safetensors')}: tensor "bert.pooler.dense.bias": dtype: found I32, expected F32, F16 or BF16`,
      );
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

// ----------------------------------------------------------------------------- attention dropout

describe('attention dropout (attention_probs_dropout_prob)', () => {
  test('config: read from and written to config.json; defaults to hidden dropout; checked', () => {
    const config = bertConfigFromHf({ ...CONFIG_JSON, attention_probs_dropout_prob: 0.25 }, 'c.json');
    expect(config.attentionDropout).toBe(0.25);
    expect(bertConfigToHf(config).attention_probs_dropout_prob).toBe(0.25);
    expect(bertConfigToHf(config).hidden_dropout_prob).toBe(0.1);
    expect(bertConfig({}).attentionDropout).toBe(0.1);
    expect(bertConfig({ dropout: 0 }).attentionDropout).toBe(0);
    expect(bertConfig({ dropout: 0, attentionDropout: 0.3 }).attentionDropout).toBe(0.3);
    expect(() => bertConfig({ attentionDropout: 1 })).toThrow(
      'BERT config: attentionDropout: found 1, expected a number in [0, 1)',
    );
  });

  const backends = NATIVE_BUILT ? (['cpu', 'native'] as const) : (['cpu'] as const);
  for (const backend of backends) {
    test(`${backend}: off at eval (deterministic, equal to a model without it), on while training`, async () => {
      await tf.setBackend(backend);
      const sizes = { vocabSize: 30, hidden: 16, layers: 2, heads: 2, maxPositions: 8, dropout: 0 };
      const withDrop = new Bert(bertConfig({ ...sizes, attentionDropout: 0.3 }), { seed: 4 });
      const without = new Bert(bertConfig(sizes), { seed: 4 });
      try {
        const inputs = {
          inputIds: tf.tensor2d([[2, 7, 9, 3, 0, 0]], [1, 6], 'int32'),
          attentionMask: tf.tensor2d([[1, 1, 1, 1, 0, 0]], [1, 6], 'int32'),
        };
        const run = (m: Bert, training: boolean) =>
          tf.tidy(() => m.forward(inputs, { training }).sequence.dataSync() as Float32Array);
        const evalA = run(withDrop, false);
        expect(run(withDrop, false)).toEqual(evalA);
        expect(run(without, false)).toEqual(evalA);
        // training without any dropout is eval; with attention dropout alone it differs, draw to draw
        expect(run(without, true)).toEqual(evalA);
        const trainA = run(withDrop, true);
        const trainB = run(withDrop, true);
        expect(trainA).not.toEqual(evalA);
        expect(trainB).not.toEqual(trainA);
        expect(trainA.every(Number.isFinite)).toBe(true);
      } finally {
        withDrop.dispose();
        without.dispose();
        await tf.setBackend('cpu');
      }
    });
  }
});
