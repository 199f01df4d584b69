/** Keras-like training for `Module`s: fit/evaluate/predict, losses, metrics, clipping, callbacks, History. */

export { Adam, adam } from './adam.js';
export {
  type BatchLogs,
  type Callback,
  CSVLogger,
  EarlyStopping,
  type EarlyStoppingOptions,
  EpochTimer,
  type FitContext,
  getWeights,
  JSONLLogger,
  type Mode,
  ModelCheckpoint,
  type ModelCheckpointOptions,
  ProgressBar,
  type ProgressBarOptions,
  setWeights,
} from './callbacks.js';
export { type ClipOptions, clipGradients, globalGradNorm } from './clip.js';
export { type Dataset, type EvaluateOptions, evaluate, type FitOptions, fit, predict } from './fit.js';
export { History, type Logs, parseHistoryCsv, parseHistoryJsonl } from './history.js';
export {
  binaryCrossentropy,
  type CrossEntropyOptions,
  type Loss,
  meanSquaredError,
  sparseCategoricalCrossentropy,
} from './losses.js';
export { binaryAccuracy, type Metric, sparseCategoricalAccuracy } from './metrics.js';
