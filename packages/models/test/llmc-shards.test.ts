import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandShardPattern, readShard, readShardHeader, writeShard } from '../src/llmc/shards.js';
import {
  concat,
  expectInputError,
  fileBytes,
  headerBytes,
  tempDir,
  uint16Bytes,
  writeBytes,
} from './llmc-helpers.js';

const MAGIC = 20240520;

describe('data shards', () => {
  it('reads a shard built by hand', () => {
    const dir = tempDir();
    const path = writeBytes(
      dir,
      'hand.bin',
      concat(headerBytes({ 0: MAGIC, 1: 1, 2: 4 }), uint16Bytes([0, 50256, 258, 65535])),
    );
    expect(readShardHeader(path)).toEqual({ ntok: 4 });
    expect(Array.from(readShard(path))).toEqual([0, 50256, 258, 65535]);
  });

  it('writes the same bytes as the hand-built file, and round-trips byte-identically', () => {
    const dir = tempDir();
    const tokens = [50256, 15496, 11, 995, 0, 65535, 1];
    const expected = concat(headerBytes({ 0: MAGIC, 1: 1, 2: tokens.length }), uint16Bytes(tokens));
    const first = join(dir, 'a.bin');
    writeShard(first, Uint16Array.from(tokens));
    expect(fileBytes(first)).toEqual(expected);
    const second = join(dir, 'b.bin');
    writeShard(second, readShard(first));
    expect(fileBytes(second)).toEqual(fileBytes(first));
  });

  it('round-trips a large shard (big reads are not pooled, so tokens may be a view on the file)', () => {
    const dir = tempDir();
    const tokens = Uint16Array.from({ length: 300_001 }, (_, i) => (i * 7919) % 65536);
    writeShard(join(dir, 'big.bin'), tokens);
    const read = readShard(join(dir, 'big.bin'));
    expect(read).toEqual(tokens);
    expect(readShardHeader(join(dir, 'big.bin'))).toEqual({ ntok: 300_001 });
    writeShard(join(dir, 'again.bin'), read);
    expect(fileBytes(join(dir, 'again.bin'))).toEqual(fileBytes(join(dir, 'big.bin')));
  });

  it('accepts an empty shard (ntok = 0)', () => {
    const path = join(tempDir(), 'empty.bin');
    writeShard(path, new Uint16Array(0));
    expect(fileBytes(path).length).toBe(1024);
    expect(readShard(path).length).toBe(0);
  });

  it('rejects corrupt shards naming the file and the field', () => {
    const dir = tempDir();
    const body = uint16Bytes([1, 2, 3]);
    const cases: [string, Uint8Array, string][] = [
      ['magic.bin', concat(headerBytes({ 0: 20240326, 1: 1, 2: 3 }), body), 'magic'],
      ['llama3.bin', concat(headerBytes({ 0: 20240801, 1: 7, 2: 3 }), body), 'llama-3'],
      ['version.bin', concat(headerBytes({ 0: MAGIC, 1: 2, 2: 3 }), body), 'version'],
      ['short-header.bin', headerBytes({ 0: MAGIC, 1: 1, 2: 0 }).subarray(0, 100), 'header'],
      ['empty-file.bin', new Uint8Array(0), 'header'],
      ['short-body.bin', concat(headerBytes({ 0: MAGIC, 1: 1, 2: 4 }), body), 'file size'],
      ['promises-more.bin', concat(headerBytes({ 0: MAGIC, 1: 1, 2: 2_000_000_000 }), body), 'file size'],
      ['trailing.bin', concat(headerBytes({ 0: MAGIC, 1: 1, 2: 2 }), body), 'file size'],
      ['negative.bin', concat(headerBytes({ 0: MAGIC, 1: 1, 2: -1 }), body), 'ntok'],
    ];
    for (const [name, bytes, field] of cases) {
      const path = writeBytes(dir, name, bytes);
      expectInputError(() => readShard(path), path, field);
      expectInputError(() => readShardHeader(path), path, field);
    }
    expectInputError(() => readShard(join(dir, 'missing.bin')), join(dir, 'missing.bin'), 'no such file');
    expectInputError(() => readShardHeader(dir), dir, 'directory');
  });
});

describe('expandShardPattern', () => {
  it('expands * and ? in the file name, sorted by bytes like glob() in the C locale', () => {
    const dir = tempDir();
    for (const name of [
      'fw_train_000010.bin',
      'fw_train_000002.bin',
      'fw_val_000000.bin',
      'fw_train_a.bin',
      'fw_train_B.bin',
      '.fw_train_hidden.bin',
    ]) {
      writeFileSync(join(dir, name), '');
    }
    mkdirSync(join(dir, 'fw_train_folder.bin'));
    expect(expandShardPattern(join(dir, 'fw_train_*.bin'))).toEqual([
      join(dir, 'fw_train_000002.bin'),
      join(dir, 'fw_train_000010.bin'),
      join(dir, 'fw_train_B.bin'), // 'B' = 0x42 sorts before 'a' = 0x61 (a locale sort would not)
      join(dir, 'fw_train_a.bin'),
    ]);
    expect(expandShardPattern(join(dir, 'fw_v?l_00000?.bin'))).toEqual([join(dir, 'fw_val_000000.bin')]);
    expect(expandShardPattern(join(dir, '.fw_*'))).toEqual([join(dir, '.fw_train_hidden.bin')]);
  });

  it('returns a path without wildcards as is, and names the pattern when nothing matches', () => {
    const dir = tempDir();
    const path = join(dir, 'tiny_shakespeare_val.bin');
    writeFileSync(path, '');
    expect(expandShardPattern(path)).toEqual([path]);
    expectInputError(
      () => expandShardPattern(join(dir, 'nothing_*.bin')),
      join(dir, 'nothing_*.bin'),
      'no file matches',
    );
    expectInputError(
      () => expandShardPattern(join(dir, 'nothing.bin')),
      join(dir, 'nothing.bin'),
      'no file matches',
    );
    expectInputError(
      () => expandShardPattern(join(dir, 'no_dir', '*.bin')),
      join(dir, 'no_dir', '*.bin'),
      'no file matches',
    );
    expectInputError(() => expandShardPattern(join(dir, '*', 'x.bin')), join(dir, '*', 'x.bin'), 'folder');
  });
});
