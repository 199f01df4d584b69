/**
 * The compiled `train_gpt2cu` as a user runs it: exit codes and messages of a
 * real subprocess (2 = bad usage or input, 3 = budget), never a stack trace for
 * a user's mistake. Needs the build (`npm test` builds first); fails, saying so, without it.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeShard } from '@course/models';
import { beforeAll, describe, expect, test } from 'vitest';
import { requireBuilt } from '../../../scripts/require-built.js';
import { cyclicTokens, tinyDataDir } from './helpers/tiny-data.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bin', 'train_gpt2cu.js');

const work = mkdtempSync(join(tmpdir(), 'course-bin-'));
/**
 * Permission checks mean nothing to root: as root, the cases about folders one
 * cannot write run the bin through util-linux's setpriv with every capability
 * dropped (CAP_DAC_OVERRIDE among them). It stays uid 0, so it still reads the
 * checkout wherever that lies (`mktemp -d` makes folders only their owner may
 * enter, which rules out switching to the user "nobody"), but the permission
 * bits now apply to it as to anyone.
 */
const asRoot = process.getuid?.() === 0;
const SETPRIV = '/usr/bin/setpriv';
const unprivileged = { dropPrivileges: asRoot };
/** A folder the bin (without privileges) can read and write, and one it can only read. */
function folders(): { writable: string; readOnly: string } {
  const writable = mkdtempSync(join(work, 'perm-'));
  chmodSync(work, 0o755);
  chmodSync(writable, 0o777);
  const readOnly = join(writable, 'read-only');
  mkdirSync(readOnly);
  chmodSync(readOnly, 0o555);
  return { writable, readOnly };
}

