/**
 * `course params bert` against the count by hand, and `course bert encode` on
 * a tiny random BERT folder written here, checked against the model's own
 * forward pass run in this process (the forward itself is checked against a
 * float64 reference in @course/models' tests).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Bert,
  bertConfig,
  saveBertFolder,
  selectBackend,
  WordPieceTokenizer,
  WordPieceVocab,
} from '@course/models';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { course } from './run-course.js';

describe('course params bert', () => {
  it('bert-base-uncased: 109,482,240 = (30522 + 512 + 2)·768 + 2·768 + 12·(4·768² + 2·768·3072 + 9·768 + 3072) + 768² + 768', async () => {
    const C = 768;
    const expected =
      (30522 + 512 + 2) * C + 2 * C + 12 * (4 * C * C + 2 * C * 3072 + 9 * C + 3072) + C * C + C;
    expect(expected).toBe(109_482_240);
    const { code, stdout } = await course(
      'params',
      'bert',
      '--layers',
      '12',
      '--channels',
      '768',
      '--heads',
      '12',
      '--vocab',
      '30522',
      '--json',
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ model: 'bert', params: 109_482_240 });
  });

  it('text output, --intermediate and --no-pooler change the count as the formula says', async () => {
    const sizes = ['--layers', '4', '--channels', '256', '--heads', '4', '--vocab', '30522'];
    const text = await course('params', 'bert', ...sizes);
    expect(text.stdout).toBe('bert L4 C256 H4 FFN 1024 vocab 30522: 11,170,560 parameters\n');
    const narrow = await course('params', 'bert', ...sizes, '--intermediate', '512', '--no-pooler', '--json');
    // each of 4 layers loses 2·256·512 + 512 weights; the pooler (256² + 256) goes
    expect(JSON.parse(narrow.stdout).params).toBe(11_170_560 - 4 * (2 * 256 * 512 + 512) - (256 * 256 + 256));
  });

  it('heads that do not divide channels are exit 2 naming --heads', async () => {
    const bad = await course(
      'params',
      'bert',
      '--layers',
      '1',
      '--channels',
      '10',
      '--heads',
      '3',
      '--vocab',
      '5',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--heads');
  });
});

describe('course bert encode', () => {
  let dir: string;
  let model: Bert;
  let tokenizer: WordPieceTokenizer;

  beforeAll(async () => {
    await selectBackend('cpu');
    dir = mkdtempSync(join(tmpdir(), 'course-bert-'));
    const vocab = [
      '[PAD]',
      '[UNK]',
      '[CLS]',
      '[SEP]',
      '[MASK]',
      'the',
      'cat',
      'sat',
      'un',
      '##aff',
      '##able',
      '.',
    ];
    tokenizer = new WordPieceTokenizer(new WordPieceVocab(vocab));
    model = new Bert(bertConfig({ vocabSize: 16, hidden: 8, layers: 2, heads: 2, maxPositions: 16 }), {
      seed: 5,
    });
    saveBertFolder(dir, model, tokenizer);
  });
  afterAll(() => {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  function pooledHere(ids: number[], types: number[]): number[] {
    return tf.tidy(() => {
      const out = model.forward({
        inputIds: tf.tensor2d([ids], [1, ids.length], 'int32'),
        tokenTypeIds: tf.tensor2d([types], [1, types.length], 'int32'),
      });
      return Array.from(out.pooled!.dataSync());
    });
  }

  it('--json: tokens, ids and the pooled [CLS] output', async () => {
    const { code, stdout, stderr } = await course(
      'bert',
      'encode',
      '--model',
      dir,
      '--text',
      'The cat, unaffable.',
      '--json',
      '--backend',
      'cpu',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(Object.keys(out)).toEqual(['tokens', 'ids', 'pooled']);
    expect(out.tokens).toEqual(['[CLS]', 'the', 'cat', '[UNK]', 'un', '##aff', '##able', '.', '[SEP]']);
    expect(out.ids).toEqual([2, 5, 6, 1, 8, 9, 10, 11, 3]);
    expect(out.pooled).toHaveLength(8);
    const expected = pooledHere(out.ids, [0, 0, 0, 0, 0, 0, 0, 0, 0]);
    out.pooled.forEach((v: number, i: number) => {
      expect(v).toBeCloseTo(expected[i], 6);
    });
  });

  it('--text-b encodes the pair with segment 1 for b; text output prints the three lines', async () => {
    const { code, stdout } = await course(
      'bert',
      'encode',
      '--model',
      dir,
      '--text',
      'the cat',
      '--text-b',
      'sat.',
      '--backend',
      'cpu',
    );
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('tokens: [CLS] the cat [SEP] sat . [SEP]');
    expect(lines[1]).toBe('ids: 2 5 6 3 7 11 3');
    const expected = pooledHere([2, 5, 6, 3, 7, 11, 3], [0, 0, 0, 0, 1, 1, 1]);
    expect(lines[2]).toBe(`pooled (8): ${expected.map((v) => v.toFixed(6)).join(' ')}`);
  });

  it('a skipped integer buffer (I64 embeddings.position_ids, as Hugging Face saves it) is named on stderr; stdout unchanged', async () => {
    const withBuffer = mkdtempSync(join(tmpdir(), 'course-bert-buffer-'));
    try {
      for (const f of ['config.json', 'vocab.txt'])
        writeFileSync(join(withBuffer, f), readFileSync(join(dir, f)));
      writeFileSync(
        join(withBuffer, 'model.safetensors'),
        withI64Buffer(readFileSync(join(dir, 'model.safetensors')), 'embeddings.position_ids', 16),
      );
      const args = ['--text', 'the cat', '--json', '--backend', 'cpu'];
      const plain = await course('bert', 'encode', '--model', dir, ...args);
      const { code, stdout, stderr } = await course('bert', 'encode', '--model', withBuffer, ...args);
      expect(code).toBe(0);
      expect(stderr).toBe(
        `${join(withBuffer, 'model.safetensors')}: tensor embeddings.position_ids: I64 [1,16] buffer skipped (not a parameter)\n`,
      );
      expect(stdout).toBe(plain.stdout);
    } finally {
      rmSync(withBuffer, { recursive: true, force: true });
    }
  });

  it('an empty folder is exit 2 naming the first missing file', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'course-bert-empty-'));
    try {
      const { code, stderr } = await course(
        'bert',
        'encode',
        '--model',
        empty,
        '--text',
        'x',
        '--backend',
        'cpu',
      );
      expect(code).toBe(2);
      expect(stderr).toContain(join(empty, 'config.json'));
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

/**
 * A safetensors file with one more tensor: NAME, I64 [1, P] holding 0..P−1 (transformers'
 * registered buffer), its bytes appended after the others. Layout: u64 header length,
 * JSON header (space-padded to 8 bytes), data.
 */
function withI64Buffer(file: Uint8Array, name: string, P: number): Uint8Array {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(Buffer.from(file.subarray(8, 8 + headerLength)).toString('utf8'));
  const data = file.subarray(8 + headerLength);
  header[name] = { dtype: 'I64', shape: [1, P], data_offsets: [data.length, data.length + 8 * P] };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const buffer = Buffer.alloc(8 * P);
  for (let p = 0; p < P; p++) buffer.writeBigInt64LE(BigInt(p), 8 * p);
  const size = Buffer.alloc(8);
  size.writeBigUint64LE(BigInt(padded.length));
  return Buffer.concat([size, padded, data, buffer]);
}
