/**
 * Scaled dot-product attention and the pieces built on it, shared by GPT-2
 * (causal) and BERT (padding mask).
 *
 *   scores  = q·kᵀ / sqrt(d_k)            [B, H, Tq, Tk]
 *   scores += mask (0 keep, -inf drop)    causal and/or padding
 *   weights = softmax(scores, last axis)
 *   out     = weights·v                   [B, H, Tq, d_v]
 */
import * as tf from '@tensorflow/tfjs';

export interface AttentionOptions {
  /** Position i attends only to positions ≤ i (requires Tq = Tk). */
  causal?: boolean;
  /** [B, Tk], 1 for a real token, 0 for padding; padded keys get no weight. */
  paddingMask?: tf.Tensor2D;
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
  return tf.tidy(() => {
    const [B, , Tq, d] = q.shape;
    const Tk = k.shape[2];
    let scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(d)) as tf.Tensor4D; // [B,H,Tq,Tk]
    if (opts.causal) {
      if (Tq !== Tk) throw new Error(`causal attention needs Tq = Tk, got ${Tq} and ${Tk}`);
      scores = tf.add(scores, causalMask(Tq));
    }
    if (opts.paddingMask) {
      const drop = tf.mul(tf.sub(1, tf.cast(opts.paddingMask, 'float32')), -1e9); // [B,Tk]
      scores = tf.add(scores, tf.reshape(drop, [B, 1, 1, Tk]));
    }
    const weights = tf.softmax(scores) as tf.Tensor4D;
    const output = tf.matMul(weights, v) as tf.Tensor4D; // [B,H,Tq,dv]
    return { output, weights };
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
