/**
 * The reference answers as files: `references.json` (every answer with its
 * working), `answers.json` (id → value, the shape of a student submission, so
 * it grades as full marks) and `references.md` (a table for the TA).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@course/models';
import { fmt, type Reference } from './references.js';

export function answersOf(refs: readonly Reference[]): Record<string, number | string> {
  return Object.fromEntries(refs.map((r) => [r.id, r.value]));
}

export function referencesMarkdown(refs: readonly Reference[]): string {
  const rows = refs.map(
    (r) => `| ${r.id} | ${r.question} | ${fmt(r.value)}${r.unit ? ` ${r.unit}` : ''} | ${r.working} |`,
  );
  return [
    '# nn-fundamentals: reference answers',
    '',
    '| id | question | reference | working |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

/** Writes the three files into `outDir` (created if missing); returns their paths. */
export function writeReferences(refs: readonly Reference[], outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const files: [string, string][] = [
    ['references.json', `${JSON.stringify({ assignment: 'nn-fundamentals', references: refs }, null, 2)}\n`],
    ['answers.json', `${JSON.stringify(answersOf(refs), null, 2)}\n`],
    ['references.md', referencesMarkdown(refs)],
  ];
  return files.map(([name, text]) => {
    const path = join(outDir, name);
    writeFileAtomic(path, text);
    return path;
  });
}
