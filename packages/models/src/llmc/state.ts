/**
 * llm.c's optimizer/resume state (`state_%08d_%05d.bin`, train_gpt2.cu only),
 * written next to `model_%08d.bin` and an empty `DONE_%08d` marker.
 *
 * Header, 256 int32 (unlisted fields 0):
 *   [0] magic 20240527          [1] version 1
 *   [2] num_processes           [3] process_rank
 *   [4] use_master_weights 0/1  [5] dataloader should_shuffle 0/1
 *   [10] step (completed updates)
 *   [20..21] rng_state (uint64, stochastic rounding)
 *   [22..23] rng_state_last_update (uint64)
 *   [30..31] dataloader current_shard_idx (size_t)
 *   [32..33] dataloader current_sample_idx (size_t)
 * Body, with S = this process's parameter count (N on one GPU):
 *   AdamW m: S fp32; AdamW v: S fp32; master weights: S fp32 if use_master_weights;
 *   if should_shuffle: size_t n_shards, int32 shard_indices[n_shards],
 *   size_t shard_num_samples, int32 intra_shard_indices[shard_num_samples],
 *   then the dataloader's raw mt19937 struct (2520 bytes on x86-64), kept opaque.
 */
import { formatError, InputError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import { LLMC_MT19937_STATE_BYTES } from '../rand/mt19937.js';
import {
  BodyReader,
  concatBytes,
  expectFileBytes,
  float32Body,
  HEADER_BYTES,
  HeaderView,
  HeaderWriter,
  littleEndianBytes,
  readFileBytes,
} from './header.js';

export const STATE_MAGIC = 20240527;
export const STATE_VERSION = 1;
const MAX_PROCESSES = 65536;

/** The train dataloader's shuffling position, present when it shuffles. */
export interface DataloaderShuffle {
  /** The epoch's permutation of shard indices. */
  shardIndices: Int32Array;
  /** The current shard's permutation of sample indices. */
  intraShardIndices: Int32Array;
  /** The raw mt19937 struct, LLMC_MT19937_STATE_BYTES bytes. */
  mt19937State: Uint8Array;
}

export interface OptimizerState {
  numProcesses: number;
  processRank: number;
  /** Completed updates. */
  step: number;
  rngState: bigint;
  rngStateLastUpdate: bigint;
  currentShardIdx: bigint;
  currentSampleIdx: bigint;
  /** AdamW first moment, parameter order. */
  m: Float32Array;
  /** AdamW second moment. */
  v: Float32Array;
  /** fp32 master weights; present iff use_master_weights (header[4]). */
  masterWeights?: Float32Array;
  /** Present iff the dataloader shuffles (header[5]). */
  shuffle?: DataloaderShuffle;
}

const pad = (value: number, width: number, what: string): string => {
  if (!Number.isInteger(value) || value < 0)
    throw new InputError(`${what}: found ${value}, expected an integer ≥ 0`);
  return String(value).padStart(width, '0');
};

/** `model_%08d.bin` */
export function checkpointFileName(step: number): string {
  return `model_${pad(step, 8, 'checkpoint step')}.bin`;
}

/** `state_%08d_%05d.bin` */
export function stateFileName(step: number, rank = 0): string {
  return `state_${pad(step, 8, 'state step')}_${pad(rank, 5, 'process rank')}.bin`;
}

/** `DONE_%08d`: written last, marks the step's checkpoint as complete. */
export function doneFileName(step: number): string {
  return `DONE_${pad(step, 8, 'DONE step')}`;
}

function flag(header: HeaderView, index: number, name: string): boolean {
  return header.intField(index, name, 0, 1) === 1;
}

/** A size_t count followed by that many int32 indices, which must be a permutation of 0..count-1. */
function readPermutation(reader: BodyReader, countField: string, indicesField: string): Int32Array {
  const count = reader.uint64(countField);
  if (count * 4n > BigInt(reader.remaining)) {
    throw formatError(
      reader.file,
      `${countField} (promises more than the file holds)`,
      count,
      `at most ${Math.floor(reader.remaining / 4)} (bytes left / 4)`,
    );
  }
  const indices = reader.int32s(Number(count), indicesField);
  checkPermutation(reader.file, indicesField, indices);
  return indices;
}

/** The dataloader's index arrays are Fisher–Yates shuffles of 0..n-1. */
function checkPermutation(file: string, field: string, indices: Int32Array): void {
  const seen = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i];
    if (index < 0 || index >= indices.length || seen[index]) {
      throw formatError(file, `${field}[${i}]`, index, `a permutation of 0..${indices.length - 1}`);
    }
    seen[index] = 1;
  }
}

