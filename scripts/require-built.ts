/**
 * For tests that run compiled output (a bin, a dist/ module) as a subprocess:
 * `npm test` builds before vitest runs, so a missing file is a failure that
 * says what to run, never a silently skipped suite. Call it in a `beforeAll`.
 */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Throws, naming every missing file, unless all of `paths` exist. */
export function requireBuilt(...paths: string[]): void {
  const missing = paths.filter((p) => !existsSync(p)).map((p) => relative(ROOT, p));
  if (missing.length === 0) return;
  throw new Error(
    `${missing.join(', ')}: not found, expected the build (run \`npm run build\` first; \`npm test\` builds before it tests)`,
  );
}
