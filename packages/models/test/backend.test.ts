import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { availableBackends, type BackendChoice, selectBackend } from '../src/backend.js';
import { InputError } from '../src/errors.js';
import { loadNativeAddon } from '../src/kernels/native/index.js';

// Whether the optional libtensorflow packages are here, found independently of backend.ts.
const require = createRequire(import.meta.url);
function installed(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}
const noLibtensorflow = !installed('@tensorflow/tfjs-node') && !installed('@tensorflow/tfjs-node-gpu');
// A GPU device node, looked for independently of gpu/webgpu.ts (Linux: DRM render nodes or NVIDIA's).
const gpuDevice = ['/dev/dri', '/dev/nvidia0', '/dev/nvidiactl'].some((file) => existsSync(file));
// Where @course/native was built at install, auto takes native before wasm.
const nativeBuilt = loadNativeAddon().addon !== null;
const bestCpu = nativeBuilt ? 'native' : 'wasm';

// Every console.warn of this file: the cpu banner must never reach it.
const warn = vi.spyOn(console, 'warn');
afterAll(() => warn.mockRestore());

async function inputErrorOf(choice: string): Promise<InputError> {
  const error = await selectBackend(choice as BackendChoice).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('selectBackend', () => {
  it.skipIf(!noLibtensorflow)(
    'auto picks native (else wasm) here and says in one line why not the GPU and libtensorflow ones',
    async () => {
      const lines: string[] = [];
      const selected = await selectBackend('auto', { log: (line) => lines.push(line) });
      expect(selected.name).toBe(bestCpu);
      expect(tf.getBackend()).toBe(bestCpu);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^backend: ${bestCpu} \\(`));
      expect(lines[0]).toContain('tensorflow-gpu: @tensorflow/tfjs-node-gpu is not installed');
      expect(lines[0]).toContain('tensorflow: @tensorflow/tfjs-node is not installed');
      if (!gpuDevice) expect(lines[0]).toMatch(/webgpu: [^;]*no GPU/);
      expect(lines[0]).not.toContain('\n');

      // A second call: same answer, nothing printed, and it re-activates wasm if someone switched away.
      await tf.setBackend('cpu');
      const again = await selectBackend('auto', { log: (line) => lines.push(line) });
      expect(again).toEqual(selected);
      expect(lines).toHaveLength(1);
      expect(tf.getBackend()).toBe(bestCpu);
    },
  );

  it('runs wasm with our extra kernels: an embedding gradient works', async () => {
    expect((await selectBackend('wasm')).name).toBe('wasm');
    const grad = tf.tidy(() =>
      tf.grad((table: tf.Tensor) => tf.gather(table, tf.tensor1d([1, 1], 'int32')).sum())(tf.zeros([3, 2])),
    );
    expect(Array.from(await grad.data())).toEqual([0, 0, 2, 2, 0, 0]);
    grad.dispose();
  });

  it.skipIf(!noLibtensorflow)(
    'refuses an explicit backend that is absent, naming the flag, why and what is available',
    async () => {
      const error = await inputErrorOf('tensorflow');
      expect(error.message).toContain('--backend');
      expect(error.message).toContain('COURSE_BACKEND');
      expect(error.message).toContain('"tensorflow"');
      expect(error.message).toContain('@tensorflow/tfjs-node is not installed');
      expect(error.message).toContain(`Available: ${nativeBuilt ? 'native, ' : ''}wasm, cpu`);

      const gpu = await inputErrorOf('tensorflow-gpu');
      expect(gpu.message).toContain('@tensorflow/tfjs-node-gpu is not installed');
    },
  );

  it('rejects an unknown backend name, listing the valid ones', async () => {
    const error = await inputErrorOf('tpu');
    expect(error.message).toContain('--backend');
    expect(error.message).toContain('"tpu"');
    expect(error.message).toContain('auto, tensorflow-gpu, webgpu, tensorflow, native, wasm, cpu');
  });

  describe('COURSE_BACKEND', () => {
    const saved = process.env.COURSE_BACKEND;
    afterAll(() => {
      if (saved === undefined) delete process.env.COURSE_BACKEND;
      else process.env.COURSE_BACKEND = saved;
    });

    it('is the default choice', async () => {
      process.env.COURSE_BACKEND = 'cpu';
      expect((await selectBackend()).name).toBe('cpu');
      expect(tf.getBackend()).toBe('cpu');
      process.env.COURSE_BACKEND = 'gpu';
      await expect(selectBackend()).rejects.toThrow(/COURSE_BACKEND: found "gpu"/);
    });
  });

  it('runs cpu, and its "install tfjs-node" banner is never printed', async () => {
    const selected = await selectBackend('cpu');
    expect(selected.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])));
    expect(Array.from(await sum.data())).toEqual([4, 6]);
    sum.dispose();
    const printed = warn.mock.calls.map((args) => args.map(String).join(' '));
    expect(printed.filter((line) => line.includes('running TensorFlow.js in Node.js'))).toEqual([]);
  });
});

describe('availableBackends', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('lists every backend in order with a reason, and leaves the active backend alone', async () => {
    const statuses = await availableBackends();
    expect(statuses.map((s) => s.name)).toEqual([
      'tensorflow-gpu',
      'webgpu',
      'tensorflow',
      'native',
      'wasm',
      'cpu',
    ]);
    const byName = new Map(statuses.map((s) => [s.name, s]));
    expect(byName.get('wasm')?.available).toBe(true);
    expect(byName.get('cpu')?.available).toBe(true);
    for (const status of statuses) expect(status.reason.length).toBeGreaterThan(0);
    if (noLibtensorflow) {
      expect(byName.get('tensorflow-gpu')?.available).toBe(false);
      expect(byName.get('tensorflow')?.available).toBe(false);
    }
    expect(tf.getBackend()).toBe('wasm');
  });

  it.skipIf(gpuDevice)('reports webgpu unavailable on a machine without a GPU, saying so', async () => {
    const webgpu = (await availableBackends()).find((s) => s.name === 'webgpu');
    expect(webgpu?.available).toBe(false);
    expect(webgpu?.reason).toMatch(/no GPU|is not installed/);
    // Nothing of WebGPU was made global when no adapter was accepted.
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined();
    expect(tf.findBackendFactory('webgpu')).toBeNull();
  });
});
