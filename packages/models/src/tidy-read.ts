import * as tf from '@tensorflow/tfjs';

/**
 * Runs `fn` in a tidy scope and returns its result tensor's values.
 *
 * Read outside the scope, never as `tf.tidy(() => t.dataSync())`: tidy walks
 * whatever the function returns looking for tensors to keep, and for a typed
 * array that is one check per element (a second for a million floats).
 */
export function tidyRead(fn: () => tf.Tensor): Float32Array | Int32Array | Uint8Array {
  const tensor = tf.tidy(fn);
  try {
    return tensor.dataSync();
  } finally {
    tensor.dispose();
  }
}
