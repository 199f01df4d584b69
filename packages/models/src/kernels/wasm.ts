/**
 * Kernels our models need that @tensorflow/tfjs-backend-wasm 4.22.0 does not ship.
 *
 * Probed by running the forward pass and gradient of every op the course models
 * use (gather/embedding, matMul with transposes and batches, softmax, logSoftmax,
 * oneHot, moments, elementwise math, slice/concat/split, transpose, where, the
 * activations, softmax cross-entropy, clipByValue, tf.layers dense/embedding/
 * simpleRNN/lstm/gru with Adam, SGD and the other optimizers) on wasm: the only
 * kernel missing was UnsortedSegmentSum, the gradient of tf.gather. Kernels wasm
 * also lacks but no course model uses: Conv2DBackpropFilter, DepthwiseConv2dNative
 * backprops, Einsum, FFT/IFFT, Complex*, Real, Imag, Ragged*, Draw, StaticRegexReplace.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { segmentSumRows, segmentSumShape } from './segment-sum.js';

/**
 * UnsortedSegmentSum: out[s, ...] = sum of x[i, ...] over every i with segmentIds[i] = s.
 *
 * segmentIds' shape is a prefix of x's shape; the output is
 * [numSegments, ...x.shape after that prefix]. Ids outside [0, numSegments) are
 * dropped, as TensorFlow does.
 */
function unsortedSegmentSum({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const wasm = backend as BackendWasm;

  const { rowShape, rowSize } = segmentSumShape('wasm', x.shape, x.dtype, segmentIds.shape);

  const out = wasm.makeOutput([numSegments, ...rowShape], x.dtype);
  // Take the heap views only after makeOutput: its malloc may grow the wasm
  // memory, which detaches every view taken before.
  const sums = wasm.typedArrayFromHeap(out);
  sums.fill(0); // malloc does not zero
  const values = wasm.typedArrayFromHeap(x);
  const ids = wasm.typedArrayFromHeap(segmentIds);

  segmentSumRows(values, ids, rowSize, numSegments, sums);
  return out;
}

const EXTRA_WASM_KERNELS: tf.KernelConfig[] = [
  { kernelName: tf.UnsortedSegmentSum, backendName: 'wasm', kernelFunc: unsortedSegmentSum },
];

/**
 * Registers, for the 'wasm' backend, every kernel the course models need that it
 * lacks. Idempotent; a kernel that wasm (or an earlier call) already provides is left alone.
 */
export function registerWasmKernels(): void {
  for (const config of EXTRA_WASM_KERNELS) {
    if (tf.getKernel(config.kernelName, config.backendName) === undefined) tf.registerKernel(config);
  }
}
