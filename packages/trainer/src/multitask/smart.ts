/**
 * SMART (Jiang et al. 2020, "SMART: Robust and Efficient Fine-Tuning for
 * Pre-trained Natural Language Models through Principled Regularized
 * Optimization"). For a model f(x; θ) on input embeddings x, fine-tuning minimises
 *
 *   L(θ) + λ_s·R_s(θ) + μ·D_Breg(θ, θ̃)
 *
 * Smoothness-inducing adversarial regulariser:
 *   R_s(θ) = (1/n) Σ_i max_{‖x̃_i − x_i‖_∞ ≤ ε} ℓ_s(f(x̃_i; θ), f(x_i; θ))
 * approximated as in the paper's Algorithm 1, with δ = x̃ − x:
 *   δ ← ν,  ν ~ N(0, σ²I)
 *   K times:  δ ← Π_ε(δ + η·∇_δ Σ_i ℓ_s(f(x_i; θ), f(x_i + δ_i; θ)))    f(x) held fixed
 *   Π_ε clips every coordinate of δ to [−ε, ε] (the ∞-norm ball)
 * then R_s ≈ (1/n) Σ_i ℓ_s(f(x_i + δ_i; θ), f(x_i; θ)) with δ a constant and
 * gradients into θ through both terms (and into the embedding table through x).
 * The ascent sums over the batch so each example's step does not depend on the
 * batch size. `normalize: 'inf'` divides the ascent gradient by its largest
 * |value| along the last axis (+1e-6) first, as the authors' mt-dnn code does
 * (the paper's Algorithm 1 does not; with σ = ε = 1e-5 the plain step is tiny).
 *
 * ℓ_s, per example:
 *   classification (logits [B, K]):  symmetric KL  KL(p‖q) + KL(q‖p) = Σ_k (p_k − q_k)(log p_k − log q_k),
 *                                    p = softmax(a), q = softmax(b)
 *   binary (one logit, [B] or [B, 1]): the same for the two classes (σ(a), 1 − σ(a)), which
 *                                    simplifies to (σ(a) − σ(b))·(a − b)
 *   regression (scores [B] or [B, D]): squared error Σ_d (a_d − b_d)²
 *
 * Bregman proximal point (momentum form):
 *   D_Breg(θ, θ̃) = (1/n) Σ_i ℓ_s(f(x_i; θ), f(x_i; θ̃))     f(·; θ̃) a constant
 *   after each update:  θ̃ ← (1 − β)·θ + β·θ̃                θ̃ starts as θ₀
 * The paper's settings: σ = ε = 1e-5, η = 1e-3, K = 1, λ_s ∈ {1, 3, 5}, μ = 1, β = 0.99.
 */
import { InputError } from '@course/models';
import * as tf from '@tensorflow/tfjs';

export const SMART_TASKS = ['classification', 'binary', 'regression'] as const;
export type SmartTask = (typeof SMART_TASKS)[number];

/** ℓ_s(a, b) per example: [B] from outputs a, b of the same shape (see the table above). */
export function smartDivergence(a: tf.Tensor, b: tf.Tensor, task: SmartTask): tf.Tensor1D {
  if (a.shape.join(',') !== b.shape.join(',')) {
    throw new InputError(`smartDivergence: a is [${a.shape}] and b is [${b.shape}], expected the same shape`);
  }
  return tf.tidy(() => {
    const B = a.shape[0];
    switch (task) {
      case 'classification': {
        if (a.rank !== 2) throw new InputError(`smartDivergence: logits are [${a.shape}], expected [B, K]`);
        const logP = tf.logSoftmax(a); // [B, K]
        const logQ = tf.logSoftmax(b); // [B, K]
        return tf.sum(tf.mul(tf.sub(tf.exp(logP), tf.exp(logQ)), tf.sub(logP, logQ)), 1) as tf.Tensor1D;
      }
      case 'binary': {
        const x = tf.reshape(a, [B, -1]); // [B, 1]
        const y = tf.reshape(b, [B, -1]);
        if (x.shape[1] !== 1)
          throw new InputError(`smartDivergence: binary logits are [${a.shape}], expected [B] or [B, 1]`);
        return tf.reshape(tf.mul(tf.sub(tf.sigmoid(x), tf.sigmoid(y)), tf.sub(x, y)), [B]) as tf.Tensor1D;
      }
      case 'regression':
        return tf.sum(tf.reshape(tf.squaredDifference(a, b), [B, -1]), 1) as tf.Tensor1D;
    }
  });
}

