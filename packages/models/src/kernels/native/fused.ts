/**
 * Fused layers for the native backend: each is one custom tfjs kernel for the
 * forward pass and one for the gradient, wrapped in tf.customGrad so autodiff
 * sees a single op. The models call these through layers.ts / attention.ts
 * only when the native backend is active; elsewhere the composite ops run.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeAddon } from './addon.js';
import type { NativeBackend } from './backend.js';
import { floatsOf, sizeOf } from './values.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

export const LAYER_NORM = 'CourseLayerNorm';
export const LAYER_NORM_GRAD = 'CourseLayerNormGrad';
export const GELU = 'CourseGelu';
export const GELU_GRAD = 'CourseGeluGrad';
export const SOFTMAX_XENT = 'CourseSoftmaxXent';
export const SOFTMAX_XENT_GRAD = 'CourseSoftmaxXentGrad';
export const SCALED_SOFTMAX = 'CourseScaledSoftmax';
export const SCALED_SOFTMAX_GRAD = 'CourseScaledSoftmaxGrad';
export const CAUSAL_ATTENTION = 'CourseCausalAttention';
export const CAUSAL_ATTENTION_GRAD = 'CourseCausalAttentionGrad';
export const ENCODER_ATTENTION = 'CourseEncoderAttention';
export const ENCODER_ATTENTION_GRAD = 'CourseEncoderAttentionGrad';
export const LSTM_SEQUENCE = 'CourseLstmSequence';
export const LSTM_SEQUENCE_GRAD = 'CourseLstmSequenceGrad';

/** The float32 arrays behind tensors (see floatsOf). */
function floats(nb: NativeBackend, ...ts: tf.TensorInfo[]): Float32Array[] {
  return ts.map((t) => floatsOf(nb, t));
}

