/**
 * AdamW as llm.c's train_gpt2.cu applies it, with global-norm clipping folded in:
 *
 *   g = grad_scale·grad                 grad_scale = 1/norm if norm > 1 else 1
 *   m = β1·m + (1-β1)·g                 v = β2·v + (1-β2)·g²
 *   m̂ = m/(1-β1ᵗ)                       v̂ = v/(1-β2ᵗ)              t = step + 1
 *   p ← p - lr·(m̂/(√v̂ + eps) + wd·p)   wd only on the 2-D tensors
 *
 * lr is the schedule's LR times the parameter's lrMultiplier (its group's: muP
 * gives the hidden matrices 1/m, gpt2/mup.ts; absent means 1, and lr·1 is lr
 * exactly, so SP is unchanged). The decay, coupled to lr, scales with it.
 *
 * β1 0.9, β2 0.95, eps 1e-8 (hard-coded in llm.c; `opts` may change them, e.g.
 * β2 0.999 as torch.optim.AdamW and BERT fine-tuning use). m and v are kept per
 * variable and flatten to llm.c's state-file order (the parameters' order).
 */
import { type GPT2Parameter, nativeActive, nativeAdamWInPlace, nativeSumSquares } from '@course/models';
import * as tf from '@tensorflow/tfjs';

export interface AdamWStep {
  learningRate: number;
  weightDecay: number;
  /** t in the bias corrections: the 1-based update number (llm.c: step + 1). */
  t: number;
  /** 1/norm when the global norm exceeds the clip threshold, else 1. */
  gradScale: number;
}

export const ADAMW_BETA1 = 0.9;
export const ADAMW_BETA2 = 0.95;
export const ADAMW_EPS = 1e-8;
/** llm.c clips the global gradient norm at 1.0 (hard-coded). */
export const GRAD_CLIP = 1.0;

export interface AdamWOptions {
  /** Default ADAMW_BETA1 (0.9). */
  beta1?: number;
  /** Default ADAMW_BETA2 (llm.c's 0.95). */
  beta2?: number;
  /** Default ADAMW_EPS (1e-8). */
  eps?: number;
}

export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private readonly params: GPT2Parameter[];
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(params: GPT2Parameter[], opts: AdamWOptions = {}) {
    this.beta1 = opts.beta1 ?? ADAMW_BETA1;
    this.beta2 = opts.beta2 ?? ADAMW_BETA2;
    this.eps = opts.eps ?? ADAMW_EPS;
    this.params = params;
    this.m = params.map((p) => zerosVariable(p.shape));
    this.v = params.map((p) => zerosVariable(p.shape));
  }

  /** grads[i] belongs to params[i]. */
  apply(grads: tf.Tensor[], s: AdamWStep): void {
    const c1 = 1 - this.beta1 ** s.t;
    const c2 = 1 - this.beta2 ** s.t;
    if (nativeActive()) {
      // The same math in one pass over each tensor, updating the variables in place.
      this.params.forEach((p, i) => {
        nativeAdamWInPlace(p.variable, grads[i], this.m[i], this.v[i], {
          learningRate: s.learningRate * (p.lrMultiplier ?? 1),
          beta1: this.beta1,
          beta2: this.beta2,
          eps: this.eps,
          weightDecay: p.decay ? s.weightDecay : 0,
          c1,
          c2,
          gradScale: s.gradScale,
        });
      });
      return;
    }
    this.params.forEach((p, i) => {
      tf.tidy(() => {
        const g = s.gradScale === 1 ? grads[i] : tf.mul(grads[i], s.gradScale);
        const m = tf.add(tf.mul(this.m[i], this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i], this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), this.eps));
        const wd = p.decay ? s.weightDecay : 0;
        const step = wd ? tf.add(update, tf.mul(p.variable, wd)) : update;
        p.variable.assign(tf.sub(p.variable, tf.mul(step, s.learningRate * (p.lrMultiplier ?? 1))));
      });
    });
  }

  /** m and v flattened in llm.c's parameter order. */
  toFlat(numParams: number): { m: Float32Array; v: Float32Array } {
    const m = new Float32Array(numParams);
    const v = new Float32Array(numParams);
    this.params.forEach((p, i) => {
      m.set(this.m[i].dataSync() as Float32Array, p.offset);
      v.set(this.v[i].dataSync() as Float32Array, p.offset);
    });
    return { m, v };
  }

  loadFlat(m: Float32Array, v: Float32Array): void {
    this.params.forEach((p, i) => {
      tf.tidy(() => {
        this.m[i].assign(tf.tensor(m.subarray(p.offset, p.offset + p.size), p.shape));
        this.v[i].assign(tf.tensor(v.subarray(p.offset, p.offset + p.size), p.shape));
      });
    });
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

/** A non-trainable variable of zeros (its source tensor freed: wasm memory is tight for d6 and up). */
function zerosVariable(shape: number[]): tf.Variable {
  const zeros = tf.zeros(shape);
  const variable = tf.variable(zeros, false);
  zeros.dispose();
  return variable;
}

/** Global L2 norm over all gradients (one number, read back once per step). */
export function globalNorm(grads: tf.Tensor[]): number {
  if (nativeActive()) return Math.sqrt(nativeSumSquares(grads));
  return tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))).dataSync()[0]);
}

/** llm.c's clip: scale = 1/norm when norm > 1. */
export function clipScale(norm: number, clip = GRAD_CLIP): number {
  return norm > clip ? clip / norm : 1;
}
