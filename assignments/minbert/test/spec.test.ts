/**
 * spec.json against the assignment: the parameter question describes the model
 * the comparison fine-tunes (its size, vocabulary and positions), counted from
 * a built Bert's variables; both example submissions answer every question.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Bert, selectBackend } from '@course/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS, POSITIONS } from '../src/main.js';
import { MODEL_SIZES, modelConfig } from '../src/model.js';

interface SpecQuestion {
  id: string;
  check: { kind: string; fn?: string; args?: Record<string, number> };
}
const read = (rel: string) => JSON.parse(readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8'));
const spec: { questions: SpecQuestion[] } = read('../spec.json');

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('minbert spec.json', () => {
  it('1.params_tiny describes the default model; the correct answer is its variables’ size', () => {
    const q = spec.questions.find((x) => x.id === '1.params_tiny')!;
    const { layers, hidden, heads, intermediate } = MODEL_SIZES[DEFAULTS.size];
    expect(q.check.args).toEqual({
      layers,
      hidden,
      heads,
      intermediate,
      vocab: DEFAULTS.vocab,
      maxPositions: Math.max(POSITIONS, 2 * DEFAULTS.maxLength),
    });
    const bert = new Bert(
      modelConfig(DEFAULTS.size, DEFAULTS.vocab, Math.max(POSITIONS, 2 * DEFAULTS.maxLength)),
    );
    const size = bert.parameters.reduce((n, p) => n + p.variable.size, 0);
    bert.dispose();
    expect(read('../examples/correct/answers.json')['1.params_tiny']).toBe(size);
  });

  it('example submissions answer every question', () => {
    const ids = spec.questions.map((q) => q.id).sort();
    for (const file of ['../examples/correct/answers.json', '../examples/mistakes/answers.json']) {
      expect(Object.keys(read(file)).sort(), file).toEqual(ids);
    }
  });
});
