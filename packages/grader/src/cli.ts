/**
 * The two front doors to one code path:
 *   course-grade SPEC SUBMISSION… [--out DIR] [--format gradescope|json|csv] …   (TAs, Gradescope)
 *   course check SPEC SUBMISSION                                                  (students; @course/cli)
 * Both load the spec the same way and grade with gradeSubmission; `course check`
 * then shows the visible questions of the same results.
 */

import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { InputError } from '@course/models';
import { type CourseIO, courseProgram, processIO, runProgram } from '@course/trainer';
import { type Command, Option } from 'commander';
import { gradeBatch, gradebookCsv, loadOverrides, writeBatch } from './batch.js';
import { type Grade, type GradeOptions, gradeLoaded } from './grade.js';
import { packageAutograder } from './package.js';
import { quietTfjsBanner } from './quiet-tfjs.js';
import { feedbackMarkdown, gradescopeResults, resultsJson, studentResults } from './results.js';
import { DEFAULT_LIMITS, loadSpec } from './spec.js';
import { loadRawSubmission, RefusedCopyError, storedStudents } from './store.js';
import { loadSubmission, type Submission, submissionFolders } from './submission.js';

/** Where course-grade writes: the kit's CourseIO (tests pass their own). */
export type GraderIO = CourseIO;

/** `--submitted-at`: an ISO 8601 date-time. */
export function parseSubmittedAt(value: string): Date {
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(d.getTime())) {
    throw new InputError(
      `--submitted-at: found "${value}", expected an ISO 8601 date-time such as 2026-03-06T23:59:00-05:00`,
    );
  }
  return d;
}

export interface CheckOptions {
  submittedAt?: string;
}

/**
 * What `course check` computes: the student's view of the one grading. A submission that
 * cannot be graded at all (no such path, empty folder, no answers.json, broken JSON) is an
 * InputError with that one message: a student checking their work needs it once, not under
 * every question (course-grade grades it 0 with the reason, as a TA's batch must go on).
 */
export function checkSubmission(specPath: string, submission: string, opts: CheckOptions = {}) {
  quietTfjsBanner();
  const spec = loadSpec(specPath);
  const submittedAt = opts.submittedAt === undefined ? undefined : parseSubmittedAt(opts.submittedAt);
  const sub = loadSubmission(submission, {
    answersBytes: { ...DEFAULT_LIMITS, ...spec.limits }.answersBytes,
  });
  if (sub.problem)
    throw new InputError(
      sub.problem.startsWith(`${submission}: `) ? sub.problem : `${submission}: ${sub.problem}`,
    );
  const grade = gradeLoaded(spec, sub, { submittedAt });
  return { grade, results: studentResults(grade), feedback: feedbackMarkdown(grade, { studentView: true }) };
}

/** `path` with every symlink resolved, for a path that may not exist yet (its deepest existing folder's). */
function realPathOf(path: string): string {
  const rest: string[] = [];
  let at = resolve(path);
  while (!existsSync(at) && dirname(at) !== at) {
    rest.unshift(basename(at));
    at = dirname(at);
  }
  try {
    return join(realpathSync(at), ...rest);
  } catch {
    return resolve(path);
  }
}

/**
 * `--out` must not be in a student's folder: the files written there (another student's
 * results, the stored copies) would be the student's to read, and a symlink the student
 * planted could send them anywhere. Compared both as written and with symlinks resolved.
 */
export function checkOutOutsideSubmissions(out: string, submissions: readonly string[]): void {
  const outs = [resolve(out), realPathOf(out)];
  for (const given of submissions) {
    for (const folder of submissionFolders(given)) {
      for (const f of new Set([folder, realPathOf(folder)])) {
        if (outs.some((o) => o === f || o.startsWith(f.endsWith(sep) ? f : f + sep)))
          throw new InputError(
            `--out ${out}: inside the submission ${given}; write the results outside every submission folder`,
          );
      }
    }
  }
}

interface GradeFlags {
  out?: string;
  format: 'gradescope' | 'json' | 'csv';
  overrides?: string;
  submittedAt?: string;
  published?: boolean;
  regrade?: string;
}

