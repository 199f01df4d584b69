/**
 * spec.json graded end to end by @course/grader: the parameter-count questions
 * describe exactly the nets this assignment trains, and the example
 * submissions get the marks they were written to get.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gradeSubmission, loadSpec } from '@course/grader';
import { describe, expect, it } from 'vitest';
import { HOMEWORK_NETS } from '../src/nets.js';

const ASSIGNMENT = fileURLToPath(new URL('..', import.meta.url));
const spec = loadSpec(join(ASSIGNMENT, 'spec.json'));

describe('assignments/mlp-digits/spec.json', () => {
  it('asks for the parameter counts of exactly the four nets the script trains', () => {
    const raw = JSON.parse(readFileSync(join(ASSIGNMENT, 'spec.json'), 'utf8'));
    const counts = raw.questions.filter((q: { id: string }) => q.id.startsWith('1.'));
    expect(
      counts.map((q: { id: string; check: { args: { layers: number[] } } }) => [q.id, q.check.args.layers]),
    ).toEqual(HOMEWORK_NETS.map((n) => [`1.${n.id}`, n.layers]));
  });

  it('gives the reference submission every automatic point; the essay waits for a TA', () => {
    const grade = gradeSubmission(spec, join(ASSIGNMENT, 'examples/correct'));
    expect(grade.notes).toEqual([]);
    const byStatus = grade.questions.map((q) => [q.id, q.status]);
    expect(byStatus).toEqual([
      ['1.mlp1', 'correct'],
      ['1.mlp2', 'correct'],
      ['1.mlp3', 'correct'],
      ['1.mlp4', 'correct'],
      ['2', 'correct'],
      ['3', 'correct'],
      ['4', 'manual'],
    ]);
    expect(grade.score).toBe(grade.maxScore - 3);
  });

  it('marks each planted mistake wrong and nothing else', () => {
    const grade = gradeSubmission(spec, join(ASSIGNMENT, 'examples/mistakes'));
    expect(grade.notes).toEqual([]);
    expect(grade.questions.filter((q) => q.status === 'wrong').map((q) => q.id)).toEqual([
      '1.mlp1', // 23,520 + 600 + 200: weights only, no biases
      '1.mlp4', // one bias per layer instead of one per unit
      '2', // "deeper is better": the deepest net
      '3', // a percentage instead of a fraction
    ]);
  });
});
