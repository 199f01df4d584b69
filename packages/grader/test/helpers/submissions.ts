/** Submission folders written by tests. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function tempDir(prefix = 'grader-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A submission folder `root/name` with answers.json (an object is written as JSON,
 * a string as given) and extra files (path → contents).
 */
export function writeSubmission(
  root: string,
  name: string,
  answers: unknown,
  files: Record<string, string | Uint8Array> = {},
): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  if (answers !== undefined) {
    writeFileSync(
      join(dir, 'answers.json'),
      typeof answers === 'string' ? answers : JSON.stringify(answers, null, 2),
    );
  }
  for (const [path, data] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), data);
  }
  return dir;
}
