/**
 * Gradients on the native backend:
 * - tfjs autodiff of small composite functions (through the native kernels and
 *   their JS gradients) equals the same on cpu;
 * - each fused op (kernels/native/fused.ts) forward equals its math written in
 *   plain float64 JavaScript below, and its gradient equals a central finite
 *   difference of that float64 math; and each equals the composite layer it
 *   replaces (layers.ts / attention.ts on cpu).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { scaledDotProductAttention } from '../src/attention.js';
import {
  fusedCausalAttention,
  fusedGelu,
  fusedLayerNorm,
  fusedLstmSequence,
  fusedScaledSoftmax,
  fusedSoftmaxCrossEntropy,
} from '../src/kernels/native/index.js';
import { crossEntropyPerRow, gelu, layerNorm } from '../src/layers.js';
import { LSTM_GATES, Lstm } from '../src/nn/lstm.js';
import { expectClose, gradientsOn } from './helpers/compare-backends.js';
import {
  expectAllClose,
  expectGradClose,
  expectSameOnBoth,
  finiteDifference,
  NATIVE_BUILT,
  nativeKernelStats,
  nativeSuite,
  randomInts,
  setUpNative,
  uniform,
  type Vec,
  valuesOn,
} from './helpers/native.js';

beforeAll(async () => {
  if (NATIVE_BUILT) await setUpNative();
});

// ----------------------------------------------------------------------------- float64 reference math

/** LayerNorm over rows of C: y = (x − mean)/√(var + eps)·w + b, var biased. */
function layerNormRef(x: Vec, w: Vec, b: Vec, C: number, eps: number): Vec {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / C; r++) {
    let mean = 0;
    for (let c = 0; c < C; c++) mean += x[r * C + c];
    mean /= C;
    let variance = 0;
    for (let c = 0; c < C; c++) variance += (x[r * C + c] - mean) ** 2;
    variance /= C;
    const rstd = 1 / Math.sqrt(variance + eps);
    for (let c = 0; c < C; c++) y[r * C + c] = (x[r * C + c] - mean) * rstd * w[c] + b[c];
  }
  return y;
}

/** GELU, tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
function geluRef(x: Vec): Vec {
  return x.map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))));
}

/** Per row r of logits [N, ld]: log Σ_{c<V} exp(z[r,c]) − z[r, t_r] (columns ≥ V ignored). */
function softmaxXentRef(z: Vec, targets: Int32Array, V: number, ld: number): Vec {
  const losses = new Float64Array(targets.length);
  for (let r = 0; r < targets.length; r++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < V; c++) max = Math.max(max, z[r * ld + c]);
    let sum = 0;
    for (let c = 0; c < V; c++) sum += Math.exp(z[r * ld + c] - max);
    losses[r] = Math.log(sum) + max - z[r * ld + targets[r]];
  }
  return losses;
}

/**
 * softmax(scale·x) over rows of T; causal: row r (query r mod Tq, with Tq = T)
 * sees columns ≤ r mod T only, the rest get weight 0.
 */
function scaledSoftmaxRef(x: Vec, T: number, scale: number, causal: boolean): Vec {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / T; r++) {
    const n = causal ? (r % T) + 1 : T;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < n; c++) max = Math.max(max, scale * x[r * T + c]);
    let sum = 0;
    for (let c = 0; c < n; c++) sum += Math.exp(scale * x[r * T + c] - max);
    for (let c = 0; c < n; c++) y[r * T + c] = Math.exp(scale * x[r * T + c] - max) / sum;
  }
  return y;
}

/**
 * An LSTM layer over time from xw [B, T, 4H] (x·W + b, gate blocks f, i, c̃, o), U [H, 4H]
 * and a mask [B, T] (1 real, 0 padding: the state carries over) -> hs [B, T, H], zero initial state:
 * z = xw_t + h·U; f, i, o = σ(z_f, z_i, z_o), g = tanh(z_c), c' = f·c + i·g, h' = o·tanh(c').
 */
