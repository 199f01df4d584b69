/**
 * AdaMax (Kingma & Ba 2015, Algorithm 2: Adam with the infinity norm) with
 * decoupled weight decay (Loshchilov & Hutter, as in AdamW), for t = 1, 2, …:
 *
 *   m = β1·m + (1−β1)·g
 *   u = max(β2·u, |g| + eps)                 elementwise; eps inside the max, as torch.optim.Adamax
 *   p ← p − lr·( m / ((1−β1ᵗ)·u) + wd·p )    wd only on variables marked decay
 *
 * u needs no bias correction (it is a max, not an average started at zero).
 * Defaults: lr 2e-3, β1 0.9, β2 0.999, eps 1e-8 (the paper's and torch's).
 * The decay term is decoupled: it is not added to g, so it never enters m or u.
 */
import * as tf from '@tensorflow/tfjs';

export interface OptimizedVariable {
  variable: tf.Variable;
  /** Weight decay applies (usually the matrices, not biases or LayerNorm). */
  decay: boolean;
}

export interface AdaMaxOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export interface AdaMaxStep {
  learningRate: number;
  weightDecay: number;
  /** The 1-based update number in the bias correction 1 − β1ᵗ. */
  t: number;
}

export class AdaMax {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private readonly m: tf.Variable[];
  private readonly u: tf.Variable[];

  constructor(
    private readonly params: readonly OptimizedVariable[],
    opts: AdaMaxOptions = {},
  ) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.m = params.map((p) => zerosVariable(p.variable.shape));
    this.u = params.map((p) => zerosVariable(p.variable.shape));
  }

  /** grads[i] belongs to params[i]. */
  apply(grads: readonly tf.Tensor[], s: AdaMaxStep): void {
    const c1 = 1 - this.beta1 ** s.t;
    this.params.forEach((p, i) => {
      tf.tidy(() => {
        const g = grads[i];
        const m = tf.add(tf.mul(this.m[i], this.beta1), tf.mul(g, 1 - this.beta1));
        const u = tf.maximum(tf.mul(this.u[i], this.beta2), tf.add(tf.abs(g), this.eps));
        this.m[i].assign(m);
        this.u[i].assign(u);
        let step = tf.div(m, tf.mul(u, c1));
        if (p.decay && s.weightDecay) step = tf.add(step, tf.mul(p.variable, s.weightDecay));
        p.variable.assign(tf.sub(p.variable, tf.mul(step, s.learningRate)));
      });
    });
  }

  /** The moment estimates m and the infinity-norm estimates u, for checks and checkpoints. */
  state(): { m: tf.Tensor[]; u: tf.Tensor[] } {
    return { m: this.m, u: this.u };
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.u]);
  }
}

/** A non-trainable variable of zeros (its source tensor freed). */
function zerosVariable(shape: number[]): tf.Variable {
  const zeros = tf.zeros(shape);
  const variable = tf.variable(zeros, false);
  zeros.dispose();
  return variable;
}
