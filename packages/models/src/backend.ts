/**
 * Which TensorFlow.js backend runs the models: `--backend auto|tensorflow-gpu|
 * webgpu|tensorflow|native|wasm|cpu` (env COURSE_BACKEND).
 *
 * - tensorflow-gpu: @tensorflow/tfjs-node-gpu, libtensorflow with CUDA.
 * - webgpu: @tensorflow/tfjs-backend-webgpu on Dawn (npm `webgpu`), only on a
 * real GPU adapter, never a CPU fallback (gpu/webgpu.ts, gpu/adapter.ts).
 * - tensorflow: @tensorflow/tfjs-node, libtensorflow on the CPU.
 * All three are optionalDependencies: the libtensorflow ones download
 * libtensorflow at install and npm drops them where that fails, so they are
 * loaded only when asked for; on Node ≥ 23 they need the `util.is*` functions
 * Node removed, put back first (gpu/node-util-shim.ts).
 * - native: the project's own: tfjs's cpu backend with its heavy kernels in C++
 * on the system BLAS (@course/native, built at install where a compiler and
 * OpenBLAS/Accelerate exist; kernels/native/).
 * - wasm: @tensorflow/tfjs-backend-wasm, the SIMD binary inside the npm package,
 * plus the kernels it lacks (kernels/wasm.ts).
 * - cpu: pure JavaScript; always there, slowest.
 *
 * `auto` takes the first that works, in that order, and prints one line saying
 * which runs and why each better one did not. An explicit choice that cannot run
 * is an InputError, never a silent fallback.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { InputError } from './errors.js';
import { requireWithUtilShim } from './gpu/node-util-shim.js';
import { prepareWebgpu, WEBGPU_BACKEND } from './gpu/webgpu.js';
import { registerCpuKernels } from './kernels/cpu.js';
import { loadNativeAddon, NATIVE_BACKEND, registerNativeBackend } from './kernels/native/index.js';
import { registerWasmKernels } from './kernels/wasm.js';

/** Fastest first: the order `auto` tries them in. */
export const BACKEND_NAMES = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'native', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendChoice = 'auto' | BackendName;

export interface SelectedBackend {
  name: BackendName;
  /** What runs (e.g. "SIMD, 1 thread") and, for auto, why each faster backend did not. */
  reason: string;
}

export interface BackendStatus {
  name: BackendName;
  available: boolean;
  /** Available: what runs. Not available: why (missing package, no GPU, failed to start). */
  reason: string;
}

export interface SelectBackendOptions {
  /** Where the `auto` line goes; default console.error. */
  log?: (line: string) => void;
  /** XNNPACK threads for wasm; only takes effect before wasm first starts (Node runs it single-threaded). */
  threads?: number;
}

/** The environment variable that picks the backend when no --backend flag is given. */
export const BACKEND_ENV = 'COURSE_BACKEND';
const FLAG = `--backend / ${BACKEND_ENV}`;
const GPU_PACKAGE = '@tensorflow/tfjs-node-gpu';
const NODE_PACKAGE = '@tensorflow/tfjs-node';
const require = createRequire(import.meta.url);

/** Checks a --backend / COURSE_BACKEND value; `source` names where it came from in the error. */
export function parseBackendChoice(value: string, source = FLAG): BackendChoice {
  const valid: readonly string[] = ['auto', ...BACKEND_NAMES];
  if (!valid.includes(value)) {
    throw new InputError(`${source}: found "${value}", expected one of ${valid.join(', ')}`);
  }
  return value as BackendChoice;
}

/**
 * The backend a command runs on: `flag` (its --backend) when given, else COURSE_BACKEND
 * when set and not empty, else `fallback` (auto, or a script's documented default). The
 * one place COURSE_BACKEND is read: every bin, script and selectBackend's default come here.
 */