function lstmSequenceRef(xw: Vec, U: Vec, mask: number[], B: number, T: number, H: number): Vec {
  const hs = new Float64Array(B * T * H);
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  for (let b = 0; b < B; b++) {
    const h = new Float64Array(H);
    const c = new Float64Array(H);
    for (let t = 0; t < T; t++) {
      const z = (k: number, j: number) => {
        let sum = xw[(b * T + t) * 4 * H + k * H + j];
        for (let i = 0; i < H; i++) sum += h[i] * U[i * 4 * H + k * H + j];
        return sum;
      };
      const next = Array.from({ length: H }, (_, j) => {
        const cNew = sigmoid(z(0, j)) * c[j] + sigmoid(z(1, j)) * Math.tanh(z(2, j));
        return [sigmoid(z(3, j)) * Math.tanh(cNew), cNew];
      });
      const m = mask[b * T + t];
      for (let j = 0; j < H; j++) {
        h[j] = m * next[j][0] + (1 - m) * h[j];
        c[j] = m * next[j][1] + (1 - m) * c[j];
        hs[(b * T + t) * H + j] = h[j];
      }
    }
  }
  return hs;
}

/**
 * Causal self-attention from the fused projection qkv [B, T, 3C] (row = q | k | v,
 * head h at columns h·hs of each): y[b, t, h·hs + e] = Σ_{s ≤ t} A[t, s]·v[s, e],
 * A = softmax over s ≤ t of q_t·k_s / √hs.
 */
function causalAttentionRef(qkv: Vec, B: number, T: number, C: number, H: number): Vec {
  const hs = C / H;
  const y = new Float64Array(B * T * C);
  const at = (b: number, t: number, part: number, h: number, e: number) =>
    qkv[(b * T + t) * 3 * C + part * C + h * hs + e];
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const scores = Array.from({ length: t + 1 }, (_, s) => {
          let sum = 0;
          for (let e = 0; e < hs; e++) sum += at(b, t, 0, h, e) * at(b, s, 1, h, e);
          return sum / Math.sqrt(hs);
        });
        const max = Math.max(...scores);
        const weights = scores.map((v) => Math.exp(v - max));
        const total = weights.reduce((a, v) => a + v, 0);
        for (let e = 0; e < hs; e++) {
          let sum = 0;
          for (let s = 0; s <= t; s++) sum += (weights[s] / total) * at(b, s, 2, h, e);
          y[(b * T + t) * C + h * hs + e] = sum;
        }
      }
    }
  }
  return y;
}

/**
 * Runs the fused op on native: its value and the gradients of Σ value·weights
 * with respect to `grads` of the inputs (tf.grads with dy = weights).
 */
async function fusedOnNative(
  inputs: { values: Float32Array | Int32Array; shape: number[]; dtype?: 'int32' }[],
  op: (...xs: tf.Tensor[]) => tf.Tensor,
  weights: Float32Array,
  grads: number[],
): Promise<{ value: Float32Array; grads: Float32Array[] }> {
  await tf.setBackend('native');
  return tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.values, i.shape, i.dtype ?? 'float32'));
    const value = op(...xs);
    const dy = tf.tensor(weights, value.shape);
    const g = tf.grads((...ws: tf.Tensor[]) => {
      const all = xs.map((x, i) => (grads.includes(i) ? ws[grads.indexOf(i)] : x));
      return op(...all);
    })(
      grads.map((i) => xs[i]),
      dy,
    );
    return { value: value.dataSync() as Float32Array, grads: g.map((t) => t.dataSync() as Float32Array) };
  });
}

const f64 = (a: ArrayLike<number>) => Float64Array.from(a);

/** A loss over named variables (the loss a summed tensor, typed as tfjs returns it). */
type Case = { loss: () => tf.Tensor; variables: Record<string, tf.Variable> };

