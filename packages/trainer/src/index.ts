export * from './adamw.js';
export * from './cost.js';
export * from './data/index.js';
export * from './dataloader.js';
export * from './eval.js';
export * from './fit/index.js';
export * from './ledger.js';
export * from './llmc-flags.js';
export * from './mainlog.js';
export * from './metrics.js';
export {
  AdaMax,
  type AdaMaxOptions,
  type AdaMaxStep,
  bregmanTerm,
  cosineSimilarity,
  cosineToSimilarity,
  type MultitaskScores,
  type OptimizedVariable,
  overallScore,
  PAIR_COMBINATIONS,
  type PairCombination,
  type PcgradOrder,
  type PcgradResult,
  pairFeatures,
  pairFeatureWidth,
  paraphraseAccuracy,
  pcgrad,
  pcgradCoefficients,
  pcgradVectors,
  proportionalSchedule,
  roundRobinSchedule,
  SlowWeights,
  SMART_TASKS,
  type SmartPerturbationOptions,
  type SmartTask,
  sentimentAccuracy,
  shuffledOrder,
  smartDivergence,
  smartPerturbation,
  smartRegularizer,
  stsCorrelation,
  type TaskStep,
  taskProbabilities,
  warmupLinearDecay,
} from './multitask/index.js';
export * from './outlier.js';
export * from './peak.js';
export * from './report/index.js';
export * from './schedulers.js';
export * from './script-args.js';
export * from './sigmoid-net.js';
export * from './stats/index.js';
export * from './step.js';
export * from './train.js';
export * from './transfer/index.js';
