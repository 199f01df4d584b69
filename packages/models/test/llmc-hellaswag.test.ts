import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type HellaSwagExample, readHellaSwag, writeHellaSwag } from '../src/llmc/hellaswag.js';
import {
  concat,
  expectInputError,
  fileBytes,
  headerBytes,
  tempDir,
  uint16Bytes,
  writeBytes,
} from './llmc-helpers.js';

const MAGIC = 20240522;

const examples: HellaSwagExample[] = [
  { label: 2, context: [10, 20, 30], endings: [[1], [2, 3], [65534], [4, 5, 6]] },
  { label: 0, context: [], endings: [[7], [], [8, 9], [50256]] },
];

/**
 * The same examples laid out by hand. Example 0: 6 fields + 3 ctx + (1+1)+(1+2)+(1+1)+(1+3) = 20 words = 40 bytes.
 * Example 1: 6 + 0 + (1+1)+(1+0)+(1+2)+(1+1) = 14 words = 28 bytes.
 */
const example0Words = [65535, 40, 0, 2, 4, 3, 10, 20, 30, 1, 1, 2, 2, 3, 1, 65534, 3, 4, 5, 6];
const example1Words = [65535, 28, 1, 0, 4, 0, 1, 7, 0, 2, 8, 9, 1, 50256];

function handBuilt(header: Record<number, number>, words: number[]): Uint8Array {
  return concat(headerBytes(header), uint16Bytes(words));
}

const goodHeader = { 0: MAGIC, 1: 1, 2: 2, 3: 40 };

describe('HellaSwag eval file', () => {
  it('reads a file built by hand', () => {
    const path = writeBytes(
      tempDir(),
      'hand.bin',
      handBuilt(goodHeader, [...example0Words, ...example1Words]),
    );
    expect(readHellaSwag(path)).toEqual({ examples, longestExampleBytes: 40 });
  });

  it('writes the hand-built bytes and round-trips byte-identically', () => {
    const dir = tempDir();
    const first = join(dir, 'a.bin');
    writeHellaSwag(first, examples);
    expect(fileBytes(first)).toEqual(handBuilt(goodHeader, [...example0Words, ...example1Words]));
    const second = join(dir, 'b.bin');
    writeHellaSwag(second, readHellaSwag(first).examples);
    expect(fileBytes(second)).toEqual(fileBytes(first));
  });

  it('rejects corrupt files naming the file and the field', () => {
    const dir = tempDir();
    const both = [...example0Words, ...example1Words];
    const with1 = (i: number, value: number) => both.map((w, j) => (j === i ? value : w));
    const cases: [string, Uint8Array, string[]][] = [
      ['magic.bin', handBuilt({ ...goodHeader, 0: 20240520 }, both), ['magic']],
      ['version.bin', handBuilt({ ...goodHeader, 1: 2 }, both), ['version']],
      ['short-header.bin', headerBytes(goodHeader).subarray(0, 1000), ['header']],
      ['count.bin', handBuilt({ ...goodHeader, 2: -1 }, both), ['num_examples']],
      [
        'promises-more.bin',
        handBuilt({ ...goodHeader, 2: 60000 }, both),
        ['num_examples', 'more than the file holds'],
      ],
      [
        'one-more.bin',
        handBuilt({ ...goodHeader, 2: 3 }, [...both, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        ['example 2', 'START_EXAMPLE'],
      ],
      ['truncated.bin', handBuilt(goodHeader, both.slice(0, -1)), ['example 1', 'truncated']],
      ['trailing.bin', handBuilt(goodHeader, [...both, 0]), ['trailing']],
      ['marker.bin', handBuilt(goodHeader, with1(20, 65534)), ['example 1 START_EXAMPLE']],
      ['length.bin', handBuilt(goodHeader, with1(21, 30)), ['example 1 EXAMPLE_BYTES']],
      [
        'longest.bin',
        handBuilt({ ...goodHeader, 3: 39 }, both),
        ['example 0 EXAMPLE_BYTES', 'longest_example_bytes'],
      ],
      ['index.bin', handBuilt(goodHeader, with1(22, 2)), ['example 1 EXAMPLE_INDEX']],
      ['label.bin', handBuilt(goodHeader, with1(3, 4)), ['example 0 LABEL']],
      ['completions.bin', handBuilt(goodHeader, with1(4, 3)), ['example 0 NUM_COMPLETIONS']],
      ['ctx-len.bin', handBuilt(goodHeader, with1(5, 4)), ['example 0']],
      ['token.bin', handBuilt(goodHeader, with1(7, 65535)), ['example 0 ctx token 1']],
    ];
    for (const [name, bytes, words] of cases) {
      const path = writeBytes(dir, name, bytes);
      expectInputError(() => readHellaSwag(path), path, ...words);
    }
  });

  it('refuses to write what llm.c could not read', () => {
    const path = join(tempDir(), 'bad.bin');
    const ok = examples[0];
    expectInputError(() => writeHellaSwag(path, [{ ...ok, label: 4 }]), path, 'label');
    expectInputError(
      () => writeHellaSwag(path, [{ ...ok, endings: ok.endings.slice(0, 3) }]),
      path,
      'endings',
    );
    expectInputError(() => writeHellaSwag(path, [{ ...ok, context: [1, 65535] }]), path, 'context token');
    expectInputError(() => writeHellaSwag(path, [{ ...ok, context: [-1] }]), path, 'context token');
    // 6 fields + 32760 context tokens + 4 one-token endings = 32774 words = 65548 bytes ≥ 65536.
    expectInputError(
      () => writeHellaSwag(path, [{ ...ok, context: new Array(32760).fill(1) }]),
      path,
      'size',
    );
    const tooMany = new Array<HellaSwagExample>(65536).fill(ok);
    expectInputError(() => writeHellaSwag(path, tooMany), path, 'num_examples');
  });
});
