/**
 * The native backend as a whole: its buffer pool never hands out memory that
 * something still reads, reused buffers never leak old contents into results,
 * the raw-array helpers (AdamW in place, Σx²) equal float64 math, and GPT-2
 * gives the same loss and gradients as on cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gpt2Config } from '../src/gpt2/config.js';
import { initParametersLlmc } from '../src/gpt2/init.js';
import { GPT2 } from '../src/gpt2/model.js';
import type { NativeBackend } from '../src/kernels/native/backend.js';
import {
  fusedLayerNorm,
  fusedScaledSoftmax,
  fusedSoftmaxCrossEntropy,
  loadNativeAddon,
  nativeAdamWInPlace,
  nativeSumSquares,
} from '../src/kernels/native/index.js';
import { NATIVE_KERNELS } from '../src/kernels/native/kernels.js';
import { expectClose, gradientsOn } from './helpers/compare-backends.js';
import {
  expectAllClose,
  NATIVE_BUILT,
  nativeKernelStats,
  nativeSuite,
  randomInts,
  setUpNative,
  uniform,
  valuesOn,
} from './helpers/native.js';

beforeAll(async () => {
  if (NATIVE_BUILT) await setUpNative();
});

describe('the native addon in CI', () => {
  it('is built wherever CI runs (CI installs libopenblas-dev and g++), so the native path is always tested there', () => {
    const { addon, reason } = loadNativeAddon();
    if (process.env.CI) expect(addon, `CI is set but @course/native did not load: ${reason}`).not.toBeNull();
    else expect(addon === null || typeof addon.gemm === 'function').toBe(true);
  });
});

function backend(): NativeBackend {
  return tf.backend() as NativeBackend;
}

/** The ArrayBuffer behind a native tensor. */
function bufferOf(t: tf.Tensor): ArrayBufferLike {
  return (backend().valuesOf(t) as Float32Array).buffer;
}

/** `count` tensors of `n` floats, each filled with `value + i`, from native kernels (so from the pool). */
function allocateMany(n: number, count: number, value: number): tf.Tensor[] {
  const ones = tf.ones([n]);
  const out = Array.from({ length: count }, (_, i) => tf.mul(ones, value + i));
  ones.dispose();
  return out;
}

/** Disposes tensors and returns how many bytes the pool gained. */
function disposeAndMeasure(ts: tf.Tensor[]): number {
  const before = backend().pooledBytes();
  tf.dispose(ts);
  return backend().pooledBytes() - before;
}

