/**
 * Every kernel of the native backend (kernels/native/kernels.ts) against the
 * cpu backend's JavaScript kernel: the same tfjs op on the same data, once with
 * 'cpu' active and once with 'native', on odd sizes, broadcasting, transposes,
 * batch dimensions and special values. Each case also checks, from the
 * backend's call counts, that the native kernel really ran (or, for the inputs
 * it hands back, that the cpu kernel did).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NATIVE_KERNELS } from '../src/kernels/native/kernels.js';
import { linear } from '../src/layers.js';
import {
  expectAllClose,
  expectSameOnBoth,
  NATIVE_BUILT,
  nativeKernelStats,
  nativeSuite,
  randomInts,
  setUpNative,
  type Tolerance,
  uniform,
  valuesOn,
} from './helpers/native.js';

/** Kernel names this file covers; every entry of NATIVE_KERNELS must be one (a new kernel needs a test). */
const COVERED = new Set<string>();

/**
 * Runs `fn` on both backends, compares, and checks how `kernel` ran on native:
 * 'native' (at least one call served in C++, none handed to JS) or 'js' (handed to the cpu kernel).
 */
async function check(
  kernel: string,
  what: string,
  fn: () => tf.Tensor | tf.Tensor[],
  tol: Tolerance = {},
  ran: 'native' | 'js' = 'native',
): Promise<void> {
  COVERED.add(kernel);
  nativeKernelStats(true);
  await expectSameOnBoth(`${kernel} ${what}`, fn, tol);
  const calls = nativeKernelStats(true)[kernel] ?? { native: 0, js: 0 };
  if (ran === 'native') {
    expect(calls.native, `${kernel} ${what}: native calls`).toBeGreaterThan(0);
    expect(calls.js, `${kernel} ${what}: calls handed to JS`).toBe(0);
  } else {
    expect(calls.js, `${kernel} ${what}: calls handed to JS`).toBeGreaterThan(0);
  }
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** A tensor of `shape` with fixed uniform values (the same on both backends). */
function fixed(shape: number[], seed: number, lo = -1, hi = 1): () => tf.Tensor {
  const values = uniform(size(shape), seed, lo, hi);
  return () => tf.tensor(values, shape);
}

/** Values with every special case a kernel can get wrong, then ordinary ones. */
const SPECIALS = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  1e-4,
  -1e-4,
  1e-8,
  -1e-8,
  3,
  -3,
  6,
  7,
  -7,
  15,
  -15,
  19.5,
  21,
  -21,
  30,
  -30,
  50,
  -50,
  80,
  -80,
  87,
  -87,
  88.5,
  -88.5,
  89,
  -89,
  90,
  -90,
  100,
  -100,
  1e6,
  -1e6,
  1e30,
  -1e30,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
];

beforeAll(async () => {
  if (NATIVE_BUILT) await setUpNative();
});

