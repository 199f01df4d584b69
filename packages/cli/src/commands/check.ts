/**
 * `course check SPEC SUBMISSION`: a student grades their own submission before
 * handing it in. The work is @course/grader's checkSubmission, the code path
 * `course-grade` runs for TAs; this shows the visible questions of that grading.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkSubmission, resultsJson } from '@course/grader';
import { writeFileAtomic } from '@course/models';
import type { CourseIO } from '@course/trainer';
import type { Command } from 'commander';

export function registerCheck(program: Command, io: CourseIO): void {
  program
    .command('check')
    .summary('grade your submission against the assignment spec (visible questions)')
    .description(
      'Grade a submission folder (answers.json + artifacts) with the same grader TAs run (course-grade); prints the feedback.',
    )
    .argument('<spec>', 'assignment spec, e.g. assignments/gpt2-tuning/spec.json')
    .argument('<submission>', 'your submission folder')
    .option('--json', "print Gradescope's results.json instead of the feedback")
    .option('--out <dir>', 'also write results.json and feedback.md into DIR')
    .option('--submitted-at <iso>', 'submission time for the late policy (default: none applied)')
    .action(
      (spec: string, submission: string, flags: { json?: boolean; out?: string; submittedAt?: string }) => {
        const checked = checkSubmission(spec, submission, { submittedAt: flags.submittedAt });
        const json = resultsJson(checked.results);
        if (flags.out) {
          mkdirSync(flags.out, { recursive: true });
          writeFileAtomic(join(flags.out, 'results.json'), json);
          writeFileAtomic(join(flags.out, 'feedback.md'), checked.feedback);
        }
        io.stdout.write(flags.json ? json : checked.feedback);
      },
    );
}
