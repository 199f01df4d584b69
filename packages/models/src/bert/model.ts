/**
 * BERT's encoder (Devlin et al. 2019) in TensorFlow.js, written out as
 * nanoGPT writes GPT-2: one tf.Variable per Hugging Face tensor, under its
 * Hugging Face name, so loading `model.safetensors` is a copy by name.
 *
 *   x = dropout(LN(word[ids] + position[0..T) + token_type[types]))      [B·T, C]
 *   per layer (post-LayerNorm):
 *     a = attention(x) with separate q, k, v, padding masked,            [B·T, C]
 *         dropout on its probabilities (attention_probs_dropout_prob)
 *     x = LN(x + dropout(dense(a)))
 *     x = LN(x + dropout(W_out·gelu_erf(W_in·x + b_in) + b_out))        via [B·T, I]
 *   pooled = tanh(W_p·x[CLS] + b_p)                                      [B, C]
 *
 * Dropout applies to the embeddings, to each sub-layer's output and (at its
 * own rate) to the attention probabilities while training, as Hugging Face's
 * BertModel; none at eval. On the native backend the attention between the
 * projections is one fused kernel each way (encoderSelfAttention).
 */
import * as tf from '@tensorflow/tfjs';
import { encoderSelfAttention, type Projection } from '../attention.js';
import { InputError } from '../errors.js';
import { fusedGeluErf, nativeActive } from '../kernels/native/index.js';
import { layerNorm, linear } from '../layers.js';
import { MT19937 } from '../rand/mt19937.js';
import type { SafetensorsTensor } from '../weights/safetensors.js';
import { type BertConfig, bertConfig, bertTensorSpecs } from './config.js';

/** BERT's initializer_range: weights and embeddings ~ N(0, 0.02²). */
export const BERT_INIT_STD = 0.02;

/**
 * GELU, exact (erf) form as BERT uses it: 0.5·x·(1 + erf(x/√2)) = x·Φ(x).
 * (GPT-2's tanh form differs by up to ~5e-4.) tf.erf has a gradient:
 * d/dx erf(z) = 2/√π·exp(−z²). On native one fused op each way (kernels/native/gelu-erf.ts).
 */
export function geluErf(x: tf.Tensor): tf.Tensor {
  if (nativeActive()) return fusedGeluErf(x);
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}

export interface BertInputs {
  /** [B, T] int32 token ids. */
  inputIds: tf.Tensor2D;
  /** [B, T] int32 segment ids (default all 0). */
  tokenTypeIds?: tf.Tensor2D;
  /** [B, T] 1 for a real token, 0 for padding (default all 1). */
  attentionMask?: tf.Tensor2D;
}

export interface BertRunOptions {
  /** Dropout on (default false). */
  training?: boolean;
}

/** One parameter: its Hugging Face name, variable and whether AdamW decays it (the trainer's AdamW reads these). */
export interface BertParameter {
  name: string;
  variable: tf.Variable;
  shape: number[];
  decay: boolean;
}

interface Layer {
  attention: { q: Projection; k: Projection; v: Projection; proj: Projection };
  ln1: [tf.Variable<tf.Rank.R1>, tf.Variable<tf.Rank.R1>];
  ffnIn: Projection;
  ffnOut: Projection;
  ln2: [tf.Variable<tf.Rank.R1>, tf.Variable<tf.Rank.R1>];
}

export interface BertOptions {
  /** Seed of the initial weights and of the dropout masks (default 0). */
  seed?: number;
  /** Build with a pooler (default true). */
  pooler?: boolean;
  /** Draw the initial weights (default true); false leaves zeros, for a model about to be loaded. */
  init?: boolean;
}

export class Bert {
  readonly config: BertConfig;
  /** BertModel's state_dict order. */
  readonly parameters: BertParameter[];
  private readonly byName = new Map<string, tf.Variable>();
  private readonly layers: Layer[];
  private dropoutSeed: number;