function buildProgram(io: GraderIO): Command {
  const program = courseProgram('course-grade', io)
    .description(
      'Grade submissions against an assignment spec; write Gradescope results.json, feedback, a gradebook.',
    )
    .argument('<spec>', 'assignment spec (assignments/<id>/spec.json)')
    .argument(
      '[submission...]',
      'submission folders (answers.json + artifacts), or a Gradescope /autograder folder',
    )
    .option(
      '--out <dir>',
      'write per-student results.json and feedback.md, gradebook.csv, summary, histograms, key audit, regrade diff',
    )
    .addOption(
      new Option('--format <format>', 'what to print when there is no --out')
        .choices(['gradescope', 'json', 'csv'])
        .default('gradescope'),
    )
    .option(
      '--overrides <file>',
      'TA scores: {"student": {"question": {"score", "reason"}}} (manual questions, corrections)',
    )
    .option(
      '--regrade <out>',
      'grade again from the raw copies an earlier --out stored in OUT/submissions/*/raw (no submission paths)',
    )
    .option(
      '--submitted-at <iso>',
      "submission time (late policy) unless grading Gradescope's /autograder, whose submission_metadata.json sets it",
    )
    .option(
      '--published',
      'grades are published: hidden questions count (spec hiddenScoring "zero-until-published")',
    )
    .action(async (specPath: string, submissions: string[], flags: GradeFlags) => {
      const spec = loadSpec(specPath);
      const opts: GradeOptions = {
        overrides: flags.overrides ? loadOverrides(flags.overrides, spec) : undefined,
        submittedAt: flags.submittedAt ? parseSubmittedAt(flags.submittedAt) : undefined,
        published: flags.published,
      };
      let grades: Grade[];
      let store: Map<string, Submission> | undefined;
      let refused: { student: string; why: string; message: string }[] = [];
      if (flags.regrade !== undefined) {
        if (submissions.length > 0 || flags.out !== undefined)
          throw new InputError(
            '--regrade OUT grades the copies stored in OUT: give no submission paths and no --out',
          );
        flags.out = flags.regrade;
        ({ grades, refused } = regradeStored(spec, flags.regrade, opts));
        for (const r of refused) io.stderr.write(`error: ${r.message}\n`);
      } else {
        if (submissions.length === 0)
          throw new InputError('give at least one submission path (or --regrade OUT)');
        // Graded all the same (a 0 with the reason, like any broken submission), but a TA's
        // typo in a path should not pass as a student who handed in nothing.
        for (const p of submissions.filter((p) => !existsSync(p)))
          io.stderr.write(`warning: ${p}: no such file or folder (graded as an empty submission)\n`);
        if (flags.out !== undefined) checkOutOutsideSubmissions(flags.out, submissions);
        store = flags.out ? new Map() : undefined;
        grades = gradeBatch(spec, submissions, opts, store);
      }
      const graded = new Set(grades.map((g) => g.student));
      const strays = Object.keys(opts.overrides ?? {}).filter((s) => !graded.has(s));
      if (strays.length > 0)
        io.stderr.write(
          `warning: ${flags.overrides}: no submission graded here for ${strays.sort().join(', ')}\n`,
        );
      if (flags.out) {
        mkdirSync(flags.out, { recursive: true });
        const written = await writeBatch(spec, grades, flags.out, {
          store,
          submittedAt: opts.submittedAt,
          notRegraded: refused,
        });
        const lines = [
          ...grades.map((g) => [g.student, `${g.student}: ${g.score} / ${g.maxScore}`]),
          ...written.kept.map((k) => [
            k.student,
            `${k.student}: ${k.results ? `${k.results.score} / ${k.results.extra_data.max_score}` : '?'} (not regraded: earlier result kept)`,
          ]),
        ].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        for (const [, line] of lines) io.stdout.write(`${line}\n`);
        if (written.audit.length > 0)
          io.stderr.write(
            `key audit: check ${written.audit.map((a) => a.id).join(', ')} (see ${join(flags.out, 'key-audit.md')})\n`,
          );
        if (written.diff)
          io.stderr.write(
            `regrade: ${written.diff.length} score(s) changed (see ${join(flags.out, 'regrade-diff.md')})\n`,
          );
        if (refused.length > 0)
          throw new InputError(
            `${refused.length} stored submission(s) refused (see above); their earlier results are kept as they were, marked "not regraded" in gradebook.csv and summary.md`,
          );
        return;
      }
      io.stdout.write(render(flags.format, spec, grades));
    });
  program.addHelpText(
    'after',
    `
Examples:
  course-grade assignments/gpt2-tuning/spec.json /autograder > /autograder/results/results.json
  course-grade spec.json submissions/* --out graded --overrides ta-scores.json
  course-grade spec.json --regrade graded --overrides ta-scores.json   (from graded/submissions/*/raw)
  course-grade package spec.json --out autograder.zip   (Gradescope's autograder: spec, setup.sh, run_autograder)
Exit codes: 0 graded (whatever the scores), 2 bad spec, flags or overrides
(or a --regrade copy refused: it no longer matches its manifest), 1 internal error.`,
  );
  return program;
}

