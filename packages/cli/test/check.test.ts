/**
 * `course check` (students) and `course-grade` (TAs) are one code path: for the
 * same spec and submission, check's results.json holds exactly the visible tests
 * of the TA's results.json, and its score is their sum.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
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

  test('a bad spec exits 2 naming the file and the JSON pointer', async () => {
    const r = await course('check', join(assignment, 'README.md'), join(assignment, 'examples', 'correct'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*README\.md: not valid JSON/);
  });
});
