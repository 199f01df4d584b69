/**
 * GPT-2 in TensorFlow.js with llm.c's exact parameter tensors.
 *
 * Parameters live as one tf.Variable per llm.c tensor per layer, each in the
 * checkpoint's own layout (matrices (out, in) like nn.Linear), so loading a
 * checkpoint is a copy of slices of its flat array, not a conversion.
 *
 *   x = wte[tok] + wpe[pos]                                   [B·T, C]
 *   per layer: x += attproj(attn(ln1(x)));  x += fcproj(gelu(fc(ln2(x))))
 *   logits = lnf(x)·wteᵀ  (tied head, all Vp columns)         [B·T, Vp]
 *   loss / sampling use only the first V columns.
 *
 * With muP settings (mup.ts, m = C / C₀ ≠ 1) the attention scores are scaled
 * by √d₀/d instead of 1/√d and the logits by 1/m (lnf(x)/m · wteᵀ); the
 * hidden matrices' Adam LR multiplier 1/m rides on each parameter
 * (lrMultiplier). At m = 1, or without muP, none of this runs.
 */
import * as tf from '@tensorflow/tfjs';
import { causalSelfAttention } from '../attention.js';
import { InputError } from '../errors.js';
import { fusedSoftmaxCrossEntropy, nativeActive } from '../kernels/native/index.js';
import { crossEntropyPerRow, gelu, layerNorm, linear } from '../layers.js';
import { type GPT2Config, numParameters, type ParameterName, parameterTensors } from './config.js';
import {
  attentionScale,
  type MupSettings,
  mupLrMultiplier,
  outputMultiplier,
  widthMultiplier,
} from './mup.js';

/** One variable: llm.c tensor `name`, layer `layer` (or -1), at `offset` in the flat file order. */
export interface GPT2Parameter {
  name: ParameterName;
  layer: number;
  variable: tf.Variable;
  offset: number;
  size: number;
  shape: number[];
  /** AdamW weight decay applies (2-D tensors only). */
  decay: boolean;
  /** The tensor's LR is this times the schedule's (muP: 1/m on hidden matrices); absent means 1. */
  lrMultiplier?: number;
}

export interface GPT2Options {
  /** muP relative to this base width (mup.ts); absent: the standard parametrisation. */
  mup?: MupSettings;
}

interface Block {
  ln1w: tf.Variable<tf.Rank.R1>;
  ln1b: tf.Variable<tf.Rank.R1>;
  qkvw: tf.Variable<tf.Rank.R2>;
  qkvb: tf.Variable<tf.Rank.R1>;
  attprojw: tf.Variable<tf.Rank.R2>;
  attprojb: tf.Variable<tf.Rank.R1>;
  ln2w: tf.Variable<tf.Rank.R1>;
  ln2b: tf.Variable<tf.Rank.R1>;
  fcw: tf.Variable<tf.Rank.R2>;
  fcb: tf.Variable<tf.Rank.R1>;
  fcprojw: tf.Variable<tf.Rank.R2>;
  fcprojb: tf.Variable<tf.Rank.R1>;
}

export class GPT2 {
  readonly config: GPT2Config;
  /** All variables in llm.c file order (tensor-major, then layer). */
  readonly parameters: GPT2Parameter[];
  private readonly wte: tf.Variable<tf.Rank.R2>;
  private readonly wpe: tf.Variable<tf.Rank.R2>;
  private readonly blocks: Block[];
  private readonly lnfw: tf.Variable<tf.Rank.R1>;
  private readonly lnfb: tf.Variable<tf.Rank.R1>;
  /** muP settings, or undefined for SP. */
  readonly mup: MupSettings | undefined;
  /** The attention softmax scale when it is not SP's 1/√d (muP, m ≠ 1), else undefined. */
  private readonly attnScale: number | undefined;
  /** The tied head's logit multiplier (muP: 1/m). */
  private readonly outMult: number;

