/**
 * `course-grade package SPEC --out autograder.zip` (Gradescope's autograder): the zip holds
 * the spec, setup.sh, run_autograder and the built grader with the workspaces it imports;
 * unpacked into a folder laid out as Gradescope's /autograder (COURSE_AUTOGRADER_ROOT), its
 * run_autograder grades /autograder/submission into /autograder/results/results.json.
 * run_autograder runs this repository's built grader (COURSE_TOOLKIT): needs `npm run build`
 * (`npm test` builds first), and fails, not skips, without it.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { gradescopeErrors } from './helpers/gradescope-schema.js';
import { courseGrade } from './helpers/run.js';
import { tempDir } from './helpers/submissions.js';
import { unzipStored } from './helpers/unzip.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const ASSIGNMENT = join(REPO, 'assignments', 'gpt2-tuning');
const SPEC = join(ASSIGNMENT, 'spec.json');

describe('course-grade package', () => {
  const root = tempDir('grader-package-');
  const zipPath = join(root, 'autograder.zip');
  let entries: ReturnType<typeof unzipStored> = [];

  test('builds the zip: spec, setup.sh and run_autograder (executable), the built grader and its workspaces', async () => {
    const r = await courseGrade('package', SPEC, '--out', zipPath);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*autograder\.zip: \d+ files, \d+ bytes/);
    entries = unzipStored(readFileSync(zipPath));
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(entries.slice(0, 3).map((e) => [e.name, e.mode])).toEqual([
      ['setup.sh', 0o755],
      ['run_autograder', 0o755],
      ['spec.json', 0o644],
    ]);
    expect(byName.get('spec.json')!.data.equals(readFileSync(SPEC))).toBe(true);
    for (const name of [
      'toolkit/package.json',
      'toolkit/package-lock.json',
      'toolkit/packages/grader/bin/course-grade.js',
      'toolkit/packages/grader/dist/bin/course-grade.js',
      'toolkit/packages/models/dist/index.js',
      'toolkit/packages/trainer/dist/index.js',
      'toolkit/packages/native/package.json',
      'toolkit/packages/cli/package.json', // for the lockfile only
    ])
      expect(byName.has(name), name).toBe(true);
    const names = entries.map((e) => e.name);
    // no sources or tests of built packages, no maps or declarations, nothing of what is not imported
    expect(names.filter((n) => /^toolkit\/packages\/(grader|models|trainer)\/(src|test)\//.test(n))).toEqual(
      [],
    );
    expect(
      names.filter((n) =>
        /node_modules\/|^toolkit\/packages\/(grader|models|trainer)\/.*\.(map|d\.ts|tsbuildinfo)$/.test(n),
      ),
    ).toEqual([]);
    expect(names.filter((n) => n.startsWith('toolkit/packages/cli/'))).toEqual([
      'toolkit/packages/cli/package.json',
    ]);
    expect(names.filter((n) => n.startsWith('toolkit/packages/native/build/'))).toEqual([]);
    // setup.sh installs Node and the grader's workspace only, without dev tools or native builds
    const setup = byName.get('setup.sh')!.data.toString();
    expect(setup).toContain('https://deb.nodesource.com/setup_20.x');
    expect(setup).toContain('npm ci --workspace @course/grader --omit=dev --ignore-scripts');
    const scripts = join(root, 'scripts');
    mkdirSync(scripts);
    for (const name of ['setup.sh', 'run_autograder']) {
      writeFileSync(join(scripts, name), byName.get(name)!.data);
      const syntax = spawnSync('bash', ['-n', join(scripts, name)], { encoding: 'utf8' });
      expect(syntax.status, `${name}: ${syntax.stderr}`).toBe(0);
    }
  });

  test('unpacked as /autograder, run_autograder writes results/results.json (late policy from the metadata)', () => {
    expect(entries.length).toBeGreaterThan(0);
    const autograder = join(root, 'autograder');
    for (const e of entries) {
      const file = join(autograder, 'source', ...e.name.split('/'));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, e.data);
      chmodSync(file, e.mode);
    }
    // as Gradescope does: run_autograder beside source/, the submission, its metadata
    copyFileSync(join(autograder, 'source', 'run_autograder'), join(autograder, 'run_autograder'));
    chmodSync(join(autograder, 'run_autograder'), 0o755);
    cpSync(join(ASSIGNMENT, 'examples', 'correct'), join(autograder, 'submission'), { recursive: true });
    // 2026-03-08T12:00-05:00 is 2 started days after the deadline + 15 min: score × 0.8
    writeFileSync(
      join(autograder, 'submission_metadata.json'),
      JSON.stringify({ id: 1, created_at: '2026-03-08T12:00:00-05:00', users: [{ name: 'Ann' }] }),
    );
    const run = (toolkit: string) =>
      spawnSync(join(autograder, 'run_autograder'), [], {
        encoding: 'utf8',
        env: { ...process.env, COURSE_AUTOGRADER_ROOT: autograder, COURSE_TOOLKIT: toolkit },
      });
    const results = join(autograder, 'results', 'results.json');
    const r = run(REPO);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(results, 'utf8'));
    expect(gradescopeErrors(json)).toEqual([]);
    // the correct example's automatic questions, as its expected-scores.json lists them, × 0.8
    const expected = JSON.parse(
      readFileSync(join(ASSIGNMENT, 'examples', 'correct', 'expected-scores.json'), 'utf8'),
    ) as Record<string, number>;
    const raw = Object.values(expected).reduce((a, b) => a + b, 0);
    expect(json.extra_data.raw_score).toBe(raw);
    expect(json.score).toBeCloseTo(raw * 0.8, 10);
    expect(json.output).toContain('2 days late');
    expect(r.stderr).not.toContain('looks like you are running TensorFlow.js');

    // no grader there: no results.json (Gradescope reports the run as failed), and it says why
    rmSync(results);
    const broken = run(join(root, 'no-toolkit'));
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toContain('no results.json');
    expect(existsSync(results)).toBe(false);
  });

  test('a bad spec is refused before anything is written (exit 2)', async () => {
    const bad = join(root, 'bad.json');
    writeFileSync(bad, '{"id": "x"}');
    const out = join(root, 'bad.zip');
    const r = await courseGrade('package', bad, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}: not a valid assignment spec`);
    expect(existsSync(out)).toBe(false);
  });
});
