/**
 * The foundation's acceptance test: a checkpoint whose bytes are built here by
 * hand (llm.c's layout, not our writer) loads into the tfjs GPT-2 and gives the
 * loss an independent float64 implementation computes from the same numbers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { gpt2Config } from '../src/gpt2/config.js';
import { initParametersLlmc } from '../src/gpt2/init.js';
import { GPT2 } from '../src/gpt2/model.js';
import { readCheckpoint } from '../src/llmc/checkpoint.js';
import { referenceLoss } from './helpers/reference-gpt2.js';

const MAGIC = 20240326;
const VERSION_FP32 = 3;

// The tiny architecture, as llm.c's header fields.
const maxT = 16;
const V = 64;
const Vp = 128;
const L = 2;
const NH = 2;
const C = 16;
/** llm.c's count by hand: wte Vp·C, wpe maxT·C, per layer 12C² + 13C, lnf 2C. */
const N = Vp * C + maxT * C + L * (12 * C * C + 13 * C) + 2 * C;

/** Deterministic values in [-0.5, 0.5) (an LCG). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/**
 * The parameter values: weights uniform in ±0.5, LayerNorm weights near 1 and
 * padded wte rows 0, laid out in llm.c's order by hand (offsets computed here).
 */
function handParameters(): Float32Array {
  const rand = lcg(2024);
  const values = new Float32Array(N);
  // [name, elements, is a LayerNorm weight]
  const tensors: [string, number, boolean][] = [
    ['wte', Vp * C, false],
    ['wpe', maxT * C, false],
    ['ln1w', L * C, true],
    ['ln1b', L * C, false],
    ['qkvw', L * 3 * C * C, false],
    ['qkvb', L * 3 * C, false],
    ['attprojw', L * C * C, false],
    ['attprojb', L * C, false],
    ['ln2w', L * C, true],
    ['ln2b', L * C, false],
    ['fcw', L * 4 * C * C, false],
    ['fcb', L * 4 * C, false],
    ['fcprojw', L * 4 * C * C, false],
    ['fcprojb', L * C, false],
    ['lnfw', C, true],
    ['lnfb', C, false],
  ];
  let offset = 0;
  for (const [name, size, isLayerNormWeight] of tensors) {
    for (let i = 0; i < size; i++) values[offset + i] = (isLayerNormWeight ? 1 : 0) + rand();
    if (name === 'wte') values.fill(0, offset + V * C, offset + size); // padded rows
    offset += size;
  }
  expect(offset).toBe(N);
  return values;
}

/** An llm.c v3 checkpoint, byte by byte: 256 little-endian int32, then N little-endian fp32. */
function checkpointBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(1024 + 4 * N);
  const view = new DataView(bytes.buffer);
  const header = [MAGIC, VERSION_FP32, maxT, V, L, NH, C, Vp];
  for (const [i, value] of header.entries()) view.setInt32(4 * i, value, true);
  for (const [i, value] of values.entries()) view.setFloat32(1024 + 4 * i, value, true);
  return bytes;
}

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('an llm.c checkpoint written independently', () => {
  test('loads into GPT2 and its loss equals the float64 reference within 1e-4', () => {
    const values = handParameters();
    const path = join(mkdtempSync(join(tmpdir(), 'course-ckpt-')), 'gpt2_tiny.bin');
    writeFileSync(path, checkpointBytes(values));

    const { config, params, header } = readCheckpoint(path);
    expect(header.version).toBe(3);
    expect(config).toEqual({
      maxSeqLen: maxT,
      vocabSize: V,
      paddedVocabSize: Vp,
      numLayers: L,
      numHeads: NH,
      channels: C,
    });
    expect(params).toEqual(values);

    const rand = lcg(99);
    const rows = Array.from({ length: 2 }, () =>
      Array.from({ length: 11 }, () => Math.floor((rand() + 0.5) * V)),
    );
    const tokens = rows.map((r) => r.slice(0, 10));
    const targets = rows.map((r) => r.slice(1));

    const model = new GPT2(config, params);
    const loss = tf.tidy(() =>
      model
        .loss(tf.tensor2d(tokens, undefined, 'int32'), tf.tensor2d(targets, undefined, 'int32'))
        .dataSync(),
    )[0];
    model.dispose();
    const expected = referenceLoss(config, values, tokens, targets);
    // the model is far from uniform, so matching the reference means the weights landed right
    expect(Math.abs(expected - Math.log(V))).toBeGreaterThan(0.1);
    expect(Math.abs(loss - expected)).toBeLessThan(1e-4);
  });
});

describe('llm.c random init', () => {
  test('d1 c64 h1 with the full GPT-2 vocabulary has loss ≈ ln(50257) on random tokens', () => {
    const config = gpt2Config({ depth: 1, channels: 64, heads: 1 });
    const model = new GPT2(config, initParametersLlmc(config));
    const rand = lcg(7);
    const rows = Array.from({ length: 2 }, () =>
      Array.from({ length: 17 }, () => Math.floor((rand() + 0.5) * 50257)),
    );
    const loss = tf.tidy(() =>
      model
        .loss(
          tf.tensor2d(
            rows.map((r) => r.slice(0, 16)),
            undefined,
            'int32',
          ),
          tf.tensor2d(
            rows.map((r) => r.slice(1)),
            undefined,
            'int32',
          ),
        )
        .dataSync(),
    )[0];
    model.dispose();
    expect(Math.abs(loss - Math.log(50257))).toBeLessThan(0.3);
  });
});
