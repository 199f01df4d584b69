/**
 * Regrading from stored raw submissions (issue #5): `--out` keeps what it graded under
 * OUT/submissions/<student>/raw/, `--regrade OUT` grades those copies with the current spec
 * and overrides (the original folders are gone by then), and a tampered copy is refused.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { courseGrade } from './helpers/run.js';
import { tempDir, writeSubmission } from './helpers/submissions.js';

const specWithKey = (intKey: number) => ({
  id: 'demo',
  title: 'Demo',
  questions: [
    {
      id: 'n',
      title: 'a number',
      points: 1,
      check: { kind: 'numeric', answer: 2.5, tolerance: { rule: 'relabs', rtol: 0.01 } },
    },
    { id: 'i', title: 'an integer', points: 1, check: { kind: 'integer', answer: intKey } },
    {
      id: 'v',
      title: 'val loss',
      points: 1,
      check: {
        kind: 'log',
        metric: 'min_val_loss',
        run: 'run',
        tolerance: { rule: 'relabs', rtol: 0, atol: 1e-4 },
      },
    },
    {
      id: 'm',
      title: 'an essay',
      points: 2,
      check: { kind: 'manual', rubric: [{ points: 2, text: 'clear' }] },
    },
  ],
});

const LOG = 's:0 tel:4.0000\ns:0 trl:4.1000 lr:0.000100 norm:1.00 time (ms):10.00\ns:1 tel:3.5000\n';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Every file under `dir` (relative path → contents), for byte-for-byte comparison. */
function readAll(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) Object.assign(out, readAll(full, `${prefix}${name}/`));
    else out[prefix + name] = readFileSync(full, 'latin1');
  }
  return out;
}

