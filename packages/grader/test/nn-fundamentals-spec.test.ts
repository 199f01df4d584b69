/**
 * The nn-fundamentals assignment's spec.json graded end to end: its computed
 * references come from this package's registry, its example submissions get
 * the marks they were written to get.
 */
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gradeSubmission } from '../src/grade.js';
import { loadSpec } from '../src/spec.js';

const ASSIGNMENT = fileURLToPath(new URL('../../../assignments/nn-fundamentals/', import.meta.url));
const spec = loadSpec(join(ASSIGNMENT, 'spec.json'));

function wrongIds(dir: string): string[] {
  const grade = gradeSubmission(spec, dir);
  expect(grade.notes).toEqual([]);
  return grade.questions.filter((q) => q.status !== 'correct').map((q) => q.id);
}

describe('assignments/nn-fundamentals/spec.json', () => {
  it('gives the reference-rounded submission full marks', () => {
    const grade = gradeSubmission(spec, join(ASSIGNMENT, 'examples/correct'));
    expect(grade.questions.filter((q) => q.status !== 'correct').map((q) => [q.id, q.lines])).toEqual([]);
    expect(grade.score).toBe(grade.maxScore);
  });

  it('marks each planted mistake wrong and nothing else', () => {
    expect(wrongIds(join(ASSIGNMENT, 'examples/mistakes'))).toEqual([
      '1', // 22,018: one bias per layer
      '2.loss', // no ½
      '2.dw1_11', // only output 1's path back to w1_11
      '3.ap', // no interpolation (sklearn's sum)
      '4.alexnet', // the two-GPU grouped AlexNet's count for the single-tower network
      '5.bytes', // weights only
      '5.seconds', // compute time only
      '5.bound',
    ]);
  });

  it('marks the published model answer wrong only on the MLP count (22,018)', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'published-')), 'published');
    mkdirSync(dir);
    copyFileSync(join(ASSIGNMENT, 'examples/published-answers.json'), join(dir, 'answers.json'));
    expect(wrongIds(dir)).toEqual(['1']);
  });
});