/** `make` as gradientsOn takes it. */
function scalarCase(make: () => Case) {
  return () => {
    const c = make();
    return { loss: () => c.loss() as tf.Scalar, variables: c.variables };
  };
}

describe.skipIf(!NATIVE_BUILT)(
  nativeSuite('fused ops on native: float64 reference and finite differences'),
  () => {
    it('fusedLayerNorm: y, dx, dw, db on [2, 3, 7] and [5, 129]', async () => {
      for (const shape of [
        [2, 3, 7],
        [5, 129],
      ]) {
        const C = shape[shape.length - 1];
        const n = shape.reduce((a, b) => a * b, 1);
        const x = uniform(n, 1, -2, 3);
        const w = uniform(C, 2, 0.5, 1.5);
        const b = uniform(C, 3, -0.5, 0.5);
        const weights = uniform(n, 4);
        const eps = 1e-5;
        nativeKernelStats(true);
        const got = await fusedOnNative(
          [
            { values: x, shape },
            { values: w, shape: [C] },
            { values: b, shape: [C] },
          ],
          (xi, wi, bi) => fusedLayerNorm(xi, wi as tf.Tensor1D, bi as tf.Tensor1D, eps),
          weights,
          [0, 1, 2],
        );
        const stats = nativeKernelStats(true);
        expect(stats.CourseLayerNorm?.native).toBeGreaterThan(0);
        expect(stats.CourseLayerNormGrad?.native).toBe(1);
        const f = ([xv, wv, bv]: Vec[]) => layerNormRef(xv, wv, bv, C, eps);
        const inputs = [f64(x), f64(w), f64(b)];
        expectAllClose(got.value, f(inputs), { rtol: 1e-5, atol: 1e-6 }, `LayerNorm [${shape}] y`);
        ['dx', 'dw', 'db'].forEach((name, k) => {
          expectGradClose(
            got.grads[k],
            finiteDifference(f, inputs, weights, k),
            `LayerNorm [${shape}] ${name}`,
          );
        });
      }
    });

    it('fusedGelu: y and dx on [3, 7] and [129], including 0 and large |x|', async () => {
      for (const n of [21, 129]) {
        const x = uniform(n, 5, -5, 5);
        x[0] = 0;
        x[1] = 12;
        x[2] = -12;
        const weights = uniform(n, 6);
        const got = await fusedOnNative(
          [{ values: x, shape: n === 21 ? [3, 7] : [n] }],
          fusedGelu,
          weights,
          [0],
        );
        const f = ([xv]: Vec[]) => geluRef(xv);
        expectAllClose(got.value, f([f64(x)]), { rtol: 1e-5, atol: 1e-6 }, `GELU [${n}] y`);
        expectGradClose(got.grads[0], finiteDifference(f, [f64(x)], weights, 0), `GELU [${n}] dx`);
      }
    });

    it('fusedSoftmaxCrossEntropy: losses and dlogits over the first V of ld columns; padding gets 0', async () => {
      for (const [N, V, ld] of [
        [5, 7, 11],
        [3, 129, 129],
        [2, 50, 128],
      ]) {
        const z = uniform(N * ld, 7, -4, 4);
        const targets = randomInts(N, 8, 0, V);
        targets[0] = V - 1; // the last real column
        const dlosses = uniform(N, 9, 0.2, 1.5);
        const got = await fusedOnNative(
          [
            { values: z, shape: [N, ld] },
            { values: targets, shape: [N], dtype: 'int32' },
          ],
          (zi, ti) => fusedSoftmaxCrossEntropy(zi as tf.Tensor2D, ti as tf.Tensor1D, V),
          dlosses,
          [0],
        );
        const f = ([zv]: Vec[]) => softmaxXentRef(zv, targets, V, ld);
        expectAllClose(got.value, f([f64(z)]), { rtol: 1e-5, atol: 1e-6 }, `xent N${N} V${V} ld${ld} losses`);
        const want = finiteDifference(f, [f64(z)], dlosses, 0);
        expectGradClose(got.grads[0], want, `xent N${N} V${V} ld${ld} dlogits`);
        for (let r = 0; r < N; r++) {
          for (let c = V; c < ld; c++)
            expect(got.grads[0][r * ld + c], `padding column ${c} of row ${r}`).toBe(0);
        }
      }
    });

    it('fusedSoftmaxCrossEntropy: a target outside [0, V) is an error naming it', async () => {
      await tf.setBackend('native');
      const logits = tf.tensor2d(uniform(3 * 8, 1), [3, 8]);
      for (const bad of [7, -1]) {
        expect(() => fusedSoftmaxCrossEntropy(logits, tf.tensor1d([0, 1, bad], 'int32'), 7)).toThrow(
          new RegExp(`cross-entropy: target ${bad} at row 2 is not in \\[0, 6\\]`),
        );
      }
      logits.dispose();
    });

    it('fusedLstmSequence: hs, dxw and dU over 4 steps (B 3, H 5), with and without a padding mask', async () => {
      const [B, T, H] = [3, 4, 5];
      const xw = uniform(B * T * 4 * H, 20, -2, 2);
      const U = uniform(H * 4 * H, 21, -0.8, 0.8);
      const weights = uniform(B * T * H, 22);
      const padded = [1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1]; // row 1 ends early, row 2 skips a step
      for (const mask of [undefined, padded]) {
        nativeKernelStats(true);
        const got = await fusedOnNative(
          [
            { values: xw, shape: [B, T, 4 * H] },
            { values: U, shape: [H, 4 * H] },
          ],
          (x, u) =>
            fusedLstmSequence(
              x as tf.Tensor3D,
              u as tf.Tensor2D,
              mask ? tf.tensor2d(mask, [B, T]) : undefined,
            ),
          weights,
          [0, 1],
        );
        expect(nativeKernelStats(true).CourseLstmSequenceGrad?.native).toBe(1);
        const f = ([x, u]: Vec[]) => lstmSequenceRef(x, u, mask ?? new Array(B * T).fill(1), B, T, H);
        const inputs = [f64(xw), f64(U)];
        const what = mask ? 'LSTM sequence (masked)' : 'LSTM sequence';
        expectAllClose(got.value, f(inputs), { rtol: 1e-5, atol: 1e-6 }, `${what} hs`);
        expectGradClose(got.grads[0], finiteDifference(f, inputs, weights, 0), `${what} dxw`);
        expectGradClose(got.grads[1], finiteDifference(f, inputs, weights, 1), `${what} dU`);
      }
    });

    it('fusedCausalAttention: y and dqkv (B 2, T 5, C 6, 2 heads; B 1, T 7, 1 head)', async () => {
      for (const [B, T, C, H] of [
        [2, 5, 6, 2],
        [1, 7, 3, 1],
      ]) {
        const qkv = uniform(B * T * 3 * C, 23, -1.5, 1.5);
        const weights = uniform(B * T * C, 24);
        nativeKernelStats(true);
        const got = await fusedOnNative(
          [{ values: qkv, shape: [B, T, 3 * C] }],
          (x) => fusedCausalAttention(x as tf.Tensor3D, H),
          weights,
          [0],
        );
        expect(nativeKernelStats(true).CourseCausalAttentionGrad?.native).toBe(1);
        const f = ([x]: Vec[]) => causalAttentionRef(x, B, T, C, H);
        const what = `causal attention B${B} T${T} C${C} H${H}`;
        expectAllClose(got.value, f([f64(qkv)]), { rtol: 1e-5, atol: 1e-6 }, `${what} y`);
        expectGradClose(got.grads[0], finiteDifference(f, [f64(qkv)], weights, 0), `${what} dqkv`);
      }
    });

    it('fusedScaledSoftmax: causal [2, 3, 7, 7] and not causal [3, 4, 9]; masked weights are exactly 0', async () => {
      for (const [shape, causal] of [
        [[2, 3, 7, 7], true],
        [[1, 1, 1], true],
        [[3, 4, 9], false],
      ] as const) {
        const T = shape[shape.length - 1];
        const n = (shape as readonly number[]).reduce((a, b) => a * b, 1);
        const x = uniform(n, 10, -6, 6);
        const weights = uniform(n, 11);
        const scale = 0.37;
        const got = await fusedOnNative(
          [{ values: x, shape: [...shape] }],
          (xi) => fusedScaledSoftmax(xi, scale, causal),
          weights,
          [0],
        );
        const f = ([xv]: Vec[]) => scaledSoftmaxRef(xv, T, scale, causal);
        const want = f([f64(x)]);
        expectAllClose(got.value, want, { rtol: 1e-5, atol: 1e-7 }, `scaled softmax [${shape}] y`);
        if (causal) {
          for (let i = 0; i < n; i++) if (i % T > Math.floor(i / T) % T) expect(got.value[i]).toBe(0);
        }
        if (n > 1)
          expectGradClose(
            got.grads[0],
            finiteDifference(f, [f64(x)], weights, 0),
            `scaled softmax [${shape}] dx`,
          );
      }
    });
  },
);

