/**
 * Where a command writes. Every bin's run function takes a CourseIO so tests can
 * run it in-process and read what it printed; the bin passes processIO.
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
