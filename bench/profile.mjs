/**
 * `--profile`: instead of timing, one step under tf.profile per case.
 */
import { nativeActive, nativeKernelStats } from '@course/models';
import * as tf from '@tensorflow/tfjs';
import { progress, round, versions } from './common.mjs';

/** The name tf.profile gives a tf.customGrad function (a wrapper, not a kernel). */
const CUSTOM_GRAD_SCOPE = 'unnamed scope';

/** A call's input shapes as one key, e.g. "[2048,64]x[50257,64]". */
function shapesKey(shapes) {
  return shapes.map((s) => `[${s.join(',')}]`).join('x');
}

/**
 * On the native backend: which kernels of the step ran in C++ and which fell
 * back to the cpu backend's JavaScript (by name, with call counts), so a slow
 * JS kernel shows up by name.
 */
function nativeCoverage(stats) {
  const entries = Object.entries(stats);
  const native = entries.filter(([, c]) => c.native > 0).map(([k, c]) => `${k}×${c.native}`);
  const js = entries.filter(([, c]) => c.js > 0).map(([k, c]) => `${k}×${c.js}`);
  return { native: native.sort(), js: js.sort() };
}

/**
 * Warm-up, then one step under tf.profile: kernel time grouped by kernel name
 * (with call counts) and grouped by (kernel, input shapes), the heaviest first.
 * wall_ms - kernel_ms is time spent outside kernels (tape, JS glue, readbacks).
 */
export async function profileCase(name, opts, step, params) {
  for (let i = 0; i < opts.warmup; i++) {
    await step();
    progress(`${name}: warm-up ${i + 1}/${opts.warmup}`);
  }
  progress(`${name}: profiling one step`);
  nativeKernelStats(true);
  const start = performance.now();
  const info = await tf.profile(async () => {
    await step();
  });
  const wallMs = performance.now() - start;
  const coverage = nativeActive() ? nativeCoverage(nativeKernelStats()) : undefined;
  const byName = new Map();
  const byCall = new Map();
  let kernelMs = 0;
  for (const k of info.kernels) {
    // tf.customGrad's forward shows up as an 'unnamed scope' entry whose time
    // includes the kernels inside it, which are listed on their own: skip it.
    if (k.name === CUSTOM_GRAD_SCOPE) continue;
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    kernelMs += ms;
    const n = byName.get(k.name) ?? { kernel: k.name, ms: 0, calls: 0 };
    n.ms += ms;
    n.calls++;
    byName.set(k.name, n);
    const key = `${k.name} ${shapesKey(k.inputShapes)}`;
    const c = byCall.get(key) ?? { call: key, ms: 0, calls: 0 };
    c.ms += ms;
    c.calls++;
    byCall.set(key, c);
  }
  const top = (map, count) =>
    [...map.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, count)
      .map((e) => ({ ...e, ms: round(e.ms, 1), share: round(e.ms / kernelMs, 3) }));
  return {
    case: name,
    backend: opts.backendName,
    profile: true,
    params,
    wall_ms: round(wallMs, 1),
    kernel_ms: round(kernelMs, 1),
    kernel_calls: [...byName.values()].reduce((sum, n) => sum + n.calls, 0),
    peak_mb: round(info.peakBytes / 2 ** 20, 1),
    by_kernel: top(byName, 15),
    by_call: top(byCall, 25),
    ...(coverage ? { native_coverage: coverage } : {}),
    ...versions(),
  };
}
