/**
 * GPT-2 configuration and the parameter tensors exactly as llm.c lays them out
 * in a checkpoint (16 tensors, layers stacked, PyTorch nn.Linear (out, in) layout).
 */

export interface GPT2Config {
  /** maxT: longest sequence (positions in wpe). llm.c: 1024. */
  maxSeqLen: number;
  /** V: real vocabulary size (50257 for GPT-2). Loss and sampling use only these. */
  vocabSize: number;
  /** Vp: V rounded up to a multiple of 128 (50304); rows V..Vp-1 of wte are 0. */
  paddedVocabSize: number;
  /** L */
  numLayers: number;
  /** NH */
  numHeads: number;
  /** C */
  channels: number;
}

export const GPT2_VOCAB_SIZE = 50257;
export const GPT2_EOT = 50256;

/** The config llm.c's fork builds from -1d/-1c/-1h (maxT, V and Vp hard-coded as there). */
export function gpt2Config(opts: {
  depth: number;
  channels: number;
  heads: number;
  maxSeqLen?: number;
  vocabSize?: number;
}): GPT2Config {
  const vocabSize = opts.vocabSize ?? GPT2_VOCAB_SIZE;
  return {
    maxSeqLen: opts.maxSeqLen ?? 1024,
    vocabSize,
    paddedVocabSize: Math.ceil(vocabSize / 128) * 128,
    numLayers: opts.depth,
    numHeads: opts.heads,
    channels: opts.channels,
  };
}

export type ParameterName =
  | 'wte'
  | 'wpe'
  | 'ln1w'
  | 'ln1b'
  | 'qkvw'
  | 'qkvb'
  | 'attprojw'
  | 'attprojb'
  | 'ln2w'
  | 'ln2b'
  | 'fcw'
  | 'fcb'
  | 'fcprojw'
  | 'fcprojb'
  | 'lnfw'
  | 'lnfb';

export interface ParameterTensor {
  name: ParameterName;
  /** Full shape as stored, layers first for per-layer tensors, e.g. qkvw (L, 3C, C). */
  shape: number[];
  /** Shape of one layer's slice (same as shape for tensors that are not per layer). */
  layerShape: number[];
  /** True for the 12 tensors stacked over layers. */
  perLayer: boolean;
  /** Element offset into the flat parameter array (file order). */
  offset: number;
  /** Number of elements. */
  size: number;
  /** AdamW weight decay applies (the 2-D tensors: wte, wpe, qkvw, attprojw, fcw, fcprojw). */
  decay: boolean;
}

/** The 16 tensors in file order with offsets; sum of sizes = numParameters(config). */
export function parameterTensors(config: GPT2Config): ParameterTensor[] {
  const { maxSeqLen: T, paddedVocabSize: Vp, numLayers: L, channels: C } = config;
  const spec: [ParameterName, number[], boolean, boolean][] = [
    // name, one layer's shape, per layer, decay
    ['wte', [Vp, C], false, true],
    ['wpe', [T, C], false, true],
    ['ln1w', [C], true, false],
    ['ln1b', [C], true, false],
    ['qkvw', [3 * C, C], true, true],
    ['qkvb', [3 * C], true, false],
    ['attprojw', [C, C], true, true],
    ['attprojb', [C], true, false],
    ['ln2w', [C], true, false],
    ['ln2b', [C], true, false],
    ['fcw', [4 * C, C], true, true],
    ['fcb', [4 * C], true, false],
    ['fcprojw', [C, 4 * C], true, true],
    ['fcprojb', [C], true, false],
    ['lnfw', [C], false, false],
    ['lnfb', [C], false, false],
  ];
  let offset = 0;
  return spec.map(([name, layerShape, perLayer, decay]) => {
    const shape = perLayer ? [L, ...layerShape] : layerShape;
    const size = shape.reduce((a, b) => a * b, 1);
    const tensor = { name, shape, layerShape, perLayer, offset, size, decay };
    offset += size;
    return tensor;
  });
}

/** N = Vp·C + maxT·C + L·(12C² + 13C) + 2C, padded wte rows included (as llm.c counts). */
export function numParameters(config: GPT2Config): number {
  return parameterTensors(config).reduce((n, t) => n + t.size, 0);
}