export interface SmartPerturbationOptions {
  task: SmartTask;
  /** σ, the standard deviation of the initial noise. Default 1e-5. */
  sigma?: number;
  /** η, the ascent step size. Default 1e-3. */
  stepSize?: number;
  /** ε, the radius of the ∞-norm ball. Default 1e-5. */
  epsilon?: number;
  /** K, the number of ascent steps. Default 1. */
  steps?: number;
  /** 'none' (the paper's step, default) or 'inf' (mt-dnn's: the gradient over its max |value| along the last axis). */
  normalize?: 'none' | 'inf';
  /** The initial ν instead of a draw from N(0, σ²I) (shaped like x). */
  noise?: tf.Tensor;
  /** Seed for the noise draw. */
  seed?: number;
}

/**
 * δ after K projected ascent steps: a new constant tensor shaped like x. Call it
 * outside the loss's gradient tape; f must not change state (dropout off or seeded).
 */
export function smartPerturbation(
  f: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  opts: SmartPerturbationOptions,
): tf.Tensor {
  const sigma = opts.sigma ?? 1e-5;
  const eta = opts.stepSize ?? 1e-3;
  const eps = opts.epsilon ?? 1e-5;
  const K = opts.steps ?? 1;
  if (opts.noise && opts.noise.shape.join(',') !== x.shape.join(',')) {
    throw new InputError(
      `smartPerturbation: noise is [${opts.noise.shape}], expected x's shape [${x.shape}]`,
    );
  }
  return tf.tidy(() => {
    const clean = f(x); // f(x; θ), held fixed during the ascent
    let delta = opts.noise ? tf.clone(opts.noise) : tf.randomNormal(x.shape, 0, sigma, 'float32', opts.seed);
    const objective = (d: tf.Tensor) => tf.sum(smartDivergence(clean, f(tf.add(x, d)), opts.task));
    const grad = tf.grad(objective);
    for (let k = 0; k < K; k++) {
      let g = grad(delta);
      if (opts.normalize === 'inf') g = tf.div(g, tf.add(tf.max(tf.abs(g), -1, true), 1e-6));
      delta = tf.clipByValue(tf.add(delta, tf.mul(g, eta)), -eps, eps);
    }
    return delta;
  });
}

/** λ_s · (1/n) Σ_i ℓ_s(f(x_i + δ_i), f(x_i)): call inside the loss; gradients reach θ through both terms. */
export function smartRegularizer(
  f: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  delta: tf.Tensor,
  task: SmartTask,
  lambdaS: number,
): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.mean(smartDivergence(f(tf.add(x, delta)), f(x), task)), lambdaS));
}

/** μ · (1/n) Σ_i ℓ_s(f(x_i; θ), f(x_i; θ̃)): `current` inside the loss, `slow` from SlowWeights.run. */
export function bregmanTerm(current: tf.Tensor, slow: tf.Tensor, task: SmartTask, mu: number): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.mean(smartDivergence(current, slow, task)), mu));
}

/** θ̃, the slow momentum copy of some variables, for the Bregman term. */
export class SlowWeights {
  private readonly slow: tf.Variable[];

  /** θ̃ starts as a copy of the variables' current values θ₀. */
  constructor(private readonly vars: readonly tf.Variable[]) {
    this.slow = vars.map((v) => tf.variable(v, false));
  }

  /** θ̃ ← (1 − β)·θ + β·θ̃, after each optimiser step. */
  update(beta: number): void {
    if (!(beta >= 0 && beta <= 1))
      throw new InputError(`SlowWeights: beta: found ${beta}, expected 0 ≤ β ≤ 1`);
    this.vars.forEach((v, i) => {
      tf.tidy(() => this.slow[i].assign(tf.add(tf.mul(v, 1 - beta), tf.mul(this.slow[i], beta))));
    });
  }

  /**
   * fn evaluated with θ̃ in the variables (e.g. the slow model's logits), then θ
   * restored. Call outside any gradient tape; tensors fn returns are kept.
   */
  run<T extends tf.TensorContainer>(fn: () => T): T {
    const saved = this.vars.map((v) => tf.clone(v));
    try {
      for (const [i, v] of this.vars.entries()) v.assign(this.slow[i]);
      return tf.tidy(fn);
    } finally {
      for (const [i, v] of this.vars.entries()) v.assign(saved[i]);
      tf.dispose(saved);
    }
  }

  values(): tf.Tensor[] {
    return this.slow;
  }

  dispose(): void {
    tf.dispose(this.slow);
  }
}
