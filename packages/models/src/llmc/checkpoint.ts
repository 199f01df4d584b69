/**
 * llm.c model checkpoints (`gpt2_124M.bin`, `model_00001000.bin`).
 *
 * Header, 256 int32:
 *   [0] magic 20240326
 *   [1] version: 3 = fp32 parameters, 5 = bf16 parameters (both with padded vocab).
 *       1 and 2 are older unpadded layouts and are rejected.
 *   [2] max_seq_len maxT   [3] vocab_size V   [4] num_layers L
 *   [5] num_heads NH       [6] channels C     [7] padded_vocab_size Vp
 *   [8..255] 0
 * Body: the N parameters of the 16 tensors in parameterTensors() order, fp32 or
 * bf16, little-endian, nothing else: file size = 1024 + 4N (v3) or 1024 + 2N (v5).
 *
 * Bounds checked on read and write (anything outside is a corrupt header, not a model):
 *   1 ≤ maxT ≤ 65536; 1 ≤ L ≤ 1024; 1 ≤ C ≤ 32768; 1 ≤ NH ≤ C and C % NH = 0;
 *   1 ≤ V ≤ Vp; Vp a multiple of 128 and ≤ 2^20.
 * With these N < 2^53, so sizes are exact JS numbers.
 */
import { formatError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import { type GPT2Config, numParameters } from '../gpt2/config.js';
import { bf16ToFp32, fp32ToBf16 } from './bf16.js';
import {
  concatBytes,
  expectFileBytes,
  float32Body,
  HEADER_BYTES,
  HeaderView,
  HeaderWriter,
  littleEndianBytes,
  readFileBytes,
  readHeaderBytes,
  uint16Body,
} from './header.js';

export const CHECKPOINT_MAGIC = 20240326;
export type CheckpointVersion = 3 | 5;
const BYTES_PER_PARAMETER: Record<CheckpointVersion, number> = { 3: 4, 5: 2 };

const MAX_SEQ_LEN = 65536;
const MAX_LAYERS = 1024;
const MAX_CHANNELS = 32768;
const MAX_PADDED_VOCAB = 2 ** 20;

export interface CheckpointHeader {
  version: CheckpointVersion;
  config: GPT2Config;
  /** N, padded wte rows included. */
  numParameters: number;
}

/** Header index and llm.c name of each config field, for error messages. */
const FIELD = {
  maxSeqLen: 'header[2] max_seq_len',
  vocabSize: 'header[3] vocab_size',
  numLayers: 'header[4] num_layers',
  numHeads: 'header[5] num_heads',
  channels: 'header[6] channels',
  paddedVocabSize: 'header[7] padded_vocab_size',
} as const;

/** Checks dimensions against the bounds documented at the top of this file. */
function checkDimensions(file: string, config: GPT2Config): void {
  const inRange = (key: keyof GPT2Config, min: number, max: number, why = '') => {
    const value = config[key];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw formatError(file, FIELD[key], value, `an integer in ${min}..${max}${why}`);
    }
  };
  inRange('maxSeqLen', 1, MAX_SEQ_LEN);
  inRange('numLayers', 1, MAX_LAYERS);
  inRange('channels', 1, MAX_CHANNELS);
  inRange('numHeads', 1, config.channels, ' (at most channels)');
  if (config.channels % config.numHeads !== 0) {
    throw formatError(file, FIELD.numHeads, config.numHeads, `a divisor of channels = ${config.channels}`);
  }
  inRange('paddedVocabSize', 128, MAX_PADDED_VOCAB);
  if (config.paddedVocabSize % 128 !== 0) {
    throw formatError(file, FIELD.paddedVocabSize, config.paddedVocabSize, 'a multiple of 128');
  }
  inRange('vocabSize', 1, config.paddedVocabSize, ' (at most padded_vocab_size)');
}

/** Bytes of a checkpoint: 1024 + 4N (v3) or 1024 + 2N (v5). */
export function checkpointFileBytes(config: GPT2Config, version: CheckpointVersion): number {
  return HEADER_BYTES + numParameters(config) * BYTES_PER_PARAMETER[version];
}