// x [..., C] -> y [..., C], mean [rows], rstd [rows]
function layerNorm({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { x, weight, bias } = inputs as Record<string, tf.TensorInfo>;
  const nb = backend as NativeBackend;
  const C = x.shape[x.shape.length - 1];
  const rows = sizeOf(x.shape) / C;
  const [xv, wv, bv] = floats(nb, x, weight, bias);
  const y = nb.allocFloat32(rows * C);
  const mean = nb.allocFloat32(rows);
  const rstd = nb.allocFloat32(rows);
  nativeAddon().layerNormForward(y, mean, rstd, xv, wv, bv, rows, C, Number((attrs as { eps: number }).eps));
  return [nb.output(y, x.shape), nb.output(mean, [rows]), nb.output(rstd, [rows])];
}

function layerNormGrad({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const { dy, x, weight, mean, rstd } = inputs as Record<string, tf.TensorInfo>;
  const nb = backend as NativeBackend;
  const C = x.shape[x.shape.length - 1];
  const rows = sizeOf(x.shape) / C;
  const [dyv, xv, wv, mv, rv] = floats(nb, dy, x, weight, mean, rstd);
  const dx = nb.allocFloat32(rows * C);
  const dw = nb.allocFloat32(C);
  const db = nb.allocFloat32(C);
  nativeAddon().layerNormBackward(dx, dw, db, dyv, xv, wv, mv, rv, rows, C);
  return [nb.output(dx, x.shape), nb.output(dw, [C]), nb.output(db, [C])];
}

function gelu({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x } = inputs as Record<string, tf.TensorInfo>;
  const nb = backend as NativeBackend;
  const y = nb.allocFloat32(sizeOf(x.shape));
  nativeAddon().geluForward(y, floats(nb, x)[0]);
  return nb.output(y, x.shape);
}

function geluGrad({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { dy, x } = inputs as Record<string, tf.TensorInfo>;
  const nb = backend as NativeBackend;
  const dx = nb.allocFloat32(sizeOf(x.shape));
  const [xv, dyv] = floats(nb, x, dy);
  nativeAddon().geluBackward(dx, xv, dyv);
  return nb.output(dx, x.shape);
}

// logits [N, ld], targets [N] int32, attr V (≤ ld) -> losses [N], lse [N] (log Σ exp per row)
function softmaxXent({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { logits, targets } = inputs as Record<string, tf.TensorInfo>;
  const nb = backend as NativeBackend;
  const [N, ld] = logits.shape;
  const V = Number((attrs as { V: number }).V);
  const losses = nb.allocFloat32(N);
  const lse = nb.allocFloat32(N);
  const ids = nb.valuesOf(targets) as Int32Array;
  const bad = nativeAddon().softmaxXentForward(losses, lse, floats(nb, logits)[0], ids, N, V, ld);
  if (bad >= 0) throw new Error(`cross-entropy: target ${ids[bad]} at row ${bad} is not in [0, ${V - 1}]`);
  return [nb.output(losses, [N]), nb.output(lse, [N])];
}

function softmaxXentGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { dlosses, logits, lse, targets } = inputs as Record<string, tf.TensorInfo>;
  const nb = backend as NativeBackend;
  const [N, ld] = logits.shape;
  const dz = nb.allocFloat32(N * ld);
  const [zv, lv, dlv] = floats(nb, logits, lse, dlosses);
  const V = Number((attrs as { V: number }).V);
  nativeAddon().softmaxXentBackward(dz, zv, lv, nb.valuesOf(targets) as Int32Array, dlv, N, V, ld);
  return nb.output(dz, [N, ld]);
}

// scores [..., T, T] -> weights [..., T, T]
function scaledSoftmax({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x } = inputs as Record<string, tf.TensorInfo>;
  const nb = backend as NativeBackend;
  const { scale, causal } = attrs as { scale: number; causal: boolean };
  const T = x.shape[x.shape.length - 1];
  const rows = sizeOf(x.shape) / T;
  const y = nb.allocFloat32(rows * T);
  nativeAddon().scaledSoftmaxForward(y, floats(nb, x)[0], rows, T, scale, causal);
  return nb.output(y, x.shape);
}

function scaledSoftmaxGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { dy, y } = inputs as Record<string, tf.TensorInfo>;
  const nb = backend as NativeBackend;
  const T = y.shape[y.shape.length - 1];
  const rows = sizeOf(y.shape) / T;
  const dx = nb.allocFloat32(rows * T);
  const [yv, dyv] = floats(nb, y, dy);
  nativeAddon().scaledSoftmaxBackward(dx, yv, dyv, rows, T, Number((attrs as { scale: number }).scale));
  return nb.output(dx, y.shape);
}

// qkv [B, T, 3C], attrs heads, scale -> y [B, T, C], att [B, H, T, T]
function causalAttention({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { qkv } = inputs as Record<string, tf.TensorInfo>;
  const nb = backend as NativeBackend;
  const [B, T, C3] = qkv.shape;
  const C = C3 / 3;
  const { heads, scale } = attrs as { heads: number; scale: number };
  const H = Number(heads);
  const y = nb.allocFloat32(B * T * C);
  const att = nb.allocFloat32(B * H * T * T);
  nativeAddon().causalAttentionForward(y, att, floats(nb, qkv)[0], B, T, C, H, Number(scale));
  return [nb.output(y, [B, T, C]), nb.output(att, [B, H, T, T])];
}

function causalAttentionGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { dy, att, qkv } = inputs as Record<string, tf.TensorInfo>;
  const nb = backend as NativeBackend;
  const [B, T, C3] = qkv.shape;
  const H = att.shape[1];
  const dqkv = nb.allocFloat32(B * T * C3);
  const [dyv, av, qv] = floats(nb, dy, att, qkv);
  const scale = Number((attrs as { scale: number }).scale);
  nativeAddon().causalAttentionBackward(dqkv, dyv, av, qv, B, T, C3 / 3, H, scale);
  return nb.output(dqkv, qkv.shape);
}

const NO_MASK = new Float32Array(0);

interface EncoderAttentionAttrs {
  heads: number;
  rate: number;
  seed: number;
}

// q, k, v [B, T, C], optional mask [B, T], attrs heads, rate, seed
// -> y [B, T, C], att [B, H, T, T] and, when rate > 0, the dropped probabilities [B, H, T, T]
function encoderAttention({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { q, k, v, mask } = inputs as Record<string, tf.TensorInfo | undefined>;
  const nb = backend as NativeBackend;
  const [B, T, C] = q!.shape;
  const { heads, rate, seed } = attrs as unknown as EncoderAttentionAttrs;
  const H = Number(heads);
  const y = nb.allocFloat32(B * T * C);
  const att = nb.allocFloat32(B * H * T * T);
  const drop = rate > 0 ? nb.allocFloat32(B * H * T * T) : NO_MASK;
  const [qv, kv, vv] = floats(nb, q!, k!, v!);
  const mv = mask ? floats(nb, mask)[0] : NO_MASK;
  nativeAddon().encoderAttentionForward(
    y,
    att,
    drop,
    qv,
    kv,
    vv,
    mv,
    B,
    T,
    C,
    H,
    C,
    Number(rate),
    Number(seed),
  );
  const out = [nb.output(y, [B, T, C]), nb.output(att, [B, H, T, T])];
  return rate > 0 ? [...out, nb.output(drop, [B, H, T, T])] : out;
}

function encoderAttentionGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { dy, att, drop, q, k, v, mask } = inputs as Record<string, tf.TensorInfo | undefined>;
  const nb = backend as NativeBackend;
  const [B, T, C] = q!.shape;
  const H = att!.shape[1];
  const { rate, seed } = attrs as unknown as EncoderAttentionAttrs;
  const [dq, dk, dv] = [0, 1, 2].map(() => nb.allocFloat32(B * T * C));
  const [dyv, av, qv, kv, vv] = floats(nb, dy!, att!, q!, k!, v!);
  const dropv = drop ? floats(nb, drop)[0] : NO_MASK;
  const mv = mask ? floats(nb, mask)[0] : NO_MASK;
  nativeAddon().encoderAttentionBackward(
    dq,
    dk,
    dv,
    dyv,
    av,
    dropv,
    qv,
    kv,
    vv,
    mv,
    B,
    T,
    C,
    H,
    C,
    Number(rate),
    Number(seed),
  );
  return [dq, dk, dv].map((g) => nb.output(g, [B, T, C]));
}

// xw [B, T, 4H], U [H, 4H], optional mask [B, T] -> hs, cs [B, T, H], gates [B, T, 4H]
function lstmSequence({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const { xw, U, mask } = inputs as Record<string, tf.TensorInfo | undefined>;
  const nb = backend as NativeBackend;
  const [B, T, G] = xw!.shape;
  const H = G / 4;
  const hs = nb.allocFloat32(B * T * H);
  const cs = nb.allocFloat32(B * T * H);
  const gates = nb.allocFloat32(B * T * G);
  const [xv, uv] = floats(nb, xw!, U!);
  const mv = mask ? floats(nb, mask)[0] : NO_MASK;
  nativeAddon().lstmSequenceForward(hs, cs, gates, xv, uv, mv, B, T, H);
  return [nb.output(hs, [B, T, H]), nb.output(cs, [B, T, H]), nb.output(gates, [B, T, G])];
}

function lstmSequenceGrad({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const { dhs, hs, cs, gates, U, mask } = inputs as Record<string, tf.TensorInfo | undefined>;
  const nb = backend as NativeBackend;
  const [B, T, G] = gates!.shape;
  const H = G / 4;
  const dxw = nb.allocFloat32(B * T * G);
  const dU = nb.allocFloat32(H * G);
  const [dv, hv, cv, gv, uv] = floats(nb, dhs!, hs!, cs!, gates!, U!);
  const mv = mask ? floats(nb, mask)[0] : NO_MASK;
  nativeAddon().lstmSequenceBackward(dxw, dU, dv, hv, cv, gv, uv, mv, B, T, H);
  return [nb.output(dxw, [B, T, G]), nb.output(dU, [H, G])];
}

/** The custom kernels, registered for the native backend only. */
export const FUSED_KERNELS: Record<string, tf.KernelFunc> = {
  [LAYER_NORM]: layerNorm as tf.KernelFunc,
  [LAYER_NORM_GRAD]: layerNormGrad as tf.KernelFunc,
  [GELU]: gelu as tf.KernelFunc,
  [GELU_GRAD]: geluGrad as tf.KernelFunc,
  [SOFTMAX_XENT]: softmaxXent as tf.KernelFunc,
  [SOFTMAX_XENT_GRAD]: softmaxXentGrad as tf.KernelFunc,
  [SCALED_SOFTMAX]: scaledSoftmax as tf.KernelFunc,
  [SCALED_SOFTMAX_GRAD]: scaledSoftmaxGrad as tf.KernelFunc,
  [CAUSAL_ATTENTION]: causalAttention as tf.KernelFunc,
  [CAUSAL_ATTENTION_GRAD]: causalAttentionGrad as tf.KernelFunc,
  [ENCODER_ATTENTION]: encoderAttention as tf.KernelFunc,
  [ENCODER_ATTENTION_GRAD]: encoderAttentionGrad as tf.KernelFunc,
  [LSTM_SEQUENCE]: lstmSequence as tf.KernelFunc,
  [LSTM_SEQUENCE_GRAD]: lstmSequenceGrad as tf.KernelFunc,
};

// ----------------------------------------------------------------------------- ops

type Attrs = Record<string, unknown>;

function run<T extends tf.Tensor | tf.Tensor[]>(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Attrs = {},
): T {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as T;
}

/** customGrad with positional, typed inputs (its own typing takes a variadic list). */
function customGrad<F>(f: (...args: never[]) => unknown): F {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as F;
}

/** LayerNorm over the last axis (as layers.ts' layerNorm), one kernel each way. */
export function fusedLayerNorm(x: tf.Tensor, weight: tf.Tensor1D, bias: tf.Tensor1D, eps: number): tf.Tensor {
  const op = customGrad<(x: tf.Tensor, w: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor>(
    (xi: tf.Tensor, w: tf.Tensor1D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
      const [y, mean, rstd] = run<tf.Tensor[]>(LAYER_NORM, { x: xi, weight: w, bias: b }, { eps });
      save([xi, w, mean, rstd]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, [xs, ws, ms, rs]: tf.Tensor[]) =>
          run<tf.Tensor[]>(LAYER_NORM_GRAD, { dy, x: xs, weight: ws, mean: ms, rstd: rs }),
      };
    },
  );
  return op(x, weight, bias);
}

/** GELU, tanh form (as layers.ts' gelu). */
export const fusedGelu = customGrad<(x: tf.Tensor) => tf.Tensor>((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: run<tf.Tensor>(GELU, { x }),
    gradFunc: (dy: tf.Tensor, [xs]: tf.Tensor[]) => [run<tf.Tensor>(GELU_GRAD, { dy, x: xs })],
  };
});

/**
 * Per-row cross-entropy over the first V columns of logits [N, ld] (llm.c's
 * padded vocabulary: the rest get no probability and no gradient).
 */
export function fusedSoftmaxCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D, V: number): tf.Tensor1D {
  const op = customGrad<(z: tf.Tensor2D, t: tf.Tensor1D) => tf.Tensor1D>(
    (z: tf.Tensor2D, t: tf.Tensor1D, save: tf.GradSaveFunc) => {
      const [losses, lse] = run<tf.Tensor[]>(SOFTMAX_XENT, { logits: z, targets: t }, { V });
      save([z, lse, t]);
      return {
        value: losses as tf.Tensor1D,
        gradFunc: (dy: tf.Tensor1D, [zs, l, ts]: tf.Tensor[]) => [
          run<tf.Tensor>(SOFTMAX_XENT_GRAD, { dlosses: dy, logits: zs, lse: l, targets: ts }, { V }),
          tf.zerosLike(ts),
        ],
      };
    },
  );
  return op(logits, targets);
}

/** softmax(scale·scores) over the last axis, causal-masked when asked: attention weights in one kernel. */
export function fusedScaledSoftmax(scores: tf.Tensor, scale: number, causal: boolean): tf.Tensor {
  const op = customGrad<(x: tf.Tensor) => tf.Tensor>((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const y = run<tf.Tensor>(SCALED_SOFTMAX, { x }, { scale, causal });
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [ys]: tf.Tensor[]) => [
        run<tf.Tensor>(SCALED_SOFTMAX_GRAD, { dy, y: ys }, { scale }),
      ],
    };
  });
  return op(scores);
}

