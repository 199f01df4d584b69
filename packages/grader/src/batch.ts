/**
 * Grading many submissions: the per-student files, gradebook.csv, a summary
 * with a histogram per question, the key audit and, on a regrade, a
 * before/after diff. Every file is written atomically and in a fixed order
 * (students sorted by name, questions in spec order), with no timestamps, so
 * grading the same submissions twice writes the same bytes.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InputError, writeFileAtomic } from '@course/models';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  type Grade,
  type GradeOptions,
  gradeLoaded,
  type LateInfo,
  type Overrides,
  roundScore,
} from './grade.js';
import { histogramSvg } from './histogram.js';
import { feedbackMarkdown, type GradescopeResults, gradescopeResults, resultsJson } from './results.js';
import { DEFAULT_LIMITS, describeAjvError, type Spec } from './spec.js';
import { storeRawSubmission } from './store.js';
import { loadSubmission, type Submission } from './submission.js';
import { formatNumber } from './tolerance.js';

/**
 * Grades every submission; two submissions of one student name are refused (never mix students up).
 * `loaded`, when given, receives each loaded submission (with the bytes grading read) by student.
 */
export function gradeBatch(
  spec: Spec,
  paths: readonly string[],
  opts: GradeOptions = {},
  loaded?: Map<string, Submission>,
): Grade[] {
  const limits = { ...DEFAULT_LIMITS, ...spec.limits };
  const grades = paths.map((p) => {
    const sub = loadSubmission(p, { answersBytes: limits.answersBytes });
    const grade = gradeLoaded(spec, sub, opts);
    loaded?.set(sub.student, sub);
    return grade;
  });
  const seen = new Map<string, string>();
  grades.forEach((g, i) => {
    const earlier = seen.get(g.student);
    if (earlier !== undefined) {
      throw new InputError(
        `${paths[i]}: student "${g.student}" is also ${earlier}; give each submission its own folder name`,
      );
    }
    seen.set(g.student, paths[i]);
  });
  return grades.sort((a, b) => (a.student < b.student ? -1 : a.student > b.student ? 1 : 0));
}

// ---- TA overrides

const OVERRIDES_SCHEMA = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    additionalProperties: {
      type: 'object',
      properties: { score: { type: 'number', minimum: 0 }, reason: { type: 'string', minLength: 1 } },
      required: ['score', 'reason'],
      additionalProperties: false,
    },
  },
};

/**
 * `{"<student>": {"<question id>": {"score": 2, "reason": "…"}}}`, a file of its own
 * that grading reads and never writes: overrides survive every regrade.
 */
export function loadOverrides(file: string, spec: Spec): Overrides {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, '')); // a Notepad byte-order mark
  } catch (err) {
    throw new InputError(
      `${file}: cannot read the overrides (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  const validate = new Ajv2020({ allErrors: true }).compile(OVERRIDES_SCHEMA);
  const lines = validate(data) ? [] : (validate.errors ?? []).map(describeAjvError);
  const points = new Map(spec.questions.map((q) => [q.id, q.points]));
  if (lines.length === 0) {
    for (const [student, byQuestion] of Object.entries(data as Overrides)) {
      for (const [id, o] of Object.entries(byQuestion)) {
        const max = points.get(id);
        if (max === undefined) lines.push(`/${student}/${id}: "${id}" is not a question of ${spec.id}`);
        else if (o.score > max)
          lines.push(`/${student}/${id}/score: ${o.score} is more than the question's ${max} points`);
      }
    }
  }
  if (lines.length > 0)
    throw new InputError(
      `${file}: not a valid overrides file:\n${lines.map((l) => `  ${file}: ${l}`).join('\n')}`,
    );
  return data as Overrides;
}

// ---- gradebook.csv

