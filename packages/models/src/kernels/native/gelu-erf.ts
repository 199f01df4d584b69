/**
 * BERT's exact GELU in one native kernel each way (src/gelu_erf.cc), wrapped in
 * tf.customGrad as fused.ts' layers are:
 *
 *   y = x·Φ(x) = 0.5·x·(1 + erf(x/√2))        dy/dx = Φ(x) + x·φ(x),  φ(x) = exp(−x²/2)/√(2π)
 *
 * The composite (bert/model.ts' geluErf) is Mul, Erf, Mul, Add forward and about
 * twice that backward, each a tfjs op with its own [B·T, I] temporary.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeAddon } from './addon.js';
import type { NativeBackend } from './backend.js';
import { floatsOf, sizeOf } from './values.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

export const GELU_ERF = 'CourseGeluErf';
export const GELU_ERF_GRAD = 'CourseGeluErfGrad';

// x (any shape) -> y
function geluErf({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x } = inputs as Record<string, tf.TensorInfo>;
  const nb = backend as NativeBackend;
  const y = nb.allocFloat32(sizeOf(x.shape));
  nativeAddon().geluErfForward(y, floatsOf(nb, x));
  return nb.output(y, x.shape);
}

// dy, x -> dx
function geluErfGrad({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { dy, x } = inputs as Record<string, tf.TensorInfo>;
  const nb = backend as NativeBackend;
  const dx = nb.allocFloat32(sizeOf(x.shape));
  nativeAddon().geluErfBackward(dx, floatsOf(nb, x), floatsOf(nb, dy));
  return nb.output(dx, x.shape);
}

/** The kernels index.ts registers under the native backend. */
export const GELU_ERF_KERNELS: Record<string, tf.KernelFunc> = {
  [GELU_ERF]: geluErf as tf.KernelFunc,
  [GELU_ERF_GRAD]: geluErfGrad as tf.KernelFunc,
};

/** Exact GELU x·Φ(x) as one op (native backend only; bert/model.ts' geluErf picks it there). */
export const fusedGeluErf = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: tf.engine().runKernel(GELU_ERF, { x }) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, [xs]: tf.Tensor[]) => [
      tf.engine().runKernel(GELU_ERF_GRAD, { dy, x: xs }) as tf.Tensor,
    ],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
