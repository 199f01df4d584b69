/**
 * One BERT, three heads (sentiment classes, paraphrase 0/1, similarity 0..5),
 * and how a sentence pair reaches them (the comparison's first axis):
 *
 *   'cross'         one sequence [CLS] a [SEP] b [SEP] with segment ids 0/1; pooled p [B, C]
 *                   paraphrase logit = W_p·p + b_p,  similarity = W_s·p + b_s
 *   'uv' | 'uv-diff' | 'uv-diff-prod'
 *                   siamese: u = pool(BERT(a)), v = pool(BERT(b)), both in one [2B, T] pass;
 *                   features concat(u, v[, |u−v|[, u∗v]]) [B, kC] -> the same linear heads
 *   'cosine'        siamese, no pair features: c = cos(u, v);
 *                   paraphrase logit = w·c + b (two scalars), similarity = 5·(c + 1)/2
 *
 *   sentiment logits = W_c·pool(BERT(s)) + b_c   [B, K]
 *
 * Losses: sentiment mean cross-entropy; paraphrase mean binary cross-entropy on
 * the logit; similarity mean squared error against the 0..5 gold score.
 * Heads are N(0, 0.02²) like BERT's own matrices; the similarity bias starts at
 * 2.5, the middle of the scale.
 */
import {
  type Bert,
  type BertConfig,
  bertConfig,
  crossEntropyPerRow,
  InputError,
  linear,
  MT19937,
  type SafetensorsTensor,
} from '@course/models';
import {
  cosineSimilarity,
  cosineToSimilarity,
  type MultitaskTask,
  type PairCombination,
  pairFeatures,
  pairFeatureWidth,
  type SmartTask,
} from '@course/trainer';
import * as tf from '@tensorflow/tfjs';
import type { TokenBatch } from './data.js';

export const PAIR_MODES = ['cross', 'uv', 'uv-diff', 'uv-diff-prod', 'cosine'] as const;
export type PairMode = (typeof PAIR_MODES)[number];

/** Which SMART divergence each task's output takes. */
export const TASK_OUTPUT: Record<MultitaskTask, SmartTask> = {
  sentiment: 'classification',
  paraphrase: 'binary',
  similarity: 'regression',
};

export interface HeadParameter {
  name: string;
  variable: tf.Variable;
  shape: number[];
  decay: boolean;
}

/** Gold labels of a batch: class ids (sentiment), 0/1 (paraphrase) or scores (similarity). */
export type Labels = tf.Tensor1D;

/**
 * How a sentence's vector is read off the encoder: 'cls' = BERT's pooler, tanh(W·h[CLS] + b);
 * 'mean' = the mean of the final hidden states over the real (unpadded) tokens, as
 * Sentence-BERT pools.
 */
export const POOLINGS = ['cls', 'mean'] as const;
export type Pooling = (typeof POOLINGS)[number];

/** Mean over the tokens where mask = 1: Σ_t m_t h_t / Σ_t m_t, [R, T, C] -> [R, C]. */
export function maskedMean(sequence: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const m = tf.expandDims(tf.cast(mask, 'float32'), 2); // [R, T, 1]
    return tf.div(tf.sum(tf.mul(sequence, m), 1), tf.maximum(tf.sum(m, 1), 1)) as tf.Tensor2D;
  });
}

export class MultitaskBert {
  readonly heads: HeadParameter[] = [];
  private readonly byName = new Map<string, tf.Variable>();

  constructor(
    readonly bert: Bert,
    readonly pairMode: PairMode,
    readonly classes: number,
    seed = 0,
    readonly pooling: Pooling = 'cls',
  ) {
    const C = bert.config.hidden;
    const rng = new MT19937(seed + 17);
    const F =
      pairMode === 'cross' ? C : pairMode === 'cosine' ? 0 : pairFeatureWidth(pairMode as PairCombination, C);
    this.add('classifier.sentiment.weight', [classes, C], rng, true);
    this.add('classifier.sentiment.bias', [classes], rng, false);
    if (F > 0) {
      this.add('classifier.paraphrase.weight', [1, F], rng, true);
      this.add('classifier.paraphrase.bias', [1], rng, false);
      this.add('classifier.similarity.weight', [1, F], rng, true);
      this.add('classifier.similarity.bias', [1], rng, false, 2.5);
    } else {
      this.add('classifier.paraphrase_cosine.scale', [1], rng, false, 5);
      this.add('classifier.paraphrase_cosine.bias', [1], rng, false);
    }
  }

  private add(name: string, shape: number[], rng: MT19937, normal: boolean, fill = 0): void {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (normal) rng.normal(values, 0, 0.02);
    else values.fill(fill);
    const init = tf.tensor(values, shape, 'float32');
    const variable = tf.variable(init);
    init.dispose();
    this.byName.set(name, variable);
    this.heads.push({ name, variable, shape, decay: normal });
  }

