/**
 * The minBERT starter's dev metrics and its overall score:
 *
 *   sentiment accuracy  a_s = #(predicted class = gold class) / n
 *   paraphrase accuracy a_p = #(predicted 0/1 = gold 0/1) / n
 *   STS                 r   = Pearson's r of predicted and gold similarities (stats.pearson)
 *   overall             (a_s + a_p + (r + 1) / 2) / 3
 *
 * (r + 1) / 2 maps r from [−1, 1] to [0, 1] so the three terms share a scale.
 */
import { InputError } from '@course/models';
import { pearson } from '../stats/index.js';

/** Fraction of positions where predicted equals gold. */
export function accuracy(predicted: readonly number[], gold: readonly number[], what = 'accuracy'): number {
  if (predicted.length !== gold.length) {
    throw new InputError(
      `${what}: found ${predicted.length} predictions and ${gold.length} labels, expected the same number`,
    );
  }
  if (gold.length === 0) throw new InputError(`${what}: found 0 examples, expected at least 1`);
  let right = 0;
  for (let i = 0; i < gold.length; i++) if (predicted[i] === gold[i]) right++;
  return right / gold.length;
}

export function sentimentAccuracy(predicted: readonly number[], gold: readonly number[]): number {
  return accuracy(predicted, gold, 'sentiment accuracy');
}

export function paraphraseAccuracy(predicted: readonly number[], gold: readonly number[]): number {
  return accuracy(predicted, gold, 'paraphrase accuracy');
}

/** Pearson's r between predicted and gold similarity scores. */
export function stsCorrelation(predicted: readonly number[], gold: readonly number[]): number {
  return pearson(predicted, gold);
}

export interface MultitaskScores {
  sentimentAccuracy: number;
  paraphraseAccuracy: number;
  /** Pearson's r on STS, in [−1, 1]. */
  stsCorrelation: number;
}

/** The starter's overall score: mean(sentiment acc, paraphrase acc, (r + 1) / 2). */
export function overallScore(s: MultitaskScores): number {
  return (s.sentimentAccuracy + s.paraphraseAccuracy + (s.stsCorrelation + 1) / 2) / 3;
}
