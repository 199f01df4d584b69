import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gpt2Config, type ParameterName, parameterTensors } from '../src/gpt2/config.js';
import { initParametersLlmc, residualProjectionStd } from '../src/gpt2/init.js';

// Expected values: test/fixtures/torch_init_reference.py, `tiny_gpt`: the same draw order done with
// torch.manual_seed(42) and one torch.empty(n).normal_(0, std) per tensor slice (ATEN_CPU_CAPABILITY=default).

function sha256(values: Float32Array): string {
  return createHash('sha256')
    .update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
    .digest('hex');
}

function slices(config: ReturnType<typeof gpt2Config>, params: Float32Array) {
  const byName = new Map(parameterTensors(config).map((t) => [t.name, t]));
  return (name: ParameterName) => {
    const t = byName.get(name);
    if (!t) throw new Error(name);
    return params.subarray(t.offset, t.offset + t.size);
  };
}

function std(values: Float32Array): number {
  let sum = 0;
  let sumSq = 0;
  for (const v of values) {
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / values.length;
  return Math.sqrt(sumSq / values.length - mean * mean);
}

describe('initParametersLlmc', () => {
  it('equals the torch init of a tiny GPT-2 (L=2, C=8, V=50, maxT=16) element for element', () => {
    const config = gpt2Config({ depth: 2, channels: 8, heads: 2, vocabSize: 50, maxSeqLen: 16 });
    const params = initParametersLlmc(config);
    const tensor = slices(config, params);
    expect(params.length).toBe(2912);
    expect(tensor('wte')[0]).toBe(0.03853829950094223);
    expect(tensor('wte')[50 * 8 - 1]).toBe(0.016487283632159233);
    expect(tensor('wpe')[0]).toBe(0.0004939984646625817);
    expect(tensor('qkvw')[3 * 8 * 8]).toBe(0.0005563456215895712); // layer 1, first element
    expect(tensor('attprojw')[5]).toBe(0.002792840823531151);
    expect(tensor('fcprojw').at(-1)).toBe(0.009171102195978165);
    expect(sha256(params)).toBe('816fb657537edc31f6ccf9ba867779a92d2924d52b1efd3dbfabdaeee0e6af7d');
  });

  it('equals torch for L=3, C=16, V=100, maxT=8, where 0.02/sqrt(2L) is not a power-of-two fraction of 0.02', () => {
    const config = gpt2Config({ depth: 3, channels: 16, heads: 4, vocabSize: 100, maxSeqLen: 8 });
    const params = initParametersLlmc(config);
    const tensor = slices(config, params);
    expect(params.length).toBe(12048);
    expect(tensor('attprojw')[5]).toBe(-0.004698636941611767);
    expect(tensor('fcprojw').at(-1)).toBe(0.00012374870129860938);
    expect(sha256(params)).toBe('48102688b3d256087aba5cb20a0cb14396e01aed35ef1d88a2ee2876f98b8dab');
  });

  it('computes the residual projection std in float as llm.c does', () => {
    // numpy: float32(0.02) * (float32(1) / sqrt(float32(2L))); for L = 24 it differs from float32(0.02 / sqrt(48)).
    expect(residualProjectionStd(2)).toBe(0.009999999776482582);
    expect(residualProjectionStd(12)).toBe(0.004082482773810625);
    expect(residualProjectionStd(24)).toBe(0.00288675120100379);
    expect(Math.fround(0.02 / Math.sqrt(48))).toBe(0.0028867514338344336);
  });

  it('has llm.c structure: padded wte rows 0, biases 0, LayerNorm weights 1, the two stds', () => {
    const L = 4;
    const C = 64;
    const V = 500;
    const config = gpt2Config({ depth: L, channels: C, heads: 4, vocabSize: V, maxSeqLen: 32 });
    const params = initParametersLlmc(config);
    const tensor = slices(config, params);
    expect(config.paddedVocabSize).toBe(512);
    expect(
      tensor('wte')
        .subarray(V * C)
        .every((v) => v === 0),
    ).toBe(true);
    expect(
      tensor('wte')
        .subarray((V - 1) * C, V * C)
        .some((v) => v !== 0),
    ).toBe(true);
    for (const name of ['ln1b', 'qkvb', 'attprojb', 'ln2b', 'fcb', 'fcprojb', 'lnfb'] as const) {
      expect(tensor(name).every((v) => v === 0)).toBe(true);
    }
    for (const name of ['ln1w', 'ln2w', 'lnfw'] as const) {
      expect(tensor(name).every((v) => v === 1)).toBe(true);
    }
    // 49k samples each: the sample std is within ~0.7% of the true one (3 sigma ≈ 1%).
    expect(std(tensor('qkvw'))).toBeGreaterThan(0.02 * 0.98);
    expect(std(tensor('qkvw'))).toBeLessThan(0.02 * 1.02);
    const projection = 0.02 / Math.sqrt(2 * L);
    expect(std(tensor('attprojw'))).toBeGreaterThan(projection * 0.97);
    expect(std(tensor('attprojw'))).toBeLessThan(projection * 1.03);
    expect(std(tensor('fcprojw'))).toBeGreaterThan(projection * 0.98);
    expect(std(tensor('fcprojw'))).toBeLessThan(projection * 1.02);
  });

  it('gives the same weights for the same seed and different ones for another seed', () => {
    const config = gpt2Config({ depth: 2, channels: 8, heads: 2, vocabSize: 50, maxSeqLen: 16 });
    const a = initParametersLlmc(config, 42);
    const b = initParametersLlmc(config, 42);
    const c = initParametersLlmc(config, 43);
    expect(b).toEqual(a);
    const wte = parameterTensors(config)[0];
    let differing = 0;
    for (let i = 0; i < 50 * 8; i++) if (a[wte.offset + i] !== c[wte.offset + i]) differing++;
    expect(differing).toBe(400);
  });
});