function csvCell(v: string | number): string {
  // A name starting with = + - @ would run as a spreadsheet formula: prefix a quote (OWASP's advice).
  const s = typeof v === 'number' ? formatNumber(v, 10) : /^[=+\-@]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A student `--regrade` did not grade again (their stored copy was refused): their earlier
 * row is kept in gradebook.csv and summary.md, marked with why.
 */
export interface KeptRow {
  student: string;
  /** Why not regraded ("stored copy changed after grading: raw/files/…"). */
  why: string;
  /** Their earlier results.json (OUT/submissions/<student>/results.json); undefined when unreadable. */
  results?: GradescopeResults;
}

/** The earlier scores of a kept row, by question id and "total" (from its results.json). */
function keptScores(k: KeptRow): Map<string, number> {
  if (!k.results) return new Map();
  return new Map([
    ...k.results.tests.map((t): [string, number] => [t.number, t.score]),
    ['total', k.results.score],
  ]);
}

/**
 * One row per student, one column per question, then raw score, days late, late penalty
 * (points), total, max, and a note (empty unless the row was kept from an earlier grading).
 */
export function gradebookCsv(spec: Spec, grades: readonly Grade[], kept: readonly KeptRow[] = []): string {
  const header = [
    'student',
    ...spec.questions.map((q) => q.id),
    'raw_score',
    'days_late',
    'late_penalty',
    'total',
    'max_score',
    'note',
  ];
  const rows: { student: string; cells: (string | number)[] }[] = grades.map((g) => ({
    student: g.student,
    cells: [
      g.student,
      ...g.questions.map((q) => q.score),
      g.rawScore,
      g.late?.daysLate ?? 0,
      roundScore(g.rawScore - g.score),
      g.score,
      g.maxScore,
      '',
    ],
  }));
  for (const k of kept) {
    const scores = keptScores(k);
    const extra = (k.results?.extra_data ?? {}) as {
      raw_score?: number;
      max_score?: number;
      late?: LateInfo;
    };
    const raw = extra.raw_score;
    const total = k.results?.score;
    rows.push({
      student: k.student,
      cells: [
        k.student,
        ...spec.questions.map((q) => scores.get(q.id) ?? ''),
        raw ?? '',
        k.results ? (extra.late?.daysLate ?? 0) : '',
        raw !== undefined && total !== undefined ? roundScore(raw - total) : '',
        total ?? '',
        extra.max_score ?? '',
        `not regraded (${k.why}): earlier row kept${k.results ? '' : ', but its results.json is unreadable'}`,
      ],
    });
  }
  rows.sort((a, b) => (a.student < b.student ? -1 : a.student > b.student ? 1 : 0));
  return `${[header, ...rows.map((r) => r.cells)].map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}

// ---- summary

export interface QuestionSummary {
  id: string;
  title: string;
  points: number;
  mean: number;
  median: number;
  /** Fraction of students with full marks. */
  fullCredit: number;
  scores: number[];
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Per question and total, over the graded students and the earlier scores of kept rows. */
export function summarize(
  spec: Spec,
  grades: readonly Grade[],
  kept: readonly KeptRow[] = [],
): { questions: QuestionSummary[]; total: QuestionSummary } {
  const earlier = kept.map(keptScores);
  const of = (id: string, title: string, points: number, scores: number[]): QuestionSummary => ({
    id,
    title,
    points,
    mean: scores.length ? roundScore(scores.reduce((a, b) => a + b, 0) / scores.length) : Number.NaN,
    median: roundScore(median(scores)),
    fullCredit: scores.length
      ? roundScore(scores.filter((s) => s >= points).length / scores.length)
      : Number.NaN,
    scores,
  });
  // A kept row without a score for an id (a question added since) is left out of that one.
  const before = (id: string) => earlier.flatMap((m) => (m.has(id) ? [m.get(id)!] : []));
  const questions = spec.questions.map((q, i) =>
    of(q.id, q.title, q.points, [...grades.map((g) => g.questions[i].score), ...before(q.id)]),
  );
  const max = spec.questions.reduce((s, q) => s + q.points, 0);
  return {
    questions,
    total: of('total', 'Total (after late penalties)', max, [
      ...grades.map((g) => g.score),
      ...before('total'),
    ]),
  };
}

function summaryMarkdown(
  spec: Spec,
  s: ReturnType<typeof summarize>,
  n: number,
  kept: readonly KeptRow[] = [],
): string {
  const out = [
    `# ${spec.id}: summary of ${n} submission${n === 1 ? '' : 's'}`,
    '',
    '| question | points | mean | median | full credit | histogram |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const q of [...s.questions, s.total]) {
    out.push(
      `| ${q.id}: ${q.title.replace(/\|/g, '\\|')} | ${formatNumber(q.points)} | ${formatNumber(q.mean, 4)} | ${formatNumber(q.median, 4)} | ${formatNumber(roundScore(q.fullCredit * 100), 4)}% | [svg](histograms/${q.id}.svg) |`,
    );
  }
  if (kept.length > 0) {
    out.push('', 'Not regraded (earlier scores kept and counted above):', '');
    for (const k of kept)
      out.push(`- ${k.student}: ${k.why}${k.results ? '' : ' (earlier results.json unreadable)'}`);
  }
  return `${out.join('\n')}\n`;
}

