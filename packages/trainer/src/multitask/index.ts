export { AdaMax, type AdaMaxOptions, type AdaMaxStep, type OptimizedVariable } from './adamax.js';
export {
  cosineSimilarity,
  cosineToSimilarity,
  PAIR_COMBINATIONS,
  type PairCombination,
  pairFeatures,
  pairFeatureWidth,
} from './heads.js';
export {
  type MultitaskScores,
  overallScore,
  paraphraseAccuracy,
  sentimentAccuracy,
  stsCorrelation,
} from './metrics.js';
export {
  type PcgradOrder,
  type PcgradResult,
  pcgrad,
  pcgradCoefficients,
  pcgradVectors,
  shuffledOrder,
} from './pcgrad.js';
export {
  proportionalSchedule,
  roundRobinSchedule,
  type TaskStep,
  taskProbabilities,
  warmupLinearDecay,
} from './schedules.js';
export {
  bregmanTerm,
  SlowWeights,
  SMART_TASKS,
  type SmartPerturbationOptions,
  type SmartTask,
  smartDivergence,
  smartPerturbation,
  smartRegularizer,
} from './smart.js';
