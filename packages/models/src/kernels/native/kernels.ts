/**
 * The native backend's replacements for tfjs cpu kernels, registered under the
 * names the engine dispatches (composites such as Softmax included, because the
 * cpu backend's composites call their parts directly, bypassing the registry).
 * Each handles float32 in the layouts the models produce and hands anything
 * else (int32, bool, odd layouts) to the cpu backend's own kernel for the same
 * name, so every model runs; `nativeCoverage()` says which kernels are native.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeAddon } from './addon.js';
import type { NativeBackend } from './backend.js';
import { sizeOf } from './values.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Kernel = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[] | null;

const BINARY_OPS: Record<string, number> = {
  [tf.Add]: 0,
  [tf.Sub]: 1,
  [tf.Multiply]: 2,
  [tf.RealDiv]: 3,
  [tf.Maximum]: 4,
  [tf.Minimum]: 5,
  [tf.SquaredDifference]: 6,
  [tf.Pow]: 7,
};

/** Codes of src/elementwise.cc's UnaryOp, by tfjs kernel name. */
const UNARY_OPS: Record<string, number> = {
  [tf.Exp]: 0,
  [tf.Log]: 1,
  [tf.Sqrt]: 2,
  [tf.Rsqrt]: 3,
  [tf.Neg]: 4,
  [tf.Square]: 5,
  [tf.Tanh]: 6,
  [tf.Sigmoid]: 7,
  [tf.Relu]: 8,
  [tf.Abs]: 9,
  [tf.Selu]: 10,
  [tf.Elu]: 11,
  [tf.Reciprocal]: 12,
  [tf.Log1p]: 13,
  [tf.Erf]: 14,
  [tf.Softplus]: 15,
  [tf.Relu6]: 16,
  [tf.LeakyRelu]: 17,
  [tf.Step]: 18,
  [tf.Sin]: 19,
  [tf.Cos]: 20,
  [tf.Expm1]: 21,
  [tf.Sign]: 22,
};

const REDUCE_OPS: Record<string, number> = {
  [tf.Sum]: 0,
  [tf.Mean]: 1,
  [tf.Max]: 2,
  [tf.Min]: 3,
  [tf.Prod]: 4,
};

/**
 * Float32 tensors held in Float32Arrays. Not every float32 tensor is: tfjs's
 * cpu Cast from int32 or bool to float32 keeps the Int32Array / Uint8Array
 * (tf.max's gradient casts a bool mask so, BERT casts its int32 padding mask);
 * those go to the cpu kernel, which reads any array.
 */
function isFloat(backend: unknown, ...ts: tf.TensorInfo[]): boolean {
  const nb = backend as NativeBackend;
  return ts.every((t) => t.dtype === 'float32' && nb.valuesOf(t) instanceof Float32Array);
}

/** An int32 tensor held in an Int32Array (a bool tensor cast to int32 keeps its Uint8Array). */
function isInt32(backend: unknown, t: tf.TensorInfo): boolean {
  return t.dtype === 'int32' && (backend as NativeBackend).valuesOf(t) instanceof Int32Array;
}

