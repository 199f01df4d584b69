export * from './attention.js';
export * from './backend.js';
export {
  BERT_BASE,
  BERT_MINI,
  type BertConfig,
  type BertTensorSpec,
  bertConfig,
  bertParameterCount,
  bertTensorSpecs,
} from './bert/config.js';
export {
  type BertFolder,
  bertConfigFromHf,
  bertConfigToHf,
  bertModelName,
  bertModelTensors,
  loadBertFolder,
  loadBertSafetensors,
  saveBertFolder,
  saveBertSafetensors,
} from './bert/hf.js';
export { BertMlmHead, type MaskedBatch, type MaskOptions, maskTokens } from './bert/mlm.js';
export {
  BERT_INIT_STD,
  Bert,
  type BertInputs,
  type BertOptions,
  type BertParameter,
  type BertRunOptions,
  geluErf,
} from './bert/model.js';
export {
  buildWordPieceVocab,
  learnWordPiece,
  type MergeCriterion,
  mergeSymbols,
  type VocabBuilderOptions,
  wordCounts,
} from './bert/vocab-builder.js';
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
