export {
  type GenerateHellaSwagOptions,
  generateHellaSwag,
  seededRandom,
  sequenceLogProb,
  splitSentences,
  UNIGRAM_ALPHA,
  unigramLogProbs,
} from './hellaswag-gen.js';
export { convertHellaSwagJsonl } from './hellaswag-jsonl.js';
export {
  type BuildShardsOptions,
  buildShards,
  DEFAULT_SHARD_TOKENS,
  DEFAULT_VAL_FRACTION,
  MAX_SHARD_TOKENS,
  MIN_SHARD_TOKENS,
  type ShardProgress,
  type ShardSet,
  type ShardsFromTextFilesOptions,
  shardsFromTextFiles,
} from './shards.js';
export {
  type DefaultData,
  defaultDataDir,
  ensureDefaultData,
  isHeldOutYear,
  loadSotuAddresses,
  SOTU_PACKAGE,
  type SotuAddress,
  tokenCounts,
} from './sotu.js';
