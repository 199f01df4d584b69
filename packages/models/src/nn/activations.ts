/** Activation functions by their Keras names. */
import * as tf from '@tensorflow/tfjs';

export type ActivationName = 'relu' | 'selu' | 'sigmoid' | 'tanh' | 'softmax' | 'linear';

export const ACTIVATION_NAMES: readonly ActivationName[] = [
  'relu',
  'selu',
  'sigmoid',
  'tanh',
  'softmax',
  'linear',
];

/** Applies the named activation; softmax is over the last axis. */
export function activate(name: ActivationName, x: tf.Tensor): tf.Tensor {
  switch (name) {
    case 'relu':
      return tf.relu(x);
    case 'selu':
      return tf.selu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'softmax':
      return tf.softmax(x);
    case 'linear':
      return x;
  }
}