function parseCheckpointHeader(header: HeaderView): CheckpointHeader {
  header.expectMagic(CHECKPOINT_MAGIC, 'llm.c model checkpoint');
  const found = header.int32(1);
  if (found === 1 || found === 2) {
    throw formatError(
      header.file,
      'header[1] version',
      found,
      '3 (fp32) or 5 (bf16); versions 1 and 2 are old unpadded-vocab checkpoints, re-export them with a current train_gpt2.py',
    );
  }
  const version = header.expectVersion<CheckpointVersion>([3, 5], '3 = fp32, 5 = bf16');
  const config: GPT2Config = {
    maxSeqLen: header.int32(2),
    vocabSize: header.int32(3),
    numLayers: header.int32(4),
    numHeads: header.int32(5),
    channels: header.int32(6),
    paddedVocabSize: header.int32(7),
  };
  checkDimensions(header.file, config);
  const n = numParameters(config);
  const bytesPer = BYTES_PER_PARAMETER[version];
  expectFileBytes(
    header.file,
    header.fileBytes,
    HEADER_BYTES + n * bytesPer,
    `1024 + ${bytesPer}·N for version ${version}, N = ${n} parameters`,
  );
  return { version, config, numParameters: n };
}

/** Header only (1024 bytes read, plus the file size, which must match the header). */
export function readCheckpointHeader(path: string): CheckpointHeader {
  const { header, fileBytes } = readHeaderBytes(path);
  return parseCheckpointHeader(new HeaderView(header, path, fileBytes));
}

/** The whole checkpoint; v5 bf16 parameters are widened to fp32 exactly. */
export function readCheckpoint(path: string): {
  header: CheckpointHeader;
  config: GPT2Config;
  params: Float32Array;
} {
  const bytes = readFileBytes(path);
  const header = parseCheckpointHeader(new HeaderView(bytes, path));
  const n = header.numParameters;
  const params =
    header.version === 3
      ? float32Body(bytes, HEADER_BYTES, n)
      : bf16ToFp32(uint16Body(bytes, HEADER_BYTES, n));
  return { header, config: header.config, params };
}

/** Writes a checkpoint atomically; version 5 rounds each parameter to the nearest bf16 (ties to even). */
export function writeCheckpoint(
  path: string,
  config: GPT2Config,
  params: Float32Array,
  options: { version: CheckpointVersion },
): void {
  checkDimensions(path, config);
  const { version } = options;
  if (version !== 3 && version !== 5) throw formatError(path, 'version', version, '3 (fp32) or 5 (bf16)');
  const n = numParameters(config);
  if (params.length !== n)
    throw formatError(path, 'parameters', params.length, `${n} (numParameters(config))`);
  const header = new HeaderWriter()
    .int32(0, CHECKPOINT_MAGIC)
    .int32(1, version)
    .int32(2, config.maxSeqLen)
    .int32(3, config.vocabSize)
    .int32(4, config.numLayers)
    .int32(5, config.numHeads)
    .int32(6, config.channels)
    .int32(7, config.paddedVocabSize);
  const body = littleEndianBytes(version === 3 ? params : fp32ToBf16(params));
  writeFileAtomic(path, concatBytes([header.bytes, body]));
}

/** The architecture a consumer (e.g. the leaderboard) requires; maxSeqLen/vocabSize only when given. */
export interface RequiredArchitecture {
  depth: number;
  channels: number;
  heads: number;
  maxSeqLen?: number;
  vocabSize?: number;
}

/** Fails, naming the first mismatching header field, unless the checkpoint has the required architecture. */
export function checkArchitecture(
  header: CheckpointHeader,
  required: RequiredArchitecture,
  file: string,
): void {
  const wanted = `d${required.depth} c${required.channels} h${required.heads}`;
  const checks: [keyof GPT2Config, number | undefined][] = [
    ['numLayers', required.depth],
    ['channels', required.channels],
    ['numHeads', required.heads],
    ['maxSeqLen', required.maxSeqLen],
    ['vocabSize', required.vocabSize],
  ];
  for (const [key, expected] of checks) {
    const found = header.config[key];
    if (expected !== undefined && found !== expected) {
      throw formatError(file, FIELD[key], found, `${expected} (required architecture ${wanted})`);
    }
  }
}
