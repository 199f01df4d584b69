/**
 * A corpus of broken submissions: each is graded without a crash, the broken
 * question (or every question, when answers.json itself is unusable) scores 0
 * with a message saying what is wrong, and the rest are graded normally.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { gradeSubmission, parseLenientJson, type Spec, validateSpec } from '../src/index.js';
import { jsonErrorOffset, lineColumn } from '../src/json-errors.js';
import { tempDir, writeSubmission } from './helpers/submissions.js';

const spec: Spec = validateSpec(
  {
    id: 'corpus',
    title: 'Corpus',
    limits: { answersBytes: 4096, artifactBytes: 2048 },
    questions: [
      {
        id: 'n',
        title: 'a number',
        points: 1,
        check: { kind: 'numeric', answer: 2.5, tolerance: { rule: 'relabs' } },
      },
      { id: 'i', title: 'an integer', points: 1, check: { kind: 'integer', answer: 7 } },
      {
        id: 'c',
        title: 'a choice',
        points: 1,
        check: {
          kind: 'choice',
          options: [
            { id: 'a', text: 'A' },
            { id: 'b', text: 'B' },
          ],
          answer: 'b',
        },
      },
      {
        id: 'v',
        title: 'val loss',
        points: 1,
        check: {
          kind: 'log',
          metric: 'min_val_loss',
          run: 'run',
          tolerance: { rule: 'relabs', rtol: 0, atol: 1e-4 },
        },
      },
    ],
  },
  'spec.json',
);

const LOG = 's:0 tel:4.0000\ns:0 trl:4.1000 lr:0.000100 norm:1.00 time (ms):10.00\ns:1 tel:3.5000\n';

function byId(path: string) {
  const g = gradeSubmission(spec, path);
  return { g, q: Object.fromEntries(g.questions.map((q) => [q.id, q])) };
}

describe('bad submissions are graded, never crash', () => {
  const root = tempDir();

  test('a good one scores full marks (the corpus below differs from it in one thing each)', () => {
    const { g } = byId(
      writeSubmission(root, 'good', { n: 2.5, i: 7, c: 'b', v: 3.5 }, { 'run/main.log': LOG }),
    );
    expect(g.score).toBe(4);
  });

  test('missing answers.json: every question 0 with the reason', () => {
    const { g } = byId(writeSubmission(root, 'none', undefined, { 'notes.txt': 'hi' }));
    expect(g.score).toBe(0);
    expect(
      g.questions.every(
        (q) => q.status === 'invalid' && q.lines[0] === 'not graded: answers.json is missing',
      ),
    ).toBe(true);
  });

  test('answers.json one folder down (a zipped folder): the message says where it is', () => {
    const { g } = byId(writeSubmission(root, 'zipped', undefined, { 'hw5/answers.json': '{"n": 2.5}' }));
    expect(g.score).toBe(0);
    expect(g.questions[0].lines[0]).toBe(
      "not graded: answers.json is missing at the top of the submission (found hw5/answers.json: submit that folder's contents, not the folder)",
    );
  });

  test('a submission given as "." or ".." is named after the folder it is', () => {
    const dir = writeSubmission(root, 'dot-student', { n: 2.5 });
    mkdirSync(join(dir, 'run'), { recursive: true });
    expect(byId(`${dir}/.`).g.student).toBe('dot-student');
    expect(byId(`${dir}/run/..`).g.student).toBe('dot-student');
    expect(byId(`${dir}/run/..`).q.n.score).toBe(1);
  });

  test('garbage JSON, a JSON array, an empty file: 0 with the parser message', () => {
    for (const [name, text, message] of [
      [
        'garbage',
        '{"n": 2.5,, }',
        /^not graded: answers\.json is not valid JSON: line 1, column 11: Expected double-quoted property name$/,
      ],
      ['array', '[1, 2]', /^not graded: answers\.json must hold one JSON object/],
      [
        'empty',
        '',
        /^not graded: answers\.json is not valid JSON: line 1, column 1: unexpected end of the file$/,
      ],
    ] as const) {
      const { g } = byId(writeSubmission(root, name, text));
      expect(g.score, name).toBe(0);
      expect(g.questions[0].lines[0], name).toMatch(message);
    }
  });

  test('an oversized answers.json is not read at all', () => {
    const { g } = byId(writeSubmission(root, 'huge', JSON.stringify({ n: 2.5, pad: 'x'.repeat(5000) })));
    expect(g.score).toBe(0);
    expect(g.notes[0]).toMatch(/^answers\.json is \d+ bytes, over the limit of 4096$/);
  });

  test("Python's bare NaN and Infinity cost only their own question", () => {
    const { g, q } = byId(
      writeSubmission(root, 'nan', '{"n": NaN, "i": 7, "c": "b", "v": -Infinity}', { 'run/main.log': LOG }),
    );
    expect(q.n.status).toBe('invalid');
    expect(q.n.lines[0]).toBe(
      'answers.json: /n: NaN or Infinity is not an answer (expected a finite number)',
    );
    expect(q.v.status).toBe('invalid');
    expect(g.score).toBe(2);
    // inside strings they are just text
    expect(parseLenientJson('{"a": "NaN", "b": [NaN]}')).toEqual({ a: 'NaN', b: ['\u0000non-finite:NaN'] });
  });

  test('wrong types: a message per question naming the pointer and the expected type', () => {
    const { g, q } = byId(
      writeSubmission(root, 'types', { n: '2.5', i: 7.5, c: 'z', v: { value: 3.5, run: 7 } }),
    );
    expect(q.n.lines[0]).toBe('answers.json: /n: expected number');
    expect(q.i.lines[0]).toBe('answers.json: /i: expected integer');
    expect(q.c.lines[0]).toBe('answers.json: /c: expected one of "a", "b"');
    expect(q.v.lines[0]).toBe('answers.json: /v/run: expected string');
    expect(g.score).toBe(0);
  });

  test('path traversal and symlinks out of the submission are refused per question', () => {
    const outside = tempDir();
    writeFileSync(join(outside, 'main.log'), LOG);
    const dir = writeSubmission(root, 'escape', {
      n: 2.5,
      i: 7,
      c: 'b',
      v: { value: 3.5, run: '../escape-target' },
    });
    const { q } = byId(dir);
    expect(q.v.status).toBe('invalid');
    expect(q.v.lines[0]).toBe(
      'cannot check against your run: "../escape-target/main.log" is not a relative path inside the submission',
    );
    for (const run of ['/etc', 'run\\..\\..']) {
      writeFileSync(join(dir, 'answers.json'), JSON.stringify({ v: { value: 3.5, run } }));
      expect(byId(dir).q.v.lines[0]).toMatch(/is not a relative path inside the submission/);
    }
    // answers.json itself linked to another student's: refused, not graded as theirs
    const other = writeSubmission(root, 'other', { n: 2.5, i: 7, c: 'b' });
    const thief = writeSubmission(root, 'thief', undefined);
    symlinkSync(join(other, 'answers.json'), join(thief, 'answers.json'));
    const stolen = byId(thief);
    expect(stolen.g.score).toBe(0);
    expect(stolen.g.notes[0]).toBe('answers.json points outside the submission');
    mkdirSync(join(dir, 'link'), { recursive: true });
    symlinkSync(join(outside, 'main.log'), join(dir, 'link', 'main.log'));
    writeFileSync(join(dir, 'answers.json'), JSON.stringify({ v: { value: 3.5, run: 'link' } }));
    expect(byId(dir).q.v.lines[0]).toBe(
      'cannot check against your run: link/main.log points outside the submission',
    );
  });

  test('an oversized or missing artifact: that question only', () => {
    const big = byId(
      writeSubmission(root, 'biglog', { n: 2.5, v: 3.5 }, { 'run/main.log': LOG.repeat(100) }),
    );
    expect(big.q.v.lines[0]).toMatch(
      /^cannot check against your run: run\/main\.log is \d+ bytes, over the limit of 2048$/,
    );
    expect(big.q.n.score).toBe(1);
    const none = byId(writeSubmission(root, 'nolog', { v: 3.5 }));
    expect(none.q.v.lines[0]).toBe('cannot check against your run: run/main.log is missing');
  });

  test('answers nested 200,000 levels deep: that question is refused, no stack overflow', () => {
    const depth = 200_000;
    const text = `{"c": "b", "n": ${'['.repeat(depth)}${']'.repeat(depth)}, "i": ${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    const big = { ...spec, limits: { ...spec.limits, answersBytes: 10_000_000 } };
    const g = gradeSubmission(big, writeSubmission(root, 'deep', text));
    const q = Object.fromEntries(g.questions.map((x) => [x.id, x]));
    expect(q.n.lines[0]).toBe('answers.json: /n: nested more than 8 levels deep (no answer is)');
    expect(q.i.status).toBe('invalid');
    expect(q.c.score).toBe(1);
  });

  test('a folder with answers.json as a directory, or a path that does not exist', () => {
    const dir = writeSubmission(root, 'dirjson', undefined);
    mkdirSync(join(dir, 'answers.json'));
    expect(byId(dir).g.notes[0]).toBe('answers.json is not a regular file');
    expect(byId(join(root, 'no-such-folder')).g.notes[0]).toMatch(/no-such-folder: no such file or folder$/);
  });

  test('where JSON breaks: the offset of the first bad character, NaN allowed, no recursion', () => {
    expect(jsonErrorOffset('{"a": [1, NaN, -Infinity, {"b": "x\\u00e9"}], "c": null}')).toBeUndefined();
    expect(jsonErrorOffset('{"a": [1, 2,]}')).toBe(12);
    expect(jsonErrorOffset('{"a": 1} x')).toBe(9);
    expect(jsonErrorOffset('{"a": "tab\there"}')).toBe(6); // a raw tab inside a string
    expect(jsonErrorOffset('[01]')).toBe(2);
    expect(jsonErrorOffset(`${'['.repeat(1_000_000)}${']'.repeat(999_999)}`)).toBe(1_999_999);
    expect(lineColumn('{\n  "a": 1,\n}', 12)).toEqual({ line: 3, column: 1 });
  });
});