  /** BERT's initialisation: N(0, 0.02²) matrices and embeddings, zero biases, LayerNorm 1 and 0. */
  constructor(config: BertConfig, opts: BertOptions = {}) {
    this.config = bertConfig(config);
    const seed = opts.seed ?? 0;
    this.dropoutSeed = seed * 7919 + 1;
    const rng = new MT19937(seed);
    this.parameters = bertTensorSpecs(this.config, { pooler: opts.pooler }).map((spec) => {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(size);
      if (opts.init === false) {
        // zeros, overwritten by load()
      } else if (spec.decay) rng.normal(values, 0, BERT_INIT_STD);
      else if (spec.name.includes('LayerNorm.weight')) values.fill(1);
      const initial = tf.tensor(values, spec.shape, 'float32');
      const variable = tf.variable(initial);
      initial.dispose();
      this.byName.set(spec.name, variable);
      return { name: spec.name, variable, shape: spec.shape, decay: spec.decay };
    });
    this.layers = Array.from({ length: this.config.layers }, (_, l) => this.layerAt(l));
  }

  private get<R extends tf.Rank>(name: string): tf.Variable<R> {
    const v = this.byName.get(name);
    if (!v) throw new InputError(`BERT: tensor ${name}: missing, expected it in this model`);
    return v as tf.Variable<R>;
  }

  private dense(prefix: string): Projection {
    return { weight: this.get(`${prefix}.weight`), bias: this.get(`${prefix}.bias`) };
  }

  private norm(prefix: string): [tf.Variable<tf.Rank.R1>, tf.Variable<tf.Rank.R1>] {
    return [this.get(`${prefix}.weight`), this.get(`${prefix}.bias`)];
  }

  private layerAt(l: number): Layer {
    const p = `encoder.layer.${l}`;
    return {
      attention: {
        q: this.dense(`${p}.attention.self.query`),
        k: this.dense(`${p}.attention.self.key`),
        v: this.dense(`${p}.attention.self.value`),
        proj: this.dense(`${p}.attention.output.dense`),
      },
      ln1: this.norm(`${p}.attention.output.LayerNorm`),
      ffnIn: this.dense(`${p}.intermediate.dense`),
      ffnOut: this.dense(`${p}.output.dense`),
      ln2: this.norm(`${p}.output.LayerNorm`),
    };
  }

  get hasPooler(): boolean {
    return this.byName.has('pooler.dense.weight');
  }

  /** Variables by Hugging Face name (the names `model.safetensors` uses). */
  namedVariables(): Map<string, tf.Variable> {
    return new Map(this.byName);
  }

  variables(): tf.Variable[] {
    return this.parameters.map((p) => p.variable);
  }

  private dropout(x: tf.Tensor, opts: BertRunOptions): tf.Tensor {
    const rate = this.config.dropout;
    if (!opts.training || rate === 0) return x;
    return tf.dropout(x, rate, undefined, this.nextSeed());
  }

  private nextSeed(): number {
    this.dropoutSeed = (this.dropoutSeed + 1) % 2147483647;
    return this.dropoutSeed;
  }

  /** Attention-probability dropout for one layer's call: a rate and a fresh seed while training, else none. */
  private attentionDropout(opts: BertRunOptions): { rate: number; seed: number } | undefined {
    const rate = this.config.attentionDropout;
    return opts.training && rate > 0 ? { rate, seed: this.nextSeed() } : undefined;
  }

  /** Embedding output (after LayerNorm and dropout): [B, T] ids -> [B, T, C]. SMART perturbs this. */
  embeddings(inputs: BertInputs, opts: BertRunOptions = {}): tf.Tensor3D {
    const [B, T] = inputs.inputIds.shape;
    const { hidden: C, maxPositions, layerNormEps } = this.config;
    if (T > maxPositions)
      throw new InputError(`BERT input: found ${T} tokens, expected at most ${maxPositions}`);
    return tf.tidy(() => {
      const ids = tf.reshape(tf.cast(inputs.inputIds, 'int32'), [B * T]);
      const word = tf.reshape(tf.gather(this.get('embeddings.word_embeddings.weight'), ids), [B, T, C]);
      const position = tf.slice(this.get('embeddings.position_embeddings.weight'), [0, 0], [T, C]); // [T, C]
      const typeTable = this.get('embeddings.token_type_embeddings.weight');
      const type = inputs.tokenTypeIds
        ? tf.reshape(tf.gather(typeTable, tf.reshape(tf.cast(inputs.tokenTypeIds, 'int32'), [B * T])), [
            B,
            T,
            C,
          ])
        : tf.slice(typeTable, [0, 0], [1, C]); // every token type 0: [1, C]
      const sum = tf.reshape(tf.add(tf.add(word, position), type), [B * T, C]);
      const [w, b] = this.norm('embeddings.LayerNorm');
      return tf.reshape(this.dropout(layerNorm(sum, w, b, layerNormEps), opts), [B, T, C]) as tf.Tensor3D;
    });
  }

