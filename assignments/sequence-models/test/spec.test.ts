/**
 * spec.json against the toolkit: the attention answers are what the models
 * package's attention code computes, and the parameter-count questions describe
 * the classifiers the script trains (its vocabulary and sizes).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { moduleParameterCount, selectBackend } from '@course/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { attentionWorkedExample } from '../src/attention.js';
import { loadSentences, splitSentences, Vocabulary } from '../src/data.js';
import { createClassifier, DEFAULT_SENTIMENT_OPTIONS } from '../src/sentiment.js';

interface SpecQuestion {
  id: string;
  check: { kind: string; fn?: string; args?: Record<string, number>; answer?: unknown };
}
const read = (rel: string) => JSON.parse(readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8'));
const spec: { questions: SpecQuestion[] } = read('../spec.json');
const question = (id: string) => {
  const q = spec.questions.find((x) => x.id === id);
  if (!q) throw new Error(`spec.json has no question ${id}`);
  return q;
};

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('sequence-models spec.json', () => {
  it('attention answers are the toolkit’s numbers (6 decimals)', () => {
    const { steps } = attentionWorkedExample();
    const expected: Record<string, number> = {
      '2.scaled33': steps.scaled[2][2],
      '2.w12': steps.weights[0][1],
      '2.w21': steps.weights[1][0],
      '2.w33': steps.weights[2][2],
      '2.out2_2': steps.output[1][1],
      '2.out3_1': steps.output[2][0],
    };
    for (const [id, value] of Object.entries(expected)) {
      expect(question(id).check.answer as number, id).toBeCloseTo(value, 5);
    }
  });

  it('parameter questions describe the trained classifiers', () => {
    const split = splitSentences(loadSentences());
    const vocab = Vocabulary.build(
      split.train.map((s) => s.text),
      DEFAULT_SENTIMENT_OPTIONS.minCount,
    ).size;
    const { embed, hidden } = DEFAULT_SENTIMENT_OPTIONS;
    for (const kind of ['rnn', 'lstm'] as const) {
      const q = question(`1.${kind}_params`);
      expect(q.check.fn).toBe(`${kind}_params`);
      expect(q.check.args).toEqual({ vocab, embed, hidden, out: 2 });
      const model = createClassifier(kind, vocab, DEFAULT_SENTIMENT_OPTIONS);
      const answers = read('../examples/correct/answers.json');
      expect(answers[`1.${kind}_params`]).toBe(moduleParameterCount(model));
      model.dispose();
    }
  });

  it('example submissions answer every question', () => {
    const ids = spec.questions.map((q) => q.id).sort();
    for (const file of ['../examples/correct/answers.json', '../examples/mistakes/answers.json']) {
      expect(Object.keys(read(file)).sort(), file).toEqual(ids);
    }
  });
});
