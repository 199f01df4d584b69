/**
 * The native exact GELU (src/gelu_erf.cc via kernels/native/gelu-erf.ts):
 * - forward and backward against float64 math written here: erf by its Maclaurin
 *   series 2/√π·Σ (−1)ⁿ z^(2n+1)/(n!·(2n+1)) for |z| ≤ 3 and Laplace's continued
 *   fraction for erfc beyond; Φ(x) = (1 + erf(x/√2))/2;
 * - the backward against central differences of the native forward;
 * - against the composite on cpu (tfjs' Erf), forward and gradient, and
 * - BERT's geluErf takes it on native: one CourseGeluErf kernel, no Erf.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { geluErf } from '../src/bert/model.js';
import { fusedGeluErf, nativeKernelStats } from '../src/kernels/native/index.js';
import {
  expectAllClose,
  expectSameOnBoth,
  NATIVE_BUILT,
  nativeSuite,
  setUpNative,
  uniform,
} from './helpers/native.js';

/**
 * erf(z) in float64: the Maclaurin series for |z| ≤ 3 (largest term < 1e3, so ~13 digits
 * survive), and 1 − erfc(z) beyond, erfc by Laplace's continued fraction
 * erfc(z) = e^(−z²)/√π · 1/(z + ½/(z + 1/(z + (3/2)/(z + …)))), evaluated from 200 levels down.
 */
