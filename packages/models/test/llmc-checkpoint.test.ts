import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type GPT2Config, gpt2Config } from '../src/gpt2/config.js';
import {
  checkArchitecture,
  checkpointFileBytes,
  readCheckpoint,
  readCheckpointHeader,
  writeCheckpoint,
} from '../src/llmc/checkpoint.js';
import {
  concat,
  expectInputError,
  fileBytes,
  float32Bytes,
  headerBytes,
  tempDir,
  uint16Bytes,
  writeBytes,
} from './llmc-helpers.js';

const MAGIC = 20240326;

/** L=1 C=4 NH=1 maxT=8 V=5 Vp=128. */
const tiny: GPT2Config = {
  maxSeqLen: 8,
  vocabSize: 5,
  paddedVocabSize: 128,
  numLayers: 1,
  numHeads: 1,
  channels: 4,
};
/** By hand: wte 128·4 + wpe 8·4 + one layer (12·16 + 13·4) + lnf 2·4 = 512 + 32 + 244 + 8. */
const TINY_N = 796;
const tinyHeader = (version: number, overrides: Record<number, number> = {}) =>
  headerBytes({ 0: MAGIC, 1: version, 2: 8, 3: 5, 4: 1, 5: 1, 6: 4, 7: 128, ...overrides });

/** Values exactly representable in bf16, so v3 and v5 files hold the same numbers. */
const tinyValues = Array.from({ length: TINY_N }, (_, i) => (i % 17) * 0.25 - 2);

