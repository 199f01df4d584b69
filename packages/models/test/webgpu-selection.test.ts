import { describe, expect, it } from 'vitest';
import { adapterName, judgeAdapter } from '../src/gpu/adapter.js';
import { chooseAdapter, type GpuAdapterLike, type GpuLike, vulkanLoaderFound } from '../src/gpu/webgpu.js';

// Adapters as Dawn describes them (GPUAdapterInfo fields), written out by hand.
const h100 = {
  isFallbackAdapter: false,
  info: { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100 80GB HBM3' },
};
const swiftshader = {
  info: { vendor: 'google', architecture: 'swiftshader', device: 'swiftshader', description: '' },
};
const lavapipe = {
  info: { vendor: 'mesa', architecture: '', device: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' },
};

describe('judgeAdapter', () => {
  it('refuses no adapter at all, saying there is no GPU', () => {
    for (const none of [null, undefined]) {
      const verdict = judgeAdapter(none);
      expect(verdict.accepted).toBe(false);
      expect(!verdict.accepted && verdict.reason).toMatch(/^no GPU: Dawn found no WebGPU adapter$/);
    }
  });

  it('refuses an adapter flagged as a fallback, on the adapter or (newer spec) in its info', () => {
    const flagged = { isFallbackAdapter: true, info: { vendor: 'x', description: 'Some GPU' } };
    const inInfo = { info: { description: 'Some GPU', isFallbackAdapter: true } };
    for (const adapter of [flagged, inInfo]) {
      expect(judgeAdapter(adapter)).toEqual({
        accepted: false,
        reason: 'no GPU: the only adapter is a CPU fallback (Some GPU)',
      });
    }
  });

  it('refuses software renderers that are not flagged, by their names', () => {
    expect(judgeAdapter(swiftshader)).toEqual({
      accepted: false,
      reason: 'no GPU: the only adapter is software (google swiftshader swiftshader)',
    });
    // What Dawn 0.6.2's create(['backend=null']) adapter reports, copied from a run here.
    const dawnNull = {
      info: {
        vendor: '',
        architecture: '',
        device: 'null-backend',
        description: '',
        isFallbackAdapter: false,
      },
    };
    expect(judgeAdapter(dawnNull)).toEqual({
      accepted: false,
      reason: 'no GPU: the only adapter is software (null-backend)',
    });
    expect(judgeAdapter(lavapipe)).toMatchObject({ accepted: false });
    expect(judgeAdapter({ info: { description: 'Microsoft Basic Render Driver' } }).accepted).toBe(false);
    expect(judgeAdapter({ info: { description: 'Some device', type: 'CPU' } }).accepted).toBe(false);
  });

  it('accepts a discrete GPU and names it', () => {
    expect(judgeAdapter(h100)).toEqual({ accepted: true, name: 'NVIDIA H100 80GB HBM3' });
    const noDescription = { info: { vendor: 'amd', architecture: 'rdna-3', device: '' } };
    expect(judgeAdapter(noDescription)).toEqual({ accepted: true, name: 'amd rdna-3' });
    expect(judgeAdapter({})).toEqual({ accepted: true, name: 'an adapter that gives no name' });
    expect(adapterName({ description: '  ' })).toBe('an adapter that gives no name');
  });
});

/** A navigator.gpu stand-in that offers `adapter` and records what it was asked. */
function fakeGpu(adapter: GpuAdapterLike | null) {
  const asked: unknown[] = [];
  const gpu: GpuLike = {
    requestAdapter: async (options) => {
      asked.push(options);
      return adapter;
    },
  };
  return { gpu, asked };
}
const requestDevice = async () => ({});

describe('chooseAdapter', () => {
  it('asks for the high-performance adapter, as tfjs-backend-webgpu does', async () => {
    const { gpu, asked } = fakeGpu(null);
    const choice = await chooseAdapter(gpu);
    expect(asked).toEqual([{ powerPreference: 'high-performance' }]);
    expect(choice.adapter).toBeNull();
    expect(choice.verdict.accepted).toBe(false);
  });

  it('refuses a fallback adapter and accepts a discrete one', async () => {
    const fallback = await chooseAdapter(fakeGpu({ ...swiftshader, requestDevice }).gpu);
    expect(fallback.verdict.accepted).toBe(false);
    const discrete = await chooseAdapter(fakeGpu({ ...h100, requestDevice }).gpu);
    expect(discrete.verdict).toEqual({ accepted: true, name: 'NVIDIA H100 80GB HBM3' });
    expect(discrete.info).toBe(h100.info);
  });

  it('reads the info through requestAdapterInfo() where the adapter has no info field', async () => {
    const older = { requestDevice, requestAdapterInfo: async () => lavapipe.info };
    const choice = await chooseAdapter(fakeGpu(older).gpu);
    expect(choice.info).toBe(lavapipe.info);
    expect(choice.verdict.accepted).toBe(false);
  });
});

describe('vulkanLoaderFound', () => {
  const none = () => false;
  it('finds libvulkan.so.1 in LD_LIBRARY_PATH, in ld.so.cache or in a default folder', () => {
    const inPath = (file: string) => file === '/opt/vk/lib/libvulkan.so.1';
    expect(vulkanLoaderFound({ libraryPath: '/x:/opt/vk/lib', ldCache: undefined, exists: inPath })).toBe(
      true,
    );
    const cache = new TextEncoder().encode(
      'ld.so-1.7.0\0libc.so.6\0libvulkan.so.1\0/usr/lib/libvulkan.so.1\0',
    );
    expect(vulkanLoaderFound({ libraryPath: undefined, ldCache: cache, exists: none })).toBe(true);
    const usrLib = (file: string) => file === '/usr/lib/libvulkan.so.1';
    expect(vulkanLoaderFound({ libraryPath: '', ldCache: undefined, exists: usrLib })).toBe(true);
  });

  it('says no when none of them has it', () => {
    const cache = new TextEncoder().encode('ld.so-1.7.0\0libc.so.6\0libvulkan.so\0libGL.so.1\0');
    expect(vulkanLoaderFound({ libraryPath: '/a:/b', ldCache: cache, exists: none })).toBe(false);
    expect(vulkanLoaderFound({ libraryPath: undefined, ldCache: undefined, exists: none })).toBe(false);
  });
});
