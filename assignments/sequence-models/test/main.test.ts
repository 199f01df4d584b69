/**
 * `--help` says `(default ./output)`: with no --out the script writes ./output in the folder
 * npm was started from (INIT_CWD, trainer's fromInvocationDir), not in the assignment folder
 * `npm run -w` runs it in. A tiny run (20 sentences, 1 epoch, cpu).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { main } from '../src/main.js';

const cwd = process.cwd();
const initCwd = process.env.INIT_CWD;
afterEach(() => {
  process.chdir(cwd);
  if (initCwd === undefined) delete process.env.INIT_CWD;
  else process.env.INIT_CWD = initCwd;
});

test('no --out: ./output of the folder npm was started from, as --help says', async () => {
  const started = mkdtempSync(join(tmpdir(), 'seq-started-')); // where the user ran npm
  const assignment = mkdtempSync(join(tmpdir(), 'seq-workspace-')); // where npm -w runs the script
  process.env.INIT_CWD = started;
  process.chdir(assignment);
  const out = { text: '', write: (s: string) => (out.text += s) };
  const err = { text: '', write: (s: string) => (err.text += s) };
  expect(await main(['--help'], { stdout: out, stderr: err })).toBe(0);
  expect(out.text).toContain('(default ./output)');
  const args = ['--limit', '20', '--epochs', '1', '--backend', 'cpu'];
  expect(await main(args, { stdout: out, stderr: err }), err.text).toBe(0);
  expect(existsSync(join(started, 'output', 'accuracy.csv'))).toBe(true);
  expect(existsSync(join(assignment, 'output'))).toBe(false);
}, 300_000);