describe('model checkpoint', () => {
  it('reads a v3 (fp32) file built by hand', () => {
    const path = writeBytes(tempDir(), 'v3.bin', concat(tinyHeader(3), float32Bytes(tinyValues)));
    const { header, config, params } = readCheckpoint(path);
    expect(config).toEqual(tiny);
    expect(header).toEqual({ version: 3, config: tiny, numParameters: TINY_N });
    expect(Array.from(params)).toEqual(tinyValues);
    expect(readCheckpointHeader(path)).toEqual(header);
  });

  it('reads a v5 (bf16) file built by hand', () => {
    // 1.0 = 0x3F80, -3.0 = 0xC040, 0.25 = 0x3E80, 0 = 0x0000.
    const words = Array.from({ length: TINY_N }, (_, i) => [0x3f80, 0xc040, 0x3e80, 0x0000][i % 4]);
    const path = writeBytes(tempDir(), 'v5.bin', concat(tinyHeader(5), uint16Bytes(words)));
    const { header, params } = readCheckpoint(path);
    expect(header.version).toBe(5);
    expect(Array.from(params)).toEqual(Array.from({ length: TINY_N }, (_, i) => [1, -3, 0.25, 0][i % 4]));
  });

  it('writes the hand-built bytes for both versions', () => {
    const dir = tempDir();
    const params = Float32Array.from(tinyValues);
    writeCheckpoint(join(dir, 'v3.bin'), tiny, params, { version: 3 });
    expect(fileBytes(join(dir, 'v3.bin'))).toEqual(concat(tinyHeader(3), float32Bytes(tinyValues)));
    // bf16 of an exactly representable value is its upper 16 bits.
    const view = new DataView(new ArrayBuffer(4));
    const upper = tinyValues.map((v) => {
      view.setFloat32(0, v);
      return view.getUint16(0);
    });
    writeCheckpoint(join(dir, 'v5.bin'), tiny, params, { version: 5 });
    expect(fileBytes(join(dir, 'v5.bin'))).toEqual(concat(tinyHeader(5), uint16Bytes(upper)));
  });

  it('v5 rounds to nearest even when writing', () => {
    const path = join(tempDir(), 'round.bin');
    const params = new Float32Array(TINY_N);
    new Uint32Array(params.buffer).set([0x3f808000, 0x3f818000, 0x3f808001, 0xbf818000]);
    writeCheckpoint(path, tiny, params, { version: 5 });
    const view = new DataView(fileBytes(path).buffer);
    expect([0, 1, 2, 3].map((i) => view.getUint16(1024 + 2 * i, true))).toEqual([
      0x3f80, 0x3f82, 0x3f81, 0xbf82,
    ]);
  });

  it('round-trips byte-identically (v3 and v5)', () => {
    const dir = tempDir();
    const params = Float32Array.from({ length: TINY_N }, (_, i) => Math.sin(i * 12.9898) * 0.02);
    for (const version of [3, 5] as const) {
      const first = join(dir, `a${version}.bin`);
      const second = join(dir, `b${version}.bin`);
      writeCheckpoint(first, tiny, params, { version });
      const read = readCheckpoint(first);
      if (version === 3) expect(read.params).toEqual(params);
      writeCheckpoint(second, read.config, read.params, { version });
      expect(fileBytes(second)).toEqual(fileBytes(first));
    }
  });

  it('sizes files as the spec table says', () => {
    const d6 = gpt2Config({ depth: 6, channels: 384, heads: 6 });
    const d12 = gpt2Config({ depth: 12, channels: 768, heads: 12 });
    expect(checkpointFileBytes(d6, 5)).toBe(60_716_032);
    expect(checkpointFileBytes(d6, 3)).toBe(121_431_040);
    expect(checkpointFileBytes(d12, 3)).toBe(497_904_640);
    expect(checkpointFileBytes(d12, 5)).toBe(248_952_832);
    expect(checkpointFileBytes(tiny, 3)).toBe(1024 + 4 * TINY_N);
  });

  it('writes the Question 1 model (d1 c64 h1, v5) at 6,671,232 bytes', () => {
    const q1 = gpt2Config({ depth: 1, channels: 64, heads: 1 });
    const path = join(tempDir(), 'model_00000000.bin');
    writeCheckpoint(path, q1, new Float32Array(3_335_104), { version: 5 });
    expect(statSync(path).size).toBe(6_671_232);
    const header = readCheckpointHeader(path);
    expect(header.numParameters).toBe(3_335_104);
    expect(header.config).toEqual(q1);
  });

  it('checks a required architecture field by field', () => {
    const path = join(tempDir(), 'arch.bin');
    writeCheckpoint(path, tiny, new Float32Array(TINY_N), { version: 3 });
    const header = readCheckpointHeader(path);
    checkArchitecture(header, { depth: 1, channels: 4, heads: 1, maxSeqLen: 8, vocabSize: 5 }, path);
    expectInputError(
      () => checkArchitecture(header, { depth: 6, channels: 4, heads: 1 }, path),
      path,
      'num_layers',
      'd6 c4 h1',
    );
    expectInputError(
      () => checkArchitecture(header, { depth: 1, channels: 8, heads: 1 }, path),
      path,
      'channels',
    );
    expectInputError(
      () => checkArchitecture(header, { depth: 1, channels: 4, heads: 2 }, path),
      path,
      'num_heads',
    );
    expectInputError(
      () => checkArchitecture(header, { depth: 1, channels: 4, heads: 1, vocabSize: 50257 }, path),
      path,
      'vocab_size',
    );
  });

  it('rejects corrupt checkpoints naming the file and the field', () => {
    const dir = tempDir();
    const body = float32Bytes(tinyValues);
    const cases: [string, Uint8Array, string[]][] = [
      ['magic.bin', concat(headerBytes({ 0: 20240520, 1: 3 }), body), ['header[0] magic']],
      ['v1.bin', concat(tinyHeader(1), body), ['header[1] version', 'unpadded']],
      ['v2.bin', concat(tinyHeader(2), body), ['header[1] version', 'unpadded']],
      ['v4.bin', concat(tinyHeader(4), body), ['header[1] version']],
      ['short-header.bin', tinyHeader(3).subarray(0, 1020), ['header']],
      ['empty.bin', new Uint8Array(0), ['header']],
      ['short-body.bin', concat(tinyHeader(3), body.subarray(0, body.length - 1)), ['file size']],
      ['v5-size-of-v3.bin', concat(tinyHeader(5), body), ['file size', 'trailing']],
      [
        'promises-more.bin',
        concat(tinyHeader(3, { 4: 1000, 6: 4096, 5: 16 }), body),
        ['file size', 'promises more'],
      ],
      ['heads-divide.bin', concat(tinyHeader(3, { 5: 3 }), body), ['header[5] num_heads', 'divisor']],
      ['heads-zero.bin', concat(tinyHeader(3, { 5: 0 }), body), ['header[5] num_heads']],
      ['channels-zero.bin', concat(tinyHeader(3, { 6: 0 }), body), ['header[6] channels']],
      ['layers-negative.bin', concat(tinyHeader(3, { 4: -1 }), body), ['header[4] num_layers']],
      ['maxT.bin', concat(tinyHeader(3, { 2: 65537 }), body), ['header[2] max_seq_len']],
      ['vocab-over-padded.bin', concat(tinyHeader(3, { 3: 129 }), body), ['header[3] vocab_size']],
      ['vocab-zero.bin', concat(tinyHeader(3, { 3: 0 }), body), ['header[3] vocab_size']],
      ['padded-130.bin', concat(tinyHeader(3, { 7: 130 }), body), ['header[7] padded_vocab_size', '128']],
      ['padded-huge.bin', concat(tinyHeader(3, { 7: 2 ** 30 }), body), ['header[7] padded_vocab_size']],
    ];
    for (const [name, bytes, words] of cases) {
      const path = writeBytes(dir, name, bytes);
      expectInputError(() => readCheckpoint(path), path, ...words);
      expectInputError(() => readCheckpointHeader(path), path, ...words);
    }
  });

  it('refuses to write an inconsistent checkpoint', () => {
    const path = join(tempDir(), 'bad.bin');
    expectInputError(
      () => writeCheckpoint(path, tiny, new Float32Array(10), { version: 3 }),
      path,
      'parameters',
    );
    expectInputError(
      () => writeCheckpoint(path, { ...tiny, numHeads: 3 }, new Float32Array(TINY_N), { version: 3 }),
      path,
      'num_heads',
    );
  });
});
