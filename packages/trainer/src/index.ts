/** Re-exported for cli's sweep tests, which import it from here; its home is @course/models. */
export { parseMainLog } from '@course/models';
export * from './adamw.js';
export * from './cost.js';
export * from './data/index.js';
export * from './dataloader.js';
export * from './eval.js';
export * from './fit/index.js';
export * from './ledger.js';
export * from './llmc-flags.js';
export * from './metrics.js';
export {
  AdaMax,
  type AdaMaxOptions,
  type AdaMaxStep,
  addressSplit,
  BUNDLED_DATA_NOTE,
  type BundledPairs,
  bregmanTerm,
  bundledPairs,
  bundledSentiment,
  cosineSimilarity,
  cosineToSimilarity,
  formatDataFile,
  formatPredictions,
  LABEL_COLUMNS,
  type LabelledSentence,
  loadSentimentFixtures,
  MULTITASK_SPLITS,
  MULTITASK_TASKS,
  type MultitaskScores,
  type MultitaskSplit,
  type MultitaskSplits,
  type MultitaskTask,
  type OptimizedVariable,
  overallScore,
  overlapSimilarity,
  overlapWords,
  PAIR_COMBINATIONS,
  type PairCombination,
  type PairExample,
  type PcgradOrder,
  type PcgradResult,
  PREDICTION_HEADERS,
  type ProseSentence,
  pairFeatures,
  pairFeatureWidth,
  paraphraseAccuracy,
  paraphraseEdit,
  parseParaphraseFile,
  parsePredictions,
  parseSentimentFile,
  parseSimilarityFile,
  parseTsv,
  pcgrad,
  pcgradCoefficients,
  pcgradVectors,
  proportionalSchedule,
  proseSentences,
  readParaphraseFile,
  readPredictions,
  readSentimentFile,
  readSimilarityFile,
  roundRobinSchedule,
  SENTIMENT_PACKAGE,
  SENTIMENT_SOURCES,
  type SentenceExample,
  SlowWeights,
  SMART_TASKS,
  type SmartPerturbationOptions,
  type SmartTask,
  type StarterReadOptions,
  type StarterReadResult,
  type SyntheticPairOptions,
  sentimentAccuracy,
  sentimentFixturesDir,
  shuffledOrder,
  smartDivergence,
  smartPerturbation,
  smartRegularizer,
  spliceSentences,
  stsCorrelation,
  type TaskPrediction,
  type TaskStep,
  taskProbabilities,
  tsvField,
  warmupLinearDecay,
  writeDataFile,
  writePredictions,
} from './multitask/index.js';
export * from './outlier.js';
export * from './peak.js';
export * from './report/index.js';
export { type RunFacts, runParameterRows } from './run-parameter-rows.js';
export * from './schedulers.js';
export * from './script-args.js';
export * from './sigmoid-net.js';
export * from './stats/index.js';
export * from './step.js';
export * from './sweep/index.js';
export * from './train.js';
export * from './transfer/index.js';