describe.skipIf(!NATIVE_BUILT)(nativeSuite('fused ops on native equal the composite layers on cpu'), () => {
  /** Σ layer(x)·weights and its gradients, the composite on cpu against the fused op on native. */
  async function compareLayer(make: () => Case): Promise<void> {
    const cpu = await gradientsOn('cpu', scalarCase(make));
    const native = await gradientsOn('native', scalarCase(make));
    expectClose(native, cpu, 1e-5);
  }

  it('layerNorm', async () => {
    const x = uniform(3 * 5 * 37, 1, -2, 2);
    const weights = uniform(x.length, 2);
    await compareLayer(() => {
      const variables = {
        x: tf.variable(tf.tensor(x, [3, 5, 37])),
        w: tf.variable(tf.tensor(uniform(37, 3, 0.5, 1.5))),
        b: tf.variable(tf.tensor(uniform(37, 4))),
      };
      const loss = () =>
        tf.sum(
          tf.mul(
            layerNorm(
              variables.x,
              variables.w as tf.Variable<tf.Rank.R1>,
              variables.b as tf.Variable<tf.Rank.R1>,
            ),
            tf.tensor(weights, [3, 5, 37]),
          ),
        );
      return { loss, variables };
    });
  });

  it('gelu', async () => {
    const x = uniform(7 * 33, 5, -5, 5);
    const weights = uniform(x.length, 6);
    await compareLayer(() => {
      const variables = { x: tf.variable(tf.tensor(x, [7, 33])) };
      return { loss: () => tf.sum(tf.mul(gelu(variables.x), tf.tensor(weights, [7, 33]))), variables };
    });
  });

  it('crossEntropyPerRow', async () => {
    const z = uniform(9 * 65, 7, -4, 4);
    const targets = randomInts(9, 8, 0, 65);
    const dl = uniform(9, 9, 0.2, 1.5);
    await compareLayer(() => {
      const variables = { z: tf.variable(tf.tensor(z, [9, 65])) };
      const loss = () =>
        tf.sum(
          tf.mul(
            crossEntropyPerRow(variables.z as tf.Variable<tf.Rank.R2>, tf.tensor1d(targets, 'int32')),
            tf.tensor(dl),
          ),
        );
      return { loss, variables };
    });
  });

  it('scaledDotProductAttention, causal and with a padding mask', async () => {
    const [B, H, T, d] = [2, 3, 7, 5];
    const n = B * H * T * d;
    const weights = uniform(n, 12);
    const keep = Float32Array.from({ length: B * T }, (_, i) => (i === T - 1 || i === 2 * T - 2 ? 0 : 1));
    for (const opts of [
      { causal: true },
      { causal: false, padding: true },
      { causal: true, padding: true },
    ]) {
      await compareLayer(() => {
        const variables = {
          q: tf.variable(tf.tensor(uniform(n, 13, -2, 2), [B, H, T, d])),
          k: tf.variable(tf.tensor(uniform(n, 14, -2, 2), [B, H, T, d])),
          v: tf.variable(tf.tensor(uniform(n, 15, -2, 2), [B, H, T, d])),
        };
        const loss = () => {
          const { output } = scaledDotProductAttention(
            variables.q as tf.Variable<tf.Rank.R4>,
            variables.k as tf.Variable<tf.Rank.R4>,
            variables.v as tf.Variable<tf.Rank.R4>,
            { causal: opts.causal, paddingMask: opts.padding ? tf.tensor2d(keep, [B, T]) : undefined },
          );
          return tf.sum(tf.mul(output, tf.tensor(weights, [B, H, T, d])));
        };
        return { loss, variables };
      });
    }
  });

  it('an Lstm layer over 6 steps (fixed weights), with and without a padding mask', async () => {
    const [B, T, E, H] = [3, 6, 5, 7];
    const x = uniform(B * T * E, 30, -1, 1);
    const weights = uniform(B * T * H, 31);
    const mask = Float32Array.from({ length: B * T }, (_, k) => (k % T < T - (k / T === 1 ? 2 : 0) ? 1 : 0));
    for (const masked of [false, true]) {
      await compareLayer(() => {
        const layer = new Lstm(E, H, 0);
        const variables: Record<string, tf.Variable> = {};
        LSTM_GATES.forEach((g, k) => {
          const w = layer.gates[g];
          // the orthogonal initialiser runs a QR on the backend: fixed values instead
          w.kernel.assign(tf.tensor(uniform(E * H, 40 + k, -0.5, 0.5), [E, H]));
          w.recurrentKernel.assign(tf.tensor(uniform(H * H, 50 + k, -0.5, 0.5), [H, H]));
          w.bias.assign(tf.tensor(uniform(H, 60 + k, -0.5, 0.5)));
          Object.assign(variables, {
            [`${g}.W`]: w.kernel,
            [`${g}.U`]: w.recurrentKernel,
            [`${g}.b`]: w.bias,
          });
        });
        const loss = () => {
          const out = layer.run(tf.tensor3d(x, [B, T, E]), masked ? tf.tensor2d(mask, [B, T]) : undefined);
          return tf.sum(tf.mul(out, tf.tensor(weights, out.shape)));
        };
        return { loss, variables };
      });
    }
  });
});