  /** The encoder layers over embeddings x [B, T, C] -> [B, T, C]. */
  encode(x: tf.Tensor3D, attentionMask?: tf.Tensor2D, opts: BertRunOptions = {}): tf.Tensor3D {
    const [B, T, C] = x.shape;
    const { heads, layerNormEps: eps } = this.config;
    return tf.tidy(() => {
      let h = tf.reshape(x, [B * T, C]) as tf.Tensor2D; // [B·T, C]
      for (const layer of this.layers) {
        const output = encoderSelfAttention(tf.reshape(h, [B, T, C]) as tf.Tensor3D, layer.attention, heads, {
          paddingMask: attentionMask,
          dropout: this.attentionDropout(opts),
        }); // [B, T, C]
        const attended = this.dropout(tf.reshape(output, [B * T, C]), opts);
        h = layerNorm(tf.add(h, attended), layer.ln1[0], layer.ln1[1], eps) as tf.Tensor2D;
        const inner = geluErf(linear(h, layer.ffnIn.weight, layer.ffnIn.bias)) as tf.Tensor2D; // [B·T, I]
        const ffn = this.dropout(linear(inner, layer.ffnOut.weight, layer.ffnOut.bias), opts); // [B·T, C]
        h = layerNorm(tf.add(h, ffn), layer.ln2[0], layer.ln2[1], eps) as tf.Tensor2D;
      }
      return tf.reshape(h, [B, T, C]) as tf.Tensor3D;
    });
  }

  /** tanh(W_p·h[CLS] + b_p): sequence [B, T, C] -> [B, C]. */
  pool(sequence: tf.Tensor3D): tf.Tensor2D {
    const [B, , C] = sequence.shape;
    if (!this.hasPooler)
      throw new InputError('BERT: pooler.dense: missing, expected a model built with a pooler');
    return tf.tidy(() => {
      const cls = tf.reshape(tf.slice(sequence, [0, 0, 0], [B, 1, C]), [B, C]) as tf.Tensor2D;
      const { weight, bias } = this.dense('pooler.dense');
      return tf.tanh(linear(cls, weight, bias)) as tf.Tensor2D;
    });
  }

  /** Hidden states [B, T, C] and the pooled [CLS] vector [B, C] (when the model has a pooler). */
  forward(inputs: BertInputs, opts: BertRunOptions = {}): { sequence: tf.Tensor3D; pooled?: tf.Tensor2D } {
    return tf.tidy(() => {
      const sequence = this.encode(this.embeddings(inputs, opts), inputs.attentionMask, opts);
      return this.hasPooler ? { sequence, pooled: this.pool(sequence) } : { sequence };
    });
  }

  /** Copies tensors (Hugging Face names, BertModel shapes) into the variables; each must be present. */
  load(tensors: ReadonlyMap<string, SafetensorsTensor>, source = 'weights'): void {
    for (const p of this.parameters) {
      const t = tensors.get(p.name);
      if (!t) throw new InputError(`${source}: tensor ${p.name}: missing, expected [${p.shape}]`);
      if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
        throw new InputError(`${source}: tensor ${p.name}: found shape [${t.shape}], expected [${p.shape}]`);
      }
    }
    for (const p of this.parameters) {
      tf.tidy(() => p.variable.assign(tf.tensor(tensors.get(p.name)!.data, p.shape, 'float32')));
    }
  }

  /** The weights under their Hugging Face names (values copied out). */
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

  dispose(): void {
    for (const p of this.parameters) p.variable.dispose();
  }
}
