/**
 * BERT's forward pass in plain float64 JavaScript, written from the paper and
 * transformers' modeling_bert.py, sharing no code with src/bert: the
 * independent value the tfjs model is checked against.
 *
 * Weights: Hugging Face names, matrices [out, in] row-major.
 */

export interface RefTensor {
  shape: number[];
  data: Float32Array;
}

export interface RefConfig {
  hidden: number;
  heads: number;
  layers: number;
  eps: number;
}

type Vec = number[];

/** erf to ~1e-15: Maclaurin series below 2.5, the erfc continued fraction above. */
export function erf64(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  let k = ax;
  for (let n = 80; n >= 1; n--) k = ax + n / 2 / k;
  const erfc = Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * k);
  return Math.sign(x) * (1 - erfc);
}

const gelu = (x: number) => 0.5 * x * (1 + erf64(x / Math.SQRT2));

function dense(w: RefTensor, b: RefTensor, x: Vec): Vec {
  const [out, inp] = w.shape;
  const y: Vec = [];
  for (let o = 0; o < out; o++) {
    let s = b.data[o];
    for (let i = 0; i < inp; i++) s += w.data[o * inp + i] * x[i];
    y.push(s);
  }
  return y;
}

function norm(w: RefTensor, b: RefTensor, x: Vec, eps: number): Vec {
  const mean = x.reduce((a, v) => a + v, 0) / x.length;
  const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / x.length;
  return x.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * w.data[i] + b.data[i]);
}

/**
 * One sequence: ids, token types and mask [T] -> { sequence [T][C], pooled [C] }.
 * Attention ignores keys whose mask is 0.
 */
export function referenceBert(
  w: ReadonlyMap<string, RefTensor>,
  c: RefConfig,
  ids: number[],
  types: number[],
  mask: number[],
): { sequence: number[][]; pooled: number[] } {
  const get = (name: string) => {
    const t = w.get(name);
    if (!t) throw new Error(`reference: no tensor ${name}`);
    return t;
  };
  const C = c.hidden;
  const hs = C / c.heads;
  const row = (t: RefTensor, r: number) => Array.from(t.data.subarray(r * C, (r + 1) * C));
  let x = ids.map((id, t) => {
    const word = row(get('embeddings.word_embeddings.weight'), id);
    const pos = row(get('embeddings.position_embeddings.weight'), t);
    const type = row(get('embeddings.token_type_embeddings.weight'), types[t]);
    const sum = word.map((v, i) => v + pos[i] + type[i]);
    return norm(get('embeddings.LayerNorm.weight'), get('embeddings.LayerNorm.bias'), sum, c.eps);
  });
  for (let l = 0; l < c.layers; l++) {
    const p = (s: string) => get(`encoder.layer.${l}.${s}`);
    const q = x.map((v) => dense(p('attention.self.query.weight'), p('attention.self.query.bias'), v));
    const k = x.map((v) => dense(p('attention.self.key.weight'), p('attention.self.key.bias'), v));
    const vv = x.map((v) => dense(p('attention.self.value.weight'), p('attention.self.value.bias'), v));
    const context = x.map((_, i) => {
      const out: Vec = new Array(C).fill(0);
      for (let h = 0; h < c.heads; h++) {
        const scores = k.map((kj, j) => {
          if (mask[j] === 0) return Number.NEGATIVE_INFINITY;
          let s = 0;
          for (let d = 0; d < hs; d++) s += q[i][h * hs + d] * kj[h * hs + d];
          return s / Math.sqrt(hs);
        });
        const max = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - max));
        const total = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j < k.length; j++) {
          for (let d = 0; d < hs; d++) out[h * hs + d] += (e[j] / total) * vv[j][h * hs + d];
        }
      }
      return out;
    });
    x = x.map((v, i) => {
      const a = dense(p('attention.output.dense.weight'), p('attention.output.dense.bias'), context[i]);
      const h1 = norm(
        p('attention.output.LayerNorm.weight'),
        p('attention.output.LayerNorm.bias'),
        v.map((s, j) => s + a[j]),
        c.eps,
      );
      const inner = dense(p('intermediate.dense.weight'), p('intermediate.dense.bias'), h1).map(gelu);
      const f = dense(p('output.dense.weight'), p('output.dense.bias'), inner);
      return norm(
        p('output.LayerNorm.weight'),
        p('output.LayerNorm.bias'),
        h1.map((s, j) => s + f[j]),
        c.eps,
      );
    });
  }
  const pooled = dense(get('pooler.dense.weight'), get('pooler.dense.bias'), x[0]).map(Math.tanh);
  return { sequence: x, pooled };
}
