/**
 * Binary-classification metrics over (confidence, label) pairs: the numbers a
 * detector or classifier homework asks for at one confidence threshold, and the
 * average precision over all thresholds.
 *
 * Convention: a pair is predicted positive when `confidence ≥ threshold`
 * (greater or EQUAL, as sklearn's precision_recall_curve and the VOC/COCO
 * evaluators do). A ratio whose denominator is 0 (precision with nothing
 * predicted positive, recall with no positive labels) is NaN: it is undefined,
 * and a silent 0 or 1 would grade as a real answer.
 */
import { InputError } from '@course/models';

export interface ScoredLabel {
  /** Model score; higher means more confident the label is positive. */
  confidence: number;
  /** Ground truth: 1 / true for positive, 0 / false for negative. */
  label: number | boolean;
}

export interface PrecisionRecall {
  precision: number;
  recall: number;
  /** Predicted positive (confidence ≥ threshold) and positive. */
  tp: number;
  /** Predicted positive, negative. */
  fp: number;
  /** Predicted negative (confidence < threshold), positive. */
  fn: number;
  /** Predicted negative, negative. */
  tn: number;
}

/** Precision and recall when every pair with `confidence ≥ threshold` is called positive. */
export function precisionRecallAt(pairs: readonly ScoredLabel[], threshold: number): PrecisionRecall {
  if (!Number.isFinite(threshold)) {
    throw new InputError(`threshold: found ${threshold}, expected a finite number`);
  }
  const labels = checkPairs(pairs);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  pairs.forEach(({ confidence }, i) => {
    const predicted = confidence >= threshold;
    if (predicted && labels[i]) tp++;
    else if (predicted) fp++;
    else if (labels[i]) fn++;
    else tn++;
  });
  return { precision: ratio(tp, tp + fp), recall: ratio(tp, tp + fn), tp, fp, fn, tn };
}

/** One point of the precision-recall curve: the pairs with confidence ≥ `threshold` called positive. */
export interface PrPoint {
  threshold: number;
  precision: number;
  recall: number;
}

/**
 * The precision-recall curve: one point per distinct confidence, highest
 * threshold first (recall rises along the array). Pairs with equal confidence
 * enter together, so the curve does not depend on the order of ties.
 */
export function precisionRecallCurve(pairs: readonly ScoredLabel[]): PrPoint[] {
  const labels = checkPairs(pairs);
  const positives = labels.filter(Boolean).length;
  if (positives === 0) throw new InputError('pairs: no positive label, so recall (and AP) is undefined');
  const order = pairs.map((_, i) => i).sort((a, b) => pairs[b].confidence - pairs[a].confidence);
  const curve: PrPoint[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    if (labels[order[k]]) tp++;
    else fp++;
    const threshold = pairs[order[k]].confidence;
    // The last pair of a run of equal confidences closes the point.
    if (k + 1 === order.length || pairs[order[k + 1]].confidence !== threshold) {
      curve.push({ threshold, precision: tp / (tp + fp), recall: tp / positives });
    }
  }
  return curve;
}

/**
 * All-point interpolated average precision (PASCAL VOC 2010 onwards; also the
 * area COCO approximates with 101 recall samples):
 *
 *   1. the precision-recall curve, one point per distinct confidence;
 *   2. the precision envelope p̂(r) = max{ p(r') : r' ≥ r }, which makes
 *      precision monotone non-increasing in recall (a lower threshold that
 *      raises precision counts for every recall before it);
 *   3. AP = Σ_k (r_k − r_{k−1}) · p̂(r_k), over the points where recall steps up
 *      (r_0 = 0).
 *
 * sklearn's `average_precision_score` is the same sum WITHOUT step 2, so it is
 * never larger than this value. Range 0..1; NaN is impossible (at least one positive is required).
 */
export function averagePrecision(pairs: readonly ScoredLabel[]): number {
  const curve = precisionRecallCurve(pairs);
  // Envelope from the right: running maximum of precision towards higher recall.
  const envelope = curve.map((p) => p.precision);
  for (let k = envelope.length - 2; k >= 0; k--) envelope[k] = Math.max(envelope[k], envelope[k + 1]);
  let ap = 0;
  let previousRecall = 0;
  curve.forEach(({ recall }, k) => {
    ap += (recall - previousRecall) * envelope[k];
    previousRecall = recall;
  });
  return ap;
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? Number.NaN : numerator / denominator;
}

/** Validates the pairs and returns the labels as booleans. */
function checkPairs(pairs: readonly ScoredLabel[]): boolean[] {
  if (pairs.length === 0)
    throw new InputError('pairs: empty, expected at least one (confidence, label) pair');
  return pairs.map(({ confidence, label }, i) => {
    if (typeof confidence !== 'number' || !Number.isFinite(confidence)) {
      throw new InputError(`pairs[${i}].confidence: found ${confidence}, expected a finite number`);
    }
    if (label === true || label === 1) return true;
    if (label === false || label === 0) return false;
    throw new InputError(`pairs[${i}].label: found ${JSON.stringify(label)}, expected 0, 1, true or false`);
  });
}
