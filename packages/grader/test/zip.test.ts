/**
 * The store-only zip writer: CRC-32's check value, and archives read back by an independent
 * reader (helpers/unzip.ts) and, where installed, by Python's zipfile and Info-ZIP's unzip.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { crc32, zipStore } from '../src/zip.js';
import { tempDir } from './helpers/submissions.js';
import { unzipStored } from './helpers/unzip.js';

/** Runs a tool if it is installed: undefined when it is not. */
function tool(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.error ? undefined : r;
}

describe('zipStore', () => {
  test('CRC-32 check values ("123456789" → 0xCBF43926, empty → 0)', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(Buffer.from('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });

  test('reads back: names (UTF-8, nested), bytes, modes; the same input gives the same bytes', () => {
    const binary = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff));
    const entries = [
      { name: 'run_autograder', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
      { name: 'toolkit/packages/grader/dist/é.js', data: Buffer.from('export {};\n') },
      { name: 'empty.txt', data: Buffer.alloc(0) },
      { name: 'data/binary.bin', data: binary },
    ];
    const zip = zipStore(entries);
    expect(zipStore(entries).equals(zip)).toBe(true);
    const back = unzipStored(zip);
    expect(back.map((e) => [e.name, e.mode])).toEqual([
      ['run_autograder', 0o755],
      ['toolkit/packages/grader/dist/é.js', 0o644],
      ['empty.txt', 0o644],
      ['data/binary.bin', 0o644],
    ]);
    for (const [i, e] of back.entries()) expect(e.data.equals(entries[i].data), e.name).toBe(true);

    const file = join(tempDir('zip-'), 'a.zip');
    writeFileSync(file, zip);
    // Python's zipfile: lists it and checks every CRC (-t prints "Done testing")
    const py = tool('python3', ['-m', 'zipfile', '-t', file]);
    if (py) expect(`${py.stdout}${py.stderr}`, py.stderr).toContain('Done testing');
    // Info-ZIP unzip: the names, sizes and the executable bit of run_autograder
    const listed = tool('unzip', ['-Z', file]);
    if (listed) {
      expect(listed.status, listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(/^-rwxr-xr-x .* run_autograder$/m);
      expect(listed.stdout).toMatch(/^-rw-r--r-- .*\s70000 .* data\/binary\.bin$/m);
      const tested = tool('unzip', ['-t', file]);
      expect(tested?.stdout).toContain('No errors detected');
    }
  });
});
