/**
 * What a score posted by a remote worker must look like to be stored: made by
 * this server's evaluator version, over every HellaSwag example of each side
 * (or the configured limit), with a finite non-negative val loss where the
 * side has val data (null where it has none), and an accuracy that is a whole
 * number of correct examples out of hellaswag_n.
 */
import { readHellaSwag } from '@course/models';
import type { EvaluationSettings } from './config.js';
import { evaluatorVersion } from './evaluate.js';
import { type HeldoutManifest, SIDES, type Side, sideFiles } from './heldout.js';
import type { ScoreInput, SplitMetrics } from './store.js';

export interface ExpectedScore {
  evaluatorVersion: string;
  sides: Record<Side, { hasVal: boolean; hellaswagN: number }>;
}

/** The expectations for the split in `folder` (its HellaSwag files are read once, to count the examples). */
export function expectedScore(
  manifest: HeldoutManifest,
  folder: string,
  settings: EvaluationSettings,
): ExpectedScore {
  const side = (s: Side) => {
    const files = sideFiles(manifest, folder, s);
    const examples = files.hellaswagPath ? readHellaSwag(files.hellaswagPath).examples.length : 0;
    return {
      hasVal: files.valPattern !== null,
      hellaswagN: Math.min(examples, settings.hellaswagLimit ?? examples),
    };
  };
  return {
    evaluatorVersion: evaluatorVersion(settings),
    sides: { public: side('public'), private: side('private') },
  };
}

/** "found X" as the messages write it (strings quoted, numbers as JS prints them: Infinity, -0.5). */
function found(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function splitProblem(side: Side, m: SplitMetrics, expected: ExpectedScore['sides'][Side]): string | null {
  const at = `score.${side}`;
  if (m.hellaswag_n !== expected.hellaswagN) {
    return `${at}.hellaswag_n: found ${m.hellaswag_n}, expected ${expected.hellaswagN} (the ${side} split's HellaSwag examples)`;
  }
  const loss = m.val_loss;
  if (expected.hasVal && (typeof loss !== 'number' || !Number.isFinite(loss) || loss < 0)) {
    return `${at}.val_loss: found ${found(loss)}, expected a finite number ≥ 0${loss === null ? ` (the ${side} split has validation data)` : ''}`;
  }
  if (!expected.hasVal && loss !== null) {
    return `${at}.val_loss: found ${found(loss)}, expected null (the ${side} split has no validation data)`;
  }
  const n = m.hellaswag_n;
  if (n === 0) {
    if (m.hellaswag_acc !== null)
      return `${at}.hellaswag_acc: found ${found(m.hellaswag_acc)}, expected null (no HellaSwag examples)`;
    return null;
  }
  const acc = m.hellaswag_acc;
  // acc = correct / n exactly as evaluateModel divides it.
  if (
    typeof acc !== 'number' ||
    !Number.isFinite(acc) ||
    acc !== Math.round(acc * n) / n ||
    acc < 0 ||
    acc > 1
  ) {
    return `${at}.hellaswag_acc: found ${found(acc)}, expected correct/${n} for a whole number correct`;
  }
  return null;
}

/** The first problem with a posted score, as "score.FIELD: found X, expected Y", or null. */
export function scoreProblem(score: ScoreInput, expected: ExpectedScore): string | null {
  if (score.evaluator_version !== expected.evaluatorVersion) {
    return `score.evaluator_version: found ${found(score.evaluator_version)}, expected ${JSON.stringify(expected.evaluatorVersion)} (this server's evaluation)`;
  }
  for (const side of SIDES) {
    const problem = splitProblem(side, score[side], expected.sides[side]);
    if (problem) return problem;
  }
  return null;
}
