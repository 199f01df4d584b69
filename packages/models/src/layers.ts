/**
 * Building blocks whose gradients are written by hand so that every heavy
 * product is a plain, untransposed 2-D matMul: the wasm backend runs those at
 * ~35 GFLOP/s and transposed or batched ones at 1-3 GFLOP/s. Explicit
 * tf.transpose of the small operand is cheap; a transposed matMul is not.
 */
import * as tf from '@tensorflow/tfjs';
import {
  fusedGelu,
  fusedLayerNorm,
  fusedLinear,
  fusedSoftmaxCrossEntropy,
  nativeActive,
} from './kernels/native/index.js';

/**
 * y = x·Wᵀ + b with W stored as (out, in), exactly nn.Linear / llm.c's layout.
 * x [N, in], W [out, in], b [out] -> y [N, out].
 * Backward: dx = dy·W, dW = (xᵀ·dy)ᵀ, db = Σ_rows dy, all plain products.
 * On the native backend BLAS takes transposes as flags, so y = x·Wᵀ + b is one
 * fused matMul (the bias is BLAS's starting value) and its gradient
 * (dx = dy·W, dW = dyᵀ·x, db = Σ_rows dy) copies nothing.
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  if (nativeActive()) return b ? fusedLinear(x, w, b) : (tf.matMul(x, w, false, true) as tf.Tensor2D);
  if (b) return linearWithBias(x, w, b);
  return linearNoBias(x, w);
}

/** tf.customGrad with positional, typed inputs (its own typing takes a variadic Tensor | GradSaveFunc list). */
function customGrad<F>(f: (...args: never[]) => unknown): F {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as F;
}

/**
 * dW = dyᵀ·x computed as (xᵀ·dy)ᵀ: both transposes then touch the small
 * operands (x is [N, in], the result [in, out]) instead of dy [N, out], which
 * for the tied head is B·T × 50257 (a third of a small model's step otherwise).
 */
function weightGrad(dy: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor2D {
  return tf.transpose(tf.matMul(tf.transpose(x), dy)) as tf.Tensor2D;
}

const linearNoBias = customGrad<(x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D>(
  (x: tf.Tensor2D, w: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([x, w]);
    return {
      value: tf.matMul(x, tf.transpose(w)),
      gradFunc: (dy: tf.Tensor2D, [xs, ws]: tf.Tensor[]) => [
        tf.matMul(dy, ws as tf.Tensor2D),
        weightGrad(dy, xs as tf.Tensor2D),
      ],
    };
  },
);

const linearWithBias = customGrad<(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D>(
  (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([x, w]);
    return {
      value: tf.add(tf.matMul(x, tf.transpose(w)), b),
      gradFunc: (dy: tf.Tensor2D, [xs, ws]: tf.Tensor[]) => [
        tf.matMul(dy, ws as tf.Tensor2D),
        weightGrad(dy, xs as tf.Tensor2D),
        tf.sum(dy, 0),
      ],
    };
  },
);

/** LayerNorm over the last axis, biased variance, eps 1e-5 (as llm.c and PyTorch). */
export function layerNorm(x: tf.Tensor, weight: tf.Tensor1D, bias: tf.Tensor1D, eps = 1e-5): tf.Tensor {
  if (nativeActive()) return fusedLayerNorm(x, weight, bias, eps);
  return tf.tidy(() => {
    const mean = tf.mean(x, -1, true);
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), -1, true);
    return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, eps))), weight), bias);
  });
}

const GELU_SCALE = Math.sqrt(2 / Math.PI);

/**
 * GELU, tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as GPT-2 and llm.c,
 * evaluated as the identical x·sigmoid(2·√(2/π)·(x + 0.044715·x³)) and x·x·x
 * because wasm's sigmoid and mul are vectorised and its tanh and pow are not (~20×).
 * Native: one kernel each way.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  if (nativeActive()) return fusedGelu(x);
  return tf.tidy(() => {
    const cube = tf.mul(tf.mul(x, x), x);
    const inner = tf.mul(2 * GELU_SCALE, tf.add(x, tf.mul(0.044715, cube)));
    return tf.mul(x, tf.sigmoid(inner));
  });
}

/**
 * Per-row cross-entropy: logits [N, V], targets [N] int32 -> losses [N],
 * -log softmax(z)[target] as llm.c computes it. The forward pass keeps the
 * probabilities, so the gradient (softmax(z) - onehot(target))·dy needs no
 * second pass of exp over N×V; tf.softmax is one vectorised kernel on wasm.
 * Native: one kernel each way, and no dense one-hot.
 */
export function crossEntropyPerRow(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  if (nativeActive()) return fusedSoftmaxCrossEntropy(logits, targets, logits.shape[1]);
  return crossEntropyComposite(logits, targets);
}

const crossEntropyComposite = customGrad<(logits: tf.Tensor2D, targets: tf.Tensor1D) => tf.Tensor1D>(
  (logits: tf.Tensor2D, targets: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const [N, V] = logits.shape;
    const probs = tf.softmax(logits);
    const rowStarts = tf.mul(tf.range(0, N, 1, 'int32'), tf.scalar(V, 'int32'));
    const picked = tf.gather(tf.reshape(probs, [-1]), tf.add(rowStarts, targets)); // p[i, t_i]
    save([probs, targets]);
    return {
      value: tf.neg(tf.log(picked)),
      gradFunc: (dy: tf.Tensor1D, [p, t]: tf.Tensor[]) => [
        tf.mul(tf.sub(p, tf.oneHot(t as tf.Tensor1D, V)), tf.reshape(dy, [N, 1])),
        tf.zerosLike(t),
      ],
    };
  },
);
