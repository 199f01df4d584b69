/**
 * Shared by the native backend's tests: whether the addon is built, running the
 * same tfjs code on 'cpu' and 'native', and an elementwise comparison that
 * treats NaN and ±Infinity as values (their positions must match).
 *
 *   const cpu = await valuesOn('cpu', () => tf.exp(tf.tensor(x)));
 *   const native = await valuesOn('native', () => tf.exp(tf.tensor(x)));
 *   expectAllClose(native, cpu, { rtol: 1e-5, atol: 1e-6 });
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { selectBackend } from '../../src/backend.js';
import { loadNativeAddon } from '../../src/kernels/native/index.js';

const loaded = loadNativeAddon();

/** True where @course/native was built and loads. */
export const NATIVE_BUILT = loaded.addon !== null;

/** Why the native suites are skipped where the addon is missing. */
export const NATIVE_SKIP_REASON = `@course/native is not built (${loaded.reason}); the native backend is not tested`;

/** A `describe.skipIf(!NATIVE_BUILT)` title that says why it was skipped, where it was. */
export function nativeSuite(title: string): string {
  return NATIVE_BUILT ? title : `${title} (skipped: ${NATIVE_SKIP_REASON})`;
}

/** Registers and activates the native backend once, then leaves `cpu` active. */
export async function setUpNative(): Promise<void> {
  await selectBackend('cpu');
  await selectBackend('native');
  await tf.setBackend('cpu');
}

export interface Values {
  shape: number[];
  dtype: tf.DataType;
  values: Float32Array | Int32Array;
}

/** Runs `fn` with `backend` active (inputs must be made inside `fn`) and copies out its results. */
export async function valuesOn(
  backend: 'cpu' | 'native',
  fn: () => tf.Tensor | tf.Tensor[],
): Promise<Values[]> {
  await tf.setBackend(backend);
  const result = tf.tidy(fn);
  const list = Array.isArray(result) ? result : [result];
  const out = list.map((t) => ({
    shape: t.shape,
    dtype: t.dtype,
    values: (t.dataSync() as Float32Array | Int32Array).slice(),
  }));
  tf.dispose(list);
  return out;
}

/** Runs `fn` on cpu, then on native, and compares every output. */
export async function expectSameOnBoth(
  what: string,
  fn: () => tf.Tensor | tf.Tensor[],
  tol: Tolerance = {},
): Promise<void> {
  const cpu = await valuesOn('cpu', fn);
  const native = await valuesOn('native', fn);
  if (cpu.length !== native.length)
    throw new Error(`${what}: ${native.length} outputs on native, ${cpu.length} on cpu`);
  cpu.forEach((c, i) => {
    const n = native[i];
    const label = cpu.length > 1 ? `${what} [output ${i}]` : what;
    if (JSON.stringify(n.shape) !== JSON.stringify(c.shape))
      throw new Error(`${label}: shape [${n.shape}] on native, [${c.shape}] on cpu`);
    if (n.dtype !== c.dtype) throw new Error(`${label}: dtype ${n.dtype} on native, ${c.dtype} on cpu`);
    expectAllClose(n.values, c.values, tol, label);
  });
}

export interface Tolerance {
  /** Relative to each expected element: |got − want| ≤ atol + rtol·|want|. Default 1e-5. */
  rtol?: number;
  /** Default 0. */
  atol?: number;
}

/**
 * Fails unless got[i] and want[i] agree for every i: |got − want| ≤ atol + rtol·|want|,
 * NaN exactly where want is NaN, and ±Infinity exactly where want is.
 */
export function expectAllClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  { rtol = 1e-5, atol = 0 }: Tolerance = {},
  what = 'values',
): void {
  if (got.length !== want.length) throw new Error(`${what}: ${got.length} values, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w) || !Number.isFinite(w)) {
      if (!Object.is(g, w) && !(Number.isNaN(g) && Number.isNaN(w)))
        throw new Error(`${what}: element ${i} is ${g}, expected ${w}`);
      continue;
    }
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) {
      throw new Error(
        `${what}: element ${i} is ${g}, expected ${w} (difference ${Math.abs(g - w)}, allowed ${atol} + ${rtol}·|expected|)`,
      );
    }
  }
}

/** `n` floats uniform in [lo, hi) from `seed` (mulberry32), as a plain array for tf.tensor. */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let state = seed >>> 0;
  for (let i = 0; i < n; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

/** Uniform floats for a shape. */
export function randomTensor(shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor {
  return tf.tensor(
    uniform(
      shape.reduce((a, b) => a * b, 1),
      seed,
      lo,
      hi,
    ),
    shape,
  );
}

/** `n` integers in [lo, hi) from `seed`. */
export function randomInts(n: number, seed: number, lo: number, hi: number): Int32Array {
  return Int32Array.from(
    uniform(n, seed, 0, 1),
    (u) => lo + Math.min(hi - lo - 1, Math.floor(u * (hi - lo))),
  );
}

/** Which kernels ran natively (name -> calls) while `fn` ran on the native backend. */
export { nativeKernelStats } from '../../src/kernels/native/index.js';

export type Vec = Float64Array;

const dot = (a: Vec, b: ArrayLike<number>) => a.reduce((s, v, i) => s + v * b[i], 0);

/**
 * d/d inputs[k] of Σ f(inputs)·weights, by central differences in float64
 * (step h: truncation error ~h²·f''' ≈ 1e-10, far below float32's 1e-7).
 */
export function finiteDifference(
  f: (inputs: Vec[]) => Vec,
  inputs: Vec[],
  weights: ArrayLike<number>,
  k: number,
  h = 1e-5,
): Vec {
  const grad = new Float64Array(inputs[k].length);
  for (let i = 0; i < grad.length; i++) {
    const saved = inputs[k][i];
    inputs[k][i] = saved + h;
    const plus = dot(f(inputs), weights);
    inputs[k][i] = saved - h;
    const minus = dot(f(inputs), weights);
    inputs[k][i] = saved;
    grad[i] = (plus - minus) / (2 * h);
  }
  return grad;
}

/** A float32 gradient against a float64 one: 1e-4 of the largest entry, plus 1e-4 relative. */
export function expectGradClose(got: ArrayLike<number>, want: Vec, what: string): void {
  const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  expect(scale, `${what}: the reference gradient is not all zero`).toBeGreaterThan(0);
  expectAllClose(got, want, { rtol: 1e-4, atol: 1e-4 * scale }, what);
}
