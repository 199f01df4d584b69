/**
 * Runs the same model on two backends and compares loss and gradients: a kernel
 * we register (or a backend's own) that is wrong shows up as a mismatch.
 *
 *   const cpu = await gradientsOn('cpu', build);
 *   const wasm = await gradientsOn('wasm', build);
 *   expectClose(wasm, cpu, 1e-5);
 */
import * as tf from '@tensorflow/tfjs';
import { type BackendName, selectBackend } from '../../src/backend.js';

/** What `buildAndLossFn` returns: the loss, and optionally the variables by names stable across builds. */
export type GradientCase =
  | (() => tf.Scalar)
  | { loss: () => tf.Scalar; variables?: Record<string, tf.Variable> };

export interface BackendGradients {
  backend: BackendName;
  loss: number;
  /** d loss / d variable, by variable name (the build's names, else "#i" in creation order). */
  grads: Map<string, Float32Array>;
}

/**
 * Switches tfjs to `backend`, calls `buildAndLossFn` (which creates the model's
 * variables there) and differentiates its loss with respect to every trainable
 * variable it created. The build must create the same initial values on every
 * backend (fixed values or seeded initialisers, no dropout): tfjs seeds its
 * random ops in JavaScript, but e.g. the orthogonal initialiser runs a QR on the
 * backend. The build must create the variables itself (a layers model with an
 * inputShape, or call it once), not leave them to the first call of the loss.
 * Everything the build created is disposed before returning.
 */
export async function gradientsOn(
  backend: BackendName,
  buildAndLossFn: () => GradientCase,
): Promise<BackendGradients> {
  await selectBackend(backend);
  const before = new Set(Object.keys(tf.engine().registeredVariables));
  const built = buildAndLossFn();
  const created = Object.values(tf.engine().registeredVariables).filter((v) => !before.has(v.name));
  try {
    const lossFn = typeof built === 'function' ? built : built.loss;
    const named: [string, tf.Variable][] =
      typeof built === 'function' || built.variables === undefined
        ? created.filter((v) => v.trainable).map((v, i) => [`#${i}`, v])
        : Object.entries(built.variables);
    const { value, grads } = tf.variableGrads(
      lossFn,
      named.map(([, v]) => v),
    );
    const result: BackendGradients = { backend, loss: (await value.data())[0], grads: new Map() };
    for (const [name, v] of named) {
      const grad = grads[v.name];
      result.grads.set(
        name,
        grad === undefined ? new Float32Array(v.size) : ((await grad.data()) as Float32Array),
      );
    }
    tf.dispose([value, ...Object.values(grads)]);
    return result;
  } finally {
    tf.dispose(created);
  }
}

/**
 * Fails unless `a` and `b` agree to `rtol`, relative to the larger magnitude in
 * each tensor: |a_i - b_i| <= rtol * max_j max(|a_j|, |b_j|). Entries that cancel
 * to near zero differ by float32 rounding in summation order, so a per-entry
 * relative test would fail on correct kernels. Compares the losses and every
 * gradient when given two `gradientsOn` results.
 */
export function expectClose(
  a: ArrayLike<number> | BackendGradients,
  b: ArrayLike<number> | BackendGradients,
  rtol: number,
): void {
  if (isGradients(a) || isGradients(b)) {
    if (!isGradients(a) || !isGradients(b)) throw new Error('expectClose: compare two gradientsOn results');
    const what = `${a.backend} vs ${b.backend}`;
    compare(`${what}: loss`, [a.loss], [b.loss], rtol);
    const names = [...new Set([...a.grads.keys(), ...b.grads.keys()])];
    for (const name of names) {
      const ga = a.grads.get(name);
      const gb = b.grads.get(name);
      if (ga === undefined || gb === undefined)
        throw new Error(`${what}: gradient of ${name} missing on one side`);
      compare(`${what}: gradient of ${name}`, ga, gb, rtol);
    }
    return;
  }
  compare('values', a, b, rtol);
}

function isGradients(x: ArrayLike<number> | BackendGradients): x is BackendGradients {
  return (x as BackendGradients).grads instanceof Map;
}

function compare(what: string, a: ArrayLike<number>, b: ArrayLike<number>, rtol: number): void {
  if (a.length !== b.length) throw new Error(`${what}: ${a.length} values vs ${b.length}`);
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]), Math.abs(b[i]));
  let worst = -1;
  let worstDiff = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i] - b[i]);
    if (!Number.isFinite(diff)) throw new Error(`${what}: element ${i} is ${a[i]} vs ${b[i]}`);
    if (diff > worstDiff) {
      worst = i;
      worstDiff = diff;
    }
  }
  if (worst >= 0 && worstDiff > rtol * scale) {
    throw new Error(
      `${what}: element ${worst} is ${a[worst]} vs ${b[worst]} (difference ${worstDiff}, ` +
        `allowed ${rtol} x ${scale} = ${rtol * scale})`,
    );
  }
}

/**
 * `size` floats uniform in [-scale, scale) from a fixed seed (mulberry32): the
 * same initial weights on every backend, computed without tfjs.
 */
export function seededUniform(size: number, seed: number, scale = 0.5): Float32Array {
  const out = new Float32Array(size);
  let state = seed >>> 0;
  for (let i = 0; i < size; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const unit = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = (2 * unit - 1) * scale;
  }
  return out;
}
