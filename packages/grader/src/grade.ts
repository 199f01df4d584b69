/**
 * Grading one submission: every question in spec order through its checker,
 * then TA overrides (kept apart: the automatic score stays in the record), the
 * hidden-question rule and the late policy. Pure with respect to its inputs:
 * the same spec, submission files, overrides and options give the same Grade.
 */
import { answerTypeErrors } from './answers-schema.js';
import { type Context, runCheck } from './checkers.js';
import { DEFAULT_LIMITS, type Question, type Spec, type Visibility } from './spec.js';
import { loadSubmission, NON_FINITE, type Submission } from './submission.js';

export type QuestionStatus = 'correct' | 'partial' | 'wrong' | 'missing' | 'invalid' | 'manual';

export interface Override {
  score: number;
  reason: string;
}

/** Per student, per question id. */
export type Overrides = Record<string, Record<string, Override>>;

export interface QuestionGrade {
  id: string;
  title: string;
  /** Points the question is worth (0 while hidden under "zero-until-published"). */
  maxScore: number;
  visibility: Visibility;
  status: QuestionStatus;
  /** What the checker gave. */
  autoScore: number;
  /** What counts: the override's score when a TA set one, else autoScore. */
  score: number;
  override?: Override;
  lines: string[];
  /** The answer as compact JSON, for the key audit; undefined when missing. */
  answer?: string;
}

export interface LateInfo {
  submittedAt: string;
  daysLate: number;
  /** Fraction of the total kept: 1 − daysLate × penaltyPerDay (0 past maxDaysLate). */
  factor: number;
  text: string;
}

export interface Grade {
  assignment: string;
  student: string;
  questions: QuestionGrade[];
  /** Sum of question scores, before the late penalty. */
  rawScore: number;
  maxScore: number;
  late?: LateInfo;
  /** rawScore × late factor. */
  score: number;
  /** Whole-submission messages (answers.json unreadable, metadata problems, …). */
  notes: string[];
  /** The spec's leaderboard columns that have a value for this submission. */
  leaderboard: { name: string; value: number; order: 'asc' | 'desc' }[];
}

export interface GradeOptions {
  overrides?: Overrides;
  /** Used when the submission has no submission_metadata.json created_at. */
  submittedAt?: Date;
  /** Grades are published: hidden questions count under "zero-until-published". */
  published?: boolean;
}

