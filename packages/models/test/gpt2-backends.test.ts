import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { gpt2Config } from '../src/gpt2/config.js';
import { initParametersLlmc } from '../src/gpt2/init.js';
import { GPT2 } from '../src/gpt2/model.js';
import { expectClose, gradientsOn } from './helpers/compare-backends.js';

// d2 so per-layer variables of more than one layer are compared; vocab 64 padded to 128.
const config = gpt2Config({ depth: 2, channels: 16, heads: 2, vocabSize: 64, maxSeqLen: 32 });
const B = 2;
const T = 8;

/** Fixed tokens in [0, 64) (a small LCG), the same on every backend. */
function tokenRows(seed: number): number[][] {
  let s = seed >>> 0;
  return Array.from({ length: B }, () =>
    Array.from({ length: T + 1 }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s % config.vocabSize;
    }),
  );
}
const rows = tokenRows(17);
const inputs = rows.map((r) => r.slice(0, T));
const targets = rows.map((r) => r.slice(1));

/** A GPT2 with llm.c's init on the current backend; its loss and its variables by llm.c name and layer. */
function buildGpt2() {
  const model = new GPT2(config, initParametersLlmc(config));
  const variables = Object.fromEntries(model.parameters.map((p) => [`${p.name}:${p.layer}`, p.variable]));
  const loss = () => model.loss(tf.tensor2d(inputs, [B, T], 'int32'), tf.tensor2d(targets, [B, T], 'int32'));
  return { loss, variables };
}

describe('GPT2 on wasm equals cpu', () => {
  test('loss and the gradient of every variable (llm.c init, B 2 T 8)', async () => {
    const cpu = await gradientsOn('cpu', buildGpt2);
    const wasm = await gradientsOn('wasm', buildGpt2);
    // every llm.c tensor of every layer was compared
    expect(cpu.grads.size).toBe(2 + 12 * config.numLayers + 2);
    // and the gradients are not trivially zero
    const qkvw = cpu.grads.get('qkvw:1') ?? new Float32Array();
    expect(Math.max(...Array.from(qkvw, Math.abs))).toBeGreaterThan(1e-6);
    expectClose(wasm, cpu, 1e-5);
  });

  test('forward logits', async () => {
    const logitsOn = async (backend: 'cpu' | 'wasm') => {
      await selectBackend(backend);
      expect(tf.getBackend()).toBe(backend);
      const model = new GPT2(config, initParametersLlmc(config));
      const logits = tf.tidy(() => model.forward(tf.tensor2d(inputs, [B, T], 'int32')));
      const values = (await logits.data()) as Float32Array;
      expect(logits.shape).toEqual([B, T, config.vocabSize]);
      tf.dispose(logits);
      model.dispose();
      return values;
    };
    const cpu = await logitsOn('cpu');
    const wasm = await logitsOn('wasm');
    expect(cpu.length).toBe(B * T * config.vocabSize);
    expectClose(wasm, cpu, 1e-5);
  });
});