/**
 * `--regrade OUT`: every student stored under OUT/submissions/<student>/raw graded again with the
 * current spec and overrides. A stored copy that fails its manifest is refused (one entry
 * each in `refused`) and that student's earlier files are left as they were.
 */
function regradeStored(
  spec: ReturnType<typeof loadSpec>,
  out: string,
  opts: GradeOptions,
): { grades: Grade[]; refused: { student: string; why: string; message: string }[] } {
  const students = storedStudents(out);
  if (students.length === 0)
    throw new InputError(
      `--regrade ${out}: no stored submissions (OUT/submissions/<student>/raw/manifest.json)`,
    );
  const limits = { ...DEFAULT_LIMITS, ...spec.limits };
  const grades: Grade[] = [];
  const refused: { student: string; why: string; message: string }[] = [];
  for (const student of students) {
    try {
      const { sub, submittedAt } = loadRawSubmission(out, student, limits.answersBytes);
      grades.push(gradeLoaded(spec, sub, { ...opts, submittedAt: submittedAt ?? opts.submittedAt }));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const why = err instanceof RefusedCopyError ? err.why : err.message;
      refused.push({ student, why, message: err.message });
    }
  }
  return { grades, refused };
}

function render(format: GradeFlags['format'], spec: ReturnType<typeof loadSpec>, grades: Grade[]): string {
  if (format === 'csv') return gradebookCsv(spec, grades);
  if (format === 'json')
    return `${JSON.stringify(
      grades.map((g) => gradescopeResults(g)),
      null,
      2,
    )}\n`;
  if (grades.length !== 1) {
    throw new InputError(
      `--format gradescope prints one results.json: give one submission, or --out DIR for ${grades.length}`,
    );
  }
  return resultsJson(gradescopeResults(grades[0]));
}

/** `course-grade package SPEC [--out autograder.zip]`: Gradescope's autograder zip (see package.ts). */
function buildPackageProgram(io: GraderIO): Command {
  return courseProgram('course-grade package', io)
    .description(
      "Build Gradescope's autograder zip for SPEC: the spec, setup.sh (installs Node.js and this grader, without the training stack's native parts) and run_autograder (writes /autograder/results/results.json).",
    )
    .argument('<spec>', 'assignment spec (assignments/<id>/spec.json)')
    .option('--out <zip>', 'the zip to write', 'autograder.zip')
    .action((specPath: string, flags: { out: string }) => {
      const r = packageAutograder(specPath, flags.out);
      io.stdout.write(
        `wrote ${r.out}: ${r.entries.length} files, ${r.bytes} bytes (the grader as built here: rebuild and package again after changing it)\n` +
          "upload it as the assignment's autograder (Configure Autograder > Zip file upload)\n",
      );
    });
}

/** Runs `course-grade` with `argv` (the arguments after the command) and returns the exit code. */
export function runCourseGrade(argv: string[], io: GraderIO = processIO): Promise<number> {
  quietTfjsBanner();
  return argv[0] === 'package'
    ? runProgram(() => buildPackageProgram(io), argv.slice(1), io)
    : runProgram(() => buildProgram(io), argv, io);
}
