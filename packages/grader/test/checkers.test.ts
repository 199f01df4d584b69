/**
 * Each checker kind graded through gradeSubmission on a submission folder, with
 * expected scores worked out by hand in the comments.
 */
import { describe, expect, test } from 'vitest';
import { gradeSubmission, multipleCredit, type Spec, validateSpec } from '../src/index.js';
import { tempDir, writeSubmission } from './helpers/submissions.js';

const options = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, text: `option ${id}` }));
const spec: Spec = validateSpec(
  {
    id: 'checkers',
    title: 'All checker kinds',
    questions: [
      { id: 'ex', title: 'exact', points: 1, check: { kind: 'exact', answer: ['Adam W', 'AdamW'] } },
      {
        id: 'exc',
        title: 'exact, case',
        points: 1,
        check: { kind: 'exact', answer: 'ReLU', normalize: { caseSensitive: true } },
      },
      { id: 'int', title: 'integer', points: 2, check: { kind: 'integer', answer: 22538 } },
      {
        id: 'num',
        title: 'numeric',
        points: 2,
        check: { kind: 'numeric', answer: 4.4, tolerance: { rule: 'relabs', rtol: 0.01 } },
      },
      {
        id: 'hours',
        title: 'numeric with units',
        points: 1,
        check: {
          kind: 'numeric',
          answer: 2,
          tolerance: { rule: 'sigfig', digits: 3 },
          units: { reference: 'h', accept: { min: 1 / 60, s: 1 / 3600 } },
        },
      },
      { id: 'ch', title: 'choice', points: 1, check: { kind: 'choice', options, answer: 'c' } },
      {
        id: 'mpc',
        title: 'multiple pc',
        points: 4,
        check: { kind: 'multiple', options, answer: ['a', 'b'], credit: 'pc' },
      },
      {
        id: 'medc',
        title: 'multiple edc',
        points: 5,
        check: { kind: 'multiple', options, answer: ['a', 'b'], credit: 'edc' },
      },
      { id: 'set', title: 'set', points: 1, check: { kind: 'set', answer: ['train', 'val', 'test'] } },
      {
        id: 'setp',
        title: 'set partial',
        points: 3,
        check: { kind: 'set', answer: [1, 2, 3], credit: 'partial' },
      },
      {
        id: 'params',
        title: 'computed',
        points: 2,
        check: {
          kind: 'computed',
          fn: 'gpt2_params',
          args: { depth: 1, channels: 64, heads: 1 },
          compare: 'integer',
        },
      },
      {
        id: 'ms',
        title: 'slowest ms',
        points: 1,
        check: { kind: 'numeric', answer: 40, tolerance: { rule: 'relabs', rtol: 0.05 } },
      },
      {
        id: 'h',
        title: 'hours (ft)',
        points: 1,
        check: {
          kind: 'follow-through',
          formula: '{ms} * 4725 / 3.6e6',
          tolerance: { rule: 'relabs', rtol: 0.01 },
        },
      },
      {
        id: 'usd',
        title: 'cost (ft)',
        points: 1,
        check: { kind: 'follow-through', formula: '{h} * 1.5', tolerance: { rule: 'relabs', rtol: 0.01 } },
      },
      {
        id: 'essay',
        title: 'manual',
        points: 3,
        check: { kind: 'manual', rubric: [{ points: 3, text: 'names the tradeoff' }] },
      },
    ],
  },
  'spec.json',
);

function grade(answers: unknown, opts = {}) {
  const root = tempDir();
  const g = gradeSubmission(spec, writeSubmission(root, 'alice', answers), opts);
  return Object.fromEntries(g.questions.map((q) => [q.id, q]));
}

