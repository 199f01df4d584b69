/**
 * BERT's sizes, its parameter tensors in Hugging Face's `BertModel` layout
 * (names and [out, in] matrices, as `model.safetensors` holds them) and the
 * parameter count.
 *
 *   embeddings   word V×C + position P×C + token type S×C + LayerNorm 2C
 *   per layer    query, key, value, attention output: 4·(C² + C)
 *                attention LayerNorm 2C
 *                intermediate C·I + I, output I·C + C, output LayerNorm 2C
 *                = 4C² + 2CI + 9C + I
 *   pooler       C² + C
 *
 * bert-base-uncased (V 30522, P 512, S 2, C 768, I 3072, L 12):
 *   31036·768 + 1536 + 12·7,087,872 + 590,592 = 109,482,240
 */
import { InputError } from '../errors.js';

export interface BertConfig {
  /** Vocabulary rows V. */
  vocabSize: number;
  /** Channels C (hidden_size). */
  hidden: number;
  /** Encoder layers L. */
  layers: number;
  /** Attention heads; must divide `hidden`. */
  heads: number;
  /** Feed-forward width I (intermediate_size). */
  intermediate: number;
  /** Learned positions P (max_position_embeddings). */
  maxPositions: number;
  /** Segment types S (type_vocab_size). */
  typeVocab: number;
  /** LayerNorm epsilon (1e-12 in BERT). */
  layerNormEps: number;
  /** Dropout on embeddings, attention output and feed-forward output while training (hidden_dropout_prob). */
  dropout: number;
  /** Dropout on the attention probabilities while training (attention_probs_dropout_prob), as HF's BertSelfAttention. */
  attentionDropout: number;
}

/** bert-base-uncased's sizes. */
export const BERT_BASE: BertConfig = {
  vocabSize: 30522,
  hidden: 768,
  layers: 12,
  heads: 12,
  intermediate: 3072,
  maxPositions: 512,
  typeVocab: 2,
  layerNormEps: 1e-12,
  dropout: 0.1,
  attentionDropout: 0.1,
};

/** The course's small BERT (Turc et al.'s BERT-Mini: 4 layers, 256 channels, 4 heads). */
export const BERT_MINI: BertConfig = { ...BERT_BASE, hidden: 256, layers: 4, heads: 4, intermediate: 1024 };

/**
 * A config from BERT_BASE's defaults and `sizes`, checked; intermediate defaults
 * to 4·hidden and attentionDropout to `dropout` (both 0.1 in BERT's configs).
 */
export function bertConfig(sizes: Partial<BertConfig>): BertConfig {
  const hidden = sizes.hidden ?? BERT_BASE.hidden;
  const attentionDropout = sizes.dropout ?? BERT_BASE.attentionDropout;
  const config: BertConfig = { ...BERT_BASE, intermediate: 4 * hidden, attentionDropout, ...sizes };
  for (const key of [
    'vocabSize',
    'hidden',
    'layers',
    'heads',
    'intermediate',
    'maxPositions',
    'typeVocab',
  ] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) {
      throw new InputError(`BERT config: ${key}: found ${config[key]}, expected an integer ≥ 1`);
    }
  }
  if (config.hidden % config.heads !== 0) {
    throw new InputError(
      `BERT config: heads: found ${config.heads}, expected a divisor of hidden ${config.hidden}`,
    );
  }
  if (!(config.layerNormEps > 0)) {
    throw new InputError(`BERT config: layerNormEps: found ${config.layerNormEps}, expected a number > 0`);
  }
  for (const key of ['dropout', 'attentionDropout'] as const) {
    if (!(config[key] >= 0 && config[key] < 1)) {
      throw new InputError(`BERT config: ${key}: found ${config[key]}, expected a number in [0, 1)`);
    }
  }
  return config;
}

export interface BertTensorSpec {
  /** Hugging Face name inside BertModel, e.g. 'encoder.layer.0.attention.self.query.weight'. */
  name: string;
  shape: number[];
  /** A matrix (AdamW's weight decay applies): the 2-D tensors. */
  decay: boolean;
}

/** Every parameter tensor of BertModel, in its state_dict order. */
export function bertTensorSpecs(config: BertConfig, opts: { pooler?: boolean } = {}): BertTensorSpec[] {
  const { vocabSize: V, hidden: C, intermediate: I, maxPositions: P, typeVocab: S } = config;
  const specs: BertTensorSpec[] = [];
  const dense = (prefix: string, out: number, inp: number) => {
    specs.push({ name: `${prefix}.weight`, shape: [out, inp], decay: true });
    specs.push({ name: `${prefix}.bias`, shape: [out], decay: false });
  };
  const norm = (prefix: string) => {
    specs.push({ name: `${prefix}.weight`, shape: [C], decay: false });
    specs.push({ name: `${prefix}.bias`, shape: [C], decay: false });
  };
  specs.push({ name: 'embeddings.word_embeddings.weight', shape: [V, C], decay: true });
  specs.push({ name: 'embeddings.position_embeddings.weight', shape: [P, C], decay: true });
  specs.push({ name: 'embeddings.token_type_embeddings.weight', shape: [S, C], decay: true });
  norm('embeddings.LayerNorm');
  for (let l = 0; l < config.layers; l++) {
    const p = `encoder.layer.${l}`;
    dense(`${p}.attention.self.query`, C, C);
    dense(`${p}.attention.self.key`, C, C);
    dense(`${p}.attention.self.value`, C, C);
    dense(`${p}.attention.output.dense`, C, C);
    norm(`${p}.attention.output.LayerNorm`);
    dense(`${p}.intermediate.dense`, I, C);
    dense(`${p}.output.dense`, C, I);
    norm(`${p}.output.LayerNorm`);
  }
  if (opts.pooler ?? true) dense('pooler.dense', C, C);
  return specs;
}

/** Parameters of BertModel (with the pooler unless `pooler: false`); the formula in the file comment. */
export function bertParameterCount(config: BertConfig, opts: { pooler?: boolean } = {}): number {
  const { vocabSize: V, hidden: C, intermediate: I, maxPositions: P, typeVocab: S, layers: L } = config;
  const embeddings = (V + P + S) * C + 2 * C;
  const layer = 4 * C * C + 2 * C * I + 9 * C + I;
  const pooler = (opts.pooler ?? true) ? C * C + C : 0;
  return embeddings + L * layer + pooler;
}
