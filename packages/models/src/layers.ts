/**
 * Building blocks whose gradients are written by hand so that every heavy
 * product is a plain, untransposed 2-D matMul: the wasm backend runs those at
 * ~35 GFLOP/s and transposed or batched ones at 1-3 GFLOP/s. Explicit
 * tf.transpose of the small operand is cheap; a transposed matMul is not.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * y = x·Wᵀ + b with W stored as (out, in), exactly nn.Linear / llm.c's layout.
 * x [N, in], W [out, in], b [out] -> y [N, out].
 * Backward: dx = dy·W, dW = dyᵀ·x, db = Σ_rows dy, all plain products.
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  if (b) return linearWithBias(x, w, b);
  return linearNoBias(x, w);
}

/** tf.customGrad with positional, typed inputs (its own typing takes a variadic Tensor | GradSaveFunc list). */
function customGrad<F>(f: (...args: never[]) => unknown): F {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as F;
}

const linearNoBias = customGrad<(x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D>(
  (x: tf.Tensor2D, w: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([x, w]);
    return {
      value: tf.matMul(x, tf.transpose(w)),
      gradFunc: (dy: tf.Tensor2D, [xs, ws]: tf.Tensor[]) => [
        tf.matMul(dy, ws as tf.Tensor2D),
        tf.matMul(tf.transpose(dy), xs as tf.Tensor2D),
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
        tf.matMul(tf.transpose(dy), xs as tf.Tensor2D),
        tf.sum(dy, 0),
      ],
    };
  },
);

/** LayerNorm over the last axis, biased variance, eps 1e-5 (as llm.c and PyTorch). */
export function layerNorm(x: tf.Tensor, weight: tf.Tensor1D, bias: tf.Tensor1D, eps = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const mean = tf.mean(x, -1, true);
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), -1, true);
    return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, eps))), weight), bias);
  });
}

const GELU_SCALE = Math.sqrt(2 / Math.PI);

/** GELU, tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as GPT-2 and llm.c. */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(GELU_SCALE, tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  });
}

/**
 * Per-row cross-entropy: logits [N, V], targets [N] int32 -> losses [N]
 * (logsumexp(z) - z[target]). The forward pass keeps softmax(z), so the
 * gradient (softmax(z) - onehot(target))·dy needs no second exp over N×V.
 */
export const crossEntropyPerRow = customGrad<(logits: tf.Tensor2D, targets: tf.Tensor1D) => tf.Tensor1D>(
  (logits: tf.Tensor2D, targets: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const [N, V] = logits.shape;
    const max = tf.max(logits, 1, true); // [N, 1]
    const exps = tf.exp(tf.sub(logits, max));
    const sums = tf.sum(exps, 1, true);
    const probs = tf.div(exps, sums);
    const lse = tf.reshape(tf.add(tf.log(sums), max), [N]);
    const rowStarts = tf.mul(tf.range(0, N, 1, 'int32'), tf.scalar(V, 'int32'));
    const picked = tf.gather(tf.reshape(logits, [-1]), tf.add(rowStarts, targets)); // z[i, t_i]
    save([probs, targets]);
    return {
      value: tf.sub(lse, picked),
      gradFunc: (dy: tf.Tensor1D, [p, t]: tf.Tensor[]) => [
        tf.mul(tf.sub(p, tf.oneHot(t as tf.Tensor1D, V)), tf.reshape(dy, [N, 1])),
        tf.zerosLike(t),
      ],
    };
  },
);
