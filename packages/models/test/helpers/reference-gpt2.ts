/**
 * A second, independent GPT-2: plain loops in float64 straight from the
 * architecture description (llm.c's CPU forward pass in spirit), used to check
 * the tfjs model's logits, loss and (by finite differences) its gradients.
 * `scales` changes the two forward constants muP changes: the attention
 * softmax scale (default 1/√hs) and a multiplier on the logits (default 1).
 */
import { type GPT2Config, parameterTensors } from '../../src/gpt2/config.js';

export interface ReferenceScales {
  attention?: number;
  logits?: number;
}

export function referenceLoss(
  config: GPT2Config,
  flat: ArrayLike<number>,
  tokens: number[][],
  targets: number[][],
  scales: ReferenceScales = {},
) {
  const logits = referenceLogits(config, flat, tokens, scales);
  let total = 0;
  let count = 0;
  const V = config.vocabSize;
  logits.forEach((row, b) => {
    row.forEach((z, t) => {
      let max = -Infinity;
      for (let i = 0; i < V; i++) max = Math.max(max, z[i]);
      let sum = 0;
      for (let i = 0; i < V; i++) sum += Math.exp(z[i] - max);
      total += Math.log(sum) + max - z[targets[b][t]];
      count++;
    });
  });
  return total / count;
}

/** logits[b][t][v] over the real vocabulary V. */
export function referenceLogits(
  config: GPT2Config,
  flat: ArrayLike<number>,
  tokens: number[][],
  scales: ReferenceScales = {},
): number[][][] {
  const { channels: C, numHeads: NH, numLayers: L, vocabSize: V } = config;
  const hs = C / NH;
  const attentionScale = scales.attention ?? 1 / Math.sqrt(hs);
  const logitScale = scales.logits ?? 1;
  const off = Object.fromEntries(parameterTensors(config).map((t) => [t.name, t.offset]));
  const p = (name: string, i: number) => flat[off[name] + i];
  const layerNorm = (x: number[], wName: string, bName: string, l: number) => {
    const mean = x.reduce((a, b) => a + b, 0) / C;
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / C;
    const rstd = 1 / Math.sqrt(variance + 1e-5);
    return x.map((v, i) => (v - mean) * rstd * p(wName, l * C + i) + p(bName, l * C + i));
  };
  // y[o] = b[o] + Σ_i x[i]·W[o·IN + i], W given as (name, layer base offset)
  const matvec = (x: number[], w: string, wBase: number, b: string | null, bBase: number, out: number) => {
    const y = new Array(out).fill(0);
    for (let o = 0; o < out; o++) {
      let s = b ? p(b, bBase + o) : 0;
      for (let i = 0; i < x.length; i++) s += x[i] * p(w, wBase + o * x.length + i);
      y[o] = s;
    }
    return y;
  };
  const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

  return tokens.map((seq) => {
    let xs = seq.map((tok, t) =>
      Array.from({ length: C }, (_, c) => p('wte', tok * C + c) + p('wpe', t * C + c)),
    );
    for (let l = 0; l < L; l++) {
      const qkv = xs.map((x) =>
        matvec(layerNorm(x, 'ln1w', 'ln1b', l), 'qkvw', l * 3 * C * C, 'qkvb', l * 3 * C, 3 * C),
      );
      const att = xs.map((_, t) => {
        const y = new Array(C).fill(0);
        for (let h = 0; h < NH; h++) {
          const scores: number[] = [];
          for (let s = 0; s <= t; s++) {
            let dot = 0;
            for (let i = 0; i < hs; i++) dot += qkv[t][h * hs + i] * qkv[s][C + h * hs + i];
            scores.push(dot * attentionScale);
          }
          const max = Math.max(...scores);
          const e = scores.map((s) => Math.exp(s - max));
          const z = e.reduce((a, b) => a + b, 0);
          for (let s = 0; s <= t; s++)
            for (let i = 0; i < hs; i++) y[h * hs + i] += (e[s] / z) * qkv[s][2 * C + h * hs + i];
        }
        return y;
      });
      xs = xs.map((x, t) => {
        const proj = matvec(att[t], 'attprojw', l * C * C, 'attprojb', l * C, C);
        const x1 = x.map((v, i) => v + proj[i]);
        const fc = matvec(
          layerNorm(x1, 'ln2w', 'ln2b', l),
          'fcw',
          l * 4 * C * C,
          'fcb',
          l * 4 * C,
          4 * C,
        ).map(gelu);
        const out = matvec(fc, 'fcprojw', l * 4 * C * C, 'fcprojb', l * C, C);
        return x1.map((v, i) => v + out[i]);
      });
    }
    return xs.map((x) =>
      matvec(layerNorm(x, 'lnfw', 'lnfb', 0), 'wte', 0, null, 0, V).map((z) => z * logitScale),
    );
  });
}
