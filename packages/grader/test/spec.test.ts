import { readFileSync } from 'node:fs';
import { InputError } from '@course/models';
import { describe, expect, test } from 'vitest';
import { SPEC_SCHEMA, validateSpec } from '../src/index.js';

const good = {
  id: 'demo',
  title: 'Demo',
  late: { deadline: '2026-03-01T23:59:00Z', graceMinutes: 15, penaltyPerDay: 0.1 },
  questions: [
    {
      id: '1a',
      title: 'ms',
      points: 1,
      check: { kind: 'numeric', answer: 4.4, tolerance: { rule: 'relabs' } },
    },
    {
      id: '1b',
      title: 'hours',
      points: 1,
      check: {
        kind: 'follow-through',
        formula: '{1a} * 4725 / 3.6e6',
        tolerance: { rule: 'sigfig', digits: 3 },
      },
    },
    {
      id: 'p',
      title: 'params',
      points: 1,
      check: {
        kind: 'computed',
        fn: 'gpt2_params',
        args: { depth: 1, channels: 64, heads: 1 },
        compare: 'integer',
      },
    },
  ],
};

// biome-ignore lint/suspicious/noExplicitAny: the tests break arbitrary fields of a spec
type Loose = any;

function messageOf(data: unknown): string {
  try {
    validateSpec(data, 'spec.json');
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error('expected the spec to be rejected');
}

describe('spec validation', () => {
  test('spec.schema.json is SPEC_SCHEMA written out (editors read the file, ajv the object)', () => {
    const file = JSON.parse(readFileSync(new URL('../spec.schema.json', import.meta.url), 'utf8'));
    expect(file).toEqual(SPEC_SCHEMA);
  });

  test('a well-formed spec passes', () => {
    expect(validateSpec(good, 'spec.json').questions.map((q) => q.id)).toEqual(['1a', '1b', 'p']);
  });

  test('schema errors are one line each: file, JSON pointer, what was expected', () => {
    const bad = structuredClone(good) as Loose;
    bad.late.deadline = 'tomorrow';
    bad.questions[0].check.answer = 'four';
    bad.questions[0].check.tolerance.digits = 3;
    bad.questions[1].check.kind = 'bogus';
    bad.questions[2].extra = true;
    const lines = messageOf(bad).split('\n').slice(1);
    expect(lines).toEqual([
      '  spec.json: /late/deadline: expected to match format "date-time"',
      '  spec.json: /questions/0/check/answer: expected number',
      '  spec.json: /questions/0/check/tolerance/digits: unknown property (not in the schema)',
      '  spec.json: /questions/1/check/kind: "kind" is not a known kind ("bogus")',
      '  spec.json: /questions/2/extra: unknown property (not in the schema)',
    ]);
  });

  test('rules beyond the schema: unique ids, formulas over earlier ids, known computed functions and args, keys among options', () => {
    const bad = structuredClone(good) as Loose;
    bad.questions[1].check.formula = '{1a} * 2 + {p}';
    bad.questions[2].check.args = { depth: 1, channels: 64 };
    bad.questions.push({
      id: '1a',
      title: 'dup',
      points: 1,
      check: {
        kind: 'choice',
        options: [
          { id: 'a', text: 'A' },
          { id: 'b', text: 'B' },
        ],
        answer: 'c',
      },
    });
    bad.questions.push({
      id: 'z',
      title: 'z',
      points: 1,
      check: { kind: 'computed', fn: 'no_such_fn', compare: 'integer' },
    });
    const message = messageOf(bad);
    expect(message).toContain("spec.json: /questions/1/check/formula: {p} is not an earlier question's id");
    expect(message).toContain('spec.json: /questions/2/check/args: args.heads: expected a number');
    expect(message).toContain('spec.json: /questions/3/id: "1a" is already the id of /questions/0');
    expect(message).toContain('spec.json: /questions/3/check/answer: "c" is not an option id');
    expect(message).toContain('spec.json: /questions/4/check/fn: "no_such_fn" is not a computed reference');
  });

  test('artifact run folders must stay inside the submission', () => {
    const bad = structuredClone(good) as Loose;
    bad.questions.push({
      id: 'l',
      title: 'l',
      points: 1,
      check: { kind: 'log', metric: 'min_val_loss', run: '../other', tolerance: { rule: 'relabs' } },
    });
    expect(messageOf(bad)).toContain(
      '/questions/3/check/run: "../other" must be a relative path inside the submission',
    );
  });
});