/** 1/√hs as a C float (1.0f / sqrtf(hs): float sqrt and division are correctly rounded, and so are these in double then rounded to float). */
function inverseSqrtF32(hs: number): number {
  return Math.fround(1 / Math.fround(Math.sqrt(hs)));
}

/**
 * Causal self-attention from the fused projection: qkv [B, T, 3C] -> y [B, T, C]
 * (heads merged), softmax(scale·q·kᵀ + causal mask)·v per head, as llm.c does it;
 * scale defaults to 1/√hs (llm.c's), muP passes √d₀/hs.
 */
export function fusedCausalAttention(qkv: tf.Tensor3D, heads: number, scale?: number): tf.Tensor3D {
  const attrs = { heads, scale: scale ?? inverseSqrtF32(qkv.shape[2] / 3 / heads) };
  const op = customGrad<(x: tf.Tensor3D) => tf.Tensor3D>((x: tf.Tensor3D, save: tf.GradSaveFunc) => {
    const [y, att] = run<tf.Tensor[]>(CAUSAL_ATTENTION, { qkv: x }, attrs);
    save([att, x]);
    return {
      value: y as tf.Tensor3D,
      gradFunc: (dy: tf.Tensor3D, [a, q]: tf.Tensor[]) => [
        run<tf.Tensor>(CAUSAL_ATTENTION_GRAD, { dy, att: a, qkv: q }, attrs),
      ],
    };
  });
  return op(qkv);
}

