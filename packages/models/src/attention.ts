/**
 * Scaled dot-product attention and multi-head attention built on it, shared
 * by GPT-2 (causal) and BERT (padding mask).
 *
 *   scores  = q·kᵀ · scale                [B, H, Tq, Tk]   scale = 1/sqrt(d_k) unless given (muP: √d₀/d_k)
 *   scores += mask (0 keep, -inf drop)    causal and/or padding
 *   weights = softmax(scores, last axis)
 *   weights = dropout(weights)            training only (BERT's attention_probs_dropout_prob)
 *   out     = weights·v                   [B, H, Tq, d_v]
 */
import * as tf from '@tensorflow/tfjs';
import {
  fusedCausalAttention,
  fusedEncoderAttention,
  fusedScaledSoftmax,
  nativeActive,
} from './kernels/native/index.js';
import { linear } from './layers.js';

export interface AttentionOptions {
  /** Position i attends only to positions ≤ i (requires Tq = Tk). */
  causal?: boolean;
  /** [B, Tk], 1 for a real token, 0 for padding; padded keys get no weight. */
  paddingMask?: tf.Tensor2D;
  /** Softmax scale of q·kᵀ; default 1/sqrt(d_k). */
  scale?: number;
  /** Dropout on the attention weights (rate in [0, 1), mask seed); the weights returned are the dropped ones. */
  dropout?: { rate: number; seed: number };
}

/** Inverted dropout of attention weights, when asked for. */
function dropWeights(weights: tf.Tensor4D, opts: AttentionOptions): tf.Tensor4D {
  const rate = opts.dropout?.rate ?? 0;
  return rate > 0 ? (tf.dropout(weights, rate, undefined, opts.dropout!.seed) as tf.Tensor4D) : weights;
}

/** Additive mask [T, T]: 0 on and below the diagonal, -inf above. */
export function causalMask(T: number): tf.Tensor2D {
  return tf.tidy(() => {
    const keep = tf.linalg.bandPart(tf.ones([T, T]), -1, 0);
    return tf.where(tf.cast(keep, 'bool'), tf.zeros([T, T]), tf.fill([T, T], Number.NEGATIVE_INFINITY));
  }) as tf.Tensor2D;
}

/**
 * q [B, H, Tq, d], k [B, H, Tk, d], v [B, H, Tk, dv] -> { output [B, H, Tq, dv], weights [B, H, Tq, Tk] }.
 */
export function scaledDotProductAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  opts: AttentionOptions = {},
): { output: tf.Tensor4D; weights: tf.Tensor4D } {
  if (nativeActive()) return nativeAttention(q, k, v, opts);
  return tf.tidy(() => {
    const [B, , Tq, d] = q.shape;
    const Tk = k.shape[2];
    let scores = tf.mul(tf.matMul(q, k, false, true), opts.scale ?? 1 / Math.sqrt(d)) as tf.Tensor4D; // [B,H,Tq,Tk]
    if (opts.causal) {
      if (Tq !== Tk) throw new Error(`causal attention needs Tq = Tk, got ${Tq} and ${Tk}`);
      scores = tf.add(scores, causalMask(Tq));
    }
    if (opts.paddingMask) {
      const drop = tf.mul(tf.sub(1, tf.cast(opts.paddingMask, 'float32')), -1e9); // [B,Tk]
      scores = tf.add(scores, tf.reshape(drop, [B, 1, 1, Tk]));
    }
    const weights = dropWeights(tf.softmax(scores) as tf.Tensor4D, opts);
    const output = tf.matMul(weights, v) as tf.Tensor4D; // [B,H,Tq,dv]
    return { output, weights };
  });
}

/**
 * The same on the native backend: the scale and the causal mask live inside
 * one softmax kernel (no [B, H, T, T] mask or scaled copy), and the products
 * are batched BLAS calls with the transpose as a flag.
 */
function nativeAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  opts: AttentionOptions,
): { output: tf.Tensor4D; weights: tf.Tensor4D } {
  return tf.tidy(() => {
    const [B, , Tq, d] = q.shape;
    const Tk = k.shape[2];
    if (opts.causal && Tq !== Tk) throw new Error(`causal attention needs Tq = Tk, got ${Tq} and ${Tk}`);
    let scores = tf.matMul(q, k, false, true) as tf.Tensor4D; // [B,H,Tq,Tk], unscaled
    if (opts.paddingMask) {
      const drop = tf.mul(tf.sub(1, tf.cast(opts.paddingMask, 'float32')), -1e9); // [B,Tk]
      scores = tf.add(scores, tf.reshape(drop, [B, 1, 1, Tk]));
    }
    const softmax = fusedScaledSoftmax(
      scores,
      opts.scale ?? 1 / Math.sqrt(d),
      opts.causal === true,
    ) as tf.Tensor4D;
    const weights = dropWeights(softmax, opts);
    return { output: tf.matMul(weights, v) as tf.Tensor4D, weights };
  });
}

/** [B, T, H·hs] -> [B, H, T, hs] */
export function splitHeads(x: tf.Tensor3D, heads: number): tf.Tensor4D {
  const [B, T, C] = x.shape;
  return tf.transpose(tf.reshape(x, [B, T, heads, C / heads]), [0, 2, 1, 3]);
}

/** [B, H, T, hs] -> [B, T, H·hs] */
export function mergeHeads(x: tf.Tensor4D): tf.Tensor3D {
  const [B, H, T, hs] = x.shape;
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [B, T, H * hs]);
}

/** A linear map in nn.Linear's layout: weight (out, in), optional bias (out). */
export interface Projection {
  weight: tf.Tensor2D;
  bias?: tf.Tensor1D;
}

/**
 * Multi-head attention weights: either one fused Q/K/V projection [3C, C]
 * (rows [0,C) Q, [C,2C) K, [2C,3C) V: GPT-2, llm.c, nanoGPT) or three
 * separate [C, C] ones (BERT); and the output projection [C, C].
 */
export type MultiHeadAttentionWeights =
  | { qkv: Projection; proj: Projection }
  | { q: Projection; k: Projection; v: Projection; proj: Projection };

export interface MultiHeadAttentionOptions extends AttentionOptions {
  /** Number of heads H; C must be a multiple of H (head size C/H). */
  heads: number;
}

/**
 * Self-attention with H heads: x [B, T, C] -> { output [B, T, C], weights [B, H, T, T] }.
 *
 *   q, k, v = x·W_qᵀ, x·W_kᵀ, x·W_vᵀ               [B, T, C] each
 *   split into H heads of C/H channels            [B, H, T, C/H]
 *   scaled dot-product attention per head         [B, H, T, C/H]
 *   merge heads, output projection                [B, T, C]
 *
 * Projections run on [B·T, C] as plain 2-D products (`linear`), the fast path
 * on wasm; the reshapes between [B, T, C] and [B·T, C] copy nothing.
 */
