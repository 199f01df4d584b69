/**
 * Dense layers and the classifier loss of small models in one kernel each way,
 * for the native backend. A small MLP step is bound by tfjs' per-op cost
 * (~35 µs an op under load), not by arithmetic: a dense layer with SELU was
 * 3 ops forward and ~15 backward, the probability cross-entropy ~25; here each
 * is one op forward and one backward (tf.customGrad, as in fused.ts).
 *
 *   fusedDense(x, W, b, act)   y = act(x·W + b), x [N, in], W [in, out] (Keras' layout)
 *   fusedProbabilityCrossEntropy(labels, p, ε)
 *       Keras' sparse categorical cross-entropy on probabilities p [B, K]:
 *       p̂ = p / Σ_j p_j,  q = clip(p̂_y, ε, 1 − ε),  L = −mean_b log q_b
 *   fusedSparseAccuracy(labels, scores)   mean_b [argmax_j scores_bj = y_b] (no gradient)
 *
 * COURSE_NATIVE_DENSE=0 in the environment turns both off (the composite ops
 * run instead): for before/after measurements on the same build.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeAddon } from './addon.js';
import type { NativeBackend } from './backend.js';
import { floatsOf } from './values.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

export const DENSE = 'CourseDense';
export const DENSE_GRAD = 'CourseDenseGrad';
export const PROB_XENT = 'CourseProbabilityXent';
export const PROB_XENT_GRAD = 'CourseProbabilityXentGrad';
export const SPARSE_ACCURACY = 'CourseSparseAccuracy';

/** Activations dense.cc knows, by their Keras names (its Activation codes). */
export const DENSE_ACTIVATIONS = { linear: 0, relu: 1, selu: 2, sigmoid: 3, tanh: 4, softmax: 5 } as const;
export type DenseActivation = keyof typeof DENSE_ACTIVATIONS;

const DISABLED = typeof process !== 'undefined' && process.env?.COURSE_NATIVE_DENSE === '0';

/** True while the native backend is active ('native', index.ts' NATIVE_BACKEND) and the fused dense path is on. */
export function nativeDenseActive(): boolean {
  return !DISABLED && tf.engine().backendName === 'native';
}

const EMPTY = new Float32Array(0);

// x [N, In], W [In, Out], b [Out] (optional), attr act -> y [N, Out]
function dense({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, W, b } = inputs as Record<string, tf.TensorInfo | undefined>;
  const nb = backend as NativeBackend;
  const [N, In] = x!.shape;
  const Out = W!.shape[1];
  const y = nb.allocFloat32(N * Out);
  const bv = b === undefined ? EMPTY : floatsOf(nb, b);
  nativeAddon().denseForward(y, floatsOf(nb, x!), floatsOf(nb, W!), bv, N, In, Out, Number(attrs!.act));
  return nb.output(y, [N, Out]);
}

// dy [N, Out], x, W, y (the forward's output), attrs act, bias -> dx, dW[, db]
function denseGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { dy, x, W, y } = inputs as Record<string, tf.TensorInfo>;
  const nb = backend as NativeBackend;
  const [N, In] = x.shape;
  const Out = W.shape[1];
  const bias = Boolean(attrs!.bias);
  const dx = nb.allocFloat32(N * In);
  const dw = nb.allocFloat32(In * Out);
  const db = bias ? nb.allocFloat32(Out) : EMPTY;
  const [dyv, xv, wv, yv] = [dy, x, W, y].map((t) => floatsOf(nb, t));
  nativeAddon().denseBackward(dx, dw, db, dyv, xv, wv, yv, N, In, Out, Number(attrs!.act));
  const grads = [nb.output(dx, [N, In]), nb.output(dw, [In, Out])];
  if (bias) grads.push(nb.output(db, [Out]));
  return grads;
}

/** A label as the JS path reads it: tf.cast to int32 is JavaScript's ToInt32 (x | 0: truncates, NaN -> 0). */
const toInt32 = (x: number) => x | 0;

/**
 * Label of row b as an index, or −1 where it is outside [0, K) (tf.oneHot
 * gives that row no 1: no loss, no gradient).
 */
function labelAt(labels: ArrayLike<number>, b: number, K: number): number {
  const k = toInt32(labels[b]);
  return k >= 0 && k < K ? k : -1;
}

/** Row b's Σ_j p_j and p̂ = p_y / Σ (float64). */
function rowTarget(p: Float32Array, b: number, K: number, k: number): { sum: number; phat: number } {
  let sum = 0;
  for (let j = 0; j < K; j++) sum += p[b * K + j];
  return { sum, phat: p[b * K + k] / sum };
}

// probs [B, K], labels [B] (any dtype), attr eps -> loss [] (the batch mean)
function probXent({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { probs, labels } = inputs as Record<string, tf.TensorInfo>;
  const nb = backend as NativeBackend;
  const [B, K] = probs.shape;
  const eps = Number(attrs!.eps);
  const p = floatsOf(nb, probs);
  const ids = nb.valuesOf(labels) as ArrayLike<number>;
  let total = 0;
  for (let b = 0; b < B; b++) {
    const k = labelAt(ids, b, K);
    if (k < 0) continue;
    const { phat } = rowTarget(p, b, K, k);
    total -= Math.log(Math.min(Math.max(phat, eps), 1 - eps));
  }
  const out = nb.allocFloat32(1);
  out[0] = total / B;
  return nb.output(out, []);
}

// dL/dp_j = g·(δ_jy/S − p_y/S²), g = −dy/(B·q) where ε ≤ p̂_y ≤ 1 − ε (clip passes the gradient), else 0
function probXentGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { dy, probs, labels } = inputs as Record<string, tf.TensorInfo>;
  const nb = backend as NativeBackend;
  const [B, K] = probs.shape;
  const eps = Number(attrs!.eps);
  const p = floatsOf(nb, probs);
  const ids = nb.valuesOf(labels) as ArrayLike<number>;
  const upstream = floatsOf(nb, dy)[0];
  const dp = nb.allocFloat32(B * K);
  dp.fill(0);
  for (let b = 0; b < B; b++) {
    const k = labelAt(ids, b, K);
    if (k < 0) continue;
    const { sum, phat } = rowTarget(p, b, K, k);
    if (!(phat >= eps && phat <= 1 - eps)) continue;
    const g = -upstream / (B * phat);
    const common = (-g * p[b * K + k]) / (sum * sum);
    for (let j = 0; j < K; j++) dp[b * K + j] = common;
    dp[b * K + k] += g / sum;
  }
  return nb.output(dp, [B, K]);
}

