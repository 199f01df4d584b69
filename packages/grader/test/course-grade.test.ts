/**
 * course-grade end to end (in-process, the bin's own code): exit codes,
 * results.json against Gradescope's format, batch files, TA overrides, regrades
 * (byte-identical, with a before/after diff), key audit, late policy and hidden questions.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { gradescopeErrors } from './helpers/gradescope-schema.js';
import { courseGrade } from './helpers/run.js';
import { tempDir, writeSubmission } from './helpers/submissions.js';

const SPEC = {
  id: 'demo',
  title: 'Demo',
  late: { deadline: '2026-03-01T23:59:00Z', graceMinutes: 15, penaltyPerDay: 0.1, maxDaysLate: 3 },
  questions: [
    {
      id: 'q1',
      title: 'a number',
      points: 2,
      check: { kind: 'numeric', answer: 10, tolerance: { rule: 'relabs', rtol: 0.01 } },
    },
    { id: 'q2', title: 'an integer', points: 1, check: { kind: 'integer', answer: 42 } },
    {
      id: 'q3',
      title: 'a choice',
      points: 1,
      visibility: 'hidden',
      check: {
        kind: 'choice',
        options: [
          { id: 'a', text: 'A' },
          { id: 'b', text: 'B' },
          { id: 'c', text: 'C' },
        ],
        answer: 'a',
      },
    },
    {
      id: 'q4',
      title: 'an essay',
      points: 2,
      check: { kind: 'manual', rubric: [{ points: 2, text: 'clear' }] },
    },
  ],
};

function setup(spec: object = SPEC) {
  const root = tempDir();
  const specPath = join(root, 'spec.json');
  writeFileSync(specPath, JSON.stringify(spec));
  const subs = join(root, 'subs');
  const ann = writeSubmission(subs, 'ann', { q1: 10, q2: 42, q3: 'a', q4: 'An essay.' });
  const bob = writeSubmission(subs, 'bob', { q1: 10.05, q2: 41, q3: 'b' });
  const cat = writeSubmission(subs, 'cat', { q1: 12, q2: 41, q3: 'b' });
  return { root, specPath, subs: [cat, ann, bob] };
}

/** Runs `fn` with `dir` as Gradescope's autograder folder (COURSE_AUTOGRADER_ROOT), then restores it. */
async function asAutograder<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env.COURSE_AUTOGRADER_ROOT;
  process.env.COURSE_AUTOGRADER_ROOT = dir;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.COURSE_AUTOGRADER_ROOT;
    else process.env.COURSE_AUTOGRADER_ROOT = before;
  }
}

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      out[path.slice(dir.length + 1)] = readFileSync(path, 'utf8');
    }
  }
  return out;
}

