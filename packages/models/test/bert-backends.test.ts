/**
 * BERT on wasm and on native (where built) equals cpu: a loss through the
 * pooler, with a padded row and a pair, and the gradient of every tensor.
 * (cpu itself is checked against a float64 reference in bert-model.test.ts.)
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { bertConfig } from '../src/bert/config.js';
import { Bert } from '../src/bert/model.js';
import { expectClose, gradientsOn } from './helpers/compare-backends.js';
import { NATIVE_BUILT, nativeSuite } from './helpers/native.js';

const config = bertConfig({
  vocabSize: 40,
  hidden: 16,
  layers: 2,
  heads: 2,
  intermediate: 32,
  maxPositions: 16,
});
const ids = [
  [2, 11, 27, 3, 9, 14, 3],
  [2, 30, 5, 3, 0, 0, 0],
];
const types = [
  [0, 0, 0, 0, 1, 1, 1],
  [0, 0, 0, 0, 0, 0, 0],
];
const mask = [
  [1, 1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 0, 0, 0],
];

/** Seeded weights (the same on every backend), loss = Σ pooled·w + mean of the hidden states squared. */
function buildBert() {
  const model = new Bert(config, { seed: 11 });
  const variables = Object.fromEntries(model.parameters.map((p) => [p.name, p.variable]));
  const loss = () => {
    const { sequence, pooled } = model.forward({
      inputIds: tf.tensor2d(ids, [2, 7], 'int32'),
      tokenTypeIds: tf.tensor2d(types, [2, 7], 'int32'),
      attentionMask: tf.tensor2d(mask, [2, 7], 'int32'),
    });
    const weights = tf.linspace(-1, 1, config.hidden);
    return tf.add(tf.sum(tf.mul(pooled!, weights)), tf.mean(tf.square(sequence))) as tf.Scalar;
  };
  return { loss, variables };
}

/**
 * The key bias adds q·b_k to every score of a query's row, which softmax
 * ignores: its gradient is 0 up to rounding noise, which differs per backend.
 * Checked to be tiny, then left out of the comparison.
 */
function withoutKeyBias(r: Awaited<ReturnType<typeof gradientsOn>>) {
  for (const [name, g] of r.grads) {
    if (!name.endsWith('attention.self.key.bias')) continue;
    expect(Math.max(...Array.from(g, Math.abs)), `${r.backend} ${name}`).toBeLessThan(1e-9);
    r.grads.delete(name);
  }
  return r;
}

describe('BERT on wasm equals cpu', () => {
  test('loss and the gradient of every tensor (2 layers, pair + padded row)', async () => {
    const cpu = withoutKeyBias(await gradientsOn('cpu', buildBert));
    const wasm = withoutKeyBias(await gradientsOn('wasm', buildBert));
    expect(cpu.grads.size).toBe(5 + 15 * config.layers + 2);
    expectClose(wasm, cpu, 1e-5);
  });
});

describe.skipIf(!NATIVE_BUILT)(nativeSuite('BERT on native equals cpu'), () => {
  test('loss and the gradient of every tensor', async () => {
    const cpu = withoutKeyBias(await gradientsOn('cpu', buildBert));
    const native = withoutKeyBias(await gradientsOn('native', buildBert));
    expectClose(native, cpu, 1e-5);
  });
});
