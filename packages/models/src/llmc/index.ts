export { bf16ToFp32, fp32ToBf16 } from './bf16.js';
export * from './checkpoint.js';
export { HEADER_BYTES } from './header.js';
export * from './hellaswag.js';
export * from './shards.js';
export * from './state.js';
export * from './tokenizer.js';
