/**
 * Gradient clipping, applied by `fit` between the backward pass and the
 * optimizer's update:
 *
 * - by global norm (`clipNorm`, like tf.clip_by_global_norm, Keras'
 *   `global_clipnorm`, torch's clip_grad_norm_): when the L2 norm of all
 *   gradients together exceeds c, every gradient is scaled by c / norm, so the
 *   direction is kept and the norm becomes c;
 * - by value (`clipValue`, Keras' `clipvalue`, torch's clip_grad_value_): every
 *   element is clamped to [-v, v].
 *
 * As in Keras, only one of the two may be set.
 */
import { InputError, nativeActive, nativeSumSquares } from '@course/models';
import * as tf from '@tensorflow/tfjs';

export interface ClipOptions {
  clipNorm?: number;
  clipValue?: number;
}

export function checkClipOptions(opts: ClipOptions, where = 'fit'): void {
  if (opts.clipNorm !== undefined && opts.clipValue !== undefined) {
    throw new InputError(`${where}: clipNorm and clipValue: found both, expected at most one`);
  }
  for (const key of ['clipNorm', 'clipValue'] as const) {
    const value = opts[key];
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new InputError(`${where}: ${key}: found ${value}, expected a number > 0`);
    }
  }
}

/** L2 norm of all gradients together (a scalar tensor). */
export function globalGradNorm(grads: tf.NamedTensorMap): tf.Scalar {
  // native: one pass over each array in C, no Square/Sum tensors
  if (nativeActive()) return tf.scalar(Math.sqrt(nativeSumSquares(Object.values(grads))));
  return tf.tidy(() => {
    const squares = Object.values(grads).map((g) => tf.sum(tf.square(g)));
    return tf.sqrt(squares.length === 0 ? tf.scalar(0) : tf.addN(squares)) as tf.Scalar;
  });
}

/**
 * The clipped gradients (new tensors; the caller disposes both maps and the
 * norm) and the global norm before clipping. Everything stays on the device
 * (no read-back per step): by norm the scale is c / max(norm, c), exactly 1
 * when the norm is within c, as tf.clip_by_global_norm computes it.
 */
export function clipGradients(
  grads: tf.NamedTensorMap,
  opts: ClipOptions,
): { grads: tf.NamedTensorMap; norm: tf.Scalar } {
  const norm = globalGradNorm(grads);
  const out: tf.NamedTensorMap = {};
  const { clipNorm, clipValue } = opts;
  const scale =
    clipNorm === undefined ? undefined : tf.tidy(() => tf.div(clipNorm, tf.maximum(norm, clipNorm)));
  for (const [name, g] of Object.entries(grads)) {
    if (clipValue !== undefined) out[name] = tf.clipByValue(g, -clipValue, clipValue);
    else if (scale !== undefined) out[name] = tf.mul(g, scale);
    else out[name] = tf.clone(g);
  }
  scale?.dispose();
  return { grads: out, norm };
}