describe('course-grade', () => {
  test('a bad spec exits 2 and names the file and the JSON pointer of each problem', async () => {
    const { root, subs } = setup();
    const bad = join(root, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        ...SPEC,
        questions: [
          { ...SPEC.questions[0], points: -1 },
          { ...SPEC.questions[1], id: 'q1' },
        ],
      }),
    );
    const r = await courseGrade(bad, subs[0]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}: /questions/0/points: expected >= 0`);
    expect(r.stderr).not.toContain('    at '); // no stack trace
    const dup = join(root, 'dup.json');
    writeFileSync(
      dup,
      JSON.stringify({ ...SPEC, questions: [SPEC.questions[0], { ...SPEC.questions[1], id: 'q1' }] }),
    );
    expect((await courseGrade(dup, subs[0])).stderr).toContain(
      `${dup}: /questions/1/id: "q1" is already the id of /questions/0`,
    );
    expect((await courseGrade(join(root, 'none.json'), subs[0])).code).toBe(2);
    expect((await courseGrade(join(root, 'spec.json'), subs[0], '--format', 'xml')).code).toBe(2);
    expect((await courseGrade(join(root, 'spec.json'))).code).toBe(2);
    expect((await courseGrade('--help')).code).toBe(0);
  });

  test("one submission: results.json on stdout in Gradescope's format, passed iff full marks", async () => {
    const { specPath, subs } = setup();
    const r = await courseGrade(specPath, subs[2], '--submitted-at', '2026-03-01T12:00:00Z');
    expect(r.code).toBe(0);
    const results = JSON.parse(r.stdout);
    expect(gradescopeErrors(results)).toEqual([]);
    // bob: q1 10.05 within 1% of 10 (2), q2 41 ≠ 42 (0), q3 b ≠ a (0), q4 missing manual (0)
    expect(results.score).toBe(2);
    expect(
      results.tests.map(
        (t: { number: string; score: number; max_score: number; status: string; visibility: string }) => [
          t.number,
          t.score,
          t.max_score,
          t.status,
          t.visibility,
        ],
      ),
    ).toEqual([
      ['q1', 2, 2, 'passed', 'visible'],
      ['q2', 0, 1, 'failed', 'visible'],
      ['q3', 0, 1, 'failed', 'hidden'],
      ['q4', 0, 2, 'failed', 'visible'],
    ]);
    expect(results.tests[0].output).toContain('accepted: 10 ± 0.1, relative 1%, i.e. [9.9, 10.1]');
    expect(results.output).toContain('1 question(s) are not shown to students yet (q3)');
    expect(r.stdout.endsWith('}\n')).toBe(true);
    // no clock inside: grading again later prints the same bytes
    expect((await courseGrade(specPath, subs[2], '--submitted-at', '2026-03-01T12:00:00Z')).stdout).toBe(
      r.stdout,
    );
  });

  test('batch: gradebook, summary, histograms, key audit; a regrade writes the same bytes and an empty diff', async () => {
    const { root, specPath, subs } = setup();
    const out = join(root, 'out');
    const first = await courseGrade(
      specPath,
      ...subs,
      '--out',
      out,
      '--submitted-at',
      '2026-03-01T12:00:00Z',
    );
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('ann: 4 / 6\nbob: 2 / 6\ncat: 0 / 6\n');
    expect(readFileSync(join(out, 'gradebook.csv'), 'utf8')).toBe(
      [
        'student,q1,q2,q3,q4,raw_score,days_late,late_penalty,total,max_score,note',
        'ann,2,1,1,0,4,0,0,4,6,',
        'bob,2,0,0,0,2,0,0,2,6,',
        'cat,0,0,0,0,0,0,0,0,6,',
        '',
      ].join('\n'),
    );
    for (const s of ['ann', 'bob', 'cat']) {
      expect(
        gradescopeErrors(JSON.parse(readFileSync(join(out, 'submissions', s, 'results.json'), 'utf8'))),
      ).toEqual([]);
    }
    // q1 scores 2, 2, 0: mean 4/3, median 2; totals 4, 2, 0: mean 2, median 2
    const summary = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(summary).toContain('| q1: a number | 2 | 1.333 | 2 | 66.67% | [svg](histograms/q1.svg) |');
    expect(summary).toContain('| total: Total (after late penalties) | 6 | 2 | 2 | 0% |');
    const svg = readFileSync(join(out, 'histograms', 'q1.svg'), 'utf8');
    // One bar per whole score, its height the number of students (vega's aria labels name both).
    const bars = [...svg.matchAll(/<path aria-label="score \(of 2\): (\d); students: (\d)"/g)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(bars).toEqual([
      ['0', '1'],
      ['1', '0'],
      ['2', '2'],
    ]);
    // q2 and q3: two of three students gave the same wrong answer
    const audit = readFileSync(join(out, 'key-audit.md'), 'utf8');
    expect(audit).toContain(
      '- **q2** (an integer): 2 of 3 students answered `41` and were marked wrong. Check the key.',
    );
    expect(audit).toContain('- **q3** (a choice): 2 of 3 students answered `"b"`');
    expect(audit).not.toContain('**q1**');
    expect(first.stderr).toContain('key audit: check q2, q3');

    // --format json: every student's results.json, in name order; csv: the gradebook
    const json = await courseGrade(
      specPath,
      ...subs,
      '--format',
      'json',
      '--submitted-at',
      '2026-03-01T12:00:00Z',
    );
    const all = JSON.parse(json.stdout);
    expect(
      all.map((x: { extra_data: { student: string }; score: number }) => [x.extra_data.student, x.score]),
    ).toEqual([
      ['ann', 4],
      ['bob', 2],
      ['cat', 0],
    ]);
    expect(all[0]).toEqual(JSON.parse(readFileSync(join(out, 'submissions', 'ann', 'results.json'), 'utf8')));
    const csv = await courseGrade(
      specPath,
      ...subs,
      '--format',
      'csv',
      '--submitted-at',
      '2026-03-01T12:00:00Z',
    );
    expect(csv.stdout).toBe(readFileSync(join(out, 'gradebook.csv'), 'utf8'));
    // feedback.md: the total, then each question with its score and lines
    const feedback = readFileSync(join(out, 'submissions', 'bob', 'feedback.md'), 'utf8');
    expect(feedback).toContain('# demo: feedback for bob\n\n- demo: 2 / 6\n');
    expect(feedback).toContain(
      '## q2: an integer\n\n**0 / 1**, incorrect\n\n    your answer: 41\n    expected exactly 42',
    );
    expect(feedback).toContain('## q3: a choice (hidden)');

    const before = readTree(out);
    const again = await courseGrade(
      specPath,
      ...subs,
      '--out',
      out,
      '--submitted-at',
      '2026-03-01T12:00:00Z',
    );
    expect(again.code).toBe(0);
    const after = readTree(out);
    expect(after['regrade-diff.md']).toBe('# demo: regrade, before → after\n\nNo score changed.\n');
    delete after['regrade-diff.md'];
    expect(after).toEqual(before);
  });

  test('TA overrides: kept apart from automatic scores, survive regrades, show in the diff', async () => {
    const { root, specPath, subs } = setup();
    const out = join(root, 'out');
    await courseGrade(specPath, ...subs, '--out', out);
    const overrides = join(root, 'overrides.json');
    writeFileSync(
      overrides,
      JSON.stringify({
        ann: { q4: { score: 1.5, reason: 'clear, one gap' } },
        cat: { q2: { score: 1, reason: 'key typo' } },
      }),
    );
    const r = await courseGrade(specPath, ...subs, '--out', out, '--overrides', overrides);
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, 'regrade-diff.md'), 'utf8')).toBe(
      '# demo: regrade, before → after\n\n- ann total: 4 → 5.5\n- ann q4: 0 → 1.5\n- cat total: 0 → 1\n- cat q2: 0 → 1\n',
    );
    const cat = JSON.parse(readFileSync(join(out, 'submissions', 'cat', 'results.json'), 'utf8'));
    expect(cat.tests[1].output.split('\n')[0]).toBe('scored by a TA (automatic: incorrect): 1 / 1');
    const ann = JSON.parse(readFileSync(join(out, 'submissions', 'ann', 'results.json'), 'utf8'));
    expect(ann.tests[3].extra_data).toEqual({
      auto_score: 0,
      override: { score: 1.5, reason: 'clear, one gap' },
    });
    expect(ann.tests[3].output).toContain('TA override: 1.5 of 2 (automatic: 0); reason: clear, one gap');
    expect(ann.tests[3].output.split('\n')[0]).toBe('scored by a TA: 1.5 / 2');
    // regrading one student into the same OUT: the diff names the rows gradebook.csv lost
    await courseGrade(specPath, subs[1], '--out', out, '--overrides', overrides);
    expect(readFileSync(join(out, 'regrade-diff.md'), 'utf8')).toBe(
      '# demo: regrade, before → after\n\n- bob: not in this grading, so not in gradebook.csv (was total 2)\n- cat: not in this grading, so not in gradebook.csv (was total 1)\n',
    );
    await courseGrade(specPath, ...subs, '--out', out, '--overrides', overrides);
    // saved by Notepad (a UTF-8 byte-order mark first), spec and overrides read the same
    const [specBom, overridesBom] = [join(root, 'spec-bom.json'), join(root, 'overrides-bom.json')];
    writeFileSync(specBom, `\uFEFF${readFileSync(specPath, 'utf8')}`);
    writeFileSync(overridesBom, `\uFEFF${readFileSync(overrides, 'utf8')}`);
    expect((await courseGrade(specBom, ...subs, '--out', out, '--overrides', overridesBom)).code).toBe(0);
    // the overrides file is only read: a regrade with it changes nothing more
    await courseGrade(specPath, ...subs, '--out', out, '--overrides', overrides);
    expect(readFileSync(join(out, 'regrade-diff.md'), 'utf8')).toContain('No score changed.');
    expect(JSON.parse(readFileSync(overrides, 'utf8')).ann.q4.score).toBe(1.5);

    // an override for a name no submission has is reported, not silently dropped
    writeFileSync(overrides, JSON.stringify({ anne: { q4: { score: 1, reason: 'typo in the name' } } }));
    expect((await courseGrade(specPath, ...subs, '--out', out, '--overrides', overrides)).stderr).toContain(
      `warning: ${overrides}: no submission graded here for anne`,
    );
    writeFileSync(
      overrides,
      JSON.stringify({ ann: { q9: { score: 1, reason: 'x' } }, bob: { q2: { score: 5, reason: 'y' } } }),
    );
    const bad = await courseGrade(specPath, ...subs, '--overrides', overrides);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${overrides}: /ann/q9: "q9" is not a question of demo`);
    expect(bad.stderr).toContain(`${overrides}: /bob/q2/score: 5 is more than the question's 1 points`);
  });

  test("late policy: Gradescope's submission_metadata.json created_at, grace, penalty per started day, cut-off", async () => {
    const { specPath } = setup();
    const root = tempDir();
    // Gradescope's own layout: the autograder folder (COURSE_AUTOGRADER_ROOT, /autograder on Gradescope)
    // holding submission/ and submission_metadata.json.
    const gradescope = (name: string, createdAt: string) => {
      const dir = join(root, name);
      writeSubmission(dir, 'submission', { q1: 10, q2: 42, q3: 'a' });
      writeFileSync(
        join(dir, 'submission_metadata.json'),
        JSON.stringify({ id: 1, created_at: createdAt, users: [{ name: name }] }),
      );
      return dir;
    };
    const grade = async (dir: string, ...flags: string[]) =>
      JSON.parse((await asAutograder(dir, () => courseGrade(specPath, dir, ...flags))).stdout);
    // in the grace period (deadline 23:59 + 15 min)
    expect((await grade(gradescope('grace', '2026-03-02T00:10:00Z'))).score).toBe(4);
    // 2026-03-03T10:00Z is 33 h 46 min after 2026-03-02T00:14Z: 2 started days, −20%: 4 × 0.8
    const late = await grade(gradescope('late', '2026-03-03T10:00:00Z'));
    expect(late.score).toBe(3.2);
    expect(late.output).toContain('2 days late');
    expect(late.extra_data.raw_score).toBe(4);
    // 4 days late > maxDaysLate 3: nothing
    expect((await grade(gradescope('toolate', '2026-03-05T12:00:00Z'))).score).toBe(0);
    // Gradescope's metadata wins over --submitted-at; the /autograder/submission path works too
    const r = await asAutograder(join(root, 'late'), () =>
      courseGrade(specPath, join(root, 'late', 'submission'), '--submitted-at', '2026-03-01T00:00:00Z'),
    );
    expect(JSON.parse(r.stdout).score).toBe(3.2);
    expect((await courseGrade(specPath, join(root, 'late'), '--submitted-at', 'yesterday')).code).toBe(2);
    // a submission_metadata.json the student put inside their own folder is not believed
    const forged = writeSubmission(root, 'forged', { q1: 10, q2: 42, q3: 'a' });
    writeFileSync(
      join(forged, 'submission_metadata.json'),
      JSON.stringify({ created_at: '2026-03-01T00:00:00Z' }),
    );
    const f = JSON.parse(
      (await courseGrade(specPath, forged, '--submitted-at', '2026-03-03T10:00:00Z')).stdout,
    );
    expect(f.score).toBe(3.2);
  });

  test("a student's folder shaped like Gradescope's (submission/ + submission_metadata.json) does not set the time", async () => {
    const { specPath } = setup();
    const root = tempDir();
    // mallory hands in a folder that looks like /autograder, dated before the deadline
    const mallory = join(root, 'mallory');
    writeSubmission(mallory, 'submission', { q1: 10, q2: 42, q3: 'a' });
    writeFileSync(
      join(mallory, 'submission_metadata.json'),
      JSON.stringify({ id: 1, created_at: '2026-03-01T00:00:00Z' }),
    );
    // the TA's --submitted-at (2 started days late) counts, not her file
    const r = await courseGrade(specPath, mallory, '--submitted-at', '2026-03-03T10:00:00Z');
    const results = JSON.parse(r.stdout);
    expect(results.score).toBe(3.2);
    expect(results.extra_data.student).toBe('mallory');
    expect(results.output).toContain(
      "submission_metadata.json ignored: only Gradescope's own (the autograder folder's) or --submitted-at sets the submission time",
    );
    // without the flag the time is unknown: no late policy, and it says so
    const unknown = JSON.parse((await courseGrade(specPath, mallory)).stdout);
    expect(unknown.score).toBe(4);
    expect(unknown.output).toContain('submission time unknown');
    // the same folder as the autograder folder (COURSE_AUTOGRADER_ROOT) is Gradescope's layout
    const real = JSON.parse((await asAutograder(mallory, () => courseGrade(specPath, mallory))).stdout);
    expect(real.output).toContain('submitted 2026-03-01T00:00:00.000Z, on time');
  });

  test('--out inside a submission folder, or through a symlink planted in one, is refused (exit 2), nothing written', async () => {
    const { root, specPath, subs } = setup();
    const ann = subs[1];
    const inside = join(ann, 'graded');
    const r1 = await courseGrade(specPath, ...subs, '--out', inside);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toBe(
      `error: --out ${inside}: inside the submission ${ann}; write the results outside every submission folder\n`,
    );
    expect(existsSync(inside)).toBe(false);
    expect((await courseGrade(specPath, ...subs, '--out', ann)).code).toBe(2);
    // a symlink ann planted in her folder, pointing out of it: still her folder
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(ann, 'results'));
    expect((await courseGrade(specPath, ...subs, '--out', join(ann, 'results'))).code).toBe(2);
    expect(readdirSync(elsewhere)).toEqual([]);
    // a path outside that leads into a submission through a symlink
    symlinkSync(ann, join(root, 'graded-link'));
    const r3 = await courseGrade(specPath, ...subs, '--out', join(root, 'graded-link', 'out'));
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain(`inside the submission ${ann}`);
    expect(existsSync(join(ann, 'out'))).toBe(false);
    // Gradescope's layout: the folder given, not only its submission/ child, is the student's
    const gs = join(root, 'gs');
    writeSubmission(gs, 'submission', { q1: 10 });
    writeFileSync(join(gs, 'submission_metadata.json'), '{}');
    expect((await courseGrade(specPath, gs, '--out', join(gs, 'out'))).code).toBe(2);
    // outside every submission: graded
    expect((await courseGrade(specPath, ...subs, '--out', join(root, 'graded'))).code).toBe(0);
  });

  test('hiddenScoring "zero-until-published": hidden questions carry no points until --published', async () => {
    const { specPath, subs } = setup({ ...SPEC, hiddenScoring: 'zero-until-published' });
    const ann = subs[1];
    const unpublished = JSON.parse((await courseGrade(specPath, ann)).stdout);
    expect(unpublished.tests[2]).toMatchObject({
      number: 'q3',
      score: 0,
      max_score: 0,
      visibility: 'hidden',
    });
    expect(unpublished.score).toBe(3);
    // worth 0 points until published, yet a wrong answer is never "passed" (bob picked b, not a)
    expect(unpublished.tests[2].status).toBe('passed');
    const bobUnpublished = JSON.parse((await courseGrade(specPath, subs[2])).stdout);
    expect(bobUnpublished.tests[2]).toMatchObject({ score: 0, max_score: 0, status: 'failed' });
    const published = JSON.parse((await courseGrade(specPath, ann, '--published')).stdout);
    expect(published.tests[2]).toMatchObject({ score: 1, max_score: 1 });
    expect(published.score).toBe(4);
  });

  test('gradebook.csv: a folder name that a spreadsheet would run as a formula is quoted', async () => {
    const { root, specPath } = setup();
    const evil = writeSubmission(join(root, 'odd'), '=HYPERLINK("x")', { q1: 10 });
    const r = await courseGrade(specPath, evil, '--format', 'csv');
    expect(r.stdout.split('\n')[1]).toBe(`"'=HYPERLINK(""x"")",2,0,0,0,2,0,0,2,6,`);
  });

  test('a path that does not exist is graded 0 with the reason, and the TA is warned', async () => {
    const { root, specPath } = setup();
    const missing = join(root, 'subs', 'alcie');
    const r = await courseGrade(specPath, missing);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `warning: ${missing}: no such file or folder (graded as an empty submission)\n`,
    );
    expect(JSON.parse(r.stdout).score).toBe(0);
  });

  test('two submissions of one student name are refused (exit 2), never merged', async () => {
    const { specPath } = setup();
    const root = tempDir();
    const a = writeSubmission(join(root, 'x'), 'ann', { q1: 10 });
    const b = writeSubmission(join(root, 'y'), 'ann', { q1: 1 });
    const r = await courseGrade(specPath, a, b, '--format', 'csv');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('student "ann" is also');
  });
});