  /** Builds the model from a flat parameter array in llm.c file order (e.g. a checkpoint's). */
  constructor(config: GPT2Config, flat: Float32Array, opts: GPT2Options = {}) {
    const expected = numParameters(config);
    if (flat.length !== expected) {
      throw new InputError(
        `GPT-2 parameters: found ${flat.length} values, expected ${expected} for this config`,
      );
    }
    if (config.channels % config.numHeads !== 0) {
      throw new InputError(
        `GPT-2 config: channels ${config.channels} is not divisible by heads ${config.numHeads}`,
      );
    }
    this.config = config;
    this.mup = opts.mup;
    const m = opts.mup ? widthMultiplier(config, opts.mup) : 1;
    this.attnScale = m === 1 ? undefined : attentionScale(config, opts.mup);
    this.outMult = m === 1 ? 1 : outputMultiplier(config, opts.mup);
    this.parameters = [];
    const byName = new Map<string, tf.Variable>();
    for (const t of parameterTensors(config)) {
      const layers = t.perLayer ? config.numLayers : 1;
      const layerSize = t.size / layers;
      for (let l = 0; l < layers; l++) {
        const offset = t.offset + l * layerSize;
        const values = flat.slice(offset, offset + layerSize);
        const initial = tf.tensor(values, t.layerShape, 'float32');
        const variable = tf.variable(initial);
        initial.dispose(); // the variable holds its own reference to the data
        const layer = t.perLayer ? l : -1;
        this.parameters.push({
          name: t.name,
          layer,
          variable,
          offset,
          size: layerSize,
          shape: t.layerShape,
          decay: t.decay,
          lrMultiplier: mupLrMultiplier(t.name, config, m === 1 ? undefined : opts.mup),
        });
        byName.set(`${t.name}:${layer}`, variable);
      }
    }
    const get = <R extends tf.Rank>(name: ParameterName, layer = -1) =>
      byName.get(`${name}:${layer}`) as tf.Variable<R>;
    this.wte = get('wte');
    this.wpe = get('wpe');
    this.lnfw = get('lnfw');
    this.lnfb = get('lnfb');
    this.blocks = Array.from({ length: config.numLayers }, (_, l) => ({
      ln1w: get('ln1w', l),
      ln1b: get('ln1b', l),
      qkvw: get('qkvw', l),
      qkvb: get('qkvb', l),
      attprojw: get('attprojw', l),
      attprojb: get('attprojb', l),
      ln2w: get('ln2w', l),
      ln2b: get('ln2b', l),
      fcw: get('fcw', l),
      fcb: get('fcb', l),
      fcprojw: get('fcprojw', l),
      fcprojb: get('fcprojb', l),
    }));
  }

  /** The variables in file order (what an optimizer updates). */
  variables(): tf.Variable[] {
    return this.parameters.map((p) => p.variable);
  }

  /** Copies a flat llm.c-ordered array into the variables (e.g. loading a checkpoint). */
  load(flat: Float32Array): void {
    if (flat.length !== numParameters(this.config)) {
      throw new InputError(
        `GPT-2 parameters: found ${flat.length} values, expected ${numParameters(this.config)}`,
      );
    }
    for (const p of this.parameters) {
      tf.tidy(() =>
        p.variable.assign(tf.tensor(flat.subarray(p.offset, p.offset + p.size), p.shape, 'float32')),
      );
    }
  }

  /** The flat parameter array in llm.c file order (what a checkpoint stores). */
  toFlat(): Float32Array {
    const flat = new Float32Array(numParameters(this.config));
    for (const p of this.parameters) flat.set(p.variable.dataSync() as Float32Array, p.offset);
    return flat;
  }

  /** tokens [B, T] int32 -> final hidden states [B·T, C] (after lnf). */
  hidden(tokens: tf.Tensor2D): tf.Tensor2D {
    const [B, T] = tokens.shape;
    const { channels: C, numHeads: NH, maxSeqLen } = this.config;
    if (T > maxSeqLen) throw new InputError(`sequence length ${T} exceeds the model's maxT ${maxSeqLen}`);
    return tf.tidy(() => {
      const tokEmb = tf.reshape(tf.gather(this.wte, tf.reshape(tokens, [-1])), [B, T, C]);
      const posEmb = tf.slice(this.wpe, [0, 0], [T, C]);
      let x = tf.reshape(tf.add(tokEmb, posEmb), [B * T, C]) as tf.Tensor2D; // [B·T, C]
      for (const block of this.blocks) {
        // causal self-attention: fused QKV, rows [0,C) Q, [C,2C) K, [2C,3C) V, then the output projection
        const ln1 = tf.reshape(layerNorm(x, block.ln1w, block.ln1b), [B, T, C]) as tf.Tensor3D;
        const output = causalSelfAttention(
          ln1,
          {
            qkv: { weight: block.qkvw, bias: block.qkvb },
            proj: { weight: block.attprojw, bias: block.attprojb },
          },
          NH,
          this.attnScale,
        ); // [B, T, C]
        x = tf.add(x, tf.reshape(output, [B * T, C]));
        // MLP
        const h = gelu(linear(layerNorm(x, block.ln2w, block.ln2b) as tf.Tensor2D, block.fcw, block.fcb)); // [B·T, 4C]
        x = tf.add(x, linear(h as tf.Tensor2D, block.fcprojw, block.fcprojb));
      }
      return layerNorm(x, this.lnfw, this.lnfb) as tf.Tensor2D;
    });
  }