/** Runs the bin to completion (asynchronously, so the cases run side by side). */
function run(
  args: string[],
  opts: { dropPrivileges?: boolean } = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const node = [process.execPath, BIN, ...args];
    if (opts.dropPrivileges && !existsSync(SETPRIV)) {
      throw new Error(`${SETPRIV}: not found, expected util-linux's setpriv (as root, these cases need it)`);
    }
    const [command, ...argv] = opts.dropPrivileges
      ? [SETPRIV, '--inh-caps=-all', '--bounding-set=-all', '--', ...node]
      : node;
    // cwd: an empty folder, so llm.c's relative default paths (data/…, log) match nothing of the repo
    const child = spawn(command, argv, {
      cwd: work,
      env: { ...process.env, COURSE_BACKEND: 'cpu' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Stack frames look like "    at fn (file:line:col)". */
function expectNoStackTrace(stderr: string) {
  expect(stderr).not.toMatch(/^\s{4}at /m);
  expect(stderr).not.toContain('internal error');
}

describe.concurrent('train_gpt2cu (compiled bin, as a subprocess)', () => {
  beforeAll(() => requireBuilt(BIN));
  const data = tinyDataDir();
  const dataArgs = ['-i', data.trainPattern, '-j', data.valPattern, '--backend', 'cpu'];

  test('--help exits 0 and lists the llm.c flags', async () => {
    const { status, stdout } = await run(['--help']);
    expect(status).toBe(0);
    expect(stdout).toContain('-1d');
    expect(stdout).toContain('-b N');
  });

  test('an unknown flag exits 2 with "unknown flag" on stderr and no stack trace', async () => {
    const { status, stderr } = await run(['--no-such-flag']);
    expect(status).toBe(2);
    expect(stderr).toContain('unknown flag');
    expect(stderr).toContain('--no-such-flag');
    expectNoStackTrace(stderr);
  });

  test('a nonexistent -e checkpoint exits 2 naming the file', async () => {
    const missing = join(work, 'no_such_model.bin');
    const { status, stderr } = await run(['-e', missing, ...dataArgs, '-o', join(work, 'missing-run')]);
    expect(status).toBe(2);
    expect(stderr).toContain(missing);
    expectNoStackTrace(stderr);
  });

  test('a checkpoint with the wrong magic exits 2 naming the file and the field', async () => {
    const corrupt = join(work, 'corrupt.bin');
    const bytes = new Uint8Array(1024 + 4 * 64);
    const view = new DataView(bytes.buffer);
    view.setInt32(0, 12345678, true); // not 20240326
    view.setInt32(4, 3, true);
    writeFileSync(corrupt, bytes);
    const { status, stderr } = await run(['-e', corrupt, ...dataArgs, '-o', join(work, 'corrupt-run')]);
    expect(status).toBe(2);
    expect(stderr).toContain(corrupt);
    expect(stderr).toContain('magic');
    expect(stderr).toContain('12345678');
    expectNoStackTrace(stderr);
  });

  const tiny = ['-e', data.initCheckpoint, '-b', '2', '-t', '32', '-d', '64', '-x', '2', '-s', '0'];

  test('-o naming a file, or a folder under a file, exits 2 naming the path', async () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'not a folder');
    for (const out of [file, join(file, 'run')]) {
      const { status, stderr } = await run([
        ...tiny,
        ...dataArgs,
        '-o',
        out,
        '--ledger',
        join(work, 'o.json'),
      ]);
      expect(status, stderr).toBe(2);
      expect(stderr).toContain(`-o ${out}`);
      expect(stderr).toContain('expected a folder');
      expectNoStackTrace(stderr);
    }
  });

  test('-o in a folder one cannot write exits 2 naming the path', async () => {
    const { readOnly } = folders();
    chmodSync(data.dir, 0o755);
    const out = join(readOnly, 'run');
    const ledger = join(readOnly, '..', 'ro.json');
    const { status, stderr } = await run([...tiny, ...dataArgs, '-o', out, '--ledger', ledger], unprivileged);
    expect(status, stderr).toBe(2);
    expect(stderr).toContain(`-o ${out}`);
    expect(stderr).toContain('cannot write');
    expectNoStackTrace(stderr);
  });

  test('a ledger one cannot write (its folder, or the file itself) exits 2 naming it', async () => {
    const { writable, readOnly } = folders();
    chmodSync(data.dir, 0o755);
    const lockedFile = join(writable, 'locked.json');
    writeFileSync(lockedFile, '{"version": 1, "budgetUsd": null, "runs": []}\n');
    chmodSync(lockedFile, 0o444);
    for (const ledger of [join(readOnly, 'budget.json'), lockedFile]) {
      const out = mkdtempSync(join(writable, 'run-'));
      chmodSync(out, 0o777);
      const { status, stderr } = await run(
        [...tiny, ...dataArgs, '-o', out, '--ledger', ledger],
        unprivileged,
      );
      expect(status, stderr).toBe(2);
      expect(stderr).toContain(ledger);
      expect(stderr).toContain('cannot write the ledger');
      expectNoStackTrace(stderr);
    }
  });

  test('a shard token at or above the vocabulary size exits 2 naming the shard, position and token', async () => {
    const dir = mkdtempSync(join(work, 'bad-shard-'));
    const tokens = cyclicTokens(3000, 37, 1);
    tokens[100] = 50000; // the tiny model's vocab_size is 64
    writeShard(join(dir, 'bad_train_000001.bin'), tokens);
    const { status, stderr } = await run([
      ...tiny,
      ...['-i', join(dir, 'bad_train_*.bin'), '-j', data.valPattern, '--backend', 'cpu'],
      ...['-o', join(dir, 'run'), '--ledger', join(dir, 'budget.json')],
    ]);
    expect(status, stderr).toBe(2);
    expect(stderr).toContain(join(dir, 'bad_train_000001.bin'));
    expect(stderr).toContain('token 100');
    expect(stderr).toContain('found 50000, expected < 64');
    expectNoStackTrace(stderr);
  });

  test('an -it tokenizer that is missing or not a tokenizer exits 2 naming the flag and the file', async () => {
    const dir = mkdtempSync(join(work, 'bad-tokenizer-'));
    const notTokenizer = join(dir, 'not_a_tokenizer.bin');
    writeFileSync(notTokenizer, new Uint8Array(1024 + 2 * 64)); // magic 0, not 20240328
    const cases = [
      { file: join(dir, 'no_such_tokenizer.bin'), says: 'cannot read file (no such file)' },
      { file: notTokenizer, says: 'found 0, expected 20240328' },
    ];
    for (const { file, says } of cases) {
      const { status, stderr } = await run([
        ...tiny,
        ...dataArgs,
        ...['-it', file, '-o', join(dir, 'run'), '--ledger', join(dir, 'budget.json')],
      ]);
      expect(status, stderr).toBe(2);
      expect(stderr).toContain(`-it ${file}: `);
      expect(stderr).toContain(says);
      expectNoStackTrace(stderr);
    }
  });

  test('a run whose projected cost exceeds the budget exits 3', async () => {
    const { status, stderr } = await run([
      ...['-e', data.initCheckpoint, '-b', '2', '-t', '32', '-d', '64', '-x', '100000'],
      ...['--budget-usd', '0.000001', '-s', '0', '-v', '1000'],
      ...['--ledger', join(work, 'b.json'), '-o', join(work, 'run')],
      ...dataArgs,
    ]);
    expect(status).toBe(3);
    expect(stderr).toContain('exceeds');
    expectNoStackTrace(stderr);
  });
});