export interface EncoderAttentionOptions {
  /** [B, T], 1 for a real token, 0 for padding: padded keys get probability 0. */
  paddingMask?: tf.Tensor2D;
  /** Dropout on the attention probabilities: rate in [0, 1) and the mask's seed (an integer). */
  dropout?: { rate: number; seed: number };
}

/**
 * Bidirectional (encoder) self-attention from separate projections q, k, v [B, T, C]
 * -> y [B, T, C] (heads merged): dropout(softmax(q·kᵀ/√hs over the real keys))·v per
 * head, heads read in place at columns h·hs; a sequence with no real key gives 0 (and
 * no gradient). Native kernels each way; the dropout mask is a hash of (seed,
 * position), and the dropped probabilities are kept for the backward.
 */
export function fusedEncoderAttention(
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  heads: number,
  opts: EncoderAttentionOptions = {},
): tf.Tensor3D {
  const rate = opts.dropout?.rate ?? 0;
  if (!(rate >= 0 && rate < 1)) throw new Error(`attention dropout: rate ${rate} is not in [0, 1)`);
  const seed = rate > 0 ? Math.trunc(opts.dropout!.seed) >>> 0 : 0;
  const keep = opts.paddingMask ? tf.cast(opts.paddingMask, 'float32') : undefined;
  const attrs = { heads, rate, seed };
  type Op = (qi: tf.Tensor3D, ki: tf.Tensor3D, vi: tf.Tensor3D) => tf.Tensor3D;
  const op = customGrad<Op>((qi: tf.Tensor3D, ki: tf.Tensor3D, vi: tf.Tensor3D, save: tf.GradSaveFunc) => {
    const inputs: Record<string, tf.Tensor> = keep
      ? { q: qi, k: ki, v: vi, mask: keep }
      : { q: qi, k: ki, v: vi };
    const [y, att, drop] = run<tf.Tensor[]>(ENCODER_ATTENTION, inputs, attrs);
    // saved tensors outlive the forward's tidy; keep (the float mask) is freed by the caller's tidy
    save([att, qi, ki, vi, ...(drop ? [drop] : []), ...(keep ? [keep] : [])]);
    return {
      value: y as tf.Tensor3D,
      gradFunc: (dy: tf.Tensor3D, saved: tf.Tensor[]) => {
        const [a, qs, ks, vs] = saved;
        const d = drop ? saved[4] : undefined;
        const m = keep ? saved[saved.length - 1] : undefined;
        const grads: Record<string, tf.Tensor> = { dy, att: a, q: qs, k: ks, v: vs };
        if (d) grads.drop = d;
        if (m) grads.mask = m;
        return run<tf.Tensor[]>(ENCODER_ATTENTION_GRAD, grads, attrs);
      },
    };
  });
  return op(q, k, v);
}

