/** Small statistics the homework questions ask for: classification metrics, correlation, roofline. */
export {
  averagePrecision,
  type PrecisionRecall,
  type PrPoint,
  precisionRecallAt,
  precisionRecallCurve,
  type ScoredLabel,
} from './classification.js';
export { pearson } from './correlation.js';
export { type FcLayerRoofline, type FcLayerRooflineInput, fcLayerRoofline } from './roofline.js';
