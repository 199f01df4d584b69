/** The sequence-models assignment's spec.json graded end to end on its example submissions. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gradeSubmission } from '../src/grade.js';
import { loadSpec } from '../src/spec.js';

const ASSIGNMENT = fileURLToPath(new URL('../../../assignments/sequence-models/', import.meta.url));
const spec = loadSpec(join(ASSIGNMENT, 'spec.json'));

describe('assignments/sequence-models/spec.json', () => {
  it('gives the correct example every automatic point (the report waits for a TA)', () => {
    const grade = gradeSubmission(spec, join(ASSIGNMENT, 'examples/correct'));
    const notCorrect = grade.questions.filter((q) => q.status !== 'correct');
    expect(notCorrect.map((q) => [q.id, q.status])).toEqual([['4.report', 'manual']]);
  });

  it('marks each planted mistake wrong and nothing else', () => {
    const grade = gradeSubmission(spec, join(ASSIGNMENT, 'examples/mistakes'));
    expect(grade.questions.filter((q) => q.status === 'wrong').map((q) => q.id)).toEqual([
      '1.lstm_params', // one gate instead of four
      '2.scaled33', // not divided by √d_k
      '2.w12', // no causal mask
      '2.w21',
      '2.w33',
      '3.clip', // clipping does not help a vanishing gradient
    ]);
  });
});