export function multiHeadAttention(
  x: tf.Tensor3D,
  w: MultiHeadAttentionWeights,
  opts: MultiHeadAttentionOptions,
): { output: tf.Tensor3D; weights: tf.Tensor4D } {
  const [B, T, C] = x.shape;
  const H = opts.heads;
  if (!Number.isInteger(H) || H < 1 || C % H !== 0) {
    throw new Error(`multi-head attention: ${C} channels do not split into ${H} heads`);
  }
  return tf.tidy(() => {
    const rows = tf.reshape(x, [B * T, C]) as tf.Tensor2D; // [B·T, C]
    let q: tf.Tensor3D;
    let k: tf.Tensor3D;
    let v: tf.Tensor3D;
    if ('qkv' in w) {
      const qkv = linear(rows, w.qkv.weight, w.qkv.bias); // [B·T, 3C]
      [q, k, v] = tf.split(tf.reshape(qkv, [B, T, 3 * C]), 3, 2) as tf.Tensor3D[];
    } else {
      const project = (p: Projection) => tf.reshape(linear(rows, p.weight, p.bias), [B, T, C]) as tf.Tensor3D;
      [q, k, v] = [project(w.q), project(w.k), project(w.v)];
    }
    const { output, weights } = scaledDotProductAttention(
      splitHeads(q, H),
      splitHeads(k, H),
      splitHeads(v, H),
      {
        causal: opts.causal,
        paddingMask: opts.paddingMask,
        scale: opts.scale,
        dropout: opts.dropout,
      },
    ); // [B, H, T, C/H]
    const y = tf.reshape(mergeHeads(output), [B * T, C]) as tf.Tensor2D;
    return { output: tf.reshape(linear(y, w.proj.weight, w.proj.bias), [B, T, C]) as tf.Tensor3D, weights };
  });
}

/**
 * GPT-2's causal self-attention, output only: x [B, T, C] -> [B, T, C].
 * The same as multiHeadAttention(x, {qkv, proj}, {heads, causal: true}).output;
 * on the native backend the part between the two projections is one kernel
 * each way reading q, k, v in place from the fused projection (no split, no
 * head transposes), as llm.c's attention_forward. `scale` is the softmax
 * scale (default 1/sqrt(C/heads); muP passes √d₀/d).
 */
export function causalSelfAttention(
  x: tf.Tensor3D,
  w: { qkv: Projection; proj: Projection },
  heads: number,
  scale?: number,
): tf.Tensor3D {
  if (!nativeActive()) return multiHeadAttention(x, w, { heads, causal: true, scale }).output;
  const [B, T, C] = x.shape;
  if (!Number.isInteger(heads) || heads < 1 || C % heads !== 0) {
    throw new Error(`multi-head attention: ${C} channels do not split into ${heads} heads`);
  }
  return tf.tidy(() => {
    const qkv = tf.reshape(linear(tf.reshape(x, [B * T, C]) as tf.Tensor2D, w.qkv.weight, w.qkv.bias), [
      B,
      T,
      3 * C,
    ]) as tf.Tensor3D;
    const y = tf.reshape(fusedCausalAttention(qkv, heads, scale), [B * T, C]) as tf.Tensor2D;
    return tf.reshape(linear(y, w.proj.weight, w.proj.bias), [B, T, C]) as tf.Tensor3D;
  });
}

/**
 * BERT's bidirectional self-attention, output only: x [B, T, C] -> [B, T, C],
 * padded keys masked, dropout on the probabilities when `dropout` is given.
 * The same as multiHeadAttention(x, w, {heads, paddingMask, dropout}).output
 * (up to the dropout mask's random draws); on the native backend the part
 * between the projections is one kernel each way (fusedEncoderAttention),
 * reading q, k, v in place from the projections (separate ones, BERT's; a
 * fused [3C, C] one is split first), no head split, transposes or merge.
 */
export function encoderSelfAttention(
  x: tf.Tensor3D,
  w: MultiHeadAttentionWeights,
  heads: number,
  opts: Pick<AttentionOptions, 'paddingMask' | 'dropout'> = {},
): tf.Tensor3D {
  if (!nativeActive()) return multiHeadAttention(x, w, { heads, ...opts }).output;
  const [B, T, C] = x.shape;
  if (!Number.isInteger(heads) || heads < 1 || C % heads !== 0) {
    throw new Error(`multi-head attention: ${C} channels do not split into ${heads} heads`);
  }
  return tf.tidy(() => {
    const rows = tf.reshape(x, [B * T, C]) as tf.Tensor2D;
    let q: tf.Tensor3D;
    let k: tf.Tensor3D;
    let v: tf.Tensor3D;
    if ('qkv' in w) {
      [q, k, v] = tf.split(
        tf.reshape(linear(rows, w.qkv.weight, w.qkv.bias), [B, T, 3 * C]),
        3,
        2,
      ) as tf.Tensor3D[];
    } else {
      const project = (p: Projection) => tf.reshape(linear(rows, p.weight, p.bias), [B, T, C]) as tf.Tensor3D;
      [q, k, v] = [project(w.q), project(w.k), project(w.v)];
    }
    const y = tf.reshape(fusedEncoderAttention(q, k, v, heads, opts), [B * T, C]) as tf.Tensor2D;
    return tf.reshape(linear(y, w.proj.weight, w.proj.bias), [B, T, C]) as tf.Tensor3D;
  });
}

