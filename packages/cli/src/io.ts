/**
 * Where a command writes. runCourse takes these so tests can run commands
 * in-process and read what they printed; the bin passes process.stdout/stderr.
 */
export interface Output {
  write(text: string): unknown;
  /** True for a terminal: only then are progress bars drawn. */
  isTTY?: boolean;
}

export interface CourseIO {
  /** Results: the value a script would capture (`--json` output goes here alone). */
  stdout: Output;
  /** Everything else: backend line, progress, warnings, errors. */
  stderr: Output;
}

export const processIO: CourseIO = { stdout: process.stdout, stderr: process.stderr };

/** Writes one line. */
export function println(out: Output, line = ''): void {
  out.write(`${line}\n`);
}
