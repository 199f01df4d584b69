// bfloat16 conversion (v5 checkpoints).
export { bf16ToFp32, fp32ToBf16 } from './bf16.js';
// Model checkpoints (gpt2_124M.bin, model_%08d.bin).
export {
  CHECKPOINT_MAGIC,
  type CheckpointHeader,
  type CheckpointVersion,
  checkArchitecture,
  checkpointFileBytes,
  type RequiredArchitecture,
  readCheckpoint,
  readCheckpointHeader,
  writeCheckpoint,
} from './checkpoint.js';
// The 1024-byte header every llm.c file starts with.
export { HEADER_BYTES } from './header.js';
// HellaSwag eval files (hellaswag_val.bin).
export {
  HELLASWAG_MAGIC,
  HELLASWAG_VERSION,
  type HellaSwagExample,
  NUM_COMPLETIONS,
  readHellaSwag,
  START_EXAMPLE,
  writeHellaSwag,
} from './hellaswag.js';
// DIR/main.log.
export { MainLog, type MainLogData, parseMainLog, type TrainLogEntry } from './mainlog.js';
// DIR/run_parameters.txt.
export {
  appendRunParameters,
  formatRunParameters,
  parseRunParameters,
  type RunParameterFormat,
  type RunParameterLine,
  type RunParameterRow,
  readRunParameters,
} from './run-parameters.js';
// Token shards (*_train_*.bin, *_val_*.bin).
export {
  expandShardPattern,
  readShard,
  readShardHeader,
  SHARD_MAGIC,
  SHARD_VERSION,
  type ShardHeader,
  writeShard,
} from './shards.js';
// Optimizer/resume state (state_%08d_%05d.bin).
export {
  checkpointFileName,
  type DataloaderShuffle,
  doneFileName,
  type OptimizerState,
  readOptimizerState,
  STATE_MAGIC,
  STATE_VERSION,
  stateFileName,
  writeOptimizerState,
} from './state.js';
// Tokenizer table (gpt2_tokenizer.bin).
export {
  decodeTokens,
  readTokenizer,
  TOKENIZER_MAGIC,
  type TokenizerTable,
  type TokenizerVersion,
  writeTokenizer,
} from './tokenizer.js';
