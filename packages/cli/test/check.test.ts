/**
 * `course check` (students) and `course-grade` (TAs) are one code path: for the
 * same spec and submission, check's results.json holds exactly the visible tests
 * of the TA's results.json, and its score is their sum.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCourseGrade } from '@course/grader';
import { describe, expect, test } from 'vitest';
import { course } from './run-course.js';

const assignment = fileURLToPath(new URL('../../../assignments/gpt2-tuning/', import.meta.url));
const spec = join(assignment, 'spec.json');

async function courseGrade(...argv: string[]) {
  let stdout = '';
  const code = await runCourseGrade(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: () => {} },
  });
  return { code, stdout };
}

describe('course check', () => {
  for (const example of ['correct', 'mistakes']) {
    test(`gives the visible part of course-grade's results.json (${example})`, async () => {
      const submission = join(assignment, 'examples', example);
      const ta = await courseGrade(spec, submission, '--submitted-at', '2026-03-06T12:00:00-05:00');
      const student = await course(
        'check',
        spec,
        submission,
        '--json',
        '--submitted-at',
        '2026-03-06T12:00:00-05:00',
      );
      expect([ta.code, student.code]).toEqual([0, 0]);
      const full = JSON.parse(ta.stdout);
      const mine = JSON.parse(student.stdout);
      const visible = full.tests.filter((t: { visibility: string }) => t.visibility === 'visible');
      expect(visible.length).toBeLessThan(full.tests.length); // the spec has a question shown after the due date
      expect(mine.tests).toEqual(visible);
      const sum = visible.reduce((s: number, t: { score: number }) => s + t.score, 0);
      expect(mine.score).toBeCloseTo(sum, 9);
      // and the TA's total counts the hidden question too
      expect(full.score).toBeCloseTo(
        full.tests.reduce((s: number, t: { score: number }) => s + t.score, 0),
        9,
      );
    });
  }

  test('prints the feedback by default and writes results.json + feedback.md with --out', async () => {
    const out = mkdtempSync(join(tmpdir(), 'course-check-'));
    const submission = join(assignment, 'examples', 'mistakes');
    const r = await course('check', spec, submission, '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(out, 'feedback.md'), 'utf8'));
    expect(r.stdout).toContain('## 1b:');
    expect(r.stdout).not.toContain('## 1i:'); // shown after the due date only
    expect(r.stdout).toContain(
      '- 1 more question(s) are graded but not shown here: 1i (shown after the due date)\n',
    );
    const json = await course('check', spec, submission, '--json');
    expect(readFileSync(join(out, 'results.json'), 'utf8')).toBe(json.stdout);
  });

  describe('a submission that cannot be graded at all: exit 2, one message, no per-question repeats', () => {
    const root = mkdtempSync(join(tmpdir(), 'course-check-bad-'));
    const folder = (name: string, files: Record<string, string> = {}) => {
      const dir = join(root, name);
      mkdirSync(dir, { recursive: true });
      for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
      return dir;
    };
    const cases: [string, () => string, (path: string) => string][] = [
      [
        'a path that does not exist',
        () => join(root, 'no-such-folder'),
        (p) => `${p}: no such file or folder`,
      ],
      ['an empty folder', () => folder('empty'), (p) => `${p}: the folder is empty (expected answers.json)`],
      [
        'a folder without answers.json',
        () => folder('notes-only', { 'notes.txt': 'hi' }),
        (p) => `${p}: answers.json is missing`,
      ],
      [
        'answers.json that is not JSON (line and column)',
        () => folder('broken', { 'answers.json': '{\n  "1a": 1975.04,\n  "1b" "2.59 h"\n}\n' }),
        (p) => `${p}: answers.json is not valid JSON: line 3, column 8: Unexpected string`,
      ],
      [
        'answers.json with a trailing comma (line and column)',
        () => folder('comma', { 'answers.json': '{\n  "1a": 1975.04,\n}\n' }),
        (p) => `${p}: answers.json is not valid JSON: line 3, column 1: Expected double-quoted property name`,
      ],
      [
        'answers.json cut short',
        () => folder('cut', { 'answers.json': '{"1a": 1975.04' }),
        (p) => `${p}: answers.json is not valid JSON: line 1, column 15: unexpected end of the file`,
      ],
    ];
    for (const [name, make, message] of cases) {
      test(name, async () => {
        const path = make();
        const r = await course('check', spec, path);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toBe(`error: ${message(path)}\n`);
      });
    }
  });

  describe('HW5 7b: the total `course budget` prints (rounded to cents) is accepted, as the feedback says', () => {
    const root = mkdtempSync(join(tmpdir(), 'course-check-7b-'));
    // Two runs: 0.0449 + 0.05 = $0.0949 in the ledger, printed as $0.09 (half a cent off at most);
    // 1% of it alone (±$0.00095) would reject the printed total.
    const run = (name: string, actualUsd: number) => ({
      runId: `${name}@2026-12-01T23:43:07.329Z`,
      outputDir: name,
      ratePerHour: 1.5,
      projectedUsd: 0.01,
      wallSeconds: (actualUsd / 1.5) * 3600,
      actualUsd,
      status: 'finished',
      startedAt: '2026-12-01T23:43:07.348Z',
      updatedAt: '2026-12-01T23:44:15.827Z',
    });
    const submission = (name: string, runs: ReturnType<typeof run>[], answer?: number) => {
      const dir = join(root, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'budget.json'), JSON.stringify({ version: 1, budgetUsd: null, runs }));
      if (answer !== undefined) writeFileSync(join(dir, 'answers.json'), JSON.stringify({ '7b': answer }));
      return dir;
    };
    const printedTotal = async (dir: string) => {
      const r = await course('budget', '--ledger', join(dir, 'budget.json'));
      expect(r.code).toBe(0);
      return Number(/^spent \$([0-9.]+);/m.exec(r.stdout)![1]);
    };
    const score7b = async (dir: string, answer: number) => {
      writeFileSync(join(dir, 'answers.json'), JSON.stringify({ '7b': answer }));
      const r = await course('check', spec, dir, '--json');
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout).tests.find((t: { number: string }) => t.number === '7b');
    };

    test('$0.0949 printed as $0.09: full marks; a cent further off is still wrong', async () => {
      const dir = submission('cents', [run('question_1', 0.0449), run('question_7', 0.05)]);
      const printed = await printedTotal(dir);
      expect(printed).toBe(0.09);
      expect((await score7b(dir, printed)).score).toBe(2);
      expect((await score7b(dir, 0.0949)).score).toBe(2);
      // 0.08: |0.08 − 0.0949| = 0.0149 > 0.005 + 0.01 × 0.0949
      const wrong = await score7b(dir, 0.08);
      expect(wrong.score).toBe(0);
      expect(wrong.output).toContain('`course budget` prints the total rounded to cents');
    });

    test('under a cent, printed to 2 significant digits ($0.0045 for $0.00449): full marks', async () => {
      const dir = submission('small', [run('question_1', 0.00449)]);
      const printed = await printedTotal(dir);
      expect(printed).toBe(0.0045);
      expect((await score7b(dir, printed)).score).toBe(2);
    });
  });

  test('a bad spec exits 2 naming the file and the JSON pointer', async () => {
    const r = await course('check', join(assignment, 'README.md'), join(assignment, 'examples', 'correct'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*README\.md: not valid JSON/);
  });
});