describe.skipIf(!NATIVE_BUILT)(nativeSuite('the native backend buffer pool'), () => {
  const N = 64 * 129; // above the pool's minimum of 4096 elements
  const values = uniform(N, 1);

  beforeAll(async () => {
    await tf.setBackend('native');
  });

  /** A pooled tensor (the output of a native kernel) holding `values`. */
  const pooledTensor = () => tf.add(tf.tensor(values, [64, 129]), 0);

  it('recycles a buffer once its last tensor is disposed, and hands it out again', () => {
    const x = pooledTensor();
    const buffer = bufferOf(x);
    expect(disposeAndMeasure([x])).toBe(N * 4);
    const [y] = allocateMany(N, 1, 0);
    expect(bufferOf(y)).toBe(buffer);
    y.dispose();
  });

  it('a native Slice copies: the child keeps its values after the parent is disposed and the pool reused', async () => {
    const x = pooledTensor();
    const child = tf.slice(x, [3, 5], [20, 100]);
    x.dispose();
    const others = allocateMany(N, 20, 1000);
    const want = await valuesOn('native', () => tf.slice(tf.tensor(values, [64, 129]), [3, 5], [20, 100]));
    await tf.setBackend('native');
    expectAllClose(child.dataSync(), want[0].values, { rtol: 0 }, 'slice');
    tf.dispose([child, ...others]);
  });

  /**
   * Rows of x as views of its array, made the way the cpu backend's JS kernels
   * make them (its Slice, and the slice() inside StridedSlice, Unpack, SplitV...,
   * return a subarray where the slice is contiguous).
   */
  function viewRows(x: tf.Tensor, rows: number[]): tf.Tensor[] {
    const all = backend().valuesOf(x) as Float32Array;
    const C = x.shape[1] ?? 1;
    return rows.map((r) =>
      tf
        .engine()
        .makeTensorFromTensorInfo(backend().makeTensorInfo([C], 'float32', all.subarray(r * C, (r + 1) * C))),
    );
  }

  it('views of a buffer (as JS kernels make them) keep it alive after its tensor is disposed', () => {
    const x = pooledTensor();
    const buffer = bufferOf(x);
    const rows = viewRows(x, [0, 1, 5]);
    // disposing the parent and one row frees nothing
    expect(disposeAndMeasure([x, rows[2]])).toBe(0);
    const others = allocateMany(N, 20, 1000);
    expect(others.some((t) => bufferOf(t) === buffer)).toBe(false);
    expectAllClose(rows[0].dataSync(), values.subarray(0, 129), { rtol: 0 }, 'row 0');
    expectAllClose(rows[1].dataSync(), values.subarray(129, 258), { rtol: 0 }, 'row 1');
    tf.dispose([...others, rows[0], rows[1]]);
  });

  it('the last view disposed recycles the buffer (when nothing read it)', () => {
    const x = pooledTensor();
    const rows = viewRows(x, [0, 1, 2]);
    x.dispose();
    expect(disposeAndMeasure(rows.slice(1))).toBe(0);
    expect(disposeAndMeasure(rows.slice(0, 1))).toBe(N * 4);
  });

  it.skipIf(NATIVE_KERNELS[tf.StridedSlice] !== undefined)(
    'a real JS kernel view: cpu StridedSlice of leading rows is a subarray; it outlives its parent',
    () => {
      const x = pooledTensor();
      nativeKernelStats(true);
      const part = tf.stridedSlice(x, [3, 0], [20, 129], [1, 1]);
      expect(nativeKernelStats(true).StridedSlice?.js).toBe(1);
      expect(bufferOf(part)).toBe(bufferOf(x));
      expect(disposeAndMeasure([x])).toBe(0);
      const others = allocateMany(N, 20, 1000);
      expectAllClose(part.dataSync(), values.subarray(3 * 129, 20 * 129), { rtol: 0 }, 'stridedSlice');
      tf.dispose([part, ...others]);
    },
  );

  it('reshape and clone share the data: disposing the original frees nothing', () => {
    const x = pooledTensor();
    const reshaped = tf.reshape(x, [129, 64]);
    const cloned = tf.clone(x);
    expect(disposeAndMeasure([x])).toBe(0);
    const others = allocateMany(N, 20, 1000);
    expectAllClose(reshaped.dataSync(), values, { rtol: 0 }, 'reshaped');
    expectAllClose(cloned.dataSync(), values, { rtol: 0 }, 'cloned');
    tf.dispose([...others, reshaped, cloned]);
  });

  it('an array from dataSync() or data() stays unchanged after its tensor is disposed and others allocated', async () => {
    const a = pooledTensor();
    const b = pooledTensor();
    const c = pooledTensor();
    const fromSync = a.dataSync();
    const fromAsync = await b.data();
    const rows = viewRows(c, [3]);
    const fromView = rows[0].dataSync(); // a view of c's buffer: the whole buffer is now outside
    const nested = a.arraySync() as number[][];
    expect(disposeAndMeasure([a, b, c, ...rows])).toBe(0);
    const others = allocateMany(N, 30, 1000);
    expectAllClose(fromSync, values, { rtol: 0 }, 'dataSync');
    expectAllClose(fromAsync, values, { rtol: 0 }, 'data');
    expectAllClose(fromView, values.subarray(3 * 129, 4 * 129), { rtol: 0 }, 'dataSync of a view');
    expect(nested[63][128]).toBe(values[N - 1]);
    tf.dispose(others);
  });

  it('a tensor moved to the cpu backend keeps its values', async () => {
    const x = pooledTensor();
    await tf.setBackend('cpu');
    const doubled = tf.mul(x, 2); // moves x's data to cpu
    await tf.setBackend('native');
    x.dispose();
    const others = allocateMany(N, 20, 1000);
    await tf.setBackend('cpu');
    expectAllClose(
      doubled.dataSync(),
      values.map((v) => 2 * v),
      { rtol: 0 },
      'doubled on cpu',
    );
    await tf.setBackend('native');
    tf.dispose([doubled, ...others]);
  });

  it("a tensor made from a caller's Float32Array is never recycled (the caller still has it)", () => {
    const mine = Float32Array.from(values);
    const x = tf.tensor(mine, [64, 129]);
    expect(disposeAndMeasure([x])).toBe(0);
    const others = allocateMany(N, 20, 1000);
    expectAllClose(mine, values, { rtol: 0 }, 'caller array');
    tf.dispose(others);
  });

  it('reused buffers full of NaN never show through: every kernel writes all of its output', async () => {
    // sizes of the outputs below, each ≥ 4096 so that they come from the pool
    const sizes = [64 * 129, 130 * 129, 4096, 64 * 4 * 16 * 16, 64 * 256];
    const poison = () => {
      for (const n of sizes) tf.dispose(allocateMany(n, 3, Number.NaN));
    };
    const cases: [string, () => tf.Tensor | tf.Tensor[]][] = [
      ['matMul with K = 0', () => tf.matMul(tf.zeros([64, 0]), tf.zeros([0, 129]))],
      ['matMul', () => tf.matMul(tf.tensor(values, [64, 129]), tf.tensor(values, [64, 129]), true, false)],
      [
        'pad',
        () =>
          tf.pad(
            tf.tensor(values.subarray(0, 63 * 128), [63, 128]),
            [
              [1, 0],
              [0, 1],
            ],
            0.5,
          ),
      ],
      ['concat with an empty part', () => tf.concat([tf.zeros([64, 0]), tf.tensor(values, [64, 129])], 1)],
      [
        'unsortedSegmentSum with unused segments',
        () =>
          tf.unsortedSegmentSum(
            tf.tensor(values, [64, 129]),
            tf.tensor1d(randomInts(64, 2, 0, 60), 'int32'),
            130,
          ),
      ],
      [
        'gather',
        () => tf.gather(tf.tensor(values, [64, 129]), tf.tensor1d(randomInts(64, 3, 0, 64), 'int32')),
      ],
      ['sum over rows', () => tf.sum(tf.tensor(uniform(64 * 4096, 4), [64, 4096]), 0)],
      ['transpose', () => tf.transpose(tf.tensor(values, [64, 129]))],
    ];
    for (const [what, fn] of cases) {
      const want = await valuesOn('cpu', fn);
      await tf.setBackend('native');
      poison();
      const got = await valuesOn('native', fn);
      for (const [i, g] of got.entries())
        expectAllClose(g.values, want[i].values, { rtol: 1e-5, atol: 1e-5 }, what);
    }
  });

  it('fused kernels write every output element into reused buffers too', async () => {
    await tf.setBackend('native');
    const [N2, V, ld] = [32, 100, 128]; // probs [32, 128] = 4096
    for (let round = 0; round < 2; round++) {
      tf.dispose(allocateMany(N2 * ld, 3, Number.NaN));
      tf.dispose(allocateMany(64 * 4 * 16 * 16, 3, Number.NaN));
      tf.dispose(allocateMany(4096, 3, Number.NaN));
      const result = tf.tidy(() => {
        const logits = tf.tensor(uniform(N2 * ld, 5, -3, 3), [N2, ld]);
        const targets = tf.tensor1d(randomInts(N2, 6, 0, V), 'int32');
        const dz = tf.grad((z: tf.Tensor) => tf.sum(fusedSoftmaxCrossEntropy(z as tf.Tensor2D, targets, V)))(
          logits,
        );
        const scores = tf.tensor(uniform(64 * 4 * 16 * 16, 7, -3, 3), [64, 4, 16, 16]);
        const attn = fusedScaledSoftmax(scores, 0.5, true);
        const x = tf.tensor(uniform(1024 * 4, 8), [1024, 4]);
        const [dw] = tf.grads((w: tf.Tensor) =>
          tf.sum(fusedLayerNorm(x, w as tf.Tensor1D, tf.zeros([4]), 1e-5)),
        )([tf.ones([4])]);
        return [dz, attn, dw];
      });
      for (const t of result) {
        const v = t.dataSync();
        expect(v.every(Number.isFinite), `round ${round}: ${t.shape} has NaN`).toBe(true);
      }
      const dz = result[0].dataSync();
      for (let r = 0; r < N2; r++) for (let c = V; c < ld; c++) expect(dz[r * ld + c]).toBe(0);
      tf.dispose(result);
    }
  });
});