// ---- key audit

export interface KeyAuditEntry {
  id: string;
  title: string;
  /** The wrong answer most students gave (compact JSON). */
  answer: string;
  students: number;
  of: number;
}

/**
 * Questions that most students miss with the same answer (a sign the key, not
 * the class, is wrong): at least `minStudents` students and more than half of
 * those who answered gave one identical wrong answer.
 */
export function keyAudit(spec: Spec, grades: readonly Grade[], minStudents = 2): KeyAuditEntry[] {
  const flagged: KeyAuditEntry[] = [];
  spec.questions.forEach((q, i) => {
    const answered = grades
      .map((g) => g.questions[i])
      .filter((r) => r.answer !== undefined && r.status !== 'manual' && r.status !== 'invalid');
    const counts = new Map<string, number>();
    for (const r of answered)
      if (r.status === 'wrong' || r.status === 'partial')
        counts.set(r.answer!, (counts.get(r.answer!) ?? 0) + 1);
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
    if (top && top[1] >= minStudents && top[1] * 2 > answered.length) {
      flagged.push({ id: q.id, title: q.title, answer: top[0], students: top[1], of: answered.length });
    }
  });
  return flagged;
}

function keyAuditMarkdown(spec: Spec, entries: readonly KeyAuditEntry[]): string {
  const out = [`# ${spec.id}: key audit`, ''];
  if (entries.length === 0) out.push('No question was missed by most students with one same answer.');
  for (const e of entries) {
    out.push(
      `- **${e.id}** (${e.title}): ${e.students} of ${e.of} students answered \`${e.answer}\` and were marked wrong. Check the key.`,
    );
  }
  return `${out.join('\n')}\n`;
}

// ---- regrade diff

function scoresOf(results: GradescopeResults): Map<string, number> {
  return new Map([
    ['total', results.score],
    ...results.tests.map((t): [string, number] => [t.number, t.score]),
  ]);
}

/** Lines "student question: before → after" for every score that changed. */
export function regradeDiff(
  before: ReadonlyMap<string, GradescopeResults>,
  after: ReadonlyMap<string, GradescopeResults>,
  kept: readonly KeptRow[] = [],
): string[] {
  const lines: string[] = [];
  const keptWhy = new Map(kept.map((k) => [k.student, k.why]));
  const students = [...new Set([...before.keys(), ...after.keys(), ...keptWhy.keys()])].sort();
  for (const s of students) {
    const b = before.get(s);
    const a = after.get(s);
    if (keptWhy.has(s)) {
      lines.push(`${s}: not regraded (${keptWhy.get(s)}); earlier row kept (total ${b?.score ?? 'unknown'})`);
      continue;
    }
    if (!b) {
      lines.push(`${s}: new submission, total ${a!.score}`);
      continue;
    }
    if (!a) {
      lines.push(`${s}: not in this grading, so not in gradebook.csv (was total ${b.score})`);
      continue;
    }
    const bs = scoresOf(b);
    const as = scoresOf(a);
    for (const key of new Set([...bs.keys(), ...as.keys()])) {
      if (bs.get(key) !== as.get(key))
        lines.push(`${s} ${key}: ${bs.get(key) ?? '—'} → ${as.get(key) ?? '—'}`);
    }
  }
  return lines;
}

// ---- writing a batch