describe.skipIf(!NATIVE_BUILT)(nativeSuite('autodiff through native kernels equals cpu'), () => {
  /** variableGrads of `loss` over fixed variables, on cpu and native. */
  async function compareGrads(make: () => Case) {
    const cpu = await gradientsOn('cpu', scalarCase(make));
    const native = await gradientsOn('native', scalarCase(make));
    expectClose(native, cpu, 1e-5);
    for (const [name, g] of native.grads) {
      expect(
        g.some((v) => v !== 0),
        `gradient of ${name} is not all zero`,
      ).toBe(true);
    }
  }
  const variable = (shape: number[], seed: number, lo = -1, hi = 1) =>
    tf.variable(
      tf.tensor(
        uniform(
          shape.reduce((a, b) => a * b, 1),
          seed,
          lo,
          hi,
        ),
        shape,
      ),
    );

  it('an MLP: matMul with transposes, broadcast bias, relu, sigmoid, mean', async () => {
    const x = uniform(7 * 13, 1);
    await compareGrads(() => {
      const variables = {
        w1: variable([13, 9], 2),
        b1: variable([9], 3),
        w2: variable([5, 9], 4),
        b2: variable([1, 5], 5),
      };
      const loss = () => {
        const h = tf.relu(tf.add(tf.matMul(tf.tensor(x, [7, 13]), variables.w1), variables.b1));
        return tf.mean(tf.sigmoid(tf.add(tf.matMul(h, variables.w2, false, true), variables.b2)));
      };
      return { loss, variables };
    });
  });

  it('attention-shaped: batched matMuls (transposed), [2,3,5,5] + [5,5] mask, softmax, [B,1,1,T] scaling', async () => {
    await compareGrads(() => {
      const variables = {
        q: variable([2, 3, 5, 4], 6),
        k: variable([2, 3, 5, 4], 7),
        v: variable([2, 3, 5, 4], 8),
        mask: variable([5, 5], 9),
        gate: variable([2, 1, 1, 5], 10),
      };
      const loss = () => {
        const scores = tf.add(tf.mul(tf.matMul(variables.q, variables.k, false, true), 0.5), variables.mask);
        const weights = tf.mul(tf.softmax(scores), variables.gate);
        return tf.sum(tf.square(tf.matMul(weights, variables.v, true, false)));
      };
      return { loss, variables };
    });
  });

  it('an embedding: gather, transpose [0,2,1,3], concat, pad, slice, split, tanh', async () => {
    const ids = Int32Array.from([3, 0, 10, 3, 7, 7, 1, 2, 9, 4]);
    await compareGrads(() => {
      const variables = { table: variable([11, 6], 11), other: variable([2, 5, 2, 3], 12) };
      const loss = () => {
        const emb = tf.reshape(tf.gather(variables.table, tf.tensor1d(ids, 'int32')), [2, 5, 2, 3]);
        const joined = tf.concat(
          [tf.transpose(emb, [0, 2, 1, 3]), tf.transpose(variables.other, [0, 2, 1, 3])],
          3,
        );
        const padded = tf.pad(joined, [
          [0, 0],
          [1, 0],
          [0, 2],
          [0, 1],
        ]);
        const [left, right] = tf.split(tf.slice(padded, [0, 1, 1, 0], [2, 2, 5, 7]), [3, 4], 3);
        return tf.sum(tf.mul(tf.tanh(left), tf.sum(right)));
      };
      return { loss, variables };
    });
  });

  it('reductions and elementwise ops: max, min, prod, logSoftmax, exp, log, sqrt, elu, selu, pow, div', async () => {
    await compareGrads(() => {
      const variables = {
        a: variable([4, 7, 3], 13, 0.5, 1.5),
        b: variable([7, 3], 14, -1, 1),
        c: variable([4, 1, 3], 15, 0.5, 2),
      };
      const loss = () => {
        const { a, b, c } = variables;
        const terms = [
          tf.sum(tf.max(tf.mul(a, b), 1)),
          tf.sum(tf.min(tf.add(a, b), [1, 2])),
          tf.sum(tf.prod(a, 2)),
          tf.sum(tf.mul(tf.logSoftmax(tf.mul(a, c)), b)),
          tf.mean(tf.log(tf.add(tf.exp(b), tf.sqrt(a)))),
          tf.sum(tf.elu(tf.sub(a, c))),
          tf.sum(tf.selu(b)),
          tf.sum(tf.pow(a, c)),
          tf.sum(tf.div(b, c)),
          tf.sum(tf.squaredDifference(tf.mul(a, c), a)), // its gradient does not broadcast either: same shapes
          tf.sum(tf.maximum(a, tf.sqrt(a))), // tfjs's Maximum gradient does not broadcast
        ];
        return tf.addN(terms) as tf.Scalar;
      };
      return { loss, variables };
    });
  });

  it('tf.grad of a scalar function of one tensor', async () => {
    const x = uniform(33, 16, -3, 3);
    await expectSameOnBoth(
      'grad of Σ softplus(x)·sin(x)',
      () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.softplus(t), tf.sin(t))))(tf.tensor(x)),
      { rtol: 1e-5, atol: 1e-6 },
    );
    const [got] = await valuesOn('native', () =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.square(t)))(tf.tensor(x)),
    );
    expectAllClose(
      got.values,
      x.map((v) => 2 * v),
      { rtol: 1e-6 },
      'd Σx² / dx = 2x',
    );
  });
});
