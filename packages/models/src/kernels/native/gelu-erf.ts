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
import type { NativeAddon } from './addon.js';
import { nativeAddon } from './addon.js';
import type { NativeBackend } from './backend.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The addon's exact-GELU functions, on top of @course/native's typed list. */
interface GeluErfAddon {
  geluErfForward(y: Float32Array, x: Float32Array): void;
  geluErfBackward(dx: Float32Array, x: Float32Array, dy: Float32Array): void;
}

function addon(): NativeAddon & GeluErfAddon {
  return nativeAddon() as NativeAddon & GeluErfAddon;
}

export const GELU_ERF = 'CourseGeluErf';
export const GELU_ERF_GRAD = 'CourseGeluErfGrad';

function floatsOf(nb: NativeBackend, t: tf.TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`native exact GELU: expected float32, found ${t.dtype}`);
  const values = nb.valuesOf(t);
  return values instanceof Float32Array ? values : Float32Array.from(values as Int32Array);
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

// x (any shape) -> y
function geluErf({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x } = inputs as Record<string, tf.TensorInfo>;
  const nb = backend as NativeBackend;
  const y = nb.allocFloat32(size(x.shape));
  addon().geluErfForward(y, floatsOf(nb, x));
  return nb.output(y, x.shape);
}

// dy, x -> dx
function geluErfGrad({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { dy, x } = inputs as Record<string, tf.TensorInfo>;
  const nb = backend as NativeBackend;
  const dx = nb.allocFloat32(size(x.shape));
  addon().geluErfBackward(dx, floatsOf(nb, x), floatsOf(nb, dy));
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