function stridesOf(shape: number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

function f32(backend: NativeBackend, t: tf.TensorInfo): Float32Array {
  return backend.valuesOf(t) as Float32Array;
}

// ----------------------------------------------------------------------------- elementwise

/** Strides of `shape` read as broadcast into `outShape` (0 along broadcast axes). */
function broadcastStrides(shape: number[], outShape: number[]): Int32Array {
  const strides = stridesOf(shape);
  const out = new Int32Array(outShape.length);
  const offset = outShape.length - shape.length;
  for (let d = 0; d < shape.length; d++) out[offset + d] = shape[d] === 1 ? 0 : strides[d];
  return out;
}

function binaryKernel(name: string): Kernel {
  const op = BINARY_OPS[name];
  return ({ inputs, backend }) => {
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (!isFloat(backend, a, b)) return null;
    const nb = backend as NativeBackend;
    const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const out = nb.allocFloat32(sizeOf(shape));
    nativeAddon().binary(
      op,
      out,
      f32(nb, a),
      f32(nb, b),
      Int32Array.from(shape),
      broadcastStrides(a.shape, shape),
      broadcastStrides(b.shape, shape),
    );
    return nb.output(out, shape);
  };
}

function addN({ inputs, backend }: KernelArgs): tf.TensorInfo | null {
  const tensors = inputs as unknown as tf.TensorInfo[];
  if (!isFloat(backend, ...tensors)) return null;
  const nb = backend as NativeBackend;
  const shape = tensors[0].shape;
  const n = sizeOf(shape);
  const out = nb.allocFloat32(n);
  const same = Int32Array.of(1);
  const flat = Int32Array.of(n);
  if (tensors.length === 1) out.set(f32(nb, tensors[0]));
  else nativeAddon().binary(0, out, f32(nb, tensors[0]), f32(nb, tensors[1]), flat, same, same);
  for (let i = 2; i < tensors.length; i++)
    nativeAddon().binary(0, out, out, f32(nb, tensors[i]), flat, same, same);
  return nb.output(out, shape);
}

function unaryKernel(name: string): Kernel {
  const op = UNARY_OPS[name];
  return ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    if (!isFloat(backend, x)) return null;
    const nb = backend as NativeBackend;
    const alpha = name === tf.LeakyRelu || name === tf.Step ? Number((attrs as { alpha: number }).alpha) : 0;
    const out = nb.allocFloat32(sizeOf(x.shape));
    nativeAddon().unary(op, out, f32(nb, x), alpha);
    return nb.output(out, x.shape);
  };
}

// ----------------------------------------------------------------------------- reductions

/** [outer, mid, inner] when `axes` are one contiguous run of axes, else null. */
function reductionLayout(shape: number[], axes: number[]): [number, number, number] | null {
  const sorted = [...axes].sort((p, q) => p - q);
  for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1] + 1) return null;
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  return [sizeOf(shape.slice(0, first)), sizeOf(shape.slice(first, last + 1)), sizeOf(shape.slice(last + 1))];
}

function reduceKernel(name: string): Kernel {
  const op = REDUCE_OPS[name];
  return ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    if (!isFloat(backend, x) || x.shape.length === 0) return null;
    const a = attrs as { axis?: number | number[]; reductionIndices?: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(a.axis ?? a.reductionIndices ?? [], x.shape);
    if (axes.length === 0) return null;
    const layout = reductionLayout(x.shape, axes);
    if (layout === null) return null;
    const nb = backend as NativeBackend;
    const outShape = a.keepDims
      ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !axes.includes(i));
    const out = nb.allocFloat32(layout[0] * layout[2]);
    nativeAddon().reduce(op, out, f32(nb, x), ...layout);
    return nb.output(out, outShape);
  };
}

function softmaxKernel(log: boolean): Kernel {
  return ({ inputs, backend, attrs }) => {
    const { logits } = inputs as { logits: tf.TensorInfo };
    const dim = (attrs as { dim?: number; axis?: number }).dim ?? (attrs as { axis: number }).axis;
    const rank = logits.shape.length;
    if (!isFloat(backend, logits) || rank === 0 || (dim !== -1 && dim !== rank - 1)) return null;
    const nb = backend as NativeBackend;
    const cols = logits.shape[rank - 1];
    const rows = sizeOf(logits.shape) / cols;
    const out = nb.allocFloat32(rows * cols);
    nativeAddon().softmax(out, f32(nb, logits), rows, cols, log);
    return nb.output(out, logits.shape);
  };
}

// ----------------------------------------------------------------------------- matrix products

/**
 * a [..., M, K] (or [..., K, M] transposed) · b [..., K, N] (or [..., N, K]):
 * batch dimensions equal after broadcasting, or one side's batch of 1 repeated
 * (stride 0); other broadcasts ([2,3] with [3]) go to the cpu kernel.
 */
