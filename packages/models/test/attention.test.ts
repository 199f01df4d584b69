import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ATTENTION_WORKED_EXAMPLE,
  attentionSteps,
  multiHeadAttention,
  scaledDotProductAttention,
} from '../src/attention.js';
import { selectBackend } from '../src/backend.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

function expectRowsClose(actual: number[][], expected: number[][], digits = 5): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => {
    expect(row.length).toBe(expected[i].length);
    row.forEach((a, j) => {
      if (expected[i][j] === Number.NEGATIVE_INFINITY)
        expect(a, `[${i}][${j}]`).toBe(Number.NEGATIVE_INFINITY);
      else expect(a, `[${i}][${j}]`).toBeCloseTo(expected[i][j], digits);
    });
  });
}

// The worked example by hand. Q = K = rows (1,0), (0,1), (1,1); V = rows (1,0), (0,2), (3,1); d_k = 2.
const s = 1 / Math.SQRT2; // 1/sqrt(d_k) = 0.70711
const NEG = Number.NEGATIVE_INFINITY;
// scores = Q·Kᵀ: entry (i, j) = q_i·k_j, e.g. (2, 2) = (1,1)·(1,1) = 2
const scores = [
  [1, 0, 1],
  [0, 1, 1],
  [1, 1, 2],
];
// scaled = scores / sqrt(2)
const scaled = [
  [s, 0, s],
  [0, s, s],
  [s, s, 2 * s],
];
// causal: query i sees keys j ≤ i, the rest become −∞ (weight e^−∞ = 0)
const masked = [
  [s, NEG, NEG],
  [0, s, NEG],
  [s, s, 2 * s],
];
// softmax per row. row 0: only key 0 -> 1.
// row 1: e^0 / (e^0 + e^s) = 1 / (1 + 2.02811) = 0.33024, and e^s / (1 + e^s) = 0.66976.
// row 2: e^s = 2.02811 twice and e^(2s) = 4.11325, sum 8.16947: 0.24826, 0.24826, 0.50349.
const weights = [
  [1, 0, 0],
  [0.33024, 0.66976, 0],
  [0.24826, 0.24826, 0.50349],
];
// output = weights·V. row 1: 0.33024·(1,0) + 0.66976·(0,2) = (0.33024, 1.33952).
// row 2: 0.24826·(1,0) + 0.24826·(0,2) + 0.50349·(3,1) = (0.24826 + 1.51047, 0.49652 + 0.50349) = (1.75873, 1.00000)
// (the second entry is exactly 1: (2e^s + e^2s) / (2e^s + e^2s)).
const output = [
  [1, 0],
  [0.33024, 1.33952],
  [1.75873, 1.0],
];

describe('attentionSteps: the 3-token, d_k = 2 worked example', () => {
  it('gives the hand-computed scores, scaling, causal mask, softmax and weighted values', () => {
    const steps = attentionSteps(); // defaults: the worked example, causal
    expectRowsClose(steps.scores, scores);
    expectRowsClose(steps.scaled, scaled);
    expectRowsClose(steps.masked, masked);
    expectRowsClose(steps.weights, weights, 4);
    expectRowsClose(steps.output, output, 4);
  });

  it('agrees with scaledDotProductAttention (what GPT-2 runs) on the same example', () => {
    const as4d = (rows: readonly (readonly number[])[]) => tf.tensor4d([[rows.map((r) => [...r])]]);
    const [q, k, v] = [
      ATTENTION_WORKED_EXAMPLE.q,
      ATTENTION_WORKED_EXAMPLE.k,
      ATTENTION_WORKED_EXAMPLE.v,
    ].map(as4d);
    const res = scaledDotProductAttention(q, k, v, { causal: true });
    expectRowsClose((res.weights.arraySync() as number[][][][])[0][0], weights, 4);
    expectRowsClose((res.output.arraySync() as number[][][][])[0][0], output, 4);
    tf.dispose([q, k, v, res.weights, res.output]);
  });

  it('padding mask: the third token is padding, no causal mask', () => {
    // every query sees keys 0 and 1 only. row 0 scaled (s, 0): e^s/(e^s+1) = 0.66976, 0.33024.
    // row 1 (0, s): 0.33024, 0.66976. row 2 (s, s): 0.5, 0.5.
    const padWeights = [
      [0.66976, 0.33024, 0],
      [0.33024, 0.66976, 0],
      [0.5, 0.5, 0],
    ];
    // output rows: w0·(1,0) + w1·(0,2)
    const padOutput = [
      [0.66976, 0.66048],
      [0.33024, 1.33952],
      [0.5, 1.0],
    ];
    const steps = attentionSteps(undefined, undefined, undefined, { keyMask: [1, 1, 0] });
    expectRowsClose(steps.masked, [
      [s, 0, NEG],
      [0, s, NEG],
      [s, s, NEG],
    ]);
    expectRowsClose(steps.weights, padWeights, 4);
    expectRowsClose(steps.output, padOutput, 4);
    // the same through scaledDotProductAttention's [B, Tk] padding mask, batch of 2 where
    // the second sequence has no padding (its weights must be the unmasked softmax)
    const ex = ATTENTION_WORKED_EXAMPLE;
    const batch = (rows: readonly (readonly number[])[]) =>
      tf.tensor4d([[rows.map((r) => [...r])], [rows.map((r) => [...r])]]);
    const [q, k, v] = [ex.q, ex.k, ex.v].map(batch);
    const paddingMask = tf.tensor2d([
      [1, 1, 0],
      [1, 1, 1],
    ]);
    const res = scaledDotProductAttention(q, k, v, { paddingMask });
    const w = res.weights.arraySync() as number[][][][];
    expectRowsClose(w[0][0], padWeights, 4);
    expectRowsClose(w[1][0], attentionSteps(ex.q, ex.k, ex.v, {}).weights, 5);
    expect(w[1][0][0][2]).toBeGreaterThan(0.3);
    expectRowsClose((res.output.arraySync() as number[][][][])[0][0], padOutput, 4);
    tf.dispose([q, k, v, paddingMask, res.weights, res.output]);
  });
});

