// Scaled dot-product and multi-head attention (GPT-2 causal, BERT padded).
export {
  ATTENTION_WORKED_EXAMPLE,
  type AttentionOptions,
  type AttentionSteps,
  attentionSteps,
  causalMask,
  causalSelfAttention,
  encoderSelfAttention,
  type MultiHeadAttentionOptions,
  type MultiHeadAttentionWeights,
  mergeHeads,
  multiHeadAttention,
  type Projection,
  scaledDotProductAttention,
  splitHeads,
} from './attention.js';
// Backend selection: --backend / COURSE_BACKEND, auto's order and its one-line report.
export {
  availableBackends,
  BACKEND_ENV,
  BACKEND_NAMES,
  type BackendChoice,
  type BackendName,
  type BackendStatus,
  parseBackendChoice,
  resolveBackendChoice,
  type SelectBackendOptions,
  type SelectedBackend,
  selectBackend,
} from './backend.js';
// BERT: sizes and Hugging Face tensor layout.
export {
  BERT_BASE,
  BERT_MINI,
  type BertConfig,
  type BertTensorSpec,
  bertConfig,
  bertParameterCount,
  bertTensorSpecs,
} from './bert/config.js';
// BERT: Hugging Face folders (config.json, vocab.txt, model.safetensors).
export {
  type BertFolder,
  bertConfigFromHf,
  bertConfigToHf,
  bertModelName,
  bertModelTensors,
  loadBertFolder,
  loadBertSafetensors,
  readBertSafetensors,
  saveBertFolder,
  saveBertSafetensors,
} from './bert/hf.js';
// BERT: masked-language-model head and masking.
export { BertMlmHead, type MaskedBatch, type MaskOptions, maskTokens } from './bert/mlm.js';
// BERT: the encoder.
export {
  BERT_INIT_STD,
  Bert,
  type BertInputs,
  type BertOptions,
  type BertParameter,
  type BertRunOptions,
  geluErf,
} from './bert/model.js';
// BERT: learning a WordPiece vocabulary.
export {
  buildWordPieceVocab,
  learnWordPiece,
  type MergeCriterion,
  mergeSymbols,
  type VocabBuilderOptions,
  wordCounts,
} from './bert/vocab-builder.js';
// BERT: the uncased WordPiece tokenizer.
export {
  BERT_SPECIAL_TOKENS,
  type BertEncoding,
  type BertSpecialToken,
  basicTokenize,
  type EncodeOptions,
  isCjk,
  isControl,
  isPunctuation,
  isWhitespace,
  padBatch,
  stripAccents,
  WORDPIECE_CONTINUATION,
  WORDPIECE_MAX_CHARS,
  WordPieceTokenizer,
  WordPieceVocab,
  wordPiece,
} from './bert/wordpiece.js';
// Errors a user can fix, with their exit codes.
export { BudgetError, CourseError, formatError, InputError, reportError } from './errors.js';
// Atomic file writes.
export { writeFileAtomic } from './fsutil.js';
// GPT-2: BPE tokenization.
export { decodeText, encodeDocument, encodeOrdinary } from './gpt2/bpe.js';
// GPT-2: configuration and llm.c's parameter tensors.
export {
  GPT2_EOT,
  GPT2_VOCAB_SIZE,
  type GPT2Config,
  gpt2Config,
  numParameters,
  type ParameterName,
  type ParameterTensor,
  parameterTensors,
} from './gpt2/config.js';
// GPT-2: llm.c's random initialisation.
export { initParametersLlmc, residualProjectionStd } from './gpt2/init.js';
// GPT-2: the model.
export { GPT2, type GPT2Options, type GPT2Parameter } from './gpt2/model.js';
export {
  applyMupInit,
  attentionScale,
  describeMup,
  initParametersMup,
  MUP_HIDDEN_MATRICES,
  type MupSettings,
  mupInitMultiplier,
  mupLrMultiplier,
  outputMultiplier,
  recordedMup,
  standardAttentionScale,
  widthMultiplier,
} from './gpt2/mup.js';
// GPT-2: text generation.
export { pickToken, type SampleOptions, sample, sampleTokens } from './gpt2/sample.js';
// The native backend's raw-array helpers (global norm, AdamW in place) and kernel counts.
export {
  type AdamWHyper,
  fusedDense,
  fusedProbabilityCrossEntropy,
  fusedSparseAccuracy,
  loadNativeAddon,
  NATIVE_BACKEND,
  type NativeKernelStats,
  nativeActive,
  nativeAdamWInPlace,
  nativeDenseActive,
  nativeKernelStats,
  nativeSumSquares,
} from './kernels/native/index.js';
// Hand-written-gradient building blocks (linear, layer norm, GELU, cross-entropy).
export { crossEntropyPerRow, gelu, layerNorm, linear } from './layers.js';
// llm.c's file formats: checkpoints, shards, state, tokenizer, HellaSwag, main.log, run_parameters.txt.
export {
  appendRunParameters,
  bf16ToFp32,
  CHECKPOINT_MAGIC,
  type CheckpointHeader,
  type CheckpointVersion,
  checkArchitecture,
  checkpointFileBytes,
  checkpointFileName,
  type DataloaderShuffle,
  decodeTokens,
  doneFileName,
  expandShardPattern,
  formatRunParameters,
  fp32ToBf16,
  HEADER_BYTES,
  HELLASWAG_MAGIC,
  HELLASWAG_VERSION,
  type HellaSwagExample,
  MainLog,
  type MainLogData,
  NUM_COMPLETIONS,
  type OptimizerState,
  parseMainLog,
  parseRunParameters,
  type RequiredArchitecture,
  type RunParameterFormat,
  type RunParameterLine,
  type RunParameterRow,
  readCheckpoint,
  readCheckpointHeader,
  readHellaSwag,
  readOptimizerState,
  readRunParameters,
  readShard,
  readShardHeader,
  readTokenizer,
  SHARD_MAGIC,
  SHARD_VERSION,
  type ShardHeader,
  START_EXAMPLE,
  STATE_MAGIC,
  STATE_VERSION,
  stateFileName,
  TOKENIZER_MAGIC,
  type TokenizerTable,
  type TokenizerVersion,
  type TrainLogEntry,
  writeCheckpoint,
  writeHellaSwag,
  writeOptimizerState,
  writeShard,
  writeTokenizer,
} from './llmc/index.js';
// Classic models: activations by Keras name.
export { ACTIVATION_NAMES, type ActivationName, activate } from './nn/activations.js';
// Classic models: ImageNet CNN parameter counts.
export {
  buildClassicCnn,
  CLASSIC_CNN_NOTES,
  CLASSIC_CNNS,
  type ClassicCnnName,
  type CnnParameterCounts,
  classicCnnParameterCount,
  classicCnnParameterCounts,
  isClassicCnnName,
} from './nn/classic-cnns.js';
// Classic models: embedding table.
export { Embedding } from './nn/embedding.js';
// Classic models: seeded initializers by Keras name.
export {
  INITIALIZER_NAMES,
  type InitializerName,
  initialize,
  TRUNCATED_NORMAL_STD,
  variableFrom,
} from './nn/initializers.js';
// Classic models: LSTM.
export { createLstm, LSTM_GATES, Lstm, type LstmGate, lstmParameterCount } from './nn/lstm.js';
// Classic models: MLP.
export { createMlp, Mlp, type MlpConfig, mlpParameterCount } from './nn/mlp.js';
// Classic models: the Module contract that trainer's fit drives.
export { type ApplyOptions, type Module, moduleParameterCount } from './nn/module.js';
// Classic models: embedding -> recurrent layer -> head.
export { type RecurrentLayer, SequenceModel, type SequenceModelConfig } from './nn/recurrent.js';
// Classic models: Elman RNN.
export { createRnn, ElmanRnn, type RnnConfig, rnnParameterCount } from './nn/rnn.js';
// llm.c's and PyTorch's Mersenne Twister.
export { LLMC_MT19937_STATE_BYTES, MT19937, type MT19937State } from './rand/mt19937.js';
// Reading a tensor's values out of a tidy scope.
export { tidyRead } from './tidy-read.js';
// safetensors weight files.
export {
  decodeSafetensors,
  encodeSafetensors,
  loadModuleWeights,
  moduleTensors,
  readSafetensors,
  type SafetensorsFile,
  type SafetensorsReadOptions,
  type SafetensorsTensor,
  saveModuleWeights,
  writeSafetensors,
} from './weights/safetensors.js';