/** Reads a state file for a process holding `numParams` parameters (S; N on a single GPU). */
export function readOptimizerState(path: string, numParams: number): OptimizerState {
  if (!Number.isSafeInteger(numParams) || numParams < 1) {
    throw formatError(path, 'number of parameters', numParams, 'a positive integer');
  }
  const bytes = readFileBytes(path);
  const header = new HeaderView(bytes, path);
  header.expectMagic(STATE_MAGIC, 'llm.c optimizer state');
  header.expectVersion([STATE_VERSION]);
  const numProcesses = header.intField(2, 'num_processes', 1, MAX_PROCESSES);
  const processRank = header.intField(3, 'process_rank', 0, numProcesses - 1);
  const useMasterWeights = flag(header, 4, 'use_master_weights');
  const shuffles = flag(header, 5, 'should_shuffle');
  const step = header.intField(10, 'step', 0, 2 ** 31 - 1);

  const arrays = useMasterWeights ? 3 : 2;
  const tensorBytes = HEADER_BYTES + arrays * 4 * numParams;
  const how = `1024 + ${arrays}·4·${numParams} (m, v${useMasterWeights ? ', master weights' : ''})`;
  if (!shuffles) expectFileBytes(path, bytes.byteLength, tensorBytes, how);
  else if (bytes.byteLength < tensorBytes)
    expectFileBytes(path, bytes.byteLength, tensorBytes, `${how} + shuffle state`);

  const tensor = (k: number) => float32Body(bytes, HEADER_BYTES + k * 4 * numParams, numParams);
  const state: OptimizerState = {
    numProcesses,
    processRank,
    step,
    rngState: header.uint64(20),
    rngStateLastUpdate: header.uint64(22),
    currentShardIdx: header.uint64(30),
    currentSampleIdx: header.uint64(32),
    m: tensor(0),
    v: tensor(1),
  };
  if (useMasterWeights) state.masterWeights = tensor(2);
  if (shuffles) {
    const reader = new BodyReader(bytes, path, tensorBytes);
    const shardIndices = readPermutation(reader, 'n_shards', 'shard_indices');
    const intraShardIndices = readPermutation(reader, 'shard_num_samples', 'intra_shard_indices');
    const mt19937State = reader.raw(LLMC_MT19937_STATE_BYTES, 'mt19937 state');
    reader.expectEnd('the mt19937 state');
    state.shuffle = { shardIndices, intraShardIndices, mt19937State };
  }
  return state;
}

/** Writes a state file atomically, byte for byte as train_gpt2.cu's write_checkpoint. */
export function writeOptimizerState(path: string, state: OptimizerState): void {
  const n = state.m.length;
  if (n === 0) throw formatError(path, 'm', 'an empty array', 'one value per parameter');
  if (state.v.length !== n) throw formatError(path, 'v', `${state.v.length} values`, `${n} (as m)`);
  if (state.masterWeights && state.masterWeights.length !== n) {
    throw formatError(path, 'masterWeights', `${state.masterWeights.length} values`, `${n} (as m)`);
  }
  if (!Number.isInteger(state.numProcesses) || state.numProcesses < 1 || state.numProcesses > MAX_PROCESSES) {
    throw formatError(path, 'num_processes', state.numProcesses, `an integer in 1..${MAX_PROCESSES}`);
  }
  if (
    !Number.isInteger(state.processRank) ||
    state.processRank < 0 ||
    state.processRank >= state.numProcesses
  ) {
    throw formatError(path, 'process_rank', state.processRank, `an integer in 0..${state.numProcesses - 1}`);
  }
  if (!Number.isInteger(state.step) || state.step < 0 || state.step > 2 ** 31 - 1) {
    throw formatError(path, 'step', state.step, 'an integer in 0..2^31-1');
  }
  for (const key of ['rngState', 'rngStateLastUpdate', 'currentShardIdx', 'currentSampleIdx'] as const) {
    if (state[key] < 0n || state[key] >= 2n ** 64n)
      throw formatError(path, key, state[key], 'a uint64 (0..2^64-1)');
  }
  const header = new HeaderWriter()
    .int32(0, STATE_MAGIC)
    .int32(1, STATE_VERSION)
    .int32(2, state.numProcesses)
    .int32(3, state.processRank)
    .int32(4, state.masterWeights ? 1 : 0)
    .int32(5, state.shuffle ? 1 : 0)
    .int32(10, state.step)
    .uint64(20, state.rngState)
    .uint64(22, state.rngStateLastUpdate)
    .uint64(30, state.currentShardIdx)
    .uint64(32, state.currentSampleIdx);
  const parts = [header.bytes, littleEndianBytes(state.m), littleEndianBytes(state.v)];
  if (state.masterWeights) parts.push(littleEndianBytes(state.masterWeights));
  if (state.shuffle) {
    const { shardIndices, intraShardIndices, mt19937State } = state.shuffle;
    if (mt19937State.length !== LLMC_MT19937_STATE_BYTES) {
      throw formatError(
        path,
        'mt19937 state',
        `${mt19937State.length} bytes`,
        `${LLMC_MT19937_STATE_BYTES} bytes`,
      );
    }
    checkPermutation(path, 'shard_indices', shardIndices);
    checkPermutation(path, 'intra_shard_indices', intraShardIndices);
    parts.push(sizeTBytes(shardIndices.length), littleEndianBytes(shardIndices));
    parts.push(sizeTBytes(intraShardIndices.length), littleEndianBytes(intraShardIndices));
    parts.push(mt19937State);
  }
  writeFileAtomic(path, concatBytes(parts));
}

/** 8 little-endian bytes of a size_t. */
function sizeTBytes(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value), true);
  return bytes;
}
