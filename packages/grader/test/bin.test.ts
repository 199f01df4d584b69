/**
 * The installed `course-grade` (the committed shim bin/course-grade.js running the
 * compiled program) as a TA or Gradescope's run_autograder runs it: results.json on
 * stdout and exit 0; exit 2 with the file and JSON pointer for a bad spec, no stack trace.
 * Needs the build (`npm test` builds first); fails, saying so, without it.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { requireBuilt } from '../../../scripts/require-built.js';
import { tempDir } from './helpers/submissions.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SHIM = join(HERE, '..', 'bin', 'course-grade.js');
const BUILT = join(HERE, '..', 'dist', 'bin', 'course-grade.js');
const ASSIGNMENT = join(HERE, '..', '..', '..', 'assignments', 'gpt2-tuning');

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SHIM, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('course-grade (compiled, in a subprocess)', () => {
  beforeAll(() => requireBuilt(BUILT));
  test('grades a submission (exit 0) and refuses a bad spec (exit 2, pointer, no stack)', async () => {
    const bad = join(tempDir(), 'spec.json');
    writeFileSync(
      bad,
      JSON.stringify({
        id: 'x',
        title: 'x',
        questions: [{ id: 'q', title: 'q', points: 1, check: { kind: 'integer' } }],
      }),
    );
    const [ok, refused] = await Promise.all([
      run([join(ASSIGNMENT, 'spec.json'), join(ASSIGNMENT, 'examples', 'correct')]),
      run([bad, join(ASSIGNMENT, 'examples', 'correct')]),
    ]);
    expect(ok.status).toBe(0);
    // the automatic questions' points, as the example's expected-scores.json lists them
    const expected = JSON.parse(
      readFileSync(join(ASSIGNMENT, 'examples', 'correct', 'expected-scores.json'), 'utf8'),
    ) as Record<string, number>;
    expect(JSON.parse(ok.stdout).score).toBe(Object.values(expected).reduce((a, b) => a + b, 0));
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`${bad}: /questions/0/check: missing property "answer"`);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
  });
});
