/** What every native kernel wrapper reads from its tensors. */
import type * as tf from '@tensorflow/tfjs';
import type { NativeBackend } from './backend.js';

/** Elements of a tensor of `shape`. */
export const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * The float32 array behind a tensor, for a C++ kernel that reads it in place. A float32
 * tensor cast from int32 keeps an Int32Array on the cpu backend: that one is converted.
 */
export function floatsOf(nb: NativeBackend, t: tf.TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`native kernel: expected a float32 tensor, found ${t.dtype}`);
  const values = nb.valuesOf(t);
  return values instanceof Float32Array ? values : Float32Array.from(values as Int32Array);
}
