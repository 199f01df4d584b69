/**
 * The `webgpu` backend: @tensorflow/tfjs-backend-webgpu on Dawn, the WebGPU
 * implementation Chrome uses, which the npm package `webgpu` ships as a
 * prebuilt Node addon (dawn.node; Vulkan on Linux, Metal on macOS, D3D12 on
 * Windows). Both packages are optionalDependencies.
 *
 * prepareWebgpu() finds the GPU and registers the tfjs backend on it:
 *   1. both packages installed;
 *   2. on Linux, the Vulkan loader (libvulkan.so.1) present: without it Dawn
 *      has no GPU to offer, and checking first spares loading Dawn (and its
 *      "Couldn't load Vulkan" warning) on every run of a machine without one;
 *   3. Dawn's high-performance adapter, accepted by judgeAdapter (not missing,
 *      not a CPU fallback);
 *   4. Dawn's globals (GPUBufferUsage, …) and navigator.gpu set the way
 *      tfjs-backend-webgpu expects a browser to have them, and tfjs backend
 *      'webgpu' registered on a device of that very adapter, with the limits
 *      tfjs-backend-webgpu itself asks for.
 * Nothing global changes unless an adapter is accepted.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type AdapterInfoLike, type AdapterLike, type AdapterVerdict, judgeAdapter } from './adapter.js';

const require = createRequire(import.meta.url);

export const DAWN_PACKAGE = 'webgpu';
export const TFJS_WEBGPU_PACKAGE = '@tensorflow/tfjs-backend-webgpu';
export const WEBGPU_BACKEND = 'webgpu';
const VULKAN_LOADER = 'libvulkan.so.1';

/** What Dawn's requestAdapter() resolves to, as far as this module uses it. */
export interface GpuAdapterLike extends AdapterLike {
  features?: { has(name: string): boolean };
  limits?: Record<string, number>;
  requestAdapterInfo?: () => Promise<AdapterInfoLike>;
  requestDevice(descriptor?: object): Promise<unknown>;
}

/** navigator.gpu, as far as this module uses it. */
export interface GpuLike {
  requestAdapter(options?: {
    powerPreference?: 'high-performance' | 'low-power';
  }): Promise<GpuAdapterLike | null>;
}

export interface AdapterChoice {
  verdict: AdapterVerdict;
  /** The adapter asked for; null when there was none. */
  adapter: GpuAdapterLike | null;
  info: AdapterInfoLike | undefined;
}

/**
 * Asks `gpu` for its high-performance adapter (what tfjs-backend-webgpu asks
 * for) and judges it. Older Dawn builds give the info only through
 * requestAdapterInfo().
 */
export async function chooseAdapter(gpu: GpuLike): Promise<AdapterChoice> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) return { verdict: judgeAdapter(null), adapter, info: undefined };
  const info = adapter.info ?? (await adapter.requestAdapterInfo?.());
  return { verdict: judgeAdapter({ isFallbackAdapter: adapter.isFallbackAdapter, info }), adapter, info };
}

/** Where the Linux dynamic loader would look for libvulkan.so.1, as plain inputs (tests pass their own). */
export interface LoaderSearch {
  /** LD_LIBRARY_PATH, colon-separated. */
  libraryPath: string | undefined;
  /** The bytes of /etc/ld.so.cache (undefined: none), which names every library ldconfig knows. */
  ldCache: Uint8Array | undefined;
  exists: (file: string) => boolean;
}

