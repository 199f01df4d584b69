/**
 * llm.c data shards (`fineweb_train_000001.bin`, `tiny_shakespeare_val.bin`, ...).
 *
 * Header, 256 int32:
 *   [0] magic 20240520
 *   [1] version 1 (uint16 tokens)
 *   [2] ntok, the number of tokens (0 <= ntok < 2^31)
 * Body: ntok little-endian uint16 tokens. The file size must be exactly
 * 1024 + 2·ntok, as llm.c's dataloader checks ("file size is not as expected").
 */
import { readdirSync, statSync } from 'node:fs';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import {
  concatBytes,
  expectFileBytes,
  HEADER_BYTES,
  HeaderView,
  HeaderWriter,
  littleEndianBytes,
  readFileBytes,
  readHeaderBytes,
  uint16Body,
} from './header.js';

export const SHARD_MAGIC = 20240520;
export const SHARD_VERSION = 1;
/** data_common.py's llama-3 shards (uint32 tokens): recognised only to say why they are rejected. */
const LLAMA3_SHARD_MAGIC = 20240801;
const MAX_SHARD_TOKENS = 2 ** 31 - 1;

export interface ShardHeader {
  ntok: number;
}

function parseShardHeader(header: HeaderView): ShardHeader {
  if (header.uint32(0) === LLAMA3_SHARD_MAGIC) {
    throw new InputError(
      `${header.file}: header[0] magic: found ${LLAMA3_SHARD_MAGIC} (a llama-3 uint32 shard), expected ${SHARD_MAGIC} (GPT-2 uint16 shard)`,
    );
  }
  header.expectMagic(SHARD_MAGIC, 'llm.c data shard');
  header.expectVersion([SHARD_VERSION], 'uint16 tokens');
  const ntok = header.intField(2, 'ntok', 0, MAX_SHARD_TOKENS);
  expectFileBytes(header.file, header.fileBytes, HEADER_BYTES + 2 * ntok, `1024 + 2·ntok (ntok = ${ntok})`);
  return { ntok };
}

/** Header only (reads 1024 bytes and the file size): lets loaders size shards without reading tokens. */
export function readShardHeader(path: string): ShardHeader {
  const { header, fileBytes } = readHeaderBytes(path);
  return parseShardHeader(new HeaderView(header, path, fileBytes));
}

/** All tokens of a shard. */
export function readShard(path: string): Uint16Array {
  const bytes = readFileBytes(path);
  const { ntok } = parseShardHeader(new HeaderView(bytes, path));
  return uint16Body(bytes, HEADER_BYTES, ntok);
}

/** Writes a shard atomically, byte-identical to llm.c's `write_datafile`. */
export function writeShard(path: string, tokens: Uint16Array): void {
  if (tokens.length > MAX_SHARD_TOKENS) {
    throw new InputError(`${path}: ntok: found ${tokens.length} tokens, expected fewer than 2^31`);
  }
  const header = new HeaderWriter().int32(0, SHARD_MAGIC).int32(1, SHARD_VERSION).int32(2, tokens.length);
  writeFileAtomic(path, concatBytes([header.bytes, littleEndianBytes(tokens)]));
}

/**
 * Expands a shard pattern like llm.c's POSIX glob(): `*` and `?` in the last
 * path component (no wildcard in folder names), matches sorted by byte order
 * (glob sorts with strcoll in the C locale). A name starting with `.` only
 * matches a pattern that starts with `.`. Only files are returned (a matching
 * folder could not be opened as a shard anyway). A path without wildcards is
 * returned as is if it exists. Nothing matching is an InputError naming the pattern.
 */
export function expandShardPattern(pattern: string): string[] {
  const slash = pattern.lastIndexOf('/');
  const prefix = pattern.slice(0, slash + 1);
  const namePattern = pattern.slice(slash + 1);
  if (/[*?]/.test(prefix)) {
    throw new InputError(
      `shard pattern ${pattern}: wildcards are supported only in the file name, not in folder names`,
    );
  }
  const noMatch = () => new InputError(`shard pattern ${pattern}: no file matches`);
  const isFile = (path: string) => {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  };

  if (!/[*?]/.test(namePattern)) {
    if (!isFile(pattern)) throw noMatch();
    return [pattern];
  }

  const dir = prefix === '' ? '.' : prefix;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw noMatch();
  }
  const matcher = globToRegExp(namePattern);
  const matches = names
    .filter((name) => matcher.test(name) && (namePattern.startsWith('.') || !name.startsWith('.')))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((name) => prefix + name)
    .filter(isFile);
  if (matches.length === 0) throw noMatch();
  return matches;
}

/** `*` = any run of characters, `?` = one character, everything else literal. */
function globToRegExp(namePattern: string): RegExp {
  const source = [...namePattern]
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's');
}