function batchMatMul({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  if (!isFloat(backend, a, b) || a.shape.length < 2 || b.shape.length < 2) return null;
  const nb = backend as NativeBackend;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const [M, K] = transposeA ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
  const [K2, N] = transposeB ? [b.shape[rb - 1], b.shape[rb - 2]] : [b.shape[rb - 2], b.shape[rb - 1]];
  if (K !== K2) return null; // let the cpu kernel raise tfjs's own message
  const batchA = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  // Equal batch sizes are not enough: [3,1] with [1,3] broadcasts to [3,3] (the cpu kernel does that).
  const batchShape = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = sizeOf(batchShape);
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return null;
  const out = nb.allocFloat32(batch * M * N);
  nativeAddon().gemm(
    transposeA,
    transposeB,
    batch,
    M,
    N,
    K,
    1,
    f32(nb, a),
    batchA === 1 ? 0 : M * K,
    f32(nb, b),
    batchB === 1 ? 0 : K * N,
    0,
    out,
    M * N,
  );
  return nb.output(out, [...batchShape, M, N]);
}

/**
 * tf.fused.matMul with no activation (what `linear` runs on native): for 2-D
 * operands with a bias row, the output starts as the bias repeated on every
 * row and BLAS adds the product into it (β = 1), so the bias costs no pass of
 * its own. Other activations or layouts go to the cpu kernel.
 */
function fusedMatMul(args: KernelArgs): tf.TensorInfo | null {
  const { inputs, backend, attrs } = args;
  const { a, b, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined>;
  const { transposeA, transposeB, activation } = attrs as unknown as tf._FusedMatMulAttrs;
  if (preluActivationWeights || (activation && activation !== 'linear')) return null;
  if (!bias) return batchMatMul(args);
  if (!a || !b || a.shape.length !== 2 || b.shape.length !== 2 || !isFloat(backend, a, b, bias)) return null;
  const [M, K] = transposeA ? [a.shape[1], a.shape[0]] : a.shape;
  const [K2, N] = transposeB ? [b.shape[1], b.shape[0]] : b.shape;
  if (K !== K2 || sizeOf(bias.shape) !== N || bias.shape.length > 2) return null;
  const nb = backend as NativeBackend;
  const out = nb.allocFloat32(M * N);
  if (M * N > 0) {
    // out[i, j] = bias[j] for every row i (a stride-0 read of the bias), then out += a·b
    nativeAddon().copyStrided(
      out,
      0,
      Int32Array.of(N, 1),
      f32(nb, bias),
      0,
      Int32Array.of(0, 1),
      Int32Array.of(M, N),
    );
    nativeAddon().gemm(transposeA, transposeB, 1, M, N, K, 1, f32(nb, a), 0, f32(nb, b), 0, 1, out, 0);
  }
  return nb.output(out, [M, N]);
}

// ----------------------------------------------------------------------------- layout

/** out (contiguous, outShape) <- x viewed with `xStrides` from `xOffset` over outShape. */
function gatherStrided(
  nb: NativeBackend,
  x: tf.TensorInfo,
  xOffset: number,
  xStrides: number[],
  outShape: number[],
): tf.TensorInfo {
  const out = nb.allocFloat32(sizeOf(outShape));
  if (out.length > 0) {
    nativeAddon().copyStrided(
      out,
      0,
      Int32Array.from(stridesOf(outShape)),
      f32(nb, x),
      xOffset,
      Int32Array.from(xStrides),
      Int32Array.from(outShape),
    );
  }
  return nb.output(out, outShape);
}

function transpose({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { x } = inputs as { x: tf.TensorInfo };
  const { perm } = attrs as unknown as tf.TransposeAttrs;
  if (!isFloat(backend, x)) return null;
  // An identity permutation (tf.gather's gradient makes one per step, of the whole
  // [Vp, C] embedding) moves nothing: share the data, as the Identity kernel does.
  if (perm.every((p, i) => p === i)) {
    (backend as NativeBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  }
  const strides = stridesOf(x.shape);
  return gatherStrided(
    backend as NativeBackend,
    x,
    0,
    perm.map((p) => strides[p]),
    perm.map((p) => x.shape[p]),
  );
}

function sliceOf(nb: NativeBackend, x: tf.TensorInfo, begin: number[], sizes: number[]): tf.TensorInfo {
  const strides = stridesOf(x.shape);
  const offset = begin.reduce((sum, b, d) => sum + b * strides[d], 0);
  return gatherStrided(nb, x, offset, strides, sizes);
}

function slice({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { x } = inputs as { x: tf.TensorInfo };
  if (!isFloat(backend, x)) return null;
  const { begin, size: sizes } = attrs as unknown as tf.SliceAttrs;
  const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, sizes);
  tf.slice_util.assertParamsValid(x as tf.Tensor, b, s);
  return sliceOf(backend as NativeBackend, x, b, s);
}

function splitV({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] | null {
  const { x } = inputs as { x: tf.TensorInfo };
  if (!isFloat(backend, x)) return null;
  const { numOrSizeSplits, axis } = attrs as unknown as tf.SplitVAttrs;
  const $axis = tf.util.parseAxisParam(axis, x.shape)[0];
  const splitSizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, $axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  return splitSizes.map((s) => {
    const sizes = [...x.shape];
    sizes[$axis] = s;
    const part = sliceOf(backend as NativeBackend, x, begin, sizes);
    begin[$axis] += s;
    return part;
  });
}

function concat({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const tensors = (inputs as unknown as tf.TensorInfo[]).filter((t) => sizeOf(t.shape) > 0);
  if (tensors.length === 0 || !isFloat(backend, ...tensors)) return null;
  const axis = tf.util.parseAxisParam((attrs as unknown as tf.ConcatAttrs).axis, tensors[0].shape)[0];
  const outShape = tf.backend_util.computeOutShape(
    tensors.map((t) => t.shape),
    axis,
  );
  const nb = backend as NativeBackend;
  const out = nb.allocFloat32(sizeOf(outShape));
  const outStrides = stridesOf(outShape);
  let offset = 0;
  for (const t of tensors) {
    nativeAddon().copyStrided(
      out,
      offset * outStrides[axis],
      Int32Array.from(outStrides),
      f32(nb, t),
      0,
      Int32Array.from(stridesOf(t.shape)),
      Int32Array.from(t.shape),
    );
    offset += t.shape[axis];
  }
  return nb.output(out, outShape);
}

/** tf.stack: inputs of one shape -> a new axis `axis`. */
function pack({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const tensors = inputs as unknown as tf.TensorInfo[];
  if (tensors.length === 0 || !isFloat(backend, ...tensors)) return null;
  const shape = tensors[0].shape;
  if (tensors.some((t) => t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])))
    return null;
  const axis = tf.util.parseAxisParam((attrs as unknown as tf.PackAttrs).axis, [...shape, 1])[0];
  const outShape = [...shape.slice(0, axis), tensors.length, ...shape.slice(axis)];
  const nb = backend as NativeBackend;
  const out = nb.allocFloat32(sizeOf(outShape));
  const outStrides = stridesOf(outShape);
  const into = Int32Array.from(outStrides.filter((_, d) => d !== axis)); // each input skips the new axis
  tensors.forEach((t, k) => {
    if (sizeOf(shape) === 0) return;
    nativeAddon().copyStrided(
      out,
      k * outStrides[axis],
      into,
      f32(nb, t),
      0,
      Int32Array.from(stridesOf(shape)),
      Int32Array.from(shape),
    );
  });
  return nb.output(out, outShape);
}

/** tf.unstack: one tensor per index along `axis`, that axis removed. */
function unpack({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] | null {
  const { value } = inputs as { value: tf.TensorInfo };
  if (!isFloat(backend, value)) return null;
  const axis = tf.util.parseAxisParam((attrs as unknown as tf.UnpackAttrs).axis, value.shape)[0];
  const strides = stridesOf(value.shape);
  const partShape = value.shape.filter((_, d) => d !== axis);
  const partStrides = strides.filter((_, d) => d !== axis);
  const nb = backend as NativeBackend;
  return Array.from({ length: value.shape[axis] }, (_, k) =>
    gatherStrided(nb, value, k * strides[axis], partStrides, partShape),
  );
}

function padV2({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { x } = inputs as { x: tf.TensorInfo };
  if (!isFloat(backend, x)) return null;
  const { paddings, constantValue } = attrs as unknown as tf.PadV2Attrs;
  const nb = backend as NativeBackend;
  const outShape = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
  const out = nb.allocFloat32(sizeOf(outShape));
  out.fill(constantValue);
  const outStrides = stridesOf(outShape);
  const offset = paddings.reduce((sum, [before], d) => sum + before * outStrides[d], 0);
  if (sizeOf(x.shape) > 0) {
    nativeAddon().copyStrided(
      out,
      offset,
      Int32Array.from(outStrides),
      f32(nb, x),
      0,
      Int32Array.from(stridesOf(x.shape)),
      Int32Array.from(x.shape),
    );
  }
  return nb.output(out, outShape);
}

/** Rows of x by index (axis 0, no batch dims): the embedding lookup. */
function gatherV2({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { x, indices } = inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
  const { axis, batchDims } = attrs as unknown as tf.GatherV2Attrs;
  const int32 = isInt32(backend, x);
  if (
    !(int32 || isFloat(backend, x)) ||
    !isInt32(backend, indices) ||
    batchDims !== 0 ||
    x.shape.length === 0
  )
    return null;
  if (tf.util.parseAxisParam(axis, x.shape)[0] !== 0) return null;
  const nb = backend as NativeBackend;
  const rowShape = x.shape.slice(1);
  const rowSize = sizeOf(rowShape);
  const ids = nb.valuesOf(indices) as Int32Array;
  if (int32) return gatherInt32Rows(nb, x, ids, indices.shape, rowShape);
  const out = nb.allocFloat32(ids.length * rowSize);
  const bad = nativeAddon().gatherRows(out, f32(nb, x), rowSize, ids);
  if (bad >= 0) {
    throw new Error(`GatherV2: the index ${ids[bad]} at position ${bad} is not in [0, ${x.shape[0] - 1}]`);
  }
  return nb.output(out, [...indices.shape, ...rowShape]);
}

/**
 * Rows of an int32 tensor (fit's batch of labels or token ids), copied in JS:
 * the cpu kernel's general gather costs ~10× more for a batch of labels.
 */
function gatherInt32Rows(
  nb: NativeBackend,
  x: tf.TensorInfo,
  ids: Int32Array,
  indicesShape: number[],
  rowShape: number[],
): tf.TensorInfo {
  const xv = nb.valuesOf(x) as Int32Array;
  const rowSize = sizeOf(rowShape);
  const out = new Int32Array(ids.length * rowSize);
  for (let i = 0; i < ids.length; i++) {
    const row = ids[i];
    if (!(row >= 0 && row < x.shape[0])) {
      throw new Error(`GatherV2: the index ${row} at position ${i} is not in [0, ${x.shape[0] - 1}]`);
    }
    if (rowSize === 1) out[i] = xv[row];
    else out.set(xv.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
  }
  return nb.output(out, [...indicesShape, ...rowShape], 'int32');
}

function unsortedSegmentSum({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  if (!isFloat(backend, x) || !isInt32(backend, segmentIds)) return null;
  const prefix = segmentIds.shape.length;
  if (segmentIds.shape.some((d, i) => d !== x.shape[i])) return null;
  const nb = backend as NativeBackend;
  const rowShape = x.shape.slice(prefix);
  const rowSize = sizeOf(rowShape);
  const out = nb.allocFloat32(numSegments * rowSize);
  nativeAddon().segmentSumRows(out, f32(nb, x), rowSize, nb.valuesOf(segmentIds) as Int32Array);
  return nb.output(out, [numSegments, ...rowShape]);
}

// ----------------------------------------------------------------------------- the table

/** Native kernels by tfjs kernel name; each returns null to hand its input to the cpu kernel. */
export const NATIVE_KERNELS: Record<string, Kernel> = {
  ...Object.fromEntries(Object.keys(BINARY_OPS).map((name) => [name, binaryKernel(name)])),
  ...Object.fromEntries(Object.keys(UNARY_OPS).map((name) => [name, unaryKernel(name)])),
  ...Object.fromEntries(Object.keys(REDUCE_OPS).map((name) => [name, reduceKernel(name)])),
  [tf.AddN]: addN,
  [tf.Softmax]: softmaxKernel(false),
  [tf.LogSoftmax]: softmaxKernel(true),
  [tf.BatchMatMul]: batchMatMul,
  [tf._FusedMatMul]: fusedMatMul,
  [tf.Transpose]: transpose,
  [tf.Slice]: slice,
  [tf.SplitV]: splitV,
  [tf.Concat]: concat,
  [tf.PadV2]: padV2,
  [tf.Pack]: pack,
  [tf.Unpack]: unpack,
  [tf.GatherV2]: gatherV2,
  [tf.UnsortedSegmentSum]: unsortedSegmentSum,
};
