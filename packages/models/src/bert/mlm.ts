/**
 * Masked-language modelling, BERT's pretraining objective (Devlin et al. 2019,
 * §3.1), as transformers' DataCollatorForLanguageModeling and
 * BertForMaskedLM run it.
 *
 * Masking, per token that is not [CLS], [SEP] or [PAD]:
 *   selected with probability 0.15; of the selected
 *     80%  -> [MASK]
 *     10%  -> a token drawn uniformly from the whole vocabulary
 *     10%  -> left as it is
 *   the model must predict the original token at every selected position.
 * A batch where no token was drawn gets one (the first maskable token after a
 * uniformly drawn position) so its loss is defined. Draws come from MT19937:
 * the same seed masks the same way.
 *
 * Head (BertForMaskedLM's `cls.predictions`, Hugging Face names):
 *   h      = LN(gelu_erf(W_t·x + b_t))        transform.dense [C, C], transform.LayerNorm
 *   logits = h·E_wordᵀ + b                     decoder tied to embeddings.word_embeddings.weight, bias [V]
 *   loss   = mean cross-entropy of the original tokens at the selected positions
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors.js';
import { crossEntropyPerRow, layerNorm, linear } from '../layers.js';
import { MT19937 } from '../rand/mt19937.js';
import { readSafetensors, type SafetensorsTensor } from '../weights/safetensors.js';
import { isBertBuffer } from './hf.js';
import {
  BERT_INIT_STD,
  type Bert,
  type BertInputs,
  type BertParameter,
  type BertRunOptions,
  geluErf,
} from './model.js';

export interface MaskOptions {
  vocabSize: number;
  maskId: number;
  /** Ids never selected ([CLS], [SEP], [PAD]). */
  specialIds: readonly number[];
  /** Probability a token is selected (default 0.15). */
  probability?: number;
  /** Of the selected: share replaced by [MASK] (default 0.8) and by a random token (default 0.1). */
  maskShare?: number;
  randomShare?: number;
}

export interface MaskedBatch {
  /** The ids with the replacements made (same length as the input). */
  inputIds: Int32Array;
  /** Selected positions (indices into the flat ids), ascending. */
  positions: Int32Array;
  /** The original token at each selected position. */
  targets: Int32Array;
}

/** BERT's 15% / 80-10-10 masking of flat ids (a [B, T] batch row-major); see the file comment. */
export function maskTokens(ids: ArrayLike<number>, rng: MT19937, opts: MaskOptions): MaskedBatch {
  const p = opts.probability ?? 0.15;
  const maskShare = opts.maskShare ?? 0.8;
  const randomShare = opts.randomShare ?? 0.1;
  if (!(p > 0 && p <= 1)) throw new InputError(`mask probability: found ${p}, expected a number in (0, 1]`);
  if (!(maskShare >= 0 && randomShare >= 0 && maskShare + randomShare <= 1)) {
    throw new InputError(
      `mask shares: found [MASK] ${maskShare} and random ${randomShare}, expected ≥ 0 with a sum ≤ 1`,
    );
  }
  const special = new Set(opts.specialIds);
  const inputIds = Int32Array.from(ids);
  const selected: number[] = [];
  for (let i = 0; i < inputIds.length; i++) {
    if (special.has(inputIds[i])) continue;
    if (rng.randFloat64() < p) selected.push(i);
  }
  if (selected.length === 0) {
    const start = rng.randInt32() % Math.max(1, inputIds.length);
    for (let k = 0; k < inputIds.length; k++) {
      const i = (start + k) % inputIds.length;
      if (!special.has(inputIds[i])) {
        selected.push(i);
        break;
      }
    }
  }
  const targets = Int32Array.from(selected, (i) => inputIds[i]);
  for (const i of selected) {
    const r = rng.randFloat64();
    if (r < maskShare) inputIds[i] = opts.maskId;
    else if (r < maskShare + randomShare) inputIds[i] = rng.randInt32() % opts.vocabSize;
  }
  return { inputIds, positions: Int32Array.from(selected), targets };
}

/** The masked-LM head on a Bert (its decoder is the Bert's word embedding table). */
export class BertMlmHead {
  readonly parameters: BertParameter[];
  private readonly byName = new Map<string, tf.Variable>();