/** Scores are kept to 1e-6 of a point so sums and files do not show 0.30000000000000004. */
export function roundScore(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export function gradeSubmission(spec: Spec, path: string, opts: GradeOptions = {}): Grade {
  const limits = { ...DEFAULT_LIMITS, ...spec.limits };
  const sub = loadSubmission(path, { answersBytes: limits.answersBytes });
  return gradeLoaded(spec, sub, opts);
}

export function gradeLoaded(spec: Spec, sub: Submission, opts: GradeOptions = {}): Grade {
  const limits = { ...DEFAULT_LIMITS, ...spec.limits };
  const ctx: Context = { sub, artifactBytes: limits.artifactBytes, refs: {}, own: {} };
  const notes = [...sub.notes];
  if (sub.problem) notes.unshift(sub.problem);
  const known = new Set(spec.questions.map((q) => q.id));
  const unknown = Object.keys(sub.answers ?? {}).filter((k) => !known.has(k));
  if (unknown.length > 0)
    notes.push(`answers.json: ignored entries that are no question id: ${unknown.sort().join(', ')}`);

  const overrides = opts.overrides?.[sub.student] ?? {};
  const questions = spec.questions.map((q) => {
    try {
      return gradeQuestion(q, sub, ctx, spec, opts, overrides[q.id]);
    } catch (err) {
      // A grader bug must not cost the rest of the submission (or the batch): this question
      // alone is reported as ungraded, with the error for the TA to pass on.
      const message = err instanceof Error ? err.message : String(err);
      return ungraded(q, `could not be graded: grader error (${message}); please report it`);
    }
  });

  const rawScore = roundScore(questions.reduce((s, q) => s + q.score, 0));
  const maxScore = roundScore(questions.reduce((s, q) => s + q.maxScore, 0));
  const late = latePolicy(spec, sub.submittedAt ?? opts.submittedAt, notes);
  // A log question's column shows what the run shows (its reference), not what the student typed.
  const leaderboard = (spec.leaderboard ?? []).flatMap(({ name, question, order }) => {
    const q = spec.questions.find((x) => x.id === question)!;
    const value = q.check.kind === 'log' ? ctx.refs[question] : ctx.own[question];
    return value === undefined ? [] : [{ name, value, order: order ?? 'desc' }];
  });
  return {
    assignment: spec.id,
    student: sub.student,
    questions,
    rawScore,
    maxScore,
    late,
    score: roundScore(rawScore * (late?.factor ?? 1)),
    notes,
    leaderboard,
  };
}

function ungraded(q: Question, line: string): QuestionGrade {
  const visibility = q.visibility ?? 'visible';
  return {
    id: q.id,
    title: q.title,
    maxScore: q.points,
    visibility,
    status: 'invalid',
    autoScore: 0,
    score: 0,
    lines: [line],
  };
}

function gradeQuestion(
  q: Question,
  sub: Submission,
  ctx: Context,
  spec: Spec,
  opts: GradeOptions,
  override?: Override,
): QuestionGrade {
  const visibility = q.visibility ?? 'visible';
  const withheld =
    (spec.hiddenScoring ?? 'withhold-total') === 'zero-until-published' &&
    visibility !== 'visible' &&
    !opts.published;
  const maxScore = withheld ? 0 : q.points;
  const base = { id: q.id, title: q.title, maxScore, visibility };

  const raw = sub.answers && Object.hasOwn(sub.answers, q.id) ? sub.answers[q.id] : undefined;
  let status: QuestionStatus;
  let fraction = 0;
  const lines: string[] = [];
  let answerForCheck: unknown;
  let answerText: string | undefined;

  if (sub.problem) {
    status = 'invalid';
    lines.push(`not graded: ${sub.problem}`);
  } else if (raw === undefined) {
    status = 'missing';
  } else if (deeperThan(raw, MAX_ANSWER_DEPTH)) {
    status = 'invalid';
    lines.push(`answers.json: /${q.id}: nested more than ${MAX_ANSWER_DEPTH} levels deep (no answer is)`);
  } else if (containsNonFinite(raw)) {
    status = 'invalid';
    lines.push(`answers.json: /${q.id}: NaN or Infinity is not an answer (expected a finite number)`);
  } else {
    const typeErrors = answerTypeErrors(q, raw);
    if (typeErrors.length > 0) {
      status = 'invalid';
      lines.push(...typeErrors.map((e) => `answers.json: ${e}`));
    } else {
      status = 'wrong';
      answerForCheck = raw;
      answerText = JSON.stringify(raw);
    }
  }

  // The checker runs for missing and invalid answers too: it still works out the reference
  // (and says what was accepted), which later follow-through questions need.
  const outcome = runCheck(q, answerForCheck, ctx);
  if (outcome.reference !== undefined && Number.isFinite(outcome.reference))
    ctx.refs[q.id] = outcome.reference;
  if (status === 'wrong') {
    if (outcome.own !== undefined && Number.isFinite(outcome.own)) ctx.own[q.id] = outcome.own;
    if (outcome.invalid) status = 'invalid';
    else if (outcome.fraction === undefined) status = 'manual';
    else {
      fraction = Math.min(1, Math.max(0, outcome.fraction));
      status = fraction === 1 ? 'correct' : fraction > 0 ? 'partial' : 'wrong';
    }
  }
  lines.push(...outcome.lines);
  const said =
    status === 'correct'
      ? q.feedback?.right
      : status === 'missing'
        ? q.feedback?.missing
        : status === 'manual'
          ? undefined
          : q.feedback?.wrong;
  if (status === 'missing') lines.unshift('no answer');
  if (said) lines.push(said);
  if (withheld) lines.push('this question counts once grades are published');

  const autoScore = roundScore(maxScore * fraction);
  let score = autoScore;
  if (override) {
    score = withheld ? 0 : roundScore(Math.min(maxScore, Math.max(0, override.score)));
    lines.push(`TA override: ${score} of ${maxScore} (automatic: ${autoScore}); reason: ${override.reason}`);
  }
  return { ...base, status, autoScore, score, override, lines, answer: answerText };
}

/** No answer nests deeper than {"value": …, "run": …} or a list of values; checked before any recursion. */
const MAX_ANSWER_DEPTH = 8;

/** Whether `v` nests arrays/objects more than `limit` levels (iterative: a hostile file cannot overflow the stack). */
function deeperThan(v: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, depth] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(x) ? x : Object.values(x)) stack.push([child, depth + 1]);
  }
  return false;
}

function containsNonFinite(v: unknown): boolean {
  if (typeof v === 'string') return v.startsWith(NON_FINITE);
  if (typeof v === 'number') return !Number.isFinite(v);
  if (Array.isArray(v)) return v.some(containsNonFinite);
  if (v && typeof v === 'object') return Object.values(v).some(containsNonFinite);
  return false;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * Late by d started days after deadline + grace: keep 1 − d × penaltyPerDay of the
 * total (never below 0); past maxDaysLate nothing. Unknown submission time: no penalty, noted.
 */
export function latePolicy(spec: Spec, submittedAt: Date | undefined, notes: string[]): LateInfo | undefined {
  const late = spec.late;
  if (!late) return undefined;
  if (!submittedAt) {
    notes.push(
      'submission time unknown (no submission_metadata.json created_at, no --submitted-at): late policy not applied',
    );
    return undefined;
  }
  const deadline = Date.parse(late.deadline);
  const graceEnd = deadline + (late.graceMinutes ?? 0) * 60_000;
  const t = submittedAt.getTime();
  const daysLate = t <= graceEnd ? 0 : Math.ceil((t - graceEnd) / DAY_MS);
  const over = late.maxDaysLate !== undefined && daysLate > late.maxDaysLate;
  const factor = over ? 0 : Math.max(0, roundScore(1 - daysLate * late.penaltyPerDay));
  const when = submittedAt.toISOString();
  const text =
    daysLate === 0
      ? `submitted ${when}, on time (deadline ${late.deadline}${late.graceMinutes ? `, grace ${late.graceMinutes} min` : ''})`
      : over
        ? `submitted ${when}: ${daysLate} days late, more than the ${late.maxDaysLate} allowed: score 0`
        : `submitted ${when}: ${daysLate} day${daysLate === 1 ? '' : 's'} late (deadline ${late.deadline}${late.graceMinutes ? ` + ${late.graceMinutes} min grace` : ''}), −${roundScore(daysLate * late.penaltyPerDay * 100)}%: score × ${factor}`;
  return { submittedAt: when, daysLate, factor, text };
}
