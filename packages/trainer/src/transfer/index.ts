/** `course transfer`: fit a hyperparameter's transfer law across scales and extrapolate it. */
export { parseTransferCsv, readTransferCsv, splitCsvLine } from './csv.js';
export {
  evaluateLaw,
  FAMILY_SPECS,
  type FamilySpec,
  leastSquares,
  TRANSFER_FAMILIES,
  type TransferFamily,
} from './families.js';
export {
  DEFAULT_TRANSFER_RESAMPLES,
  DEFAULT_TRANSFER_SEED,
  type FamilyFit,
  fitTransfer,
  pickByLoo,
  quantile,
  type TransferOptions,
  type TransferPoint,
  type TransferResult,
} from './fit.js';
export { formatTransfer, transferJson } from './format.js';
export { plotTransfer, type TransferPlotOptions, writeTransferPlot } from './plot.js';