/** The dynamic loader's own default folders, for a system without ld.so.cache. */
const DEFAULT_LIBRARY_DIRS = [
  '/lib',
  '/usr/lib',
  '/lib64',
  '/usr/lib64',
  '/usr/local/lib',
  `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
];

function systemLoaderSearch(): LoaderSearch {
  let ldCache: Uint8Array | undefined;
  try {
    ldCache = readFileSync('/etc/ld.so.cache');
  } catch {
    ldCache = undefined;
  }
  return { libraryPath: process.env.LD_LIBRARY_PATH, ldCache, exists: existsSync };
}

/** Whether the Vulkan loader can be found: in LD_LIBRARY_PATH, ld.so.cache or a default folder. */
export function vulkanLoaderFound(search: LoaderSearch = systemLoaderSearch()): boolean {
  const dirs = (search.libraryPath ?? '').split(':').filter(Boolean);
  if (dirs.some((dir) => search.exists(path.join(dir, VULKAN_LOADER)))) return true;
  if (search.ldCache !== undefined && Buffer.from(search.ldCache).includes(VULKAN_LOADER)) return true;
  return DEFAULT_LIBRARY_DIRS.some((dir) => search.exists(path.join(dir, VULKAN_LOADER)));
}

function isInstalled(packageName: string): boolean {
  try {
    require.resolve(packageName);
    return true;
  } catch {
    return false;
  }
}

/** The device limits tfjs-backend-webgpu 4.22 requests (its own registration, base.ts), from the adapter's. */
const REQUIRED_LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
];

function deviceDescriptor(adapter: GpuAdapterLike): object {
  const limits = adapter.limits ?? {};
  return {
    requiredFeatures: adapter.features?.has('timestamp-query') ? ['timestamp-query'] : [],
    requiredLimits: Object.fromEntries(
      REQUIRED_LIMITS.filter((name) => typeof limits[name] === 'number').map((name) => [name, limits[name]]),
    ),
  };
}

/** navigator.gpu = gpu, on Node's own navigator (Node ≥ 21) or a new one. */
function exposeGpu(gpu: GpuLike, globals: Record<string, unknown>): void {
  Object.assign(globalThis, globals);
  const holder = globalThis as { navigator?: object };
  if (holder.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: {}, writable: true, configurable: true });
  }
  Object.defineProperty(holder.navigator, 'gpu', { value: gpu, writable: true, configurable: true });
}

export type WebgpuSetup = { ok: true; name: string } | { ok: false; reason: string };

/**
 * Finds a GPU through Dawn and registers tfjs backend 'webgpu' on it (see the
 * top of this file); `{ ok: false, reason }` says which step found nothing.
 * Throws only when Dawn itself fails to load or start.
 */
export async function prepareWebgpu(): Promise<WebgpuSetup> {
  for (const name of [DAWN_PACKAGE, TFJS_WEBGPU_PACKAGE]) {
    if (!isInstalled(name)) return { ok: false, reason: `${name} is not installed` };
  }
  if (process.platform === 'linux' && !vulkanLoaderFound()) {
    return {
      ok: false,
      reason: `no GPU: ${VULKAN_LOADER} (the Vulkan loader Dawn needs on Linux) is not installed`,
    };
  }
  const dawnId = DAWN_PACKAGE; // a variable, so TypeScript does not need the optional package's types
  const dawn = (await import(dawnId)) as {
    create(options: string[]): GpuLike;
    globals: Record<string, unknown>;
  };
  const gpu = dawn.create([]);
  const { verdict, adapter, info } = await chooseAdapter(gpu);
  if (!verdict.accepted || adapter === null) {
    return { ok: false, reason: verdict.accepted ? 'no GPU' : verdict.reason };
  }

  // Loaded before navigator.gpu exists, so the package does not register its
  // own 'webgpu' (it would ask for an adapter again); ours uses the one judged.
  const { WebGPUBackend } = require(TFJS_WEBGPU_PACKAGE) as {
    WebGPUBackend: new (device: unknown, adapterInfo?: AdapterInfoLike) => tf.KernelBackend;
  };
  exposeGpu(gpu, dawn.globals);
  if (tf.findBackendFactory(WEBGPU_BACKEND) !== null) tf.removeBackend(WEBGPU_BACKEND);
  tf.registerBackend(WEBGPU_BACKEND, async () => {
    const device = await adapter.requestDevice(deviceDescriptor(adapter));
    return new WebGPUBackend(device, info);
  });
  return { ok: true, name: verdict.name };
}
