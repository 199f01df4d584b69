import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { gpt2Config, numParameters, parameterTensors } from '../src/gpt2/config.js';
import { GPT2 } from '../src/gpt2/model.js';
import { referenceLogits, referenceLoss } from './helpers/reference-gpt2.js';

// Tiny model: V=50 (padded to 128), maxT 16, 2 layers, 8 channels, 2 heads.
const config = gpt2Config({ depth: 2, channels: 8, heads: 2, maxSeqLen: 16, vocabSize: 50 });

/** Deterministic non-trivial parameters: N(0, 0.3)-ish values, LN weights near 1, padded rows 0. */
function randomFlat(seed: number): Float32Array {
  const flat = new Float32Array(numParameters(config));
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  for (const t of parameterTensors(config)) {
    for (let i = 0; i < t.size; i++) {
      const isLnWeight = t.name === 'ln1w' || t.name === 'ln2w' || t.name === 'lnfw';
      flat[t.offset + i] = isLnWeight ? 1 + rand() * 0.4 : rand() * 0.6;
    }
  }
  const wte = parameterTensors(config)[0];
  flat.fill(0, wte.offset + config.vocabSize * config.channels, wte.offset + wte.size);
  return flat;
}

const tokens = [
  [3, 17, 49, 0, 8, 8],
  [22, 1, 5, 40, 33, 2],
];
const targets = [
  [17, 49, 0, 8, 8, 11],
  [1, 5, 40, 33, 2, 9],
];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('GPT2 against an independent float64 implementation', () => {
  test('parameter counts equal llm.c for the course models', () => {
    expect(numParameters(gpt2Config({ depth: 12, channels: 768, heads: 12 }))).toBe(124_475_904);
    expect(numParameters(gpt2Config({ depth: 6, channels: 384, heads: 6 }))).toBe(30_357_504);
    expect(numParameters(gpt2Config({ depth: 1, channels: 64, heads: 1 }))).toBe(3_335_104);
  });

  test('logits and loss match', () => {
    const flat = randomFlat(7);
    const model = new GPT2(config, flat);
    const logits = tf.tidy(() => model.forward(tf.tensor2d(tokens, undefined, 'int32')).arraySync());
    const expected = referenceLogits(config, flat, tokens);
    expect(logits.length).toBe(2);
    expect(logits[0][0].length).toBe(config.vocabSize);
    for (let b = 0; b < 2; b++)
      for (let t = 0; t < 6; t++)
        for (let v = 0; v < config.vocabSize; v++) expect(logits[b][t][v]).toBeCloseTo(expected[b][t][v], 4);
    const loss = tf.tidy(
      () =>
        model
          .loss(tf.tensor2d(tokens, undefined, 'int32'), tf.tensor2d(targets, undefined, 'int32'))
          .dataSync()[0],
    );
    expect(loss).toBeCloseTo(referenceLoss(config, flat, tokens, targets), 5);
    model.dispose();
  });

  test('gradients match central finite differences of the reference', () => {
    const flat = randomFlat(11);
    const model = new GPT2(config, flat);
    const x = tf.tensor2d(tokens, undefined, 'int32');
    const y = tf.tensor2d(targets, undefined, 'int32');
    const { grads } = tf.variableGrads(() => model.loss(x, y), model.variables());
    const gradOf = (name: string, layer: number) => {
      const p = model.parameters.find((q) => q.name === name && q.layer === layer)!;
      return { p, g: grads[p.variable.name].dataSync() };
    };
    const f64 = Float64Array.from(flat);
    const eps = 1e-5;
    // A few elements of every tensor kind, in both layers where per layer.
    const probes: [string, number, number][] = [
      ['wte', -1, 3 * 8 + 2], // a token row used as input and as an output class
      ['wte', -1, 11 * 8 + 5], // a row used only as an output class
      ['wpe', -1, 4 * 8 + 1],
      ['ln1w', 0, 3],
      ['ln1b', 1, 6],
      ['qkvw', 0, 9 * 8 + 3], // a K row
      ['qkvw', 1, 2 * 8 + 7], // a Q row
      ['qkvb', 1, 20], // a V bias
      ['attprojw', 1, 13],
      ['attprojb', 0, 2],
      ['ln2w', 1, 0],
      ['ln2b', 0, 7],
      ['fcw', 0, 100],
      ['fcb', 1, 31],
      ['fcprojw', 1, 77],
      ['fcprojb', 0, 5],
      ['lnfw', -1, 4],
      ['lnfb', -1, 1],
    ];
    for (const [name, layer, i] of probes) {
      const { p, g } = gradOf(name, layer);
      const at = p.offset + i;
      const saved = f64[at];
      f64[at] = saved + eps;
      const up = referenceLoss(config, f64, tokens, targets);
      f64[at] = saved - eps;
      const down = referenceLoss(config, f64, tokens, targets);
      f64[at] = saved;
      const numeric = (up - down) / (2 * eps);
      expect(Math.abs(g[i] - numeric), `${name}[${layer}][${i}]: ${g[i]} vs ${numeric}`).toBeLessThan(
        2e-4 + 1e-3 * Math.abs(numeric),
      );
    }
    // Padded vocabulary rows never receive gradient (they never reach the softmax).
    const { g: wteGrad } = gradOf('wte', -1);
    expect(wteGrad.subarray(config.vocabSize * config.channels).every((v) => v === 0)).toBe(true);
    tf.dispose([x, y, ...Object.values(grads)]);
    model.dispose();
  });

  test('toFlat returns the parameters in file order and load copies them back', () => {
    const flat = randomFlat(3);
    const model = new GPT2(config, flat);
    expect(model.toFlat()).toEqual(flat);
    const other = randomFlat(4);
    model.load(other);
    expect(model.toFlat()).toEqual(other);
    model.dispose();
  });

  test('a training step leaks no tensors', () => {
    const model = new GPT2(config, randomFlat(5));
    const optimizer = tf.train.adam(1e-3);
    const x = tf.tensor2d(tokens, undefined, 'int32');
    const y = tf.tensor2d(targets, undefined, 'int32');
    const step = () => optimizer.minimize(() => model.loss(x, y), true, model.variables())?.dispose();
    step(); // the optimizer creates its slots on the first step
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  });

  test('rejects a parameter array of the wrong size and a sequence longer than maxT', () => {
    expect(() => new GPT2(config, new Float32Array(10))).toThrow(/expected \d+/);
    const model = new GPT2(config, randomFlat(1));
    expect(() => model.forward(tf.zeros([1, 17], 'int32') as tf.Tensor2D)).toThrow(/maxT 16/);
    model.dispose();
  });
});
