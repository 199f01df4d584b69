export * from './errors.js';
export * from './fsutil.js';
export * from './gpt2/config.js';
export * from './llmc/index.js';
export * from './backend.js';
export { registerWasmKernels } from './kernels/wasm.js';
export * from './attention.js';
export * from './layers.js';
export * from './gpt2/model.js';