describe.skipIf(!NATIVE_BUILT)(nativeSuite('nativeAdamWInPlace and nativeSumSquares'), () => {
  beforeAll(async () => {
    await tf.setBackend('native');
  });

  /** AdamW in float64, element by element (trainer/src/adamw.ts's math). */
  function adamwRef(
    p: Float64Array,
    g: Float32Array,
    m: Float64Array,
    v: Float64Array,
    h: { lr: number; wd: number; t: number; gradScale: number },
  ): void {
    const [b1, b2, eps] = [0.9, 0.95, 1e-8];
    for (let i = 0; i < p.length; i++) {
      const gi = g[i] * h.gradScale;
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      const update = m[i] / (1 - b1 ** h.t) / (Math.sqrt(v[i] / (1 - b2 ** h.t)) + eps);
      p[i] -= h.lr * (update + h.wd * p[i]);
    }
  }

  function step(
    param: tf.Variable,
    grad: tf.Tensor,
    m: tf.Variable,
    v: tf.Variable,
    t: number,
    wd: number,
    gradScale: number,
  ) {
    nativeAdamWInPlace(param, grad, m, v, {
      learningRate: 1e-2,
      beta1: 0.9,
      beta2: 0.95,
      eps: 1e-8,
      weightDecay: wd,
      c1: 1 - 0.9 ** t,
      c2: 1 - 0.95 ** t,
      gradScale,
    });
  }

  /** 3 steps on a variable made by `makeParam`, against float64 math. */
  function checkThreeSteps(n: number, shape: number[], makeParam: (initial: Float32Array) => tf.Variable) {
    const initial = uniform(n, 1);
    const param = makeParam(initial);
    const zeros = () => {
      const z = tf.zeros(shape);
      const variable = tf.variable(z, false);
      z.dispose();
      return variable;
    };
    const [m, v] = [zeros(), zeros()];
    const p64 = Float64Array.from(initial);
    const m64 = new Float64Array(n);
    const v64 = new Float64Array(n);
    for (let t = 1; t <= 3; t++) {
      const g = uniform(n, 10 + t, -2, 2);
      const grad = tf.tensor(g, shape);
      const [wd, gradScale] = t === 2 ? [0, 0.5] : [0.1, 1];
      step(param, grad, m, v, t, wd, gradScale);
      adamwRef(p64, g, m64, v64, { lr: 1e-2, wd, t, gradScale });
      grad.dispose();
    }
    expectAllClose(param.dataSync(), p64, { rtol: 1e-5, atol: 1e-7 }, 'param');
    expectAllClose(m.dataSync(), m64, { rtol: 1e-5, atol: 1e-7 }, 'm');
    expectAllClose(v.dataSync(), v64, { rtol: 1e-5, atol: 1e-9 }, 'v');
    tf.dispose([param, m, v]);
    return initial;
  }

  it('3 steps equal float64 AdamW (decay on and off, a clip scale), small and pooled sizes', () => {
    for (const [n, shape] of [
      [7, [7]],
      [65 * 129, [65, 129]],
    ] as const) {
      checkThreeSteps(n, [...shape], (initial) => {
        const t = tf.add(tf.tensor(initial, [...shape]), 0); // a kernel output: the variable owns it
        const variable = tf.variable(t);
        t.dispose();
        return variable;
      });
    }
  });

  it('never changes the Float32Array a variable was made from: a view of a flat array (GPT2.load)', () => {
    const n = 5 * 129;
    const flat = uniform(3 * n, 2);
    flat.set(uniform(n, 1), n); // the variable's initial values, in the middle
    const before = flat.slice();
    checkThreeSteps(n, [5, 129], () => {
      const t = tf.tensor(flat.subarray(n, 2 * n), [5, 129]);
      const variable = tf.variable(t);
      t.dispose();
      return variable;
    });
    expect(flat).toEqual(before);
  });

  it('never changes the Float32Array a variable was made from: a whole array', () => {
    const n = 5 * 129;
    let mine: Float32Array = new Float32Array(0);
    const initial = checkThreeSteps(n, [5, 129], (values) => {
      mine = values; // tf.tensor keeps the caller's array as its data
      const t = tf.tensor(mine, [5, 129]);
      const variable = tf.variable(t);
      t.dispose();
      return variable;
    });
    expect(initial).toBe(mine);
    expectAllClose(mine, uniform(n, 1), { rtol: 0 }, "the caller's array after 3 AdamW steps");
  });

  it('never changes an array handed out by dataSync()', () => {
    const n = 65 * 129;
    let seen: Float32Array = new Float32Array(0);
    checkThreeSteps(n, [65, 129], (initial) => {
      const t = tf.add(tf.tensor(initial, [65, 129]), 0);
      const variable = tf.variable(t);
      t.dispose();
      seen = variable.dataSync() as Float32Array;
      return variable;
    });
    expect(seen).toEqual(uniform(n, 1));
  });

  it('nativeSumSquares equals a float64 sum over several tensors (odd and multi-threaded sizes)', () => {
    const arrays = [uniform(7, 1), uniform(129, 2, -3, 3), uniform(100_003, 3, -1, 1), uniform(1, 4)];
    const tensors = arrays.map((a) => tf.tensor(a));
    let want = 0;
    for (const a of arrays) for (const v of a) want += v * v;
    const got = nativeSumSquares(tensors);
    expect(Math.abs(got - want) / want).toBeLessThan(1e-6);
    expect(nativeSumSquares([tf.zeros([3])])).toBe(0);
    tf.dispose(tensors);
  });
});

