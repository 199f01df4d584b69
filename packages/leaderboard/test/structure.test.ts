/**
 * The module layout the code review asked for (issue 13, item 22), checked on
 * the sources' static imports: a remote worker (`course-leaderboard worker
 * --server`) loads no web-server code, createApp is assembled from route
 * modules, and the demo and the `submit` command share one submit client.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const WEB_SERVER_PACKAGES = ['express', 'multer', 'helmet'];

/** `import … from 'x'` and `export … from 'x'` (static only: `await import('x')` is not followed). */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gms)) found.push(m[1]);
  for (const m of text.matchAll(/^import\s+'([^']+)'/gm)) found.push(m[1]);
  return found;
}

/** Every package a source file pulls in through static imports, with the chain that leads to it. */
function packagesReached(entry: string): Map<string, string[]> {
  const packages = new Map<string, string[]>();
  const seen = new Set<string>();
  const visit = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) {
        visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')), [...chain, spec]);
      } else if (!packages.has(spec)) {
        packages.set(spec, [...chain, spec]);
      }
    }
  };
  visit(join(SRC, entry), [entry]);
  return packages;
}

describe('module layout (issue 13, item 22)', () => {
  test('the worker and the command line load no web-server package (express, multer, helmet)', () => {
    for (const entry of ['worker.ts', 'cli.ts', 'paths.ts', 'submit-client.ts']) {
      const reached = packagesReached(entry);
      for (const pkg of WEB_SERVER_PACKAGES) {
        expect(reached.get(pkg), `${entry} reaches ${pkg}`).toBeUndefined();
      }
    }
    // The check itself finds express where it is used.
    expect(packagesReached('app.ts').get('express')).toBeDefined();
  });

  test('createApp is assembled from one route module per section; the upload is a named function', () => {
    const app = readFileSync(join(SRC, 'app.ts'), 'utf8');
    for (const module of ['submissions', 'boards', 'admin', 'worker']) {
      expect(app).toContain(`from './routes/${module}.js'`);
    }
    expect(app).not.toMatch(/app\.(get|post)\(/);
    expect(readFileSync(join(SRC, 'routes', 'submissions.ts'), 'utf8')).toMatch(
      /export async function receiveUpload\(/,
    );
  });

  test('the demo and the submit command upload through the same client', () => {
    for (const file of ['demo.ts', 'cli.ts']) {
      const text = readFileSync(join(SRC, file), 'utf8');
      expect(staticImports(join(SRC, file)), file).toContain('./submit-client.js');
      expect(text, file).not.toContain('/api/submissions');
    }
  });
});