export function resolveBackendChoice(
  flag?: string,
  fallback: BackendChoice = 'auto',
  env: Record<string, string | undefined> = process.env,
): BackendChoice {
  if (flag !== undefined) return parseBackendChoice(flag, '--backend');
  const fromEnv = env[BACKEND_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return parseBackendChoice(fromEnv, BACKEND_ENV);
  return fallback;
}

/** The tfjs backend name each of ours runs under (both libtensorflow packages register 'tensorflow'). */
function tfjsName(name: BackendName): string {
  return name === 'tensorflow-gpu' ? 'tensorflow' : name;
}

// ---------------------------------------------------------------------------
// Probes: each starts its backend once, runs a small op on it and says whether
// it works. They leave that backend active; callers set the one they want after.

type Probe = { available: true; reason: string } | { available: false; reason: string };

const probes = new Map<BackendName, Promise<Probe>>();
let wasmThreads: number | undefined;

function probe(name: BackendName): Promise<Probe> {
  let result = probes.get(name);
  if (result === undefined) {
    result = PROBES[name]().catch((error: unknown) => absent(`failed to start: ${firstLine(error)}`));
    probes.set(name, result);
  }
  return result;
}

const PROBES: Record<BackendName, () => Promise<Probe>> = {
  'tensorflow-gpu': probeTensorflowGpu,
  webgpu: probeWebgpu,
  tensorflow: probeTensorflow,
  native: probeNative,
  wasm: probeWasm,
  cpu: probeCpu,
};

function present(reason: string): Probe {
  return { available: true, reason };
}
function absent(reason: string): Probe {
  return { available: false, reason };
}

function isInstalled(packageName: string): boolean {
  try {
    require.resolve(packageName);
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads a libtensorflow package (it registers tfjs backend 'tensorflow'), with
 * Node's removed `util.is*` functions put back first; undefined when it loaded,
 * else why not. `load` is `require`; tests pass their own.
 */
export function loadLibtensorflow(
  packageName: string,
  load: (id: string) => unknown = require,
): string | undefined {
  if (tf.findBackendFactory('tensorflow') !== null) return undefined; // one of the two already loaded it
  try {
    requireWithUtilShim(packageName, load);
  } catch (error) {
    return `${packageName} is installed but failed to load: ${firstLine(error)}`;
  }
  return tf.findBackendFactory('tensorflow') === null
    ? `${packageName} loaded but did not register the 'tensorflow' backend`
    : undefined;
}

/** Makes `tfName` the active backend and runs a small matMul on it; a description of what failed, or undefined. */
async function startAndCheck(tfName: string): Promise<string | undefined> {
  if (!(await tf.setBackend(tfName))) return `tf.setBackend('${tfName}') failed`;
  const product = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6], [2, 1])));
  const values = Array.from(await product.data());
  product.dispose();
  // [[1,2],[3,4]] x [[5],[6]] = [[17],[39]]
  return values[0] === 17 && values[1] === 39
    ? undefined
    : `a test matMul gave [${values}], expected [17,39]`;
}

/** What tfjs-node(-gpu)'s backend object says about its device (undefined: it does not say). */
function libtensorflowDevice(): { gpuPackage?: boolean; onGpu?: boolean } {
  const backend = tf.findBackend('tensorflow') as {
    isGPUPackage?: unknown;
    isUsingGpuDevice?: unknown;
  } | null;
  return {
    gpuPackage: typeof backend?.isGPUPackage === 'boolean' ? backend.isGPUPackage : undefined,
    onGpu: typeof backend?.isUsingGpuDevice === 'boolean' ? backend.isUsingGpuDevice : undefined,
  };
}

async function probeTensorflowGpu(): Promise<Probe> {
  if (!isInstalled(GPU_PACKAGE)) return absent(`${GPU_PACKAGE} is not installed`);
  const loadError = loadLibtensorflow(GPU_PACKAGE);
  if (loadError !== undefined) return absent(loadError);
  const device = libtensorflowDevice();
  if (device.gpuPackage === false) {
    return absent(
      `the 'tensorflow' backend comes from ${NODE_PACKAGE} (CPU only), loaded before ${GPU_PACKAGE}`,
    );
  }
  const runError = await startAndCheck('tensorflow');
  if (runError !== undefined) return absent(runError);
  // Without a CUDA device libtensorflow quietly runs on the CPU: that is `tensorflow`, not this.
  if (device.onGpu === false) return absent(`${GPU_PACKAGE} is installed but TensorFlow found no CUDA GPU`);
  if (device.onGpu === undefined) {
    return present(
      `${GPU_PACKAGE}; it does not report whether a CUDA GPU is in use, so it may be on the CPU`,
    );
  }
  return present(`${GPU_PACKAGE} on a CUDA GPU`);
}

async function probeWebgpu(): Promise<Probe> {
  const setup = await prepareWebgpu();
  if (!setup.ok) return absent(setup.reason);
  const runError = await startAndCheck(WEBGPU_BACKEND);
  if (runError !== undefined) return absent(runError);
  return present(`${setup.name}, through Dawn`);
}

async function probeTensorflow(): Promise<Probe> {
  // tfjs-node-gpu provides the same backend and runs it on the CPU when there is no GPU.
  const packageName = isInstalled(NODE_PACKAGE)
    ? NODE_PACKAGE
    : isInstalled(GPU_PACKAGE)
      ? GPU_PACKAGE
      : undefined;
  if (packageName === undefined) return absent(`${NODE_PACKAGE} is not installed`);
  const loadError = loadLibtensorflow(packageName);
  if (loadError !== undefined) return absent(loadError);
  const runError = await startAndCheck('tensorflow');
  if (runError !== undefined) return absent(runError);
  const device = libtensorflowDevice();
  const from = device.gpuPackage ? GPU_PACKAGE : NODE_PACKAGE;
  return present(device.onGpu ? `${from}, on a CUDA GPU` : `${from}, libtensorflow on the CPU`);
}