describe.skipIf(!NATIVE_BUILT)(nativeSuite('native kernels equal cpu'), () => {
  describe('binary ops with broadcasting', () => {
    const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
      [tf.Add, tf.add],
      [tf.Sub, tf.sub],
      [tf.Multiply, tf.mul],
      [tf.RealDiv, tf.div],
      [tf.Maximum, tf.maximum],
      [tf.Minimum, tf.minimum],
      [tf.SquaredDifference, tf.squaredDifference],
      [tf.Pow, tf.pow],
    ];
    const pairs: [number[], number[]][] = [
      [[7], [7]],
      [[1], [1]],
      [[], [3, 7]], // scalar on either side
      [[3, 7], []],
      [[5, 129], [129]], // row
      [[129], [5, 129]],
      [
        [5, 7],
        [5, 1],
      ], // column
      [
        [5, 1],
        [5, 7],
      ],
      [
        [1, 129],
        [3, 1],
      ], // outer
      [
        [2, 1, 1, 16],
        [16, 16],
      ], // [B,1,1,T] vs [T,T]: the attention mask
      [
        [16, 16],
        [2, 1, 1, 16],
      ],
      [
        [2, 3, 16, 16],
        [2, 1, 1, 16],
      ],
      [
        [2, 1, 4, 1, 3],
        [3, 1, 5, 1],
      ], // rank 5 vs rank 4, broadcast both ways
      [
        [3, 1, 5, 1],
        [2, 1, 4, 1, 3],
      ],
      [
        [2, 3, 4, 5, 3],
        [2, 1, 4, 1, 3],
      ],
      [[129, 257], [257]], // large enough to run on several threads
      [
        [129, 257],
        [129, 1],
      ],
      [[33000], [33000]],
    ];
    for (const [kernel, op] of ops) {
      it(`${kernel} on ${pairs.length} shape pairs`, async () => {
        for (const [i, [sa, sb]] of pairs.entries()) {
          // Pow: positive bases (a negative base to a fractional power is NaN on both, not informative)
          const [lo, hi] = kernel === tf.Pow ? [0.2, 2] : [-2, 2];
          const a = fixed(sa, 10 + i, lo, hi);
          const b = fixed(sb, 100 + i, -2, 2);
          await check(kernel, `[${sa}] with [${sb}]`, () => op(a(), b()), { rtol: 1e-6, atol: 1e-7 });
        }
      });
    }

    it('special values (NaN, ±Infinity, ±0, huge) in both operands', async () => {
      const n = SPECIALS.length;
      // every special value against every special value
      const a = Float32Array.from({ length: n * n }, (_, i) => SPECIALS[Math.floor(i / n)]);
      const b = Float32Array.from({ length: n * n }, (_, i) => SPECIALS[i % n]);
      for (const [kernel, op] of ops) {
        await check(kernel, 'special values', () => op(tf.tensor(a), tf.tensor(b)), { rtol: 1e-6 });
      }
    });

    it('a negative base to integer powers', async () => {
      const base = uniform(37, 5, -3, 3);
      const exps = Float32Array.from({ length: 37 }, (_, i) => (i % 7) - 3);
      await check(tf.Pow, 'negative bases', () => tf.pow(tf.tensor(base), tf.tensor(exps)), { rtol: 1e-6 });
    });

    it('int32 operands go to the cpu kernel', async () => {
      const a = randomInts(12, 1, -5, 5);
      const b = randomInts(4, 2, 1, 5);
      await check(
        tf.Add,
        'int32',
        () => tf.add(tf.tensor(a, [3, 4], 'int32'), tf.tensor(b, [4], 'int32')),
        {},
        'js',
      );
    });
  });

  describe('AddN', () => {
    it('adds 1, 2, 3 and 5 tensors, small and large', async () => {
      for (const shape of [[7], [3, 129], [33, 1025]]) {
        for (const count of [1, 2, 3, 5]) {
          const makers = Array.from({ length: count }, (_, i) => fixed(shape, 40 + i));
          await check(tf.AddN, `${count} × [${shape}]`, () => tf.addN(makers.map((m) => m())), {
            rtol: 1e-6,
            atol: 1e-6,
          });
        }
      }
    });
  });

  describe('unary ops', () => {
    const ops: [string, (x: tf.Tensor) => tf.Tensor, Tolerance][] = [
      // exp-based: the native exp is a polynomial (< 2 ulp); near 0 an absolute error of ~1 ulp of 1
      [tf.Exp, tf.exp, { rtol: 1e-5, atol: 1e-6 }],
      [tf.Log, tf.log, { rtol: 1e-6 }],
      [tf.Sqrt, tf.sqrt, { rtol: 1e-6 }],
      [tf.Rsqrt, tf.rsqrt, { rtol: 1e-6 }],
      [tf.Neg, tf.neg, { rtol: 0 }],
      [tf.Square, tf.square, { rtol: 1e-6 }],
      [tf.Tanh, tf.tanh, { rtol: 1e-5, atol: 1e-6 }],
      [tf.Sigmoid, tf.sigmoid, { rtol: 1e-5, atol: 1e-6 }],
      [tf.Relu, tf.relu, { rtol: 0 }],
      [tf.Abs, tf.abs, { rtol: 0 }],
      [tf.Selu, tf.selu, { rtol: 1e-5, atol: 1e-6 }],
      [tf.Elu, tf.elu, { rtol: 1e-5, atol: 1e-6 }],
      [tf.Reciprocal, tf.reciprocal, { rtol: 1e-6 }],
      [tf.Log1p, tf.log1p, { rtol: 1e-6 }],
      // cpu's erf is Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7), native's is libm's
      [tf.Erf, tf.erf, { rtol: 1e-5, atol: 1e-6 }],
      [tf.Softplus, tf.softplus, { rtol: 1e-5, atol: 1e-6 }],
      [tf.Relu6, tf.relu6, { rtol: 0 }],
      [tf.LeakyRelu, (x) => tf.leakyRelu(x, 0.2), { rtol: 1e-6 }], // alpha·x in float32 vs float64: 1 ulp
      [tf.Step, (x) => tf.step(x, 0.3), { rtol: 0 }],
      [tf.Sin, tf.sin, { rtol: 1e-6, atol: 1e-7 }],
      [tf.Cos, tf.cos, { rtol: 1e-6, atol: 1e-7 }],
      [tf.Expm1, tf.expm1, { rtol: 1e-6, atol: 1e-7 }],
      [tf.Sign, tf.sign, { rtol: 0 }],
    ];
    const random = uniform(33001, 7, -12, 12); // large enough for several threads
    for (const [kernel, op, tol] of ops) {
      it(`${kernel}: special values, random values, odd shapes`, async () => {
        await check(kernel, 'special values', () => op(tf.tensor(SPECIALS)), tol);
        await check(kernel, '[33001] in [-12, 12]', () => op(tf.tensor(random)), tol);
        for (const shape of [[1], [3, 7], [2, 1, 3, 1, 5]]) {
          await check(kernel, `[${shape}]`, () => op(fixed(shape, 3, -4, 4)()), tol);
        }
      });
    }

    it('Step with its default alpha 0 and LeakyRelu with its default 0.2', async () => {
      await check(tf.Step, 'alpha 0', () => tf.step(tf.tensor(SPECIALS)), { rtol: 0 });
      await check(tf.LeakyRelu, 'default alpha', () => tf.leakyRelu(tf.tensor(SPECIALS)), { rtol: 1e-6 });
    });

    it('keep their relative precision near 0 (no exp(x) − 1 cancellation)', async () => {
      const tiny = [1e-8, -1e-8, 1e-6, -1e-6, 3e-5, -3e-5, 1e-3, -1e-3, 0.1, -0.1, 0.2, -0.2, 0.26, -0.26];
      for (const [kernel, op] of [
        [tf.Tanh, tf.tanh],
        [tf.Elu, tf.elu],
        [tf.Selu, tf.selu],
        [tf.Sigmoid, tf.sigmoid],
        [tf.Exp, tf.exp],
        [tf.Expm1, tf.expm1],
        [tf.Log1p, tf.log1p],
        [tf.Sin, tf.sin],
      ] as const) {
        await check(kernel, 'near 0, relative only', () => op(tf.tensor(tiny)), { rtol: 1e-6 });
      }
    });

    it('int32 input goes to the cpu kernel', async () => {
      const x = randomInts(9, 3, -5, 5);
      await check(tf.Abs, 'int32', () => tf.abs(tf.tensor(x, [9], 'int32')), {}, 'js');
    });
  });

  describe('reductions', () => {
    const ops: [string, (x: tf.Tensor, axis: number | number[], keepDims: boolean) => tf.Tensor][] = [
      [tf.Sum, tf.sum],
      [tf.Mean, tf.mean],
      [tf.Max, tf.max],
      [tf.Min, tf.min],
      [tf.Prod, tf.prod],
    ];
    const shape = [7, 129, 3];
    // contiguous axis runs (native) and the one that is not (handed to JS)
    const contiguous: (number | number[])[] = [0, 1, 2, -1, [0, 1], [1, 2], [0, 1, 2], [2, 1]];
    for (const [kernel, op] of ops) {
      it(`${kernel} over single axes and contiguous runs, keepDims or not`, async () => {
        // positive values for Sum/Mean/Prod so the comparison is relative, not lost to cancellation
        const [lo, hi] =
          kernel === tf.Prod ? [0.97, 1.03] : kernel === tf.Max || kernel === tf.Min ? [-2, 2] : [0.5, 1.5];
        const x = fixed(shape, 21, lo, hi);
        // float32 accumulation (native) vs float64 (cpu) over up to 2709 terms
        const tol = { rtol: 2e-5 };
        for (const axis of contiguous) {
          for (const keepDims of [false, true]) {
            await check(
              kernel,
              `[${shape}] axis ${axis} keepDims ${keepDims}`,
              () => op(x(), axis, keepDims),
              tol,
            );
          }
        }
        await check(kernel, 'a rank-1 tensor', () => op(fixed([129], 2, lo, hi)(), 0, false), tol);
        await check(
          kernel,
          'rows of 70001 (threads split rows)',
          () => op(fixed([3, 70001], 4, lo, hi)(), 1, false),
          {
            rtol: 1e-4,
          },
        );
        await check(
          kernel,
          'columns (threads split blocks)',
          () => op(fixed([2, 300, 257], 5, lo, hi)(), 1, true),
          tol,
        );
        await check(kernel, 'axes [0, 2] (not contiguous)', () => op(x(), [0, 2], false), tol, 'js');
      });
    }

    it('Max and Min propagate NaN and handle ±Infinity', async () => {
      const x = Float32Array.from(uniform(7 * 9, 9, -2, 2));
      x[3] = Number.NaN; // row 0
      x[9 + 8] = Number.POSITIVE_INFINITY; // row 1
      x[18] = Number.NEGATIVE_INFINITY; // row 2
      for (const [kernel, op] of [
        [tf.Max, tf.max],
        [tf.Min, tf.min],
        [tf.Sum, tf.sum],
      ] as const) {
        // sums of values in [-2, 2] cancel: compare to 1e-6 absolute
        const tol = { rtol: 1e-6, atol: 1e-6 };
        await check(kernel, 'rows with NaN/±Infinity', () => op(tf.tensor(x, [7, 9]), 1, false), tol);
        await check(kernel, 'columns with NaN/±Infinity', () => op(tf.tensor(x, [7, 9]), 0, false), tol);
      }
    });

    it('int32 input goes to the cpu kernel', async () => {
      const x = randomInts(12, 4, -5, 5);
      await check(tf.Sum, 'int32', () => tf.sum(tf.tensor(x, [3, 4], 'int32'), 1), {}, 'js');
    });
  });

  describe('Softmax', () => {
    it('rows of odd lengths, rank 1 to 4, and large rows', async () => {
      for (const shape of [[7], [1, 1], [3, 129], [2, 3, 5, 7], [64, 1025]]) {
        await check(tf.Softmax, `[${shape}]`, () => tf.softmax(fixed(shape, 8, -10, 10)()), {
          rtol: 1e-5,
          atol: 1e-7,
        });
      }
    });

    it('large, tiny and -Infinity (masked) logits', async () => {
      const x = [1000, -1000, 0, 5, 88, 89, -89, 3, Number.NEGATIVE_INFINITY, 2, 1, Number.NEGATIVE_INFINITY];
      await check(tf.Softmax, 'extremes', () => tf.softmax(tf.tensor(x, [3, 4])), { rtol: 1e-5, atol: 1e-7 });
    });

    it("LogSoftmax: tfjs dispatches no such kernel on cpu, so the native entry's C++ path is checked directly", async () => {
      COVERED.add(tf.LogSoftmax);
      expect(tf.getKernel(tf.LogSoftmax, 'native')).toBeUndefined();
      const values = uniform(3 * 129, 12, -20, 20);
      const [want] = await valuesOn('cpu', () => tf.logSoftmax(tf.tensor(values, [3, 129])));
      const [got] = await valuesOn('native', () => {
        const logits = tf.tensor(values, [3, 129]);
        const info = NATIVE_KERNELS[tf.LogSoftmax]({
          inputs: { logits },
          backend: tf.backend(),
          attrs: { axis: -1 },
        }) as tf.TensorInfo;
        return tf.engine().makeTensorFromTensorInfo(info);
      });
      expectAllClose(got.values, want.values, { rtol: 1e-5, atol: 1e-6 }, 'LogSoftmax');
    });
  });

  describe('BatchMatMul', () => {
    const combos: [boolean, boolean][] = [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ];
    /** a [...batchA, M, K] (or its transpose) times b [...batchB, K, N] (or its transpose). */
    function matMulCase(
      batchA: number[],
      batchB: number[],
      M: number,
      K: number,
      N: number,
      tA: boolean,
      tB: boolean,
    ) {
      const shapeA = [...batchA, ...(tA ? [K, M] : [M, K])];
      const shapeB = [...batchB, ...(tB ? [N, K] : [K, N])];
      const a = fixed(shapeA, M * 31 + K, -1, 1);
      const b = fixed(shapeB, N * 17 + K, -1, 1);
      return {
        what: `[${shapeA}]${tA ? 'ᵀ' : ''} · [${shapeB}]${tB ? 'ᵀ' : ''}`,
        fn: () => tf.matMul(a(), b(), tA, tB),
      };
    }
    // inputs in [-1, 1]: sums of K products, compared to 1e-5 of their size
    const tol = { rtol: 1e-5, atol: 1e-5 };

    it('rank 2, all four transpose combinations, odd sizes', async () => {
      for (const [tA, tB] of combos) {
        for (const [M, K, N] of [
          [1, 1, 1],
          [3, 7, 1],
          [1, 129, 3],
          [7, 3, 129],
          [65, 33, 17],
        ]) {
          const c = matMulCase([], [], M, K, N, tA, tB);
          await check(tf.BatchMatMul, c.what, c.fn, tol);
        }
      }
    });

    it('rank 3 and 4 batches, all four transpose combinations, a batch of 1 on either side', async () => {
      const batches: [number[], number[]][] = [
        [[3], [3]],
        [[1], [3]],
        [[3], [1]],
        [
          [2, 3],
          [2, 3],
        ],
        [
          [1, 1],
          [2, 3],
        ],
        [
          [2, 3],
          [1, 1],
        ],
        [[], [2, 3]], // rank 2 against rank 4
        [[2, 3], []],
        [[16], [16]], // many small products: one per thread
      ];
      for (const [tA, tB] of combos) {
        for (const [ba, bb] of batches) {
          const c = matMulCase(ba, bb, 5, 7, 3, tA, tB);
          await check(tf.BatchMatMul, c.what, c.fn, tol);
        }
      }
    });

    it('batch dimensions that broadcast against each other ([3,1] with [1,3], [2,1] with [2])', async () => {
      for (const [ba, bb] of [
        [
          [3, 1],
          [1, 3],
        ],
        [
          [1, 3],
          [3, 1],
        ],
        [[2, 1], [2]],
        [[2], [2, 1]],
        [[2, 3], [3]],
      ]) {
        const c = matMulCase(ba, bb, 4, 5, 6, false, true);
        COVERED.add(tf.BatchMatMul);
        await expectSameOnBoth(`BatchMatMul ${c.what}`, c.fn, tol);
      }
    });

    it('an empty inner dimension (K = 0) gives zeros', async () => {
      for (const [tA, tB] of combos) {
        const c = matMulCase([2], [2], 3, 0, 4, tA, tB);
        COVERED.add(tf.BatchMatMul);
        await expectSameOnBoth(`BatchMatMul ${c.what}`, c.fn, tol);
      }
    });

    it('_FusedMatMul: x·Wᵀ + b (linear on native) with the bias as BLAS start, all transposes; gradients too', async () => {
      for (const [tA, tB] of combos) {
        const a = fixed(tA ? [7, 5] : [5, 7], 21);
        const b = fixed(tB ? [3, 7] : [7, 3], 22);
        const bias = fixed([3], 23);
        await check(
          tf._FusedMatMul,
          `bias, ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'}`,
          () =>
            tf
              .engine()
              .runKernel(
                tf._FusedMatMul,
                { a: a(), b: b(), bias: bias() },
                { transposeA: tA, transposeB: tB, activation: 'linear' },
              ) as tf.Tensor,
          tol,
        );
      }
      // without a bias it is a plain product; with relu it goes to the cpu kernel
      await check(
        tf._FusedMatMul,
        'no bias',
        () => tf.fused.matMul({ a: fixed([4, 6], 24)(), b: fixed([6, 2], 25)() }),
        tol,
      );
      await check(
        tf._FusedMatMul,
        'relu',
        () =>
          tf.fused.matMul({
            a: fixed([4, 6], 24)(),
            b: fixed([6, 2], 25)(),
            bias: fixed([2], 26)(),
            activation: 'relu',
          }),
        tol,
        'js',
      );
      // linear() (fusedLinear on native, the hand-written composite on cpu): value and gradients
      await expectSameOnBoth(
        'linear value and gradients',
        () => {
          const { value, grads } = tf.valueAndGrads((x: tf.Tensor, w: tf.Tensor, c: tf.Tensor) =>
            tf.sum(tf.square(linear(x as tf.Tensor2D, w as tf.Tensor2D, c as tf.Tensor1D))),
          )([fixed([9, 4], 27)(), fixed([5, 4], 28)(), fixed([5], 29)()]);
          return [value, ...grads];
        },
        tol,
      );
    });

    it('mismatched inner dimensions raise an error, as on cpu', async () => {
      await tf.setBackend('native');
      expect(() => tf.matMul(tf.ones([2, 3]), tf.ones([4, 5]))).toThrow(/inner/i);
    });
  });

  describe('Transpose', () => {
    const cases: [number[], number[]][] = [
      [
        [7, 129],
        [1, 0],
      ],
      [
        [1, 5],
        [1, 0],
      ],
      [
        [2, 7, 3, 5],
        [0, 2, 1, 3],
      ], // splitHeads / mergeHeads
      [
        [3, 5, 7],
        [2, 0, 1],
      ],
      [
        [3, 5, 7],
        [0, 1, 2],
      ],
      [
        [2, 3, 4, 5],
        [3, 2, 1, 0],
      ],
      [
        [2, 3, 4, 5],
        [0, 1, 3, 2],
      ],
      [
        [2, 3, 1, 5, 3],
        [4, 0, 2, 1, 3],
      ],
      [
        [4, 129, 12, 17],
        [0, 2, 1, 3],
      ], // several threads
    ];
    it(`${cases.length} shapes and permutations`, async () => {
      for (const [shape, perm] of cases) {
        await check(tf.Transpose, `[${shape}] perm [${perm}]`, () => tf.transpose(fixed(shape, 6)(), perm), {
          rtol: 0,
        });
      }
    });

    it('int32 goes to the cpu kernel', async () => {
      const x = randomInts(6, 1, 0, 9);
      await check(tf.Transpose, 'int32', () => tf.transpose(tf.tensor(x, [2, 3], 'int32')), {}, 'js');
    });

    it('an identity permutation shares the data: the result outlives its input and frees with it', async () => {
      await tf.setBackend('native');
      const before = tf.memory().numBytes;
      const values = uniform(3 * 4 * 5, 9);
      const x = tf.tensor(values, [3, 4, 5]);
      const y = tf.transpose(x, [0, 1, 2]);
      x.dispose();
      tf.dispose(tf.tidy(() => tf.add(tf.ones([3, 4, 5]), 1))); // same-size tensors must not reuse y's array
      expect(Array.from(y.dataSync())).toEqual(Array.from(values));
      y.dispose();
      expect(tf.memory().numBytes).toBe(before);
      await tf.setBackend('cpu');
    });
  });

  describe('Slice, SplitV, Concat, PadV2 along each axis', () => {
    const shape = [5, 7, 9];

    it('Slice', async () => {
      for (let axis = 0; axis < 3; axis++) {
        const begin = [0, 0, 0];
        const sizes = [...shape];
        begin[axis] = 2;
        sizes[axis] = 3;
        await check(
          tf.Slice,
          `[${shape}] begin [${begin}] size [${sizes}]`,
          () => tf.slice(fixed(shape, 1)(), begin, sizes),
          {
            rtol: 0,
          },
        );
        sizes[axis] = -1; // to the end
        await check(
          tf.Slice,
          `[${shape}] begin [${begin}] size [${sizes}]`,
          () => tf.slice(fixed(shape, 1)(), begin, sizes),
          {
            rtol: 0,
          },
        );
      }
      await check(tf.Slice, 'all axes at once', () => tf.slice(fixed(shape, 1)(), [1, 2, 3], [3, 4, 5]), {
        rtol: 0,
      });
      await check(
        tf.Slice,
        'rank 5',
        () => tf.slice(fixed([2, 3, 4, 5, 3], 1)(), [1, 0, 2, 1, 1], [1, 3, 2, 3, 2]),
        {
          rtol: 0,
        },
      );
      await check(tf.Slice, 'a single element', () => tf.slice(fixed(shape, 1)(), [4, 6, 8], [1, 1, 1]), {
        rtol: 0,
      });
    });

    it('SplitV', async () => {
      for (let axis = 0; axis < 3; axis++) {
        const n = shape[axis];
        const sizes = [1, n - 3, 2];
        await check(
          tf.SplitV,
          `[${shape}] into [${sizes}] along ${axis}`,
          () => tf.split(fixed(shape, 2)(), sizes, axis),
          {
            rtol: 0,
          },
        );
        await check(
          tf.SplitV,
          `[${shape}] into [2, -1] along ${axis}`,
          () => tf.split(fixed(shape, 2)(), [2, -1], axis),
          {
            rtol: 0,
          },
        );
      }
      await check(tf.SplitV, '[6, 9] into 3 equal parts along 1', () => tf.split(fixed([6, 9], 2)(), 3, 1), {
        rtol: 0,
      });
    });

    it('Concat', async () => {
      for (let axis = 0; axis < 3; axis++) {
        const parts = [1, 4, 2].map((n, i) => {
          const s = [...shape];
          s[axis] = n;
          return fixed(s, 30 + i);
        });
        await check(
          tf.Concat,
          `3 parts along ${axis}`,
          () =>
            tf.concat(
              parts.map((p) => p()),
              axis,
            ),
          { rtol: 0 },
        );
        const empty = [...shape];
        empty[axis] = 0;
        await check(
          tf.Concat,
          `with an empty part along ${axis}`,
          () => tf.concat([parts[0](), tf.zeros(empty), parts[2]()], axis),
          { rtol: 0 },
        );
      }
      await check(tf.Concat, 'negative axis', () => tf.concat([fixed([3, 2], 1)(), fixed([3, 5], 2)()], -1), {
        rtol: 0,
      });
      await check(tf.Concat, 'rank 1', () => tf.concat([fixed([3], 1)(), fixed([129], 2)()]), { rtol: 0 });
    });

    it('PadV2', async () => {
      for (let axis = 0; axis < 3; axis++) {
        const paddings: [number, number][] = [
          [0, 0],
          [0, 0],
          [0, 0],
        ];
        paddings[axis] = [2, 3];
        await check(tf.PadV2, `[${shape}] padded along ${axis}`, () => tf.pad(fixed(shape, 3)(), paddings), {
          rtol: 0,
        });
        paddings[axis] = [0, 1];
        await check(
          tf.PadV2,
          `[${shape}] padded after along ${axis} with 2.5`,
          () => tf.pad(fixed(shape, 3)(), paddings, 2.5),
          {
            rtol: 0,
          },
        );
      }
      await check(
        tf.PadV2,
        'every axis, -7',
        () =>
          tf.pad(
            fixed(shape, 3)(),
            [
              [1, 2],
              [3, 0],
              [0, 4],
            ],
            -7,
          ),
        { rtol: 0 },
      );
      // the wte pad of GPT-2 (V rows to Vp)
      await check(
        tf.PadV2,
        'rows to a multiple of 128',
        () =>
          tf.pad(fixed([257, 16], 3)(), [
            [0, 127],
            [0, 0],
          ]),
        {
          rtol: 0,
        },
      );
    });
  });

  describe('Pack and Unpack (tf.stack, tf.unstack)', () => {
    it('along every axis of rank 1 to 3, and negative axes', async () => {
      for (const shape of [[7], [3, 5], [2, 3, 4]]) {
        for (let axis = -1; axis <= shape.length; axis++) {
          const parts = [1, 2, 3].map((seed) => fixed(shape, seed));
          await check(
            tf.Pack,
            `3 × [${shape}] on axis ${axis}`,
            () =>
              tf.stack(
                parts.map((p) => p()),
                axis,
              ),
            {
              rtol: 0,
            },
          );
          if (axis < shape.length) {
            await check(tf.Unpack, `[${shape}] on axis ${axis}`, () => tf.unstack(parts[0](), axis), {
              rtol: 0,
            });
          }
        }
      }
      await check(tf.Pack, 'one tensor', () => tf.stack([fixed([3, 5], 4)()], 1), { rtol: 0 });
    });

    it('int32 goes to the cpu kernel', async () => {
      const x = randomInts(6, 1, 0, 9);
      await check(tf.Unpack, 'int32', () => tf.unstack(tf.tensor(x, [2, 3], 'int32'), 1), {}, 'js');
      await check(
        tf.Pack,
        'int32',
        () => tf.stack([tf.tensor(x, [2, 3], 'int32'), tf.tensor(x, [2, 3], 'int32')]),
        {},
        'js',
      );
    });
  });

  describe('GatherV2', () => {
    const table = fixed([10, 7], 11);

    it('rows by index (repeats, any order, 2-D indices, rank 3 tables)', async () => {
      const ids = Int32Array.from([3, 0, 9, 3, 3, 5]);
      await check(tf.GatherV2, '[10, 7] by 6 ids', () => tf.gather(table(), tf.tensor1d(ids, 'int32')), {
        rtol: 0,
      });
      await check(
        tf.GatherV2,
        '[10, 7] by [2, 3] ids',
        () => tf.gather(table(), tf.tensor2d(ids, [2, 3], 'int32')),
        {
          rtol: 0,
        },
      );
      await check(
        tf.GatherV2,
        '[10, 3, 5] by 4 ids',
        () => tf.gather(fixed([10, 3, 5], 2)(), tf.tensor1d([9, 0, 1, 1], 'int32')),
        { rtol: 0 },
      );
      await check(
        tf.GatherV2,
        'rank 1 table',
        () => tf.gather(fixed([10], 2)(), tf.tensor1d([9, 0, 1, 1], 'int32')),
        {
          rtol: 0,
        },
      );
      await check(tf.GatherV2, 'no ids', () => tf.gather(table(), tf.tensor1d([], 'int32')), { rtol: 0 });
    });

    it('along axis 1 goes to the cpu kernel; int32 tables (labels, token ids) are copied natively', async () => {
      await check(
        tf.GatherV2,
        'axis 1',
        () => tf.gather(table(), tf.tensor1d([6, 0, 2], 'int32'), 1),
        {},
        'js',
      );
      const ints = randomInts(20, 1, 0, 100);
      await check(
        tf.GatherV2,
        'int32 table',
        () => tf.gather(tf.tensor2d(ints, [10, 2], 'int32'), tf.tensor1d([1, 9], 'int32')),
        {},
        'native',
      );
    });

    it('an index out of range is an error naming the index and the valid range', async () => {
      await tf.setBackend('native');
      for (const bad of [10, -1]) {
        expect(() => tf.gather(table(), tf.tensor1d([1, 2, bad, 3], 'int32'))).toThrow(
          new RegExp(`GatherV2: the index ${bad} at position 2 is not in \\[0, 9\\]`),
        );
      }
    });
  });

  describe('UnsortedSegmentSum', () => {
    it('sums rows by segment; repeated ids add, unused segments are 0, ids out of range are dropped', async () => {
      const ids = Int32Array.from([2, 0, 2, 7, -1, 3, 0]);
      await check(
        tf.UnsortedSegmentSum,
        '[7] into 4',
        () => tf.unsortedSegmentSum(fixed([7], 1)(), tf.tensor1d(ids, 'int32'), 4),
        { rtol: 1e-6 },
      );
      await check(
        tf.UnsortedSegmentSum,
        '[7, 3, 5] into 5',
        () => tf.unsortedSegmentSum(fixed([7, 3, 5], 2)(), tf.tensor1d(ids, 'int32'), 5),
        { rtol: 1e-6 },
      );
      const many = randomInts(300, 3, -2, 52);
      await check(
        tf.UnsortedSegmentSum,
        '[300, 129] into 50 (threads split columns)',
        () => tf.unsortedSegmentSum(fixed([300, 129], 3)(), tf.tensor1d(many, 'int32'), 50),
        { rtol: 1e-5, atol: 1e-6 },
      );
    });

    it('the exact sums, independently of cpu', async () => {
      const [got] = await valuesOn('native', () =>
        tf.unsortedSegmentSum(
          tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]),
          tf.tensor1d([1, 9, 1, -3], 'int32'),
          3,
        ),
      );
      expect(Array.from(got.values)).toEqual([0, 0, 6, 8, 0, 0]);
    });
  });

  describe('float32 tensors cast from int32 or bool', () => {
    // tfjs's cpu Cast to float32 keeps the Int32Array / Uint8Array under the new dtype:
    // the native kernels must hand such tensors to the cpu kernel, not fail on them.
    const ints = randomInts(12, 5, -3, 4);
    const flags = Uint8Array.from(ints, (v) => (v > 0 ? 1 : 0));
    const asFloat = () => tf.cast(tf.tensor(ints, [3, 4], 'int32'), 'float32');
    const boolAsFloat = () => tf.cast(tf.tensor(flags, [3, 4], 'bool'), 'float32');

    it('binary, unary, reductions, softmax, matMul, layout ops', async () => {
      const x = fixed([3, 4], 1);
      await check(tf.Multiply, 'bool mask', () => tf.mul(x(), boolAsFloat()), {}, 'js');
      await check(tf.Sub, 'int32 mask', () => tf.sub(1, asFloat()), {}, 'js');
      await check(tf.AddN, 'int32', () => tf.addN([asFloat(), x()]), {}, 'js');
      await check(tf.Exp, 'int32', () => tf.exp(asFloat()), { rtol: 1e-6 }, 'js');
      await check(tf.Sum, 'bool', () => tf.sum(boolAsFloat(), 1), {}, 'js');
      await check(tf.Softmax, 'int32', () => tf.softmax(asFloat()), { rtol: 1e-6 }, 'js');
      await check(
        tf.BatchMatMul,
        'int32',
        () => tf.matMul(asFloat(), x(), false, true),
        { rtol: 1e-6 },
        'js',
      );
      await check(tf.Transpose, 'int32', () => tf.transpose(asFloat()), {}, 'js');
      await check(tf.Slice, 'int32', () => tf.slice(asFloat(), [1, 1], [2, 2]), {}, 'js');
      await check(tf.SplitV, 'int32', () => tf.split(asFloat(), 2, 1), {}, 'js');
      await check(tf.Concat, 'int32', () => tf.concat([asFloat(), x()]), {}, 'js');
      await check(
        tf.PadV2,
        'int32',
        () =>
          tf.pad(asFloat(), [
            [1, 0],
            [0, 1],
          ]),
        {},
        'js',
      );
      await check(
        tf.GatherV2,
        'bool ids as int32',
        () => tf.gather(x(), tf.cast(tf.tensor1d(flags, 'bool'), 'int32')),
        {},
        'js',
      );
      await check(
        tf.GatherV2,
        'int32 table as float32',
        () => tf.gather(asFloat(), tf.tensor1d([2, 0], 'int32')),
        {},
        'js',
      );
      await check(
        tf.UnsortedSegmentSum,
        'bool ids as int32',
        () => tf.unsortedSegmentSum(fixed([12], 1)(), tf.cast(tf.tensor1d(flags, 'bool'), 'int32'), 2),
        { rtol: 1e-6 },
        'js',
      );
    });

    it("tf.max's gradient (a bool mask cast to float32)", async () => {
      const x = fixed([5, 7], 3);
      await expectSameOnBoth('grad of Σ max(x, 1)', () =>
        tf.grad((t: tf.Tensor) => tf.sum(tf.max(t, 1)))(x()),
      );
    });
  });

  it('inputs that are views into a larger array (as JS kernels make them) are read from their offset', async () => {
    // cpu StridedSlice of leading rows and cpu Slice of int32 return subarrays of their input's array
    const table = fixed([9, 7], 1);
    const rows = () => tf.stridedSlice(table(), [2, 0], [8, 7], [1, 1]); // [6, 7], offset 14
    const ids = () => tf.slice(tf.tensor1d([8, 0, 5, 2, 3, 3], 'int32'), [2], [3]); // [5, 2, 3]
    await check(tf.Add, 'a view plus a scalar', () => tf.add(rows(), 1), { rtol: 0 });
    await check(tf.BatchMatMul, 'a view times a view', () => tf.matMul(rows(), rows(), false, true), {
      rtol: 1e-5,
      atol: 1e-6,
    });
    await check(tf.Sum, 'a view summed', () => tf.sum(rows(), 1), { rtol: 1e-6, atol: 1e-6 });
    await check(tf.GatherV2, 'rows of a view by a view of ids', () => tf.gather(rows(), ids()), { rtol: 0 });
    await check(tf.Exp, 'exp of a view', () => tf.exp(rows()), { rtol: 1e-6 });
  });

  it('every kernel in NATIVE_KERNELS is covered by a case above', () => {
    const missing = Object.keys(NATIVE_KERNELS).filter((name) => !COVERED.has(name));
    expect(missing).toEqual([]);
  });
});
