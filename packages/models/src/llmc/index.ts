export { bf16ToFp32, fp32ToBf16 } from './bf16.js';
export * from './checkpoint.js';
export { HEADER_BYTES } from './header.js';
export * from './hellaswag.js';
export { MainLog, type MainLogData, parseMainLog, type TrainLogEntry } from './mainlog.js';
export {
  appendRunParameters,
  formatRunParameters,
  parseRunParameters,
  type RunParameterFormat,
  type RunParameterLine,
  type RunParameterRow,
  readRunParameters,
} from './run-parameters.js';
export * from './shards.js';
export * from './state.js';
export * from './tokenizer.js';
