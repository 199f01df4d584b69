export * from './attention.js';
export * from './backend.js';
export * from './errors.js';
export * from './fsutil.js';
export * from './gpt2/bpe.js';
export * from './gpt2/config.js';
export * from './gpt2/init.js';
export * from './gpt2/model.js';
export * from './gpt2/sample.js';
export { registerCpuKernels } from './kernels/cpu.js';
export {
  type AdamWHyper,
  loadNativeAddon,
  NATIVE_BACKEND,
  type NativeKernelStats,
  nativeActive,
  nativeAdamWInPlace,
  nativeKernelStats,
  nativeSumSquares,
} from './kernels/native/index.js';
export { registerWasmKernels } from './kernels/wasm.js';
export * from './layers.js';
export * from './llmc/index.js';
export * from './nn/activations.js';
export * from './nn/classic-cnns.js';
export * from './nn/embedding.js';
export * from './nn/initializers.js';
export * from './nn/lstm.js';
export * from './nn/mlp.js';
export * from './nn/module.js';
export { type RecurrentLayer, SequenceModel, type SequenceModelConfig } from './nn/recurrent.js';
export * from './nn/rnn.js';
export * from './rand/mt19937.js';
export * from './tidy-read.js';
export * from './weights/safetensors.js';
