/**
 * Adam for `fit`, the same update as tf.train.adam (Kingma & Ba, tfjs' defaults):
 *
 *   m = β1·m + (1−β1)·g        v = β2·v + (1−β2)·g²
 *   θ ← θ − lr · (m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε)
 *
 * On the native backend each variable is updated in one pass in place (the
 * native AdamW kernel with no weight decay) instead of ~12 tfjs ops a
 * variable; elsewhere it is tf.train.adam itself. Use it where tf.train.adam
 * would be: `fit(model, data, { optimizer: adam(1e-3), … })`.
 */
import { type AdamWHyper, nativeActive, nativeAdamWInPlace } from '@course/models';
import * as tf from '@tensorflow/tfjs';

/** tfjs' float32 epsilon (tf.backend().epsilon()), tf.train.adam's default. */
const TFJS_EPSILON = 1e-7;

/** tfjs-core's NamedTensor (not re-exported by @tensorflow/tfjs). */
interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export class Adam extends tf.Optimizer {
  static get className(): string {
    return 'CourseAdam';
  }
  private readonly fallback: tf.AdamOptimizer;
  private readonly moments = new Map<string, { m: tf.Variable; v: tf.Variable }>();
  private t = 0;

  constructor(
    readonly learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = TFJS_EPSILON,
  ) {
    super();
    this.fallback = tf.train.adam(learningRate, beta1, beta2, epsilon);
  }

  override applyGradients(gradients: tf.NamedTensorMap | NamedTensor[]): void {
    if (!nativeActive()) {
      this.fallback.applyGradients(gradients as Parameters<tf.AdamOptimizer['applyGradients']>[0]);
      return;
    }
    const list = Array.isArray(gradients)
      ? gradients
      : Object.entries(gradients).map(([name, tensor]) => ({ name, tensor }));
    this.t++;
    const hyper: AdamWHyper = {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.epsilon,
      weightDecay: 0,
      c1: 1 - this.beta1 ** this.t,
      c2: 1 - this.beta2 ** this.t,
      gradScale: 1,
    };
    for (const { name, tensor } of list) {
      if (tensor == null) continue;
      const variable = tf.engine().registeredVariables[name];
      nativeAdamWInPlace(variable, tensor, ...this.momentsOf(variable), hyper);
    }
  }

  private momentsOf(variable: tf.Variable): [tf.Variable, tf.Variable] {
    let state = this.moments.get(variable.name);
    if (state === undefined) {
      state = {
        m: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
        v: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
      };
      this.moments.set(variable.name, state);
    }
    return [state.m, state.v];
  }

  override dispose(): void {
    this.fallback.dispose();
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
    this.moments.clear();
    super.dispose();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/** `adam(1e-3)`: Adam with tf.train.adam's defaults (β1 0.9, β2 0.999, ε 1e-7), fused on native. */
export function adam(learningRate: number, beta1?: number, beta2?: number, epsilon?: number): Adam {
  return new Adam(learningRate, beta1, beta2, epsilon);
}
