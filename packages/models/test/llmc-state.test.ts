import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkpointFileName,
  doneFileName,
  type OptimizerState,
  readOptimizerState,
  stateFileName,
  writeOptimizerState,
} from '../src/llmc/state.js';
import {
  concat,
  expectInputError,
  fileBytes,
  float32Bytes,
  headerBytes,
  tempDir,
  writeBytes,
} from './llmc-helpers.js';

const MAGIC = 20240527;
const S = 3;

/** Header with the uint64 fields written as (low, high) int32 pairs by hand. */
function stateHeader(overrides: Record<number, number> = {}): Uint8Array {
  return headerBytes({
    0: MAGIC,
    1: 1,
    2: 1, // num_processes
    3: 0, // process_rank
    4: 1, // use_master_weights
    5: 1, // should_shuffle
    10: 1000, // step
    20: 0x89abcdef | 0, // rng_state low word
    21: 0x01234567, // rng_state high word
    22: 7, // rng_state_last_update = 7
    30: 2, // current_shard_idx = 2 + 2^32
    31: 1,
    32: 5, // current_sample_idx = 5
    ...overrides,
  });
}

function sizeT(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
}

function int32s(values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    view.setInt32(i * 4, v, true);
  });
  return bytes;
}

const mtState = Uint8Array.from({ length: 2520 }, (_, i) => (i * 7) & 255);
const tensors = concat(float32Bytes([1, 2, 3]), float32Bytes([4, 5, 6]), float32Bytes([7, 8, 9]));
const shuffleTail = concat(sizeT(2), int32s([1, 0]), sizeT(3), int32s([2, 0, 1]), mtState);

const expected: OptimizerState = {
  numProcesses: 1,
  processRank: 0,
  step: 1000,
  rngState: 0x0123456789abcdefn,
  rngStateLastUpdate: 7n,
  currentShardIdx: 2n + 2n ** 32n,
  currentSampleIdx: 5n,
  m: Float32Array.from([1, 2, 3]),
  v: Float32Array.from([4, 5, 6]),
  masterWeights: Float32Array.from([7, 8, 9]),
  shuffle: {
    shardIndices: Int32Array.from([1, 0]),
    intraShardIndices: Int32Array.from([2, 0, 1]),
    mt19937State: mtState,
  },
};

describe('optimizer state', () => {
  it('names files as llm.c does', () => {
    expect(checkpointFileName(1000)).toBe('model_00001000.bin');
    expect(stateFileName(1000)).toBe('state_00001000_00000.bin');
    expect(stateFileName(5, 3)).toBe('state_00000005_00003.bin');
    expect(doneFileName(20)).toBe('DONE_00000020');
    expect(() => checkpointFileName(-1)).toThrow('step');
  });

  it('reads a file built by hand (master weights and shuffle tail)', () => {
    const path = writeBytes(tempDir(), 'state.bin', concat(stateHeader(), tensors, shuffleTail));
    expect(readOptimizerState(path, S)).toEqual(expected);
  });

  it('writes the hand-built bytes and round-trips byte-identically', () => {
    const dir = tempDir();
    const first = join(dir, 'a.bin');
    writeOptimizerState(first, expected);
    expect(fileBytes(first)).toEqual(concat(stateHeader(), tensors, shuffleTail));
    const second = join(dir, 'b.bin');
    writeOptimizerState(second, readOptimizerState(first, S));
    expect(fileBytes(second)).toEqual(fileBytes(first));
  });

  it('handles a state without master weights or shuffling: 1024 + 8·S bytes', () => {
    const path = join(tempDir(), 'plain.bin');
    const { masterWeights: _m, shuffle: _s, ...plain } = expected;
    writeOptimizerState(path, plain);
    const bytes = fileBytes(path);
    expect(bytes).toEqual(concat(stateHeader({ 4: 0, 5: 0 }), tensors.subarray(0, 24)));
    const read = readOptimizerState(path, S);
    expect(read.masterWeights).toBeUndefined();
    expect(read.shuffle).toBeUndefined();
    expect(read).toEqual(plain);
  });

  it('rejects corrupt state files naming the file and the field', () => {
    const dir = tempDir();
    const good = (tail = shuffleTail) => concat(tensors, tail);
    const cases: [string, Uint8Array, string[]][] = [
      ['magic.bin', concat(stateHeader({ 0: 20240326 }), good()), ['header[0] magic']],
      ['version.bin', concat(stateHeader({ 1: 2 }), good()), ['header[1] version']],
      ['short-header.bin', stateHeader().subarray(0, 512), ['header']],
      ['nproc.bin', concat(stateHeader({ 2: 0 }), good()), ['header[2] num_processes']],
      ['rank.bin', concat(stateHeader({ 2: 2, 3: 2 }), good()), ['header[3] process_rank']],
      ['master-flag.bin', concat(stateHeader({ 4: 2 }), good()), ['header[4] use_master_weights']],
      ['shuffle-flag.bin', concat(stateHeader({ 5: -1 }), good()), ['header[5] should_shuffle']],
      ['step.bin', concat(stateHeader({ 10: -5 }), good()), ['header[10] step']],
      ['short-tensors.bin', concat(stateHeader(), tensors.subarray(0, 30)), ['file size']],
      ['no-shuffle-trailing.bin', concat(stateHeader({ 5: 0 }), good()), ['file size', 'trailing']],
      [
        'n-shards-huge.bin',
        concat(stateHeader(), good(concat(sizeT(0x7fffffff), int32s([1, 0])))),
        ['n_shards', 'promises more'],
      ],
      [
        'not-permutation.bin',
        concat(stateHeader(), good(concat(sizeT(2), int32s([1, 1])))),
        ['shard_indices[1]'],
      ],
      [
        'intra-range.bin',
        concat(stateHeader(), good(concat(sizeT(2), int32s([1, 0]), sizeT(3), int32s([2, 0, 3])))),
        ['intra_shard_indices[2]'],
      ],
      [
        'short-mt.bin',
        concat(stateHeader(), good(shuffleTail.subarray(0, shuffleTail.length - 1))),
        ['mt19937 state', 'truncated'],
      ],
      ['trailing-mt.bin', concat(stateHeader(), good(concat(shuffleTail, new Uint8Array(4)))), ['trailing']],
      ['no-tail.bin', concat(stateHeader(), good(new Uint8Array(0))), ['n_shards', 'truncated']],
    ];
    for (const [name, bytes, words] of cases) {
      const path = writeBytes(dir, name, bytes);
      expectInputError(() => readOptimizerState(path, S), path, ...words);
    }
    // The right file read with the wrong parameter count.
    const path = writeBytes(dir, 'plain.bin', concat(stateHeader({ 4: 0, 5: 0 }), tensors.subarray(0, 24)));
    expectInputError(() => readOptimizerState(path, 4), path, 'file size');
  });

  it('refuses to write an inconsistent state', () => {
    const path = join(tempDir(), 'bad.bin');
    expectInputError(() => writeOptimizerState(path, { ...expected, v: new Float32Array(2) }), path, 'v');
    expectInputError(() => writeOptimizerState(path, { ...expected, processRank: 1 }), path, 'process_rank');
    expectInputError(() => writeOptimizerState(path, { ...expected, rngState: -1n }), path, 'rngState');
    expectInputError(
      () =>
        writeOptimizerState(path, {
          ...expected,
          shuffle: { ...expected.shuffle!, mt19937State: new Uint8Array(8) },
        }),
      path,
      'mt19937',
    );
  });
});
