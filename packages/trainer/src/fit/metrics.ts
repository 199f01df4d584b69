/**
 * Metrics for `fit`/`evaluate`: each gives the batch mean, and the epoch value
 * is the mean over every example (batches weighted by their size), as Keras
 * reports it. Both accuracies log under the key 'accuracy', as Keras names
 * `metrics=['accuracy']`.
 */
import { fusedSparseAccuracy, nativeDenseActive } from '@course/models';
import * as tf from '@tensorflow/tfjs';

export interface Metric {
  /** The key in logs and history ('val_' + name for the validation set). */
  readonly name: string;
  /** Mean over the batch. */
  compute(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar;
}

/** Integer labels [B] against scores [B, K] (probabilities or logits): argmax equals the label. */
export function sparseCategoricalAccuracy(): Metric {
  return {
    name: 'accuracy',
    compute: (yTrue, yPred) =>
      tf.tidy(() =>
        // native: one kernel instead of six ops
        yPred.rank === 2 && nativeDenseActive()
          ? fusedSparseAccuracy(yTrue, yPred as tf.Tensor2D)
          : (tf.mean(
              tf.cast(tf.equal(tf.argMax(yPred, -1), tf.cast(tf.reshape(yTrue, [-1]), 'int32')), 'float32'),
            ) as tf.Scalar),
      ),
  };
}

/**
 * yTrue in {0, 1} against yPred of the same shape: prediction 1 when yPred > threshold
 * (0.5 for probabilities; pass 0 for logits).
 */
export function binaryAccuracy(opts: { threshold?: number } = {}): Metric {
  const threshold = opts.threshold ?? 0.5;
  return {
    name: 'accuracy',
    compute: (yTrue, yPred) =>
      tf.tidy(() => {
        const predicted = tf.cast(tf.greater(yPred, threshold), 'float32');
        const y = tf.reshape(tf.cast(yTrue, 'float32'), yPred.shape);
        return tf.mean(tf.cast(tf.equal(predicted, y), 'float32')) as tf.Scalar;
      }),
  };
}