// scores [B, K], labels [B] (any dtype) -> [] the fraction of rows whose argmax (the first
// largest, as tfjs' ArgMax) is the label read as the JS path reads it (toInt32)
function sparseAccuracy({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { scores, labels } = inputs as Record<string, tf.TensorInfo>;
  const nb = backend as NativeBackend;
  const [B, K] = scores.shape;
  const s = floatsOf(nb, scores);
  const ids = nb.valuesOf(labels) as ArrayLike<number>;
  let hits = 0;
  for (let b = 0; b < B; b++) {
    let best = 0;
    for (let j = 1; j < K; j++) if (s[b * K + j] > s[b * K + best]) best = j;
    if (best === toInt32(ids[b])) hits++;
  }
  const out = nb.allocFloat32(1);
  out[0] = hits / B;
  return nb.output(out, []);
}

/** The kernels index.ts registers under the native backend. */
export const DENSE_KERNELS: Record<string, tf.KernelFunc> = {
  [DENSE]: dense as tf.KernelFunc,
  [DENSE_GRAD]: denseGrad as tf.KernelFunc,
  [PROB_XENT]: probXent as tf.KernelFunc,
  [PROB_XENT_GRAD]: probXentGrad as tf.KernelFunc,
  [SPARSE_ACCURACY]: sparseAccuracy as tf.KernelFunc,
};

// ----------------------------------------------------------------------------- ops

function run<T extends tf.Tensor | tf.Tensor[]>(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown> = {},
): T {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as T;
}

function customGrad<F>(f: (...args: never[]) => unknown): F {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as F;
}

type Dense2 = (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;
type Dense3 = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/** One gradient-aware op per activation, with and without bias (made once each). */
const denseOps = new Map<string, Dense2 | Dense3>();

function denseOp(activation: DenseActivation, bias: boolean): Dense2 | Dense3 {
  const key = `${activation}/${bias}`;
  let op = denseOps.get(key);
  if (op !== undefined) return op;
  const act = DENSE_ACTIVATIONS[activation];
  // Kept for the backward: x, y and W. Each save is an Identity op in tfjs (a
  // copy of the handle, kept past the caller's tidy); a variable outlives the
  // step anyway, so W is held directly when it is one. b is not needed.
  op = customGrad<Dense3>((...args: tf.Tensor[]) => {
    const save = args.pop() as unknown as tf.GradSaveFunc;
    const [x, W, b] = args;
    const y = run<tf.Tensor2D>(DENSE, bias ? { x, W, b } : { x, W }, { act });
    const held = W instanceof tf.Variable ? W : undefined;
    save(held ? [x, y] : [x, y, W]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor2D, [xs, ys, ws]: tf.Tensor[]) =>
        run<tf.Tensor[]>(DENSE_GRAD, { dy, x: xs, W: held ?? ws, y: ys }, { act, bias }),
    };
  });
  denseOps.set(key, op);
  return op;
}

/** y = act(x·W + b) (b optional), x [N, in], W [in, out]: one native kernel each way. */
export function fusedDense(
  x: tf.Tensor2D,
  W: tf.Tensor2D,
  b: tf.Tensor1D | undefined,
  activation: DenseActivation,
): tf.Tensor2D {
  if (x.shape[1] !== W.shape[0])
    throw new Error(`fusedDense: x: found ${x.shape[1]} features, expected ${W.shape[0]} (W's rows)`);
  const op = denseOp(activation, b !== undefined);
  return b === undefined ? (op as Dense2)(x, W) : (op as Dense3)(x, W, b);
}

/**
 * Keras' sparse categorical cross-entropy on probabilities (the batch mean):
 * labels [B] (any dtype, truncated to integers), probabilities [B, K].
 */
export function fusedProbabilityCrossEntropy(labels: tf.Tensor, probs: tf.Tensor2D, eps: number): tf.Scalar {
  if (labels.size !== probs.shape[0])
    throw new Error(`cross-entropy: labels: found ${labels.size}, expected ${probs.shape[0]} (one per row)`);
  const op = customGrad<(p: tf.Tensor2D) => tf.Scalar>((p: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([p, labels]);
    return {
      value: run<tf.Scalar>(PROB_XENT, { probs: p, labels }, { eps }),
      gradFunc: (dy: tf.Scalar, [ps, ls]: tf.Tensor[]) => [
        run<tf.Tensor>(PROB_XENT_GRAD, { dy, probs: ps, labels: ls }, { eps }),
      ],
    };
  });
  return op(probs);
}

/** Fraction of rows of scores [B, K] whose argmax is the label (labels [B], any dtype); not differentiable. */
export function fusedSparseAccuracy(labels: tf.Tensor, scores: tf.Tensor2D): tf.Scalar {
  if (labels.size !== scores.shape[0])
    throw new Error(`accuracy: labels: found ${labels.size}, expected ${scores.shape[0]} (one per row)`);
  return run<tf.Scalar>(SPARSE_ACCURACY, { scores, labels });
}