  private v<R extends tf.Rank>(name: string): tf.Variable<R> {
    return this.byName.get(name) as tf.Variable<R>;
  }

  /** Every trainable parameter: BERT's (Hugging Face order) then the heads. */
  parameters(): HeadParameter[] {
    return [...this.bert.parameters, ...this.heads];
  }

  variables(): tf.Variable[] {
    return this.parameters().map((p) => p.variable);
  }

  /** Whether the pair tasks encode a and b separately (two rows per pair). */
  get siamese(): boolean {
    return this.pairMode !== 'cross';
  }

  /** The embedding output SMART perturbs: [B or 2B, T, C]. */
  embed(batch: TokenBatch, training: boolean): tf.Tensor3D {
    return this.bert.embeddings(batch, { training });
  }

  /** A task's output from embeddings x: logits [B, K] (sentiment), logit [B] (paraphrase), score [B] (similarity). */
  output(task: MultitaskTask, x: tf.Tensor3D, batch: TokenBatch, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      const sequence = this.bert.encode(x, batch.attentionMask, { training }); // [R, T, C]
      const pooled =
        this.pooling === 'cls' ? this.bert.pool(sequence) : maskedMean(sequence, batch.attentionMask); // [R, C]
      if (task === 'sentiment')
        return linear(pooled, this.v('classifier.sentiment.weight'), this.v('classifier.sentiment.bias'));
      let features: tf.Tensor2D = pooled;
      if (this.siamese) {
        const B = pooled.shape[0] / 2;
        const u = tf.slice(pooled, [0, 0], [B, -1]) as tf.Tensor2D;
        const w = tf.slice(pooled, [B, 0], [B, -1]) as tf.Tensor2D;
        if (this.pairMode === 'cosine') {
          const cos = cosineSimilarity(u, w); // [B]
          if (task === 'similarity') return cosineToSimilarity(cos);
          return tf.add(
            tf.mul(cos, this.v('classifier.paraphrase_cosine.scale')),
            this.v('classifier.paraphrase_cosine.bias'),
          );
        }
        features = pairFeatures(u, w, this.pairMode as PairCombination);
      }
      const head = task === 'paraphrase' ? 'classifier.paraphrase' : 'classifier.similarity';
      return tf.reshape(linear(features, this.v(`${head}.weight`), this.v(`${head}.bias`)), [-1]);
    });
  }

  /** The task's loss from its output (see the file comment). */
  loss(task: MultitaskTask, out: tf.Tensor, labels: Labels): tf.Scalar {
    return tf.tidy(() => {
      if (task === 'sentiment')
        return tf.mean(crossEntropyPerRow(out as tf.Tensor2D, tf.cast(labels, 'int32') as tf.Tensor1D));
      if (task === 'paraphrase') return tf.losses.sigmoidCrossEntropy(labels, out) as tf.Scalar;
      return tf.mean(tf.squaredDifference(out, labels)) as tf.Scalar;
    });
  }

  /** Predictions from an output: classes, 0/1, or scores clipped to [0, 5]. */
  static predictions(task: MultitaskTask, out: tf.Tensor): number[] {
    return tf.tidy(() => {
      if (task === 'sentiment') return Array.from(tf.argMax(out, 1).dataSync());
      if (task === 'paraphrase') return Array.from(tf.cast(tf.greater(out, 0), 'int32').dataSync());
      return Array.from(tf.clipByValue(out, 0, 5).dataSync());
    });
  }

  /** The heads' tensors (saved next to BertModel's in model.safetensors). */
  headTensors(): Map<string, SafetensorsTensor> {
    return new Map(
      this.heads.map((h) => [
        h.name,
        { shape: [...h.shape], data: Float32Array.from(h.variable.dataSync() as Float32Array) },
      ]),
    );
  }

  dispose(): void {
    this.bert.dispose();
    for (const h of this.heads) h.variable.dispose();
  }
}

/** The assignment's model sizes: 'mini' is BERT-mini (L4 H256 A4), 'tiny' BERT-tiny (L2 H128 A2). */
export const MODEL_SIZES = {
  tiny: { layers: 2, hidden: 128, heads: 2, intermediate: 512 },
  mini: { layers: 4, hidden: 256, heads: 4, intermediate: 1024 },
} as const;
export type ModelSize = keyof typeof MODEL_SIZES;

export function modelConfig(size: ModelSize, vocabSize: number, maxPositions: number): BertConfig {
  if (!(size in MODEL_SIZES))
    throw new InputError(`--size: found "${size}", expected one of ${Object.keys(MODEL_SIZES).join(', ')}`);
  return bertConfig({ ...MODEL_SIZES[size], vocabSize, maxPositions, typeVocab: 2, dropout: 0.1 });
}
