import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { availableBackends, type BackendChoice, selectBackend } from '../src/backend.js';
import { InputError } from '../src/errors.js';

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
    'auto picks wasm here and says in one line why not the libtensorflow ones',
    async () => {
      const lines: string[] = [];
      const selected = await selectBackend('auto', { log: (line) => lines.push(line) });
      expect(selected.name).toBe('wasm');
      expect(tf.getBackend()).toBe('wasm');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^backend: wasm \(/);
      expect(lines[0]).toContain('tensorflow-gpu: @tensorflow/tfjs-node-gpu is not installed');
      expect(lines[0]).toContain('tensorflow: @tensorflow/tfjs-node is not installed');
      expect(lines[0]).not.toContain('\n');

      // A second call: same answer, nothing printed, and it re-activates wasm if someone switched away.
      await tf.setBackend('cpu');
      const again = await selectBackend('auto', { log: (line) => lines.push(line) });
      expect(again).toEqual(selected);
      expect(lines).toHaveLength(1);
      expect(tf.getBackend()).toBe('wasm');
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
      expect(error.message).toContain('Available: wasm, cpu');

      const gpu = await inputErrorOf('tensorflow-gpu');
      expect(gpu.message).toContain('@tensorflow/tfjs-node-gpu is not installed');
    },
  );

  it('rejects an unknown backend name, listing the valid ones', async () => {
    const error = await inputErrorOf('tpu');
    expect(error.message).toContain('--backend');
    expect(error.message).toContain('"tpu"');
    expect(error.message).toContain('auto, tensorflow-gpu, tensorflow, wasm, cpu');
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
    expect(statuses.map((s) => s.name)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
    expect(statuses.find((s) => s.name === 'wasm')?.available).toBe(true);
    expect(statuses.find((s) => s.name === 'cpu')?.available).toBe(true);
    for (const status of statuses) expect(status.reason.length).toBeGreaterThan(0);
    if (noLibtensorflow) {
      expect(statuses.slice(0, 2).map((s) => s.available)).toEqual([false, false]);
    }
    expect(tf.getBackend()).toBe('wasm');
  });
});
