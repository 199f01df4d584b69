/** `course sweep --plan`: sweep configs, successive-halving and Hyperband brackets, projected cost. */
export { loadSweepConfig, validateSweepConfig } from './config.js';
export {
  type Bracket,
  bracketSteps,
  bracketStepsFromScratch,
  ceilDiv,
  floorDiv,
  hyperbandBrackets,
  maxBracket,
  type Rung,
  successiveHalving,
} from './hyperband.js';
export {
  DEFAULT_ETA,
  DEFAULT_FRACTIONS,
  DEFAULT_MAX_DOUBLINGS,
  formatSweepPlan,
  type PlannedTrial,
  planSweep,
  type SpaceEntry,
  type SweepConfig,
  type SweepPlan,
  sweepPlanJson,
  usdPerStage,
  usdPerStep,
} from './plan.js';
export {
  inProcessTrial,
  type ParallelCap,
  parallelCap,
  processTrial,
  TRIAL_PROCESS_BYTES,
  type TrialRunner,
  trialChildScript,
} from './processes.js';
export {
  type BestLr,
  bestLrs,
  bracketConfigs,
  lrPlotCharts,
  PARAM_FLAGS,
  readSweepState,
  runSweep,
  type StageResult,
  SWEEP_SCALES,
  SWEEP_STATE_FILE,
  type SweepOutcome,
  type SweepRunOptions,
  type SweepScale,
  type SweepState,
  sweepBestPoints,
  type TrialState,
  trialArgs,
} from './run.js';
export { SWEEP_CONFIG_SCHEMA, SWEEP_STRATEGIES, type SweepStrategy, schemaErrors } from './schema.js';
