/**
 * Registers the `native` backend with tfjs: every cpu kernel is registered
 * again under 'native', with the native version in front where one exists
 * (kernels.ts) and the fused layers added (fused.ts). Also the few things the
 * trainer does on raw arrays when native runs: the global norm and AdamW in place.
 */
import * as tf from '@tensorflow/tfjs';
import { loadNativeAddon, nativeAddon } from './addon.js';
import { NativeBackend } from './backend.js';
import { DENSE_KERNELS } from './dense.js';
import { FUSED_KERNELS } from './fused.js';
import { GELU_ERF_KERNELS } from './gelu-erf.js';
import { NATIVE_KERNELS } from './kernels.js';

export const NATIVE_BACKEND = 'native';

/** Per kernel name: calls served natively and calls handed to the cpu backend's JS kernel. */
export type NativeKernelStats = Record<string, { native: number; js: number }>;
const stats: NativeKernelStats = {};

function count(name: string, native: boolean): void {
  const entry = stats[name] ?? { native: 0, js: 0 };
  if (native) entry.native++;
  else entry.js++;
  stats[name] = entry;
}

/** Call counts since start (or the last reset): which kernels ran in C++ and which in JS. */
export function nativeKernelStats(reset = false): NativeKernelStats {
  const copy = structuredClone(stats);
  if (reset) for (const key of Object.keys(stats)) delete stats[key];
  return copy;
}

let registered = false;

/** Registers the backend (idempotent). Throws where the addon is missing: check `loadNativeAddon()` first. */
export function registerNativeBackend(): void {
  if (registered) return;
  nativeAddon(); // fail here, with the reason, rather than at the first kernel
  tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(), 0);
  for (const config of tf.getKernelsForBackend('cpu')) {
    const name = config.kernelName;
    const js = config.kernelFunc;
    const native = NATIVE_KERNELS[name];
    const kernelFunc: tf.KernelFunc =
      native === undefined
        ? (args) => {
            count(name, false);
            return js(args);
          }
        : (args) => {
            const out = native(args);
            count(name, out !== null);
            return out ?? js(args);
          };
    tf.registerKernel({ ...config, backendName: NATIVE_BACKEND, kernelFunc });
  }
  for (const [kernelName, kernelFunc] of Object.entries({
    ...FUSED_KERNELS,
    ...DENSE_KERNELS,
    ...GELU_ERF_KERNELS,
  })) {
    tf.registerKernel({
      kernelName,
      backendName: NATIVE_BACKEND,
      kernelFunc: (args) => {
        count(kernelName, true);
        return kernelFunc(args);
      },
    });
  }
  registered = true;
}

/** True while the native backend is tfjs's active one (the models then take their fused paths). */
export function nativeActive(): boolean {
  return tf.engine().backendName === NATIVE_BACKEND;
}

function activeNative(): NativeBackend {
  return tf.engine().backend as NativeBackend;
}

/** Σ x² over every tensor, in double precision, without making tensors (native only). */
export function nativeSumSquares(tensors: tf.Tensor[]): number {
  const backend = activeNative();
  let total = 0;
  for (const t of tensors) total += nativeAddon().sumSquares(backend.valuesOf(t) as Float32Array);
  return total;
}

export interface AdamWHyper {
  learningRate: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Bias corrections 1 − β1ᵗ and 1 − β2ᵗ. */
  c1: number;
  c2: number;
  gradScale: number;
}

/**
 * One AdamW update of `param`, `m` and `v` in place (native only), the math of
 * trainer's adamw.ts in one pass. A variable whose array is shared (a view of
 * a checkpoint's flat array, or handed out by dataSync) first gets its own copy,
 * so nothing outside the variable ever changes.
 */
export function nativeAdamWInPlace(
  param: tf.Variable,
  grad: tf.Tensor,
  m: tf.Variable,
  v: tf.Variable,
  h: AdamWHyper,
): void {
  const backend = activeNative();
  for (const variable of [param, m, v]) {
    if (backend.ownsExclusively(variable)) continue;
    const copy = tf.tidy(() => tf.add(variable, 0));
    variable.assign(copy);
    copy.dispose(); // the variable keeps the data; this drops the copy's own reference
  }
  nativeAddon().adamw(
    backend.valuesOf(param) as Float32Array,
    backend.valuesOf(grad) as Float32Array,
    backend.valuesOf(m) as Float32Array,
    backend.valuesOf(v) as Float32Array,
    h.learningRate,
    h.beta1,
    h.beta2,
    h.eps,
    h.weightDecay,
    h.c1,
    h.c2,
    h.gradScale,
  );
}

export {
  type DenseActivation,
  fusedDense,
  fusedProbabilityCrossEntropy,
  fusedSparseAccuracy,
  nativeDenseActive,
} from './dense.js';
export {
  type EncoderAttentionOptions,
  fusedCausalAttention,
  fusedEncoderAttention,
  fusedGelu,
  fusedLayerNorm,
  fusedLinear,
  fusedLstmSequence,
  fusedScaledSoftmax,
  fusedSoftmaxCrossEntropy,
} from './fused.js';
export { fusedGeluErf } from './gelu-erf.js';
export { loadNativeAddon };