describe('course-grade --regrade OUT', () => {
  const root = tempDir('grader-regrade-');
  const subs = join(root, 'subs');
  const out = join(root, 'graded');
  const spec1 = join(root, 'spec1.json');
  const spec2 = join(root, 'spec2.json');
  const overrides = join(root, 'ta.json');
  writeFileSync(spec1, JSON.stringify(specWithKey(7)));
  writeFileSync(spec2, JSON.stringify(specWithKey(8))); // the key of "i" fixed: 7 → 8
  writeFileSync(overrides, JSON.stringify({ ann: { m: { score: 2, reason: 'clear essay' } } }));
  const annAnswers = '{"n": 2.5, "i": 7, "v": 3.5, "m": "my essay"}\r\n'; // CRLF kept byte for byte
  writeSubmission(subs, 'ann', annAnswers, { 'run/main.log': LOG, 'notes.txt': 'not read by the spec' });
  writeSubmission(subs, 'bob', { n: 2.5, i: 8, v: 3.5 }, { 'run/main.log': LOG });
  writeSubmission(subs, 'cat', { n: 3, i: 8 });

  test('stores what it graded, then regrades from the stored copies only', async () => {
    const first = await courseGrade(
      spec1,
      join(subs, 'ann'),
      join(subs, 'bob'),
      join(subs, 'cat'),
      '--out',
      out,
      '--overrides',
      overrides,
    );
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe('ann: 5 / 5\nbob: 2 / 5\ncat: 0 / 5\n');

    // ann's copy: exactly the files grading read, byte for byte, with their sha256.
    const raw = join(out, 'submissions', 'ann', 'raw');
    expect(Object.keys(readAll(raw))).toEqual(['files/answers.json', 'files/run/main.log', 'manifest.json']);
    expect(readFileSync(join(raw, 'files', 'answers.json'), 'utf8')).toBe(annAnswers);
    expect(readFileSync(join(raw, 'files', 'run', 'main.log'), 'utf8')).toBe(LOG);
    expect(JSON.parse(readFileSync(join(raw, 'manifest.json'), 'utf8'))).toEqual({
      student: 'ann',
      files: [
        {
          path: 'answers.json',
          bytes: Buffer.byteLength(annAnswers),
          sha256: sha256(Buffer.from(annAnswers)),
        },
        { path: 'run/main.log', bytes: Buffer.byteLength(LOG), sha256: sha256(Buffer.from(LOG)) },
      ],
    });
    // cat handed in no run: only answers.json is stored.
    expect(Object.keys(readAll(join(out, 'submissions', 'cat', 'raw')))).toEqual([
      'files/answers.json',
      'manifest.json',
    ]);

    // The originals are gone (moved where only the cross-check below looks).
    const moved = join(root, 'moved');
    renameSync(subs, moved);

    const regrade = await courseGrade(spec2, '--regrade', out, '--overrides', overrides);
    expect(regrade.code, regrade.stderr).toBe(0);
    expect(regrade.stdout).toBe('ann: 4 / 5\nbob: 3 / 5\ncat: 1 / 5\n');
    // Exactly the scores the key change moved; ann's override (m: 2) still counts, v still read from the stored log.
    expect(readFileSync(join(out, 'regrade-diff.md'), 'utf8')).toBe(
      '# demo: regrade, before → after\n\n' +
        '- ann total: 5 → 4\n- ann i: 1 → 0\n- bob total: 2 → 3\n- bob i: 0 → 1\n- cat total: 0 → 1\n- cat i: 0 → 1\n',
    );
    const ann = JSON.parse(readFileSync(join(out, 'submissions', 'ann', 'results.json'), 'utf8'));
    const annScores = Object.fromEntries(
      ann.tests.map((t: { number: string; score: number }) => [t.number, t.score]),
    );
    expect(annScores).toEqual({ n: 1, i: 0, v: 1, m: 2 });

    // Cross-check: grading the original folders with the new spec gives the same bytes.
    const fresh = join(root, 'fresh');
    const direct = await courseGrade(
      spec2,
      ...['ann', 'bob', 'cat'].map((s) => join(moved, s)),
      '--out',
      fresh,
      '--overrides',
      overrides,
    );
    expect(direct.code, direct.stderr).toBe(0);
    expect(readFileSync(join(out, 'gradebook.csv'), 'utf8')).toBe(
      readFileSync(join(fresh, 'gradebook.csv'), 'utf8'),
    );
    for (const s of ['ann', 'bob', 'cat'])
      for (const f of ['results.json', 'feedback.md'])
        expect(readFileSync(join(out, 'submissions', s, f), 'utf8'), `${s}/${f}`).toBe(
          readFileSync(join(fresh, 'submissions', s, f), 'utf8'),
        );

    // A second regrade writes the same bytes everywhere; its diff says nothing changed.
    const before = readAll(out);
    const again = await courseGrade(spec2, '--regrade', out, '--overrides', overrides);
    expect(again.code, again.stderr).toBe(0);
    const after = readAll(out);
    expect(readFileSync(join(out, 'regrade-diff.md'), 'utf8')).toBe(
      '# demo: regrade, before → after\n\nNo score changed.\n',
    );
    delete before['regrade-diff.md'];
    delete after['regrade-diff.md'];
    expect(after).toEqual(before);
  });

  test('a stored copy that no longer matches its manifest is refused for that student only', async () => {
    const bobDir = join(out, 'submissions', 'bob');
    const bobResults = readFileSync(join(bobDir, 'results.json'), 'utf8');
    appendFileSync(join(bobDir, 'raw', 'files', 'run', 'main.log'), 's:2 tel:0.0001\n');
    const r = await courseGrade(spec2, '--regrade', out, '--overrides', overrides);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /error: .*bob\/raw\/files\/run\/main\.log: sha256 [0-9a-f]{64} does not match manifest\.json \([0-9a-f]{64}\); bob not regraded/,
    );
    expect(r.stderr).toContain('error: 1 stored submission(s) refused');
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack
    expect(r.stdout).toBe('ann: 4 / 5\nbob: 3 / 5 (not regraded: earlier result kept)\ncat: 1 / 5\n');
    expect(readFileSync(join(bobDir, 'results.json'), 'utf8')).toBe(bobResults); // kept, not regraded
    expect(readFileSync(join(out, 'regrade-diff.md'), 'utf8')).toMatch(
      /^# demo: regrade, before → after\n\n- bob: not regraded \(stored copy changed after grading: raw\/files\/run\/main\.log: sha256 [0-9a-f]{64} does not match manifest\.json \([0-9a-f]{64}\)\); earlier row kept \(total 3\)\n$/,
    );
    // bob's earlier row stays in gradebook.csv (n 1, i 1, v 1, m 0: total 3), marked with why
    const csv = readFileSync(join(out, 'gradebook.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('student,n,i,v,m,raw_score,days_late,late_penalty,total,max_score,note');
    expect(csv[1]).toBe('ann,1,0,1,2,4,0,0,4,5,');
    expect(csv[2]).toMatch(
      /^bob,1,1,1,0,3,0,0,3,5,not regraded \(stored copy changed after grading: raw\/files\/run\/main\.log: sha256 [0-9a-f]{64} does not match manifest\.json \([0-9a-f]{64}\)\): earlier row kept$/,
    );
    expect(csv[3]).toBe('cat,0,1,0,0,1,0,0,1,5,');
    // and in summary.md: counted with its earlier scores (totals 4, 3, 1: mean 2.667), and named
    const summary = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(summary).toContain('# demo: summary of 3 submissions');
    expect(summary).toContain('| total: Total (after late penalties) | 5 | 2.667 | 3 |');
    expect(summary).toMatch(
      /\nNot regraded \(earlier scores kept and counted above\):\n\n- bob: stored copy changed after grading: raw\/files\/run\/main\.log: sha256 [0-9a-f]{64} does not match/,
    );

    // A file slipped in beside the copies is refused the same way.
    writeFileSync(join(bobDir, 'raw', 'files', 'run', 'main.log'), LOG); // restored
    writeFileSync(join(out, 'submissions', 'cat', 'raw', 'files', 'extra.txt'), 'x');
    const r2 = await courseGrade(spec2, '--regrade', out);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/cat\/raw\/files: extra\.txt not in manifest\.json; cat not regraded/);
    expect(r2.stdout).toBe('ann: 2 / 5\nbob: 3 / 5\ncat: 1 / 5 (not regraded: earlier result kept)\n'); // no overrides: ann's essay is 0
    expect(readFileSync(join(out, 'gradebook.csv'), 'utf8')).toContain(
      '\ncat,0,1,0,0,1,0,0,1,5,not regraded (stored copy changed after grading: raw/files: extra.txt not in manifest.json): earlier row kept\n',
    );
  });

  test('usage: --regrade takes no submission paths and no --out; plain grading needs a path', async () => {
    const both = await courseGrade(spec2, join(root, 'moved', 'ann'), '--regrade', out);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--regrade OUT grades the copies stored in OUT');
    const none = await courseGrade(spec2);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('give at least one submission path');
    const empty = await courseGrade(spec2, '--regrade', join(root, 'nothing'));
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no stored submissions');
  });

  test("the submission time survives: Gradescope's metadata is stored, and so is --submitted-at", async () => {
    const lateSpec = join(root, 'late.json');
    writeFileSync(
      lateSpec,
      JSON.stringify({
        ...specWithKey(7),
        late: { deadline: '2026-03-01T23:59:00Z', graceMinutes: 0, penaltyPerDay: 0.1, maxDaysLate: 3 },
      }),
    );
    const gs = join(root, 'gs');
    // eve on Gradescope, 1 started day late; fay graded with --submitted-at, 2 started days late.
    writeSubmission(join(gs, 'eve'), 'submission', { n: 2.5, i: 7 });
    const meta = '{"created_at": "2026-03-02T10:00:00Z"}';
    writeFileSync(join(gs, 'eve', 'submission_metadata.json'), meta);
    writeSubmission(gs, 'fay', { n: 2.5, i: 7 });
    const lateOut = join(root, 'late-out');
    // gs/eve stands for Gradescope's /autograder: only that folder's metadata sets the time
    process.env.COURSE_AUTOGRADER_ROOT = join(gs, 'eve');
    const first = await courseGrade(
      lateSpec,
      join(gs, 'eve'),
      join(gs, 'fay'),
      '--out',
      lateOut,
      '--submitted-at',
      '2026-03-03T10:00:00Z',
    ).finally(() => delete process.env.COURSE_AUTOGRADER_ROOT);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe('eve: 1.8 / 5\nfay: 1.6 / 5\n'); // 2 × 0.9, 2 × 0.8
    expect(readFileSync(join(lateOut, 'submissions', 'eve', 'raw', 'submission_metadata.json'), 'utf8')).toBe(
      meta,
    );
    expect(
      JSON.parse(readFileSync(join(lateOut, 'submissions', 'fay', 'raw', 'manifest.json'), 'utf8'))
        .submittedAt,
    ).toBe('2026-03-03T10:00:00.000Z');
    renameSync(gs, join(root, 'gs-moved'));
    const regrade = await courseGrade(lateSpec, '--regrade', lateOut);
    expect(regrade.code, regrade.stderr).toBe(0);
    expect(regrade.stdout).toBe('eve: 1.8 / 5\nfay: 1.6 / 5\n');
    expect(readFileSync(join(lateOut, 'regrade-diff.md'), 'utf8')).toBe(
      '# demo: regrade, before → after\n\nNo score changed.\n',
    );
  });
});