describe.skipIf(!NATIVE_BUILT)(nativeSuite('GPT-2 on native equals cpu'), () => {
  // llm.c init, d2 c64 h2 at B 2 T 16; a vocabulary of 1000 padded to 1024, so the
  // head's padded columns and the fused cross-entropy over the first V are exercised
  // (GPT-2's 50257 takes 10 s on cpu here).
  const config = gpt2Config({ depth: 2, channels: 64, heads: 2, maxSeqLen: 64, vocabSize: 1000 });
  const [B, T] = [2, 16];
  const tokens = randomInts(B * (T + 1), 17, 0, config.vocabSize);
  const rows = Array.from({ length: B }, (_, b) =>
    Array.from(tokens.subarray(b * (T + 1), (b + 1) * (T + 1))),
  );
  const inputs = rows.map((r) => r.slice(0, T));
  const targets = rows.map((r) => r.slice(1));
  const flat = initParametersLlmc(config);

  function build() {
    const model = new GPT2(config, flat);
    const variables = Object.fromEntries(model.parameters.map((p) => [`${p.name}:${p.layer}`, p.variable]));
    const loss = () =>
      model.loss(tf.tensor2d(inputs, [B, T], 'int32'), tf.tensor2d(targets, [B, T], 'int32'));
    return { loss, variables };
  }

  it('loss and the gradient of every parameter tensor, within fp32 noise', async () => {
    const cpu = await gradientsOn('cpu', build);
    nativeKernelStats(true);
    const native = await gradientsOn('native', build);
    const stats = nativeKernelStats(true);
    // the fused paths ran (attention: the whole causal attention, or its softmax)
    for (const k of ['CourseLayerNorm', 'CourseGelu', 'CourseSoftmaxXent'])
      expect(stats[k]?.native, k).toBeGreaterThan(0);
    const attention = (stats.CourseCausalAttention?.native ?? 0) + (stats.CourseScaledSoftmax?.native ?? 0);
    expect(attention, 'a fused attention kernel').toBeGreaterThan(0);
    expect(cpu.grads.size).toBe(2 + 12 * config.numLayers + 2);
    expect(Math.abs(native.loss - cpu.loss)).toBeLessThan(1e-5 * cpu.loss);
    expect(Math.abs(cpu.loss - Math.log(config.vocabSize))).toBeLessThan(0.5); // ~ln V at init
    expectClose(native, cpu, 1e-5);
    // the padded rows of wte get no gradient on either
    const dwte = native.grads.get('wte:-1') ?? new Float32Array();
    expect(dwte.subarray(config.vocabSize * config.channels).every((g) => g === 0)).toBe(true);
  });

  it('two runs give bit-identical loss and gradients (deterministic kernels at a fixed thread count)', async () => {
    const first = await gradientsOn('native', build);
    const second = await gradientsOn('native', build);
    expect(second.loss).toBe(first.loss);
    for (const [name, g] of first.grads) expect(second.grads.get(name), name).toEqual(g);
  });
});
