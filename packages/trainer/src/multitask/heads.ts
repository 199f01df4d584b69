/**
 * Pair heads for sentence-pair tasks (paraphrase, similarity) on siamese
 * sentence embeddings u, v [B, H] (each sentence encoded alone, e.g. the
 * pooled [CLS] output), as in Sentence-BERT:
 *
 *   'uv'           concat(u, v)                  [B, 2H]
 *   'uv-diff'      concat(u, v, |u − v|)         [B, 3H]
 *   'uv-diff-prod' concat(u, v, |u − v|, u ∗ v)  [B, 4H]   (∗ elementwise)
 *
 * A linear layer on these features gives the logit or score. The cosine head
 * has no parameters:
 *
 *   cos(u, v) = u·v / max(‖u‖ ‖v‖, eps)          [B] in [−1, 1]  (eps 1e-8, as torch's cosine_similarity)
 *   STS score = 5 · (cos + 1) / 2                 [B] in [0, 5]
 *
 * The affine map to 0..5 leaves Pearson's r unchanged, and it is bijective, so
 * an MSE against gold scores trains the whole cosine range.
 * The alternative to siamese encoding, one sequence [CLS] a [SEP] b [SEP] with
 * segment ids, belongs to the encoder, not here.
 */
import { InputError } from '@course/models';
import * as tf from '@tensorflow/tfjs';

export const PAIR_COMBINATIONS = ['uv', 'uv-diff', 'uv-diff-prod'] as const;
export type PairCombination = (typeof PAIR_COMBINATIONS)[number];

/** How many features a combination makes from embeddings of width H. */
export function pairFeatureWidth(combination: PairCombination, hidden: number): number {
  return { uv: 2, 'uv-diff': 3, 'uv-diff-prod': 4 }[combination] * hidden;
}

function checkPair(u: tf.Tensor, v: tf.Tensor, what: string): void {
  if (u.rank !== 2 || u.shape.join(',') !== v.shape.join(',')) {
    throw new InputError(`${what}: u is [${u.shape}] and v is [${v.shape}], expected both [B, H]`);
  }
}

/** u, v [B, H] → [B, 2H | 3H | 4H] (see the table above). */
export function pairFeatures(u: tf.Tensor2D, v: tf.Tensor2D, combination: PairCombination): tf.Tensor2D {
  checkPair(u, v, 'pairFeatures');
  return tf.tidy(() => {
    const parts: tf.Tensor[] = [u, v]; // [B, H] each
    if (combination !== 'uv') parts.push(tf.abs(tf.sub(u, v))); // |u − v| [B, H]
    if (combination === 'uv-diff-prod') parts.push(tf.mul(u, v)); // u ∗ v [B, H]
    return tf.concat(parts, 1) as tf.Tensor2D; // [B, kH]
  });
}

/** u, v [B, H] → cos(u, v) [B]. */
export function cosineSimilarity(u: tf.Tensor2D, v: tf.Tensor2D, eps = 1e-8): tf.Tensor1D {
  checkPair(u, v, 'cosineSimilarity');
  return tf.tidy(() => {
    const dot = tf.sum(tf.mul(u, v), 1); // [B]
    const norms = tf.mul(tf.norm(u, 2, 1), tf.norm(v, 2, 1)); // ‖u‖‖v‖ [B]
    return tf.div(dot, tf.maximum(norms, eps));
  });
}

/** cos [B] in [−1, 1] → 5·(cos + 1)/2 [B] in [0, 5]. */
export function cosineToSimilarity(cos: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.mul(tf.add(cos, 1), 2.5));
}
