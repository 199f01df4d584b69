/**
 * Text generation: GPT-2's BPE (gpt-tokenizer's r50k_base, the same ids as
 * tiktoken's "gpt2") and temperature / top-k sampling from the model's logits.
 */
import * as tf from '@tensorflow/tfjs';
import { MT19937 } from '../rand/mt19937.js';
import { tidyRead } from '../tidy-read.js';
import { decodeText, encodeOrdinary } from './bpe.js';
import { GPT2_EOT } from './config.js';
import type { GPT2 } from './model.js';

export interface SampleOptions {
  /** Tokens to generate (llm.c -g, default 64). */
  maxTokens?: number;
  /** Softmax temperature; 0 = greedy (argmax). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 = all). Default 0. */
  topK?: number;
  seed?: number;
  /** Stop at the end-of-text token. Default true. */
  stopAtEot?: boolean;
}

/** Continues `prompt` (text, or ids; empty = start from <|endoftext|> as llm.c does) and returns the new ids. */
export function sampleTokens(model: GPT2, prompt: number[], opts: SampleOptions = {}): number[] {
  const { maxTokens = 64, temperature = 1, topK = 0, seed = 1337, stopAtEot = true } = opts;
  const rng = new MT19937(seed);
  const context = prompt.length ? [...prompt] : [GPT2_EOT];
  const generated: number[] = [];
  for (let i = 0; i < maxTokens; i++) {
    const window = context.slice(-model.config.maxSeqLen);
    const logits = tidyRead(() => {
      const all = model.forward(tf.tensor2d([window], [1, window.length], 'int32'));
      return tf.slice(all, [0, window.length - 1, 0], [1, 1, -1]);
    });
    const next = pickToken(logits, temperature, topK, rng.randFloat32());
    generated.push(next);
    context.push(next);
    if (stopAtEot && next === GPT2_EOT) break;
  }
  return generated;
}

export function sample(model: GPT2, prompt: string, opts: SampleOptions = {}): string {
  return decodeText(sampleTokens(model, encodeOrdinary(prompt), opts).filter((t) => t !== GPT2_EOT));
}

/** Draws one token from softmax(logits / temperature) restricted to the top k, using uniform u in [0,1). */
export function pickToken(logits: ArrayLike<number>, temperature: number, topK: number, u: number): number {
  const ids = Array.from({ length: logits.length }, (_, i) => i);
  if (temperature <= 0) return ids.reduce((best, i) => (logits[i] > logits[best] ? i : best), 0);
  let candidates = ids;
  if (topK > 0 && topK < ids.length) candidates = ids.sort((a, b) => logits[b] - logits[a]).slice(0, topK);
  let max = Number.NEGATIVE_INFINITY;
  for (const i of candidates) max = Math.max(max, logits[i]);
  const weights = candidates.map((i) => Math.exp((logits[i] - max) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let cdf = 0;
  for (let k = 0; k < candidates.length; k++) {
    cdf += weights[k] / total;
    if (u < cdf) return candidates[k];
  }
  return candidates[candidates.length - 1];
}