/**
 * A whole LSTM layer: xw = x·W + b for every step [B, T, 4H] (gate blocks f, i, c̃, o),
 * U [H, 4H], optional mask [B, T] (1 real, 0 padding: the state carries over)
 * -> hidden states [B, T, H], from zero initial state; one kernel each way.
 */
export function fusedLstmSequence(xw: tf.Tensor3D, U: tf.Tensor2D, mask?: tf.Tensor2D): tf.Tensor3D {
  const keep = mask ? tf.cast(mask, 'float32') : undefined;
  const op = customGrad<(x: tf.Tensor3D, u: tf.Tensor2D) => tf.Tensor3D>(
    (x: tf.Tensor3D, u: tf.Tensor2D, save: tf.GradSaveFunc) => {
      const [hs, cs, gates] = run<tf.Tensor[]>(
        LSTM_SEQUENCE,
        keep ? { xw: x, U: u, mask: keep } : { xw: x, U: u },
      );
      save(keep ? [hs, cs, gates, u, keep] : [hs, cs, gates, u]); // saved tensors outlive the forward's tidy
      return {
        value: hs as tf.Tensor3D,
        gradFunc: (dhs: tf.Tensor3D, [h, c, g, us, m]: tf.Tensor[]) =>
          run<tf.Tensor[]>(
            LSTM_SEQUENCE_GRAD,
            m ? { dhs, hs: h, cs: c, gates: g, U: us, mask: m } : { dhs, hs: h, cs: c, gates: g, U: us },
          ),
      };
    },
  );
  return op(xw, U);
}

/**
 * y = x·Wᵀ + b in one kernel (the native _FusedMatMul: bias as BLAS's starting
 * value), x [N, in], W [out, in] (nn.Linear's layout), b [out]. tf.fused.matMul
 * itself never fuses a linear activation, hence the direct kernel call.
 * Backward: dx = dy·W, dW = dyᵀ·x, db = Σ_rows dy (transposes as BLAS flags).
 */
export const fusedLinear = customGrad<(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D>(
  (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([x, w]);
    const y = run<tf.Tensor2D>(
      tf._FusedMatMul,
      { a: x, b: w, bias: b },
      { transposeA: false, transposeB: true, activation: 'linear' },
    );
    return {
      value: y,
      gradFunc: (dy: tf.Tensor2D, [xs, ws]: tf.Tensor[]) => [
        tf.matMul(dy, ws),
        tf.matMul(dy, xs, true, false),
        tf.sum(dy, 0),
      ],
    };
  },
);