describe('checkers', () => {
  test('exact: normalised (NFKC, trim, collapse, case) unless declared otherwise', () => {
    expect(grade({ ex: '  adam   w ' }).ex.score).toBe(1);
    expect(grade({ ex: 'Adam' }).ex.score).toBe(0);
    expect(grade({ exc: 'relu' }).exc.score).toBe(0);
    expect(grade({ exc: ' ReLU' }).exc.score).toBe(1);
  });

  test('integer counts compare exactly: 22018 is wrong, 22538 right, 22538.5 is not an integer', () => {
    const wrong = grade({ int: 22018 }).int;
    expect([wrong.score, wrong.status]).toEqual([0, 'wrong']);
    expect(wrong.lines).toContain('expected exactly 22538 (integer counts compare exactly)');
    expect(grade({ int: 22538 }).int.score).toBe(2);
    const frac = grade({ int: 22538.5 }).int;
    expect([frac.score, frac.status]).toEqual([0, 'invalid']);
    expect(frac.lines[0]).toBe('answers.json: /int: expected integer');
  });

  test('numeric: relative 1% of 4.4 is [4.356, 4.444], stated in the feedback', () => {
    expect(grade({ num: 4.444 }).num.score).toBe(2);
    const out = grade({ num: 4.45 }).num;
    expect(out.score).toBe(0);
    expect(out.lines).toContain('accepted: 4.4 ± 0.044, relative 1%, i.e. [4.356, 4.444]');
  });

  test('numeric with units: 120 min = 2 h, "7200 s" = 2 h, an unknown unit is a message', () => {
    expect(grade({ hours: 2 }).hours.score).toBe(1);
    expect(grade({ hours: { value: 120, unit: 'min' } }).hours.score).toBe(1);
    expect(grade({ hours: '7200 s' }).hours.score).toBe(1);
    expect(grade({ hours: '2.1 h' }).hours.score).toBe(0);
    expect(grade({ hours: 'two hours' }).hours.lines).toContain(
      'answers.json: /hours: expected a number with a unit, e.g. "3.5 h"',
    );
    const bad = grade({ hours: '2 days' }).hours;
    expect(bad.status).toBe('invalid');
    expect(bad.lines[0]).toBe('unit "days" is not one of h, min, s');
  });

  test('choice, multiple choice partial credit (pc and edc) and sets', () => {
    expect(grade({ ch: 'c' }).ch.score).toBe(1);
    expect(grade({ ch: 'z' }).ch.status).toBe('invalid');
    // pc: key {a,b}; picks {a,c}: (1 right − 1 wrong)/2 = 0; picks {a}: 1/2 → 2 of 4 points
    expect(grade({ mpc: ['a', 'c'] }).mpc.score).toBe(0);
    expect(grade({ mpc: ['a'] }).mpc.score).toBe(2);
    // edc: picks {a,c} decides a✓ b✗ c✗ d✓ e✓ → 3/5 of 5 points
    expect(grade({ medc: ['a', 'c'] }).medc.score).toBe(3);
    // an option picked twice: the type error says so in words, not ajv's "items ## 1 and 0"
    const twice = grade({ mpc: ['b', 'a', 'b'] }).mpc;
    expect([twice.score, twice.status]).toEqual([0, 'invalid']);
    expect(twice.lines[0]).toBe('answers.json: /mpc: expected each item once (items 0 and 2 are the same)');
    expect(grade({ set: ['VAL', 'test', 'train'] }).set.score).toBe(1);
    expect(grade({ set: ['val', 'train'] }).set.score).toBe(0);
    // partial: {1, 2, 4}: (2 hits − 1 extra)/3 → 1 of 3 points; "3" as a string is the number 3
    expect(grade({ setp: [1, 2, 4] }).setp.score).toBe(1);
    expect(grade({ setp: ['3', 2, 1] }).setp.score).toBe(3);
  });

  test('multipleCredit: cov is coverage × precision', () => {
    // key {a,b}, picks {a,b,c}: coverage 2/2, precision 2/3
    expect(multipleCredit(['a', 'b'], ['a', 'b', 'c'], ['a', 'b', 'c', 'd'], 'cov')).toBeCloseTo(2 / 3, 12);
    expect(multipleCredit(['a', 'b'], ['a', 'b'], ['a', 'b', 'c', 'd'], 'all')).toBe(1);
    expect(multipleCredit(['a', 'b'], ['a'], ['a', 'b', 'c', 'd'], 'all')).toBe(0);
  });

  test('computed: d1 c64 h1 GPT-2 has 3,335,104 parameters (Vp·C + maxT·C + L·(12C²+13C) + 2C)', () => {
    const expected = 50304 * 64 + 1024 * 64 + 1 * (12 * 64 * 64 + 13 * 64) + 2 * 64;
    expect(expected).toBe(3_335_104);
    expect(grade({ params: 3_335_104 }).params.score).toBe(2);
    const out = grade({ params: 3_335_000 }).params;
    expect(out.score).toBe(0);
    expect(out.lines).toContain(
      'reference computed by the toolkit: gpt2_params(depth=1, channels=64, heads=1) = 3335104',
    );
  });

  test('follow-through: one slip in ms is not punished three times', () => {
    // the key: 40 ms → 40·4725/3.6e6 = 0.0525 h → 0.07875 USD
    const right = grade({ ms: 40, h: 0.0525, usd: 0.07875 });
    expect([right.ms.score, right.h.score, right.usd.score]).toEqual([1, 1, 1]);
    // slip: 50 ms (wrong), then consistent hours 50·4725/3.6e6 = 0.065625 and cost 0.0984375
    const slip = grade({ ms: 50, h: 0.065625, usd: 0.0984375 });
    expect([slip.ms.score, slip.h.score, slip.usd.score]).toEqual([0, 1, 1]);
    expect(slip.h.lines[0]).toBe(
      'follow-through: {ms} * 4725 / 3.6e6 on your answers = 50 * 4725 / 3.6e6 = 0.065625',
    );
    // the right hours after a wrong ms also pass (the formula on the reference values)
    expect(grade({ ms: 50, h: 0.0525 }).h.score).toBe(1);
    // inconsistent with both: 0
    expect(grade({ ms: 50, h: 0.07 }).h.score).toBe(0);
    // no ms at all: the reference 40 stands in, and the note says so
    const missing = grade({ h: 0.0525 }).h;
    expect(missing.score).toBe(1);
    expect(missing.lines[0]).toBe('no usable answer to ms: its reference 40 is used instead');
  });

  test('manual: 0 and "awaiting TA grading" until an override scores it; overrides keep the automatic score', () => {
    const q = grade({ essay: 'Larger LR trains faster but diverges.' }).essay;
    expect([q.score, q.status]).toEqual([0, 'manual']);
    const overrides = {
      alice: {
        essay: { score: 2.5, reason: 'tradeoff named, no evidence' },
        int: { score: 2, reason: 'key was wrong' },
      },
    };
    const g = grade({ essay: 'x', int: 22018 }, { overrides });
    expect(g.essay.score).toBe(2.5);
    expect([g.int.autoScore, g.int.score]).toEqual([0, 2]);
    expect(g.int.lines.at(-1)).toBe('TA override: 2 of 2 (automatic: 0); reason: key was wrong');
  });
});
