/** Runs `course` in-process and collects what it printed. */
import { runCourse } from '../src/run.js';

export interface CourseResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function course(...argv: string[]): Promise<CourseResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCourse(argv, {
    stdout: { write: (text: string) => stdout.push(text) },
    stderr: { write: (text: string) => stderr.push(text) },
  });
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}
