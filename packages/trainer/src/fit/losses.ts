/**
 * Losses for `fit`, each the batch mean of a per-example loss (Keras' default
 * reduction). Cross-entropies take probabilities by default, as Keras does
 * (`from_logits=False`): the model ends in softmax/sigmoid and its outputs are
 * clipped to [1e-7, 1 - 1e-7] before the log. With `fromLogits: true` they take
 * raw scores and use the numerically stable log-softmax / softplus forms.
 */
import { fusedProbabilityCrossEntropy, nativeDenseActive } from '@course/models';
import * as tf from '@tensorflow/tfjs';

export interface Loss {
  /** Keras' name for it, e.g. 'sparse_categorical_crossentropy'. */
  readonly name: string;
  /** Mean loss over the batch. */
  compute(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar;
}

/** Keras' backend epsilon: probabilities are clipped to [EPSILON, 1 - EPSILON]. */
export const EPSILON = 1e-7;

export interface CrossEntropyOptions {
  /** true: yPred are logits; false (default): probabilities. */
  fromLogits?: boolean;
}

/**
 * Integer labels yTrue [B] (any dtype holding 0..K-1), predictions yPred [B, K].
 * Probabilities are renormalised to sum to 1 per row, like Keras.
 */
export function sparseCategoricalCrossentropy(opts: CrossEntropyOptions = {}): Loss {
  const fromLogits = opts.fromLogits ?? false;
  return {
    name: 'sparse_categorical_crossentropy',
    compute: (yTrue, yPred) =>
      tf.tidy(() => {
        // native: the same loss and gradient in one kernel each way
        if (!fromLogits && yPred.rank === 2 && nativeDenseActive())
          return fusedProbabilityCrossEntropy(yTrue, yPred as tf.Tensor2D, EPSILON);
        const classes = yPred.shape[yPred.shape.length - 1];
        const logProbs = fromLogits
          ? tf.logSoftmax(yPred)
          : tf.log(tf.clipByValue(tf.div(yPred, tf.sum(yPred, -1, true)), EPSILON, 1 - EPSILON));
        const oneHot = tf.oneHot(tf.cast(tf.reshape(yTrue, [-1]), 'int32'), classes); // [B, K]
        return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logProbs), -1))) as tf.Scalar;
      }),
  };
}

/** yTrue and yPred of the same shape, yTrue in {0, 1}; the mean over every element. */
export function binaryCrossentropy(opts: CrossEntropyOptions = {}): Loss {
  const fromLogits = opts.fromLogits ?? false;
  return {
    name: 'binary_crossentropy',
    compute: (yTrue, yPred) =>
      tf.tidy(() => {
        const y = tf.reshape(tf.cast(yTrue, 'float32'), yPred.shape);
        if (fromLogits) {
          // max(z, 0) - z·y + log(1 + e^-|z|): no overflow for large |z|.
          const z = yPred;
          return tf.mean(
            tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z))))),
          ) as tf.Scalar;
        }
        const p = tf.clipByValue(yPred, EPSILON, 1 - EPSILON);
        const perElement = tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p))));
        return tf.neg(tf.mean(perElement)) as tf.Scalar;
      }),
  };
}

/** Mean of (yTrue - yPred)² over every element. */
export function meanSquaredError(): Loss {
  return {
    name: 'mean_squared_error',
    compute: (yTrue, yPred) =>
      tf.tidy(
        () =>
          tf.mean(
            tf.squaredDifference(tf.reshape(tf.cast(yTrue, 'float32'), yPred.shape), yPred),
          ) as tf.Scalar,
      ),
  };
}
