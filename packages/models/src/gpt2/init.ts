/**
 * llm.c's random GPT-2 initialisation (train_gpt2.cu when no `-e .bin` is
 * given), value for value: one MT19937 seeded 42 draws, in PyTorch module
 * order, wte (its first V rows only), wpe, then per layer qkvw, attprojw, fcw,
 * fcprojw, each with its own normal_ call. Weights ~ N(0, 0.02); the two
 * projections back into the residual stream (attprojw, fcprojw) use
 * 0.02 / sqrt(2L), computed in float as llm.c does; biases are 0 and LayerNorm
 * weights 1. llm.c then rounds these fp32 values to bf16 for its bf16 build.
 */
import { MT19937 } from '../rand/mt19937.js';
import { type GPT2Config, type ParameterName, parameterTensors } from './config.js';

const WEIGHT_STD = Math.fround(0.02);

/** The weights drawn for every layer, in draw order. */
const LAYER_WEIGHTS: ParameterName[] = ['qkvw', 'attprojw', 'fcw', 'fcprojw'];
const RESIDUAL_PROJECTIONS = new Set<ParameterName>(['attprojw', 'fcprojw']);
const LAYERNORM_WEIGHTS = new Set<ParameterName>(['ln1w', 'ln2w', 'lnfw']);

/** llm.c's std for attprojw/fcprojw: 0.02f * (1.0f / sqrtf(2.0f * L)), every step in float. */
export function residualProjectionStd(numLayers: number): number {
  const residualScale = Math.fround(1 / Math.fround(Math.sqrt(Math.fround(2 * numLayers))));
  return Math.fround(WEIGHT_STD * residualScale);
}

/** The flat parameter array (llm.c file order, padded wte rows 0) that llm.c starts training from. */
export function initParametersLlmc(config: GPT2Config, seed = 42): Float32Array {
  const tensors = new Map(parameterTensors(config).map((t) => [t.name, t]));
  const tensor = (name: ParameterName) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`parameterTensors has no ${name}`);
    return t;
  };
  const last = tensor('lnfb');
  const params = new Float32Array(last.offset + last.size);
  for (const name of LAYERNORM_WEIGHTS) {
    const t = tensor(name);
    params.fill(1, t.offset, t.offset + t.size);
  }

  const rng = new MT19937(seed);
  const { vocabSize: V, channels: C, numLayers: L } = config;
  const wte = tensor('wte');
  rng.normal(params.subarray(wte.offset, wte.offset + V * C), 0, WEIGHT_STD);
  const wpe = tensor('wpe');
  rng.normal(params.subarray(wpe.offset, wpe.offset + wpe.size), 0, WEIGHT_STD);
  const projectionStd = residualProjectionStd(L);
  for (let l = 0; l < L; l++) {
    for (const name of LAYER_WEIGHTS) {
      const t = tensor(name);
      const perLayer = t.size / L;
      const start = t.offset + l * perLayer;
      const std = RESIDUAL_PROJECTIONS.has(name) ? projectionStd : WEIGHT_STD;
      rng.normal(params.subarray(start, start + perLayer), 0, std);
    }
  }
  return params;
}