async function probeNative(): Promise<Probe> {
  const { addon, reason, coretype } = loadNativeAddon();
  if (addon === null) return absent(`@course/native ${reason}`);
  registerNativeBackend();
  const runError = await startAndCheck(NATIVE_BACKEND);
  if (runError !== undefined) return absent(runError);
  const info = addon.info();
  const blas =
    info.blas.split(' ').slice(0, 2).join(' ') + (/USE_OPENMP/.test(info.blas) ? ' (OpenMP build)' : '');
  const kernel = info.corename
    ? `, ${info.corename} kernels${coretype ? ' (chosen from the CPU flags)' : ''}`
    : '';
  return present(`C++ kernels on ${blas}${kernel}, ${info.threads} threads`);
}

async function probeWasm(): Promise<Probe> {
  // The .wasm binaries sit next to the package's main script; say so explicitly
  // rather than rely on the bundle's own __dirname guess.
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
  if (wasmThreads !== undefined) setThreadsCount(wasmThreads);
  registerWasmKernels();
  const runError = await startAndCheck('wasm');
  if (runError !== undefined) return absent(runError);
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return present(`${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'multi-threaded' : '1 thread'}`);
}

/**
 * The cpu backend (and native, built on it) prints a multi-line "install our
 * node backend" banner on its first tensor. tfjs has no flag for that one
 * message (PROD mode would hide all its warnings), so the first tensor is made
 * here with exactly that message filtered out of console.warn, and
 * console.warn is restored right after.
 */
const CPU_BANNER = 'Hi, looks like you are running TensorFlow.js in Node.js';

async function withoutCpuBanner<T>(f: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes(CPU_BANNER)) return;
    warn.apply(console, args);
  };
  try {
    return await f();
  } finally {
    console.warn = warn;
  }
}

async function probeCpu(): Promise<Probe> {
  registerCpuKernels();
  const runError = await withoutCpuBanner(() => startAndCheck('cpu'));
  return runError === undefined ? present('pure JavaScript') : absent(runError);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}

/** The tfjs backend active now, without making tfjs pick one (tf.getBackend() would). */
function activeTfjsBackend(): string | null {
  return tf.engine().backendName ?? null;
}

// ---------------------------------------------------------------------------

/** Every backend, whether it runs here and why (for tests and `course` diagnostics). Leaves the active backend as it was. */
export async function availableBackends(): Promise<BackendStatus[]> {
  const before = activeTfjsBackend();
  const statuses: BackendStatus[] = [];
  for (const name of BACKEND_NAMES) statuses.push({ name, ...(await probe(name)) });
  if (before !== null && activeTfjsBackend() !== before) await tf.setBackend(before);
  return statuses;
}

const selections = new Map<BackendChoice, Promise<SelectedBackend>>();

/**
 * Picks the backend and makes it tfjs's active one. A second call with the same
 * choice returns the first answer (re-activating that backend if something
 * switched away) without probing or printing again.
 */
export async function selectBackend(
  choice: BackendChoice = resolveBackendChoice(),
  opts: SelectBackendOptions = {},
): Promise<SelectedBackend> {
  const parsed = parseBackendChoice(choice);
  if (wasmThreads === undefined && opts.threads !== undefined) wasmThreads = opts.threads;
  let selection = selections.get(parsed);
  const fresh = selection === undefined;
  if (selection === undefined) {
    selection = parsed === 'auto' ? selectAuto() : selectExplicit(parsed);
    selections.set(parsed, selection);
  }
  const selected = await selection;
  const tfName = tfjsName(selected.name);
  if (activeTfjsBackend() !== tfName) await tf.setBackend(tfName);
  if (fresh && parsed === 'auto')
    (opts.log ?? console.error)(`backend: ${selected.name} (${selected.reason})`);
  return selected;
}

async function selectAuto(): Promise<SelectedBackend> {
  const whyNot: string[] = [];
  for (const name of BACKEND_NAMES) {
    const result = await probe(name);
    if (result.available) return { name, reason: [result.reason, ...whyNot].join('; ') };
    whyNot.push(`${name}: ${result.reason}`);
  }
  // cpu is pure JavaScript; reaching here means tfjs itself is broken.
  throw new Error(`no TensorFlow.js backend runs: ${whyNot.join('; ')}`);
}

async function selectExplicit(name: BackendName): Promise<SelectedBackend> {
  const result = await probe(name);
  if (result.available) return { name, reason: result.reason };
  const available = (await availableBackends()).filter((status) => status.available).map((s) => s.name);
  throw new InputError(
    `${FLAG}: found "${name}", but it cannot run here: ${result.reason}. ` +
      `Available: ${available.join(', ') || 'none'} (or auto).`,
  );
}
