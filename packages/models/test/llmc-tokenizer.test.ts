import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { decodeTokens, readTokenizer, writeTokenizer } from '../src/llmc/tokenizer.js';
import { concat, expectInputError, fileBytes, tempDir, writeBytes } from './llmc-helpers.js';

const MAGIC = 20240328;

function uint32Header(fields: Record<number, number>): Uint8Array {
  const bytes = new Uint8Array(1024);
  const view = new DataView(bytes.buffer);
  for (const [i, v] of Object.entries(fields)) view.setUint32(Number(i) * 4, v, true);
  return bytes;
}

/** Tokens: "a", "é" (0xC3 0xA9), 0xFF (not UTF-8), 0xC3, 0xA9 (the two halves of "é"). */
const tokens = [[0x61], [0xc3, 0xa9], [0xff], [0xc3], [0xa9]].map((b) => Uint8Array.from(b));
const body = Uint8Array.from([1, 0x61, 2, 0xc3, 0xa9, 1, 0xff, 1, 0xc3, 1, 0xa9]);

describe('tokenizer', () => {
  it('reads a version 2 file built by hand and decodes ids', () => {
    const path = writeBytes(tempDir(), 'tok.bin', concat(uint32Header({ 0: MAGIC, 1: 2, 2: 5, 3: 2 }), body));
    const tokenizer = readTokenizer(path);
    expect(tokenizer).toEqual({ version: 2, vocabSize: 5, eotToken: 2, tokens });
    expect(decodeTokens(tokenizer, [0, 1, 0])).toBe('aéa');
    expect(decodeTokens(tokenizer, [3, 4])).toBe('é'); // bytes are joined before decoding
    expect(decodeTokens(tokenizer, [0, 2])).toBe('a\uFFFD');
    expect(() => decodeTokens(tokenizer, [5])).toThrow(InputError);
  });

  it('writes the hand-built bytes and round-trips byte-identically', () => {
    const dir = tempDir();
    const first = join(dir, 'a.bin');
    writeTokenizer(first, tokens, { version: 2, eotToken: 2 });
    expect(fileBytes(first)).toEqual(concat(uint32Header({ 0: MAGIC, 1: 2, 2: 5, 3: 2 }), body));
    const second = join(dir, 'b.bin');
    const read = readTokenizer(first);
    writeTokenizer(second, read.tokens, { version: read.version, eotToken: read.eotToken });
    expect(fileBytes(second)).toEqual(fileBytes(first));
  });

  it('version 1 implies the GPT-2 vocabulary and EOT 50256', () => {
    const dir = tempDir();
    const vocab = Array.from({ length: 50257 }, (_, i) => Uint8Array.of(i & 255, i >> 8));
    const path = join(dir, 'v1.bin');
    writeTokenizer(path, vocab, { version: 1, eotToken: 50256 });
    const bytes = fileBytes(path);
    const view = new DataView(bytes.buffer);
    expect([0, 1, 2, 3].map((i) => view.getUint32(4 * i, true))).toEqual([MAGIC, 1, 50257, 0]);
    expect(bytes.length).toBe(1024 + 3 * 50257);
    const read = readTokenizer(path);
    expect(read.eotToken).toBe(50256);
    expect(read.tokens[300]).toEqual(Uint8Array.of(44, 1));
    expectInputError(() => writeTokenizer(path, tokens, { version: 1, eotToken: 2 }), path, 'version 1');
  });

  it('rejects corrupt tokenizer files naming the file and the field', () => {
    const dir = tempDir();
    const header = (f: Record<number, number>) => uint32Header({ 0: MAGIC, 1: 2, 2: 5, 3: 2, ...f });
    const cases: [string, Uint8Array, string[]][] = [
      ['magic.bin', concat(header({ 0: 20240326 }), body), ['header[0] magic']],
      ['version.bin', concat(header({ 1: 3 }), body), ['header[1] version']],
      ['v1-vocab.bin', concat(header({ 1: 1 }), body), ['header[2] vocab_size', '50257']],
      ['vocab-zero.bin', concat(header({ 2: 0 }), body), ['header[2] vocab_size']],
      ['vocab-huge.bin', concat(header({ 2: 0xffffffff }), body), ['header[2] vocab_size']],
      ['promises-more.bin', concat(header({ 2: 1000 }), body), ['vocab_size', 'promises more']],
      ['eot.bin', concat(header({ 3: 5 }), body), ['header[3] eot_token']],
      ['short-header.bin', header({}).subarray(0, 8), ['header']],
      [
        'zero-length.bin',
        concat(header({}), Uint8Array.from([0, 2, 0xc3, 0xa9, 1, 0xff, 1, 0xc3, 1, 0xa9])),
        ['token 0 length'],
      ],
      [
        'cut.bin',
        concat(header({}), Uint8Array.from([1, 0x61, 2, 0xc3, 0xa9, 1, 0xff, 1, 0xc3, 9, 0xa9, 0])),
        ['token 4 bytes', 'truncated'],
      ],
      ['trailing.bin', concat(header({}), body, Uint8Array.of(0)), ['trailing']],
    ];
    for (const [name, bytes, words] of cases) {
      const path = writeBytes(dir, name, bytes);
      expectInputError(() => readTokenizer(path), path, ...words);
    }
    const path = join(dir, 'w.bin');
    expectInputError(
      () => writeTokenizer(path, [new Uint8Array(0)], { version: 2, eotToken: 0 }),
      path,
      'token 0 length',
    );
    expectInputError(
      () => writeTokenizer(path, [new Uint8Array(256)], { version: 2, eotToken: 0 }),
      path,
      'token 0 length',
    );
    expectInputError(() => writeTokenizer(path, tokens, { version: 2, eotToken: 5 }), path, 'eot_token');
  });
});