  constructor(
    readonly bert: Bert,
    opts: { seed?: number } = {},
  ) {
    const { hidden: C, vocabSize: V } = bert.config;
    const rng = new MT19937(opts.seed ?? 0);
    const specs: [string, number[], 'normal' | 'ones' | 'zeros', boolean][] = [
      ['cls.predictions.transform.dense.weight', [C, C], 'normal', true],
      ['cls.predictions.transform.dense.bias', [C], 'zeros', false],
      ['cls.predictions.transform.LayerNorm.weight', [C], 'ones', false],
      ['cls.predictions.transform.LayerNorm.bias', [C], 'zeros', false],
      ['cls.predictions.bias', [V], 'zeros', false],
    ];
    this.parameters = specs.map(([name, shape, init, decay]) => {
      const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
      if (init === 'normal') rng.normal(values, 0, BERT_INIT_STD);
      else if (init === 'ones') values.fill(1);
      const initial = tf.tensor(values, shape, 'float32');
      const variable = tf.variable(initial);
      initial.dispose();
      this.byName.set(name, variable);
      return { name, variable, shape, decay };
    });
  }

  private get(name: string): tf.Variable {
    return this.byName.get(name)!;
  }

  /** Hidden states x [N, C] -> logits over the vocabulary [N, V]. */
  logits(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const dense = linear(
        x,
        this.get('cls.predictions.transform.dense.weight') as tf.Variable<tf.Rank.R2>,
        this.get('cls.predictions.transform.dense.bias') as tf.Variable<tf.Rank.R1>,
      );
      const h = layerNorm(
        geluErf(dense),
        this.get('cls.predictions.transform.LayerNorm.weight') as tf.Variable<tf.Rank.R1>,
        this.get('cls.predictions.transform.LayerNorm.bias') as tf.Variable<tf.Rank.R1>,
        this.bert.config.layerNormEps,
      ) as tf.Tensor2D; // [N, C]
      const table = this.bert
        .namedVariables()
        .get('embeddings.word_embeddings.weight') as tf.Variable<tf.Rank.R2>;
      return linear(h, table, this.get('cls.predictions.bias') as tf.Variable<tf.Rank.R1>); // [N, V]
    });
  }

  /** Mean cross-entropy at `positions` (flat indices into [B, T]) against `targets`. */
  loss(inputs: BertInputs, positions: Int32Array, targets: Int32Array, opts: BertRunOptions = {}): tf.Scalar {
    if (positions.length !== targets.length || positions.length === 0) {
      throw new InputError(
        `MLM loss: found ${positions.length} positions and ${targets.length} targets, expected the same number ≥ 1`,
      );
    }
    return tf.tidy(() => {
      const [B, T] = inputs.inputIds.shape;
      const { sequence } = this.bert.forward(inputs, opts); // [B, T, C]
      const rows = tf.reshape(sequence, [B * T, this.bert.config.hidden]);
      const picked = tf.gather(rows, tf.tensor1d(positions, 'int32')) as tf.Tensor2D; // [N, C]
      return tf.mean(crossEntropyPerRow(this.logits(picked), tf.tensor1d(targets, 'int32'))) as tf.Scalar;
    });
  }

  /** The head's tensors under Hugging Face's names (add them to a checkpoint next to BertModel's). */
  toTensors(): Map<string, SafetensorsTensor> {
    const out = new Map<string, SafetensorsTensor>();
    for (const p of this.parameters) {
      out.set(p.name, {
        shape: [...p.shape],
        data: Float32Array.from(p.variable.dataSync() as Float32Array),
      });
    }
    return out;
  }

  /** Loads cls.predictions.* from tensors (a 'bert.'-prefixed checkpoint's head has the same names). */
  load(tensors: ReadonlyMap<string, SafetensorsTensor>, source = 'weights'): void {
    for (const p of this.parameters) {
      const t =
        tensors.get(p.name) ??
        tensors.get(
          p.name
            .replace('.LayerNorm.weight', '.LayerNorm.gamma')
            .replace('.LayerNorm.bias', '.LayerNorm.beta'),
        );
      if (!t) throw new InputError(`${source}: tensor ${p.name}: missing, expected [${p.shape}]`);
      if (t.shape.join(',') !== p.shape.join(',')) {
        throw new InputError(`${source}: tensor ${p.name}: found shape [${t.shape}], expected [${p.shape}]`);
      }
      tf.tidy(() => p.variable.assign(tf.tensor(t.data, p.shape, 'float32')));
    }
  }

  /** Loads the head from a model.safetensors holding cls.predictions.*. */
  loadFile(path: string): void {
    this.load(readSafetensors(path, { skip: isBertBuffer }).tensors, path);
  }

  dispose(): void {
    for (const p of this.parameters) p.variable.dispose();
  }
}
