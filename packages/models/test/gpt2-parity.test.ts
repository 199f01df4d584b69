/**
 * llm.c parity on the backend under test: GPT-2 with llm.c's parameter layout
 * against the independent float64 implementation (helpers/reference-gpt2.ts)
 * and its gradients against the cpu backend's. The backend is COURSE_BACKEND's
 * (default auto, the best one here), so on a GPU machine
 *
 *   COURSE_BACKEND=webgpu npx vitest run packages/models/test/gpt2-parity.test.ts
 *
 * is the parity check of the GPU path (bench/gpu-check.sh runs it); a backend
 * named there that cannot run fails the file with the reason.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { type BackendName, selectBackend } from '../src/backend.js';
import { type GPT2Config, gpt2Config, numParameters, parameterTensors } from '../src/gpt2/config.js';
import { initParametersLlmc } from '../src/gpt2/init.js';
import { GPT2 } from '../src/gpt2/model.js';
import { expectClose, gradientsOn } from './helpers/compare-backends.js';
import { referenceLogits, referenceLoss } from './helpers/reference-gpt2.js';

let backend: BackendName;
beforeAll(async () => {
  backend = (await selectBackend()).name;
});

/** Makes the backend under test active again (gradientsOn may have switched to cpu). */
async function onBackend(): Promise<void> {
  await selectBackend(backend);
  expect(tf.getBackend()).toBe(backend === 'tensorflow-gpu' ? 'tensorflow' : backend);
}

/** A small LCG in [-0.5, 0.5), the same numbers on every run. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
}

/** Parameters far from init (N(0, 0.3)-ish, LayerNorm weights near 1) with llm.c's zero padded wte rows. */
function randomFlat(config: GPT2Config, seed: number): Float32Array {
  const flat = new Float32Array(numParameters(config));
  const rand = lcg(seed);
  for (const t of parameterTensors(config)) {
    const lnWeight = t.name === 'ln1w' || t.name === 'ln2w' || t.name === 'lnfw';
    for (let i = 0; i < t.size; i++) flat[t.offset + i] = lnWeight ? 1 + rand() * 0.4 : rand() * 0.6;
  }
  const wte = parameterTensors(config)[0];
  flat.fill(0, wte.offset + config.vocabSize * config.channels, wte.offset + wte.size);
  return flat;
}

/** B rows of T + 1 tokens in [0, V): inputs are the first T, targets the last T. */
function tokenRows(V: number, B: number, T: number, seed: number) {
  const rand = lcg(seed);
  const rows = Array.from({ length: B }, () =>
    Array.from({ length: T + 1 }, () => Math.floor((rand() + 0.5) * V)),
  );
  return { tokens: rows.map((r) => r.slice(0, T)), targets: rows.map((r) => r.slice(1)) };
}

function lossOf(model: GPT2, tokens: number[][], targets: number[][]): number {
  return tf.tidy(
    () =>
      model
        .loss(tf.tensor2d(tokens, undefined, 'int32'), tf.tensor2d(targets, undefined, 'int32'))
        .dataSync()[0],
  );
}

describe('GPT-2 on the backend under test equals the llm.c-layout references', () => {
  test('logits and loss equal the float64 reference (d2 c8 h2, V 50, B 2 T 6)', async () => {
    await onBackend();
    const config = gpt2Config({ depth: 2, channels: 8, heads: 2, maxSeqLen: 16, vocabSize: 50 });
    const flat = randomFlat(config, 7);
    const { tokens, targets } = tokenRows(config.vocabSize, 2, 6, 5);
    const model = new GPT2(config, flat);
    const logits = tf.tidy(() => model.forward(tf.tensor2d(tokens, undefined, 'int32')));
    expect(logits.shape).toEqual([2, 6, config.vocabSize]);
    const ours = (await logits.data()) as Float32Array;
    logits.dispose();
    const expected = referenceLogits(config, flat, tokens).flat(2);
    // far from constant, so agreeing means every weight landed where llm.c puts it
    expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(1);
    expectClose(ours, expected, 1e-5);
    const loss = lossOf(model, tokens, targets);
    model.dispose();
    const reference = referenceLoss(config, flat, tokens, targets);
    expect(Math.abs(loss - reference)).toBeLessThan(1e-4);
  });

  test("llm.c's init with the full GPT-2 vocabulary (d1 c64 h1, B 1 T 8): loss equals the reference", async () => {
    await onBackend();
    const config = gpt2Config({ depth: 1, channels: 64, heads: 1 });
    const flat = initParametersLlmc(config);
    const { tokens, targets } = tokenRows(config.vocabSize, 1, 8, 7);
    const model = new GPT2(config, flat);
    const loss = lossOf(model, tokens, targets);
    model.dispose();
    const reference = referenceLoss(config, flat, tokens, targets);
    expect(Math.abs(reference - Math.log(50257))).toBeLessThan(0.3);
    expect(Math.abs(loss - reference)).toBeLessThan(1e-4);
  });

  test("loss and every llm.c tensor's gradient equal the cpu backend's (llm.c init, d2 c16 h2, B 2 T 8)", async () => {
    const config = gpt2Config({ depth: 2, channels: 16, heads: 2, vocabSize: 64, maxSeqLen: 32 });
    const { tokens, targets } = tokenRows(config.vocabSize, 2, 8, 17);
    const build = () => {
      const model = new GPT2(config, initParametersLlmc(config));
      const variables = Object.fromEntries(model.parameters.map((p) => [`${p.name}:${p.layer}`, p.variable]));
      const loss = () =>
        model.loss(tf.tensor2d(tokens, [2, 8], 'int32'), tf.tensor2d(targets, [2, 8], 'int32'));
      return { loss, variables };
    };
    const ours = await gradientsOn(backend, build);
    const cpu = await gradientsOn('cpu', build);
    expect(ours.grads.size).toBe(2 + 12 * config.numLayers + 2);
    expectClose(ours, cpu, 1e-4);
  });
});
