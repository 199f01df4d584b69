/**
 * A Grade written out: Gradescope's results.json and a readable feedback.md.
 *
 * results.json (Gradescope autograder format): `score` is the total and
 * overrides the sum of tests (we need that: the late penalty applies to the
 * total); `tests[]` has name, number (used for ordering), score, max_score,
 * status (stated explicitly: "passed" iff full marks; a question worth 0 points,
 * such as one withheld until grades are published, passes only when its answer
 * is right, so a wrong answer never shows as passed), output (plain
 * text, "\n" line endings) and visibility (visible | hidden | after_due_date |
 * after_published). If any test is hidden from students, Gradescope hides the
 * total from them too. No timestamps and a fixed key order: regrading the same
 * submission writes the same bytes.
 */
import type { Grade, QuestionGrade } from './grade.js';
import { formatNumber } from './tolerance.js';

export interface GradescopeTest {
  name: string;
  number: string;
  score: number;
  max_score: number;
  status: 'passed' | 'failed';
  output: string;
  visibility: 'visible' | 'hidden' | 'after_due_date' | 'after_published';
  extra_data?: Record<string, unknown>;
}

export interface GradescopeResults {
  score: number;
  output: string;
  output_format: 'text';
  test_output_format: 'text';
  visibility: 'visible';
  stdout_visibility: 'hidden';
  tests: GradescopeTest[];
  extra_data: Record<string, unknown>;
  leaderboard?: { name: string; value: number; order: 'asc' | 'desc' }[];
}

const STATUS_TEXT: Record<QuestionGrade['status'], string> = {
  correct: 'correct',
  partial: 'partly correct',
  wrong: 'incorrect',
  missing: 'missing',
  invalid: 'could not be graded',
  manual: 'awaiting TA grading',
};

/** A TA's score replaces the automatic verdict ("awaiting TA grading: 2 / 3" would contradict itself). */
function statusText(q: QuestionGrade): string {
  if (!q.override) return STATUS_TEXT[q.status];
  return q.status === 'manual' ? 'scored by a TA' : `scored by a TA (automatic: ${STATUS_TEXT[q.status]})`;
}

/** Full marks, or, for a question worth 0 points, a right answer (0 of 0 alone says nothing). */
function passed(q: QuestionGrade): boolean {
  return q.maxScore > 0 ? q.score >= q.maxScore : q.status === 'correct';
}

const SHOWN_WHEN: Record<Exclude<QuestionGrade['visibility'], 'visible'>, string> = {
  hidden: 'seen by the course staff only',
  after_due_date: 'shown after the due date',
  after_published: 'shown when grades are published',
};

function testOf(q: QuestionGrade): GradescopeTest {
  const head = `${statusText(q)}: ${formatNumber(q.score)} / ${formatNumber(q.maxScore)}`;
  const test: GradescopeTest = {
    name: `${q.id}: ${q.title}`,
    number: q.id,
    score: q.score,
    max_score: q.maxScore,
    status: passed(q) ? 'passed' : 'failed',
    output: [head, ...q.lines].join('\n'),
    visibility: q.visibility,
  };
  if (q.override) test.extra_data = { auto_score: q.autoScore, override: q.override };
  return test;
}

function summaryLines(grade: Grade, score: number, max: number): string[] {
  const lines = [`${grade.assignment}: ${formatNumber(score)} / ${formatNumber(max)}`];
  if (grade.late) lines.push(grade.late.text);
  lines.push(...grade.notes);
  return lines;
}

/** The TA's (and Gradescope's) results.json: every question. */
export function gradescopeResults(grade: Grade): GradescopeResults {
  const hidden = grade.questions.filter((q) => q.visibility !== 'visible' && q.maxScore > 0);
  const lines = summaryLines(grade, grade.score, grade.maxScore);
  if (hidden.length > 0) {
    lines.push(
      `${hidden.length} question(s) are not shown to students yet (${hidden.map((q) => q.id).join(', ')}): Gradescope withholds the total from students until they are`,
    );
  }
  return {
    score: grade.score,
    output: lines.join('\n'),
    output_format: 'text',
    test_output_format: 'text',
    visibility: 'visible',
    stdout_visibility: 'hidden',
    tests: grade.questions.map(testOf),
    extra_data: {
      assignment: grade.assignment,
      student: grade.student,
      raw_score: grade.rawScore,
      max_score: grade.maxScore,
      late: grade.late ?? null,
    },
    ...(grade.leaderboard.length > 0 ? { leaderboard: grade.leaderboard } : {}),
  };
}

/**
 * What a student sees from `course check`: the visible questions, exactly as in
 * the TA's results.json, and the total of those (after the same late factor).
 */
export function studentResults(grade: Grade): GradescopeResults {
  const visible = grade.questions.filter((q) => q.visibility === 'visible');
  const notShown = grade.questions.filter((q) => q.visibility !== 'visible');
  const raw = visible.reduce((s, q) => s + q.score, 0);
  const max = visible.reduce((s, q) => s + q.maxScore, 0);
  const score = Math.round(raw * (grade.late?.factor ?? 1) * 1e6) / 1e6;
  const lines = summaryLines(grade, score, max);
  if (notShown.length > 0) {
    const ids = notShown.map((q) => `${q.id} (${SHOWN_WHEN[q.visibility as keyof typeof SHOWN_WHEN]})`);
    lines.push(`${notShown.length} more question(s) are graded but not shown here: ${ids.join(', ')}`);
  }
  return {
    score,
    output: lines.join('\n'),
    output_format: 'text',
    test_output_format: 'text',
    visibility: 'visible',
    stdout_visibility: 'hidden',
    tests: visible.map(testOf),
    extra_data: {
      assignment: grade.assignment,
      student: grade.student,
      raw_score: Math.round(raw * 1e6) / 1e6,
      max_score: Math.round(max * 1e6) / 1e6,
      late: grade.late ?? null,
    },
    ...(grade.leaderboard.length > 0 ? { leaderboard: grade.leaderboard } : {}),
  };
}

/** results.json bytes: two-space JSON and a final newline. */
export function resultsJson(results: GradescopeResults): string {
  return `${JSON.stringify(results, null, 2)}\n`;
}

/** feedback.md: the total, then each question with its lines. */
export function feedbackMarkdown(grade: Grade, opts: { studentView?: boolean } = {}): string {
  const questions = opts.studentView
    ? grade.questions.filter((q) => q.visibility === 'visible')
    : grade.questions;
  const results = opts.studentView ? studentResults(grade) : gradescopeResults(grade);
  const out = [
    `# ${grade.assignment}: feedback for ${grade.student}`,
    '',
    ...results.output.split('\n').map((l) => `- ${l}`),
    '',
  ];
  for (const q of questions) {
    const hidden = q.visibility === 'visible' ? '' : ` (${q.visibility.replace(/_/g, ' ')})`;
    out.push(
      `## ${q.id}: ${q.title}${hidden}`,
      '',
      `**${formatNumber(q.score)} / ${formatNumber(q.maxScore)}**, ${statusText(q)}`,
      '',
    );
    // Indented, not fenced: a student's answer cannot close an indented block.
    out.push(...q.lines.flatMap((l) => l.split('\n')).map((l) => `    ${l}`), '');
  }
  return out.join('\n');
}