/** Every step of scaled dot-product attention for one head, as plain arrays (rows = queries). */
export interface AttentionSteps {
  /** q·kᵀ [Tq, Tk] */
  scores: number[][];
  /** q·kᵀ / sqrt(d_k) */
  scaled: number[][];
  /** scaled with dropped positions set to −Infinity (causal: above the diagonal; padding: padded keys) */
  masked: number[][];
  /** softmax of each row of masked */
  weights: number[][];
  /** weights·v [Tq, d_v] */
  output: number[][];
}

/**
 * The attention worked example of the sequence-models lecture: 3 tokens,
 * d_k = d_v = 2. Token 2 is "about" tokens 0 and 1 at once (q = k = (1, 1)).
 */
export const ATTENTION_WORKED_EXAMPLE = {
  q: [
    [1, 0],
    [0, 1],
    [1, 1],
  ],
  k: [
    [1, 0],
    [0, 1],
    [1, 1],
  ],
  v: [
    [1, 0],
    [0, 2],
    [3, 1],
  ],
} as const;

/**
 * Computes each step of single-head attention and returns all of them:
 * q [Tq, d], k [Tk, d], v [Tk, dv]; `keyMask` [Tk] 1 keep / 0 padding.
 * Defaults to ATTENTION_WORKED_EXAMPLE with a causal mask.
 */
export function attentionSteps(
  q: readonly (readonly number[])[] = ATTENTION_WORKED_EXAMPLE.q,
  k: readonly (readonly number[])[] = ATTENTION_WORKED_EXAMPLE.k,
  v: readonly (readonly number[])[] = ATTENTION_WORKED_EXAMPLE.v,
  opts: { causal?: boolean; keyMask?: readonly number[] } = { causal: true },
): AttentionSteps {
  const toArrays = (t: tf.Tensor) => t.arraySync() as number[][];
  const tensors = tf.tidy(() => {
    const qt = tf.tensor2d(q.map((r) => [...r]));
    const kt = tf.tensor2d(k.map((r) => [...r]));
    const vt = tf.tensor2d(v.map((r) => [...r]));
    const [Tq, d] = qt.shape;
    const Tk = kt.shape[0];
    const scores = tf.matMul(qt, kt, false, true); // [Tq, Tk]
    const scaled = tf.div(scores, Math.sqrt(d));
    let keep = tf.ones([Tq, Tk]);
    if (opts.causal) keep = tf.linalg.bandPart(keep, -1, 0); // key j ≤ query i
    if (opts.keyMask) keep = tf.mul(keep, tf.tensor2d([[...opts.keyMask]])); // padded keys
    const masked = tf.where(tf.cast(keep, 'bool'), scaled, tf.fill([Tq, Tk], Number.NEGATIVE_INFINITY));
    const weights = tf.softmax(masked);
    const output = tf.matMul(weights, vt);
    return { scores, scaled, masked, weights, output };
  });
  const steps = {
    scores: toArrays(tensors.scores),
    scaled: toArrays(tensors.scaled),
    masked: toArrays(tensors.masked),
    weights: toArrays(tensors.weights),
    output: toArrays(tensors.output),
  };
  tf.dispose(Object.values(tensors));
  return steps;
}