function erf64(z: number): number {
  if (Math.abs(z) > 3) {
    const a = Math.abs(z);
    let t = a;
    for (let k = 200; k >= 1; k--) t = a + k / 2 / t;
    const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / t;
    return Math.sign(z) * (1 - erfc);
  }
  let term = z; // (−1)ⁿ z^(2n+1)/n!
  let sum = z;
  for (let n = 1; n < 200; n++) {
    term *= (-z * z) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** Φ(x) = (1 + erf(x/√2))/2; for x < −4.2 as erfc(|x|/√2)/2 directly (no cancellation). */
function Phi(x: number): number {
  const z = x / Math.SQRT2;
  if (z < -3) {
    let t = -z;
    for (let k = 200; k >= 1; k--) t = -z + k / 2 / t;
    return (0.5 * Math.exp(-z * z)) / Math.sqrt(Math.PI) / t;
  }
  return 0.5 * (1 + erf64(z));
}
const phi = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
const gelu64 = (x: number) => x * Phi(x);
const dgelu64 = (x: number) => Phi(x) + x * phi(x);

/** Inputs: a grid over [−8, 8], 0, and values where GELU is x or 0 in float32. */
const X = Float32Array.from([
  ...Array.from({ length: 321 }, (_, i) => -8 + i * 0.05),
  0,
  -1e-7,
  3e-4,
  -20,
  20,
  -60,
  60,
]);

describe.skipIf(!NATIVE_BUILT)(nativeSuite('native exact GELU'), () => {
  beforeAll(async () => {
    await setUpNative();
  });

  test('the float64 reference: erf series at known values (erf 1 = 0.8427007929497149, erf 2 = 0.9953222650189527)', () => {
    expect(erf64(1)).toBeCloseTo(0.8427007929497149, 14);
    expect(erf64(2)).toBeCloseTo(0.9953222650189527, 14);
    expect(erf64(-0.5)).toBeCloseTo(-0.5204998778130465, 14);
    // the two branches meet at |z| = 3: erfc(3) = 2.209049699858544e-5
    expect(1 - erf64(3.0000001)).toBeCloseTo(2.209049699858544e-5, 10);
    expect(1 - erf64(2.9999999)).toBeCloseTo(2.209049699858544e-5, 10);
    expect(Phi(-5)).toBeCloseTo(2.866515718791939e-7, 18);
    // and its derivative formula against central differences in float64
    for (const x of [-3, -0.7, 0.2, 1.5, 4]) {
      const h = 1e-5;
      expect(dgelu64(x)).toBeCloseTo((gelu64(x + h) - gelu64(x - h)) / (2 * h), 8);
    }
  });

  test('forward: x·Φ(x) within float32 rounding of the float64 value', async () => {
    await tf.setBackend('native');
    const y = tf.tidy(() => fusedGeluErf(tf.tensor1d(X)).dataSync().slice());
    const want = Array.from(X, (x) => gelu64(x));
    // |error| ≤ a few ulp of x (1 + erf cancels for x < 0, so the bound is absolute in x)
    X.forEach((x, i) => {
      expect(Math.abs(y[i] - want[i]), `x = ${x}`).toBeLessThanOrEqual(4e-7 * Math.max(1, Math.abs(x)));
    });
    expect(y[X.indexOf(20)]).toBe(20);
    expect(Object.is(y[X.indexOf(-20)], -0)).toBe(true); // x·0 with x < 0, as the composite gives
  });

  test('backward: dy·(Φ(x) + x·φ(x)) within float32 rounding of the float64 value, shape kept', async () => {
    await tf.setBackend('native');
    const dy = uniform(X.length, 7, -2, 2);
    const { dx, shape } = tf.tidy(() => {
      const g = tf.grad((x: tf.Tensor) => fusedGeluErf(x))(
        tf.tensor2d(X, [1, X.length]),
        tf.tensor2d(dy, [1, X.length]),
      );
      return { dx: g.dataSync().slice(), shape: g.shape };
    });
    expect(shape).toEqual([1, X.length]);
    X.forEach((x, i) => {
      const want = dy[i] * dgelu64(x);
      expect(Math.abs(dx[i] - want), `x = ${x}`).toBeLessThanOrEqual(
        1e-6 * Math.abs(dy[i]) * Math.max(1, Math.abs(x)),
      );
    });
  });

  test('backward: matches central differences of the native forward (h = 1e-2)', async () => {
    await tf.setBackend('native');
    const xs = Float32Array.from([-4, -2.5, -1, -0.3, 0, 0.4, 1.2, 2.7, 5]);
    const h = 1e-2;
    const f = (v: Float32Array) => tf.tidy(() => fusedGeluErf(tf.tensor1d(v)).dataSync().slice());
    const up = f(xs.map((x) => x + h));
    const down = f(xs.map((x) => x - h));
    const grad = tf.tidy(() =>
      tf
        .grad((x: tf.Tensor) => tf.sum(fusedGeluErf(x)))(tf.tensor1d(xs))
        .dataSync()
        .slice(),
    );
    const numeric = Array.from(xs, (_, i) => (up[i] - down[i]) / (2 * h));
    // truncation h²/6·|f'''| ≤ 2e-5 plus float32 rounding 2·6e-8·|x|/(2h)
    expectAllClose(grad, numeric, { atol: 5e-5 });
  });

  test('cpu parity: the composite 0.5·x·(1 + erf(x/√2)) on cpu, forward and gradient', async () => {
    const x = uniform(4 * 37, 11, -6, 6);
    const dy = uniform(4 * 37, 12, -1, 1);
    await expectSameOnBoth('exact GELU', () => geluErf(tf.tensor2d(x, [4, 37])), { rtol: 1e-5, atol: 2e-6 });
    await expectSameOnBoth(
      'exact GELU gradient',
      () => tf.grad((t: tf.Tensor) => geluErf(t))(tf.tensor2d(x, [4, 37]), tf.tensor2d(dy, [4, 37])),
      { rtol: 1e-5, atol: 2e-6 },
    );
  });

  test("BERT's geluErf runs as one CourseGeluErf kernel each way on native (no Erf)", async () => {
    await tf.setBackend('native');
    nativeKernelStats(true);
    tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(geluErf(t)))(tf.tensor2d(uniform(12, 3), [3, 4])));
    const stats = nativeKernelStats(true);
    expect(stats.CourseGeluErf?.native).toBe(1);
    expect(stats.CourseGeluErfGrad?.native).toBe(1);
    expect(stats.Erf).toBeUndefined();
    await tf.setBackend('cpu');
  });
});