export interface BatchOutput {
  grades: Grade[];
  /** Students not regraded, with their earlier results (WriteBatchOptions.notRegraded). */
  kept: KeptRow[];
  /** Lines of the regrade diff; undefined when OUT held no earlier grading. */
  diff?: string[];
  audit: KeyAuditEntry[];
}

export interface WriteBatchOptions {
  /** Store each student's raw submission as graded under OUT/submissions/<student>/raw/ (see store.ts). */
  store?: ReadonlyMap<string, Submission>;
  /** The `--submitted-at` of this grading, recorded with the stored copies. */
  submittedAt?: Date;
  /** Students `--regrade` refused: their earlier files stay, their rows are kept (see KeptRow). */
  notRegraded?: readonly { student: string; why: string }[];
}

/**
 * Writes OUT/submissions/<student>/{results.json,feedback.md} (and raw/ with `store`),
 * gradebook.csv, summary, histograms, key audit, regrade diff.
 */
export async function writeBatch(
  spec: Spec,
  grades: Grade[],
  out: string,
  opts: WriteBatchOptions = {},
): Promise<BatchOutput> {
  const subRoot = join(out, 'submissions');
  const before = new Map<string, GradescopeResults>();
  // Every earlier student, not only the ones graded now: regrading a subset into the same
  // OUT replaces gradebook.csv, and the diff must say whose rows are no longer in it.
  if (existsSync(subRoot)) {
    for (const student of readdirSync(subRoot).sort()) {
      const file = join(subRoot, student, 'results.json');
      if (existsSync(file)) {
        try {
          before.set(student, JSON.parse(readFileSync(file, 'utf8')));
        } catch {
          // an unreadable earlier result is simply not compared
        }
      }
    }
  }
  const after = new Map<string, GradescopeResults>();
  for (const g of grades) {
    const dir = join(subRoot, g.student);
    if (resolve(dir) === resolve(subRoot) || basename(dir) !== g.student) {
      throw new InputError(`student name "${g.student}" cannot be a folder name`);
    }
    mkdirSync(dir, { recursive: true });
    const results = gradescopeResults(g);
    after.set(g.student, results);
    writeFileAtomic(join(dir, 'results.json'), resultsJson(results));
    writeFileAtomic(join(dir, 'feedback.md'), feedbackMarkdown(g));
    const sub = opts.store?.get(g.student);
    if (sub) storeRawSubmission(dir, sub, opts.submittedAt);
  }
  const kept: KeptRow[] = (opts.notRegraded ?? []).map(({ student, why }) => ({
    student,
    why,
    results: before.get(student),
  }));
  writeFileAtomic(join(out, 'gradebook.csv'), gradebookCsv(spec, grades, kept));
  const summary = summarize(spec, grades, kept);
  const n = grades.length + kept.length;
  writeFileAtomic(join(out, 'summary.md'), summaryMarkdown(spec, summary, n, kept));
  writeFileAtomic(
    join(out, 'summary.json'),
    `${JSON.stringify(
      {
        assignment: spec.id,
        submissions: n,
        questions: [...summary.questions, summary.total].map(({ scores: _, ...q }) => q),
        ...(kept.length > 0 ? { notRegraded: kept.map(({ student, why }) => ({ student, why })) } : {}),
      },
      null,
      2,
    )}\n`,
  );
  mkdirSync(join(out, 'histograms'), { recursive: true });
  for (const q of [...summary.questions, summary.total]) {
    writeFileAtomic(
      join(out, 'histograms', `${q.id}.svg`),
      await histogramSvg(`${q.id}: ${q.title}`, q.scores, q.points),
    );
  }
  const audit = keyAudit(spec, grades);
  writeFileAtomic(join(out, 'key-audit.md'), keyAuditMarkdown(spec, audit));
  let diff: string[] | undefined;
  if (before.size > 0) {
    diff = regradeDiff(before, after, kept);
    const body = diff.length === 0 ? ['No score changed.'] : diff.map((l) => `- ${l}`);
    writeFileAtomic(
      join(out, 'regrade-diff.md'),
      `# ${spec.id}: regrade, before → after\n\n${body.join('\n')}\n`,
    );
  }
  return { grades, kept, diff, audit };
}