  /** Logits over the real vocabulary: tokens [B, T] -> [B, T, V]. */
  forward(tokens: tf.Tensor2D): tf.Tensor3D {
    const [B, T] = tokens.shape;
    return tf.tidy(() => tf.reshape(this.logits2d(this.hidden(tokens)), [B, T, this.config.vocabSize]));
  }

  /** Per-token cross-entropy [B, T] (what llm.c's HellaSwag scoring averages over masks). */
  tokenLosses(tokens: tf.Tensor2D, targets: tf.Tensor2D): tf.Tensor2D {
    const [B, T] = tokens.shape;
    return tf.tidy(() =>
      tf.reshape(this.headLosses(this.hidden(tokens), tf.reshape(targets, [-1]) as tf.Tensor1D), [B, T]),
    );
  }

  /**
   * Cross-entropy at chosen positions only: `positions` index the flattened
   * [B·T] grid, `targets` are the tokens expected there. The vocabulary
   * projection (the costly part of a small model) runs on those rows alone;
   * HellaSwag scoring needs only the ending tokens' losses.
   */
  lossesAt(tokens: tf.Tensor2D, positions: Int32Array, targets: Int32Array): tf.Tensor1D {
    return tf.tidy(() => {
      const rows = tf.gather(this.hidden(tokens), tf.tensor1d(positions, 'int32')) as tf.Tensor2D; // [P, C]
      return this.headLosses(rows, tf.tensor1d(targets, 'int32'));
    });
  }

  /** Mean cross-entropy over all B·T positions (llm.c's training loss). */
  loss(tokens: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => tf.mean(this.tokenLosses(tokens, targets)));
  }

  /** Frees the variables. */
  dispose(): void {
    for (const p of this.parameters) p.variable.dispose();
  }

  /**
   * Cross-entropy of the tied head: hidden [N, C], targets [N] -> [N]. On the
   * native backend the product runs over all Vp rows of wte (no per-step copy
   * of the V×C slice, no padding of its gradient) and the loss kernel reads
   * only the first V columns: the padded ones get no probability or gradient.
   */
  private headLosses(hidden: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
    const h = this.readoutInput(hidden);
    if (nativeActive()) {
      return fusedSoftmaxCrossEntropy(linear(h, this.wte), targets, this.config.vocabSize); // [N, Vp] -> [N]
    }
    return crossEntropyPerRow(this.linearHead(h), targets);
  }

  /** muP's logit multiplier applied to the head's input, hidden/m [N, C] (cheaper than logits/m [N, Vp]). */
  private readoutInput(hidden: tf.Tensor2D): tf.Tensor2D {
    return this.outMult === 1 ? hidden : (tf.mul(hidden, this.outMult) as tf.Tensor2D);
  }

  /** Logits over the real vocabulary: (muP's multiplier ·) hidden·wte[:V]ᵀ. */
  private logits2d(hidden: tf.Tensor2D): tf.Tensor2D {
    return this.linearHead(this.readoutInput(hidden));
  }

  /**
   * Tied head over the real vocabulary: hidden·wte[:V]ᵀ. Slicing the V×C
   * weight is cheaper than slicing B·T×Vp logits, and the padded rows (always
   * 0 in llm.c) never reach the softmax, so they get no gradient.
   */
  private linearHead(hidden: tf.Tensor2D): tf.Tensor2D {
    const { vocabSize: V, paddedVocabSize: Vp, channels: C } = this.config;
    const head = V === Vp ? this.wte : (tf.slice(this.wte, [0, 0], [V, C]) as tf.Tensor2D);
    return linear(hidden, head); // [B·T, V]
  }
}
