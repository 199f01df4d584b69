/** The minbert assignment's spec.json graded end to end on its example submissions. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMPUTED } from '../src/computed.js';
import { gradeSubmission } from '../src/grade.js';
import { loadSpec } from '../src/spec.js';

const ASSIGNMENT = fileURLToPath(new URL('../../../assignments/minbert/', import.meta.url));
const spec = loadSpec(join(ASSIGNMENT, 'spec.json'));

describe('assignments/minbert/spec.json', () => {
  it('gives the correct example every automatic point (the report waits for a TA)', () => {
    const grade = gradeSubmission(spec, join(ASSIGNMENT, 'examples/correct'));
    const notCorrect = grade.questions.filter((q) => q.status !== 'correct');
    expect(notCorrect.map((q) => [q.id, q.status])).toEqual([['6.report', 'manual']]);
  });

  it('marks each planted mistake wrong and nothing else', () => {
    const grade = gradeSubmission(spec, join(ASSIGNMENT, 'examples/mistakes'));
    expect(grade.questions.filter((q) => q.status === 'wrong').map((q) => q.id)).toEqual([
      '1.params_tiny', // pooler left out: 941,952 − (128² + 128)
      '2.features', // |u − v| or u ∗ v forgotten
      '3.pcgrad_sum0', // plain sum g₁ + g₂, no surgery
      '3.pcgrad_sum1',
      '4.overall', // r averaged without mapping it to (r + 1)/2
      '5.smart', // PCGrad's idea, not SMART's
    ]);
  });
});

describe('computed references for minbert', () => {
  it('bert_params: bert-base-uncased with pooler is 109,482,240; BERT-tiny by the formula worked by hand', () => {
    expect(COMPUTED.bert_params.compute({ layers: 12, hidden: 768, heads: 12, vocab: 30522 })).toBe(
      109_482_240,
    );
    // (4000 + 128 + 2)·128 + 2·128 + 2·(4·128² + 2·128·512 + 9·128 + 512) + 128² + 128
    const tiny = 4130 * 128 + 256 + 2 * (4 * 128 ** 2 + 2 * 128 * 512 + 9 * 128 + 512) + 128 ** 2 + 128;
    expect(
      COMPUTED.bert_params.compute({
        layers: 2,
        hidden: 128,
        heads: 2,
        vocab: 4000,
        intermediate: 512,
        maxPositions: 128,
      }),
    ).toBe(tiny);
    expect(
      COMPUTED.bert_params.compute({
        layers: 2,
        hidden: 128,
        heads: 2,
        vocab: 4000,
        maxPositions: 128,
        pooler: false,
      }),
    ).toBe(tiny - 128 ** 2 - 128);
  });

  it('pcgrad: g₁ = (1, 0), g₂ = (−1, 1) give g₁ᴾᶜ = (0.5, 0.5), g₂ᴾᶜ = (0, 1), sum (0.5, 1.5); no conflict, no change', () => {
    const vectors = [
      [1, 0],
      [-1, 1],
    ];
    expect(COMPUTED.pcgrad.compute({ vectors, index: 0 })).toBeCloseTo(0.5, 12);
    expect(COMPUTED.pcgrad.compute({ vectors, index: 1 })).toBeCloseTo(1.5, 12);
    expect(COMPUTED.pcgrad.compute({ vectors, index: 1, task: 0 })).toBeCloseTo(0.5, 12);
    expect(COMPUTED.pcgrad.compute({ vectors, index: 0, task: 1 })).toBeCloseTo(0, 12);
    expect(
      COMPUTED.pcgrad.compute({
        vectors: [
          [1, 2],
          [3, 1],
        ],
        index: 1,
      }),
    ).toBe(3);
    expect(() => COMPUTED.pcgrad.compute({ vectors, index: 2 })).toThrow(/args.index/);
  });

  it('multitask_overall: (0.8 + 0.7 + (0.6 + 1)/2) / 3', () => {
    expect(
      COMPUTED.multitask_overall.compute({ sentimentAccuracy: 0.8, paraphraseAccuracy: 0.7, r: 0.6 }),
    ).toBeCloseTo(2.3 / 3, 12);
  });
});
