/**
 * Every assignment in assignments/ graded through its shipped examples. An
 * assignment without spec.json shows up as a skipped test that says so (never
 * silently left out). For each spec: it passes the schema; every example
 * (a folder with answers.json, or a bare *.json answers file in examples/) is
 * graded without a whole-submission problem; an example named "correct" gets
 * every automatic question right; one named "mistakes" misses at least one; and
 * where an example folder holds expected-scores.json ({"id": score}), the scores match it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { gradeSubmission, loadSpec } from '../src/index.js';

const ASSIGNMENTS = fileURLToPath(new URL('../../../assignments/', import.meta.url));
const folders = readdirSync(ASSIGNMENTS)
  .filter((name) => statSync(join(ASSIGNMENTS, name)).isDirectory())
  .sort();

describe('shipped assignment specs and examples', () => {
  test('the assignments folder is not empty', () => {
    expect(folders).toContain('gpt2-tuning');
  });

  for (const name of folders) {
    const dir = join(ASSIGNMENTS, name);
    const specPath = join(dir, 'spec.json');
    if (!existsSync(specPath)) {
      test.skip(`assignments/${name} has no spec.json yet`, () => {});
      continue;
    }
    test(`assignments/${name}: spec valid, examples graded as named`, () => {
      const spec = loadSpec(specPath);
      const examplesDir = join(dir, 'examples');
      expect(existsSync(examplesDir), `assignments/${name}/examples`).toBe(true);
      const examples = readdirSync(examplesDir)
        .sort()
        .map((entry) => join(examplesDir, entry))
        .filter((p) =>
          statSync(p).isDirectory() ? existsSync(join(p, 'answers.json')) : p.endsWith('.json'),
        );
      expect(examples.length, `assignments/${name}/examples has no submissions`).toBeGreaterThan(0);
      for (const example of examples) {
        const g = gradeSubmission(spec, example, { submittedAt: new Date(0) });
        const label = `${name}/${example.slice(examplesDir.length + 1)}`;
        expect(
          g.notes.filter((n) => !n.startsWith('answers.json: ignored')),
          label,
        ).toEqual([]);
        const automatic = g.questions.filter(
          (q) => spec.questions.find((s) => s.id === q.id)?.check.kind !== 'manual',
        );
        if (g.student === 'correct') {
          expect(
            automatic.filter((q) => q.status !== 'correct').map((q) => [q.id, q.lines]),
            label,
          ).toEqual([]);
        }
        if (g.student === 'mistakes')
          expect(
            automatic.some((q) => q.status !== 'correct'),
            label,
          ).toBe(true);
        const expectedFile = join(example, 'expected-scores.json');
        if (statSync(example).isDirectory() && existsSync(expectedFile)) {
          const expected = JSON.parse(readFileSync(expectedFile, 'utf8'));
          expect(Object.fromEntries(g.questions.map((q) => [q.id, q.score])), label).toEqual(expected);
        }
      }
    });
  }
});
