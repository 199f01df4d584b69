/**
 * A faster UnsortedSegmentSum for the pure-JS cpu backend. Its own builds a
 * mask per segment (O(ids × segments × row)): 8.5 s of a 10.6 s training step
 * of a d1 c16 GPT-2 with B·T = 64. Ours is one pass over the rows.
 */
import * as tf from '@tensorflow/tfjs';
import { segmentSumRows, segmentSumShape } from './segment-sum.js';

/** The two methods of tfjs-backend-cpu's MathBackendCPU this kernel uses. */
interface CpuBackend {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array | Int32Array): tf.TensorInfo;
}

function unsortedSegmentSum({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const cpu = backend as unknown as CpuBackend;
  const { rowShape, rowSize } = segmentSumShape('cpu', x.shape, x.dtype, segmentIds.shape);
  const sums =
    x.dtype === 'int32' ? new Int32Array(numSegments * rowSize) : new Float32Array(numSegments * rowSize);
  const values = cpu.readSync(x.dataId) as Float32Array | Int32Array;
  const ids = cpu.readSync(segmentIds.dataId) as Int32Array;
  segmentSumRows(values, ids, rowSize, numSegments, sums);
  return cpu.makeTensorInfo([numSegments, ...rowShape], x.dtype, sums);
}

let registered = false;

/** Replaces the cpu backend's UnsortedSegmentSum with ours. Idempotent. */
export function registerCpuKernels(): void {
  if (registered) return;
  if (tf.getKernel(tf.UnsortedSegmentSum, 'cpu')) tf.unregisterKernel(tf.UnsortedSegmentSum, 'cpu');
  tf.registerKernel({
    kernelName: tf.UnsortedSegmentSum,
    backendName: 'cpu',
    kernelFunc: unsortedSegmentSum,
  });
  registered = true;
}