/** Multi-head self-attention in float64 with loops: the independent reference. */
function referenceMha(
  x: number[][][], // [B][T][C]
  wq: number[][],
  wk: number[][],
  wv: number[][], // (out, in)
  bq: number[],
  bk: number[],
  bv: number[],
  wo: number[][],
  bo: number[],
  heads: number,
  causal: boolean,
  keep?: number[][], // [B][T]
): number[][][] {
  const lin = (w: number[][], b: number[], row: number[]) =>
    w.map((wr, o) => b[o] + wr.reduce((a, wi, i) => a + wi * row[i], 0));
  return x.map((seq, bi) => {
    const T = seq.length;
    const C = seq[0].length;
    const hs = C / heads;
    const q = seq.map((r) => lin(wq, bq, r));
    const k = seq.map((r) => lin(wk, bk, r));
    const v = seq.map((r) => lin(wv, bv, r));
    const y = seq.map(() => new Array<number>(C).fill(0));
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < T; i++) {
        const logits: number[] = [];
        for (let j = 0; j < T; j++) {
          let dot = 0;
          for (let c = h * hs; c < (h + 1) * hs; c++) dot += q[i][c] * k[j][c];
          const dropped = (causal && j > i) || (keep !== undefined && keep[bi][j] === 0);
          logits.push(dropped ? Number.NEGATIVE_INFINITY : dot / Math.sqrt(hs));
        }
        const max = Math.max(...logits);
        const e = logits.map((l) => Math.exp(l - max));
        const sum = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j < T; j++) {
          for (let c = h * hs; c < (h + 1) * hs; c++) y[i][c] += (e[j] / sum) * v[j][c];
        }
      }
    }
    return y.map((r) => lin(wo, bo, r));
  });
}

describe('multiHeadAttention', () => {
  let seed = 1;
  const rand = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647 - 0.5;
  };
  const matrix = (r: number, c: number) => Array.from({ length: r }, () => Array.from({ length: c }, rand));
  const [B, T, C, H] = [2, 3, 4, 2];
  const x = Array.from({ length: B }, () => matrix(T, C));
  const [wq, wk, wv, wo] = [matrix(C, C), matrix(C, C), matrix(C, C), matrix(C, C)];
  const [bq, bk, bv, bo] = [matrix(1, C)[0], matrix(1, C)[0], matrix(1, C)[0], matrix(1, C)[0]];

  const cases = [
    { label: 'causal, fused QKV (GPT-2)', causal: true, keep: undefined, fused: true },
    {
      label: 'padding mask, separate Q/K/V (BERT)',
      causal: false,
      keep: [
        [1, 1, 0],
        [1, 1, 1],
      ],
      fused: false,
    },
  ];
  it.each(cases)('equals a loop implementation: $label', ({ causal, keep, fused }) => {
    const expected = referenceMha(x, wq, wk, wv, bq, bk, bv, wo, bo, H, causal, keep);
    const t2 = (m: number[][]) => tf.tensor2d(m);
    const t1 = (v: number[]) => tf.tensor1d(v);
    const proj = { weight: t2(wo), bias: t1(bo) };
    const weights = fused
      ? { qkv: { weight: t2([...wq, ...wk, ...wv]), bias: t1([...bq, ...bk, ...bv]) }, proj }
      : {
          q: { weight: t2(wq), bias: t1(bq) },
          k: { weight: t2(wk), bias: t1(bk) },
          v: { weight: t2(wv), bias: t1(bv) },
          proj,
        };
    const paddingMask = keep ? tf.tensor2d(keep) : undefined;
    const xt = tf.tensor3d(x);
    const res = multiHeadAttention(xt, weights, { heads: H, causal, paddingMask });
    expect(res.weights.shape).toEqual([B, H, T, T]);
    const got = res.output.arraySync() as number[][][];
    got.forEach((seq, b) => {
      expectRowsClose(seq, expected[b], 5);
    });
    tf.dispose([xt, res.output, res.weights, proj.weight, proj.bias as tf.Tensor]);
    if (paddingMask) paddingMask.dispose();
  });

  it('rejects channels that do not split into the heads', () => {
    const xt = tf.zeros([1, 2, 6]) as tf.Tensor3D;
    const w = tf.zeros([18, 6]) as tf.Tensor2D;
    const p = tf.zeros([6, 6]) as tf.Tensor2D;
    expect(() => multiHeadAttention(xt, { qkv: { weight: w }, proj: { weight: p } }, { heads: 4 })).toThrow(
      /6 channels do not split into 4 heads/,
    );
    tf.dispose([xt, w, p]);
  });
});
