/**
 * Text documents -> llm.c data shards (`{name}_val_000000.bin`, `{name}_train_000001.bin`, …).
 *
 * Layout, as llm.c's dev/data scripts make it:
 * - Every document is EOT (50256) followed by its ordinary GPT-2 tokens; the
 *   documents are concatenated in input order into one token stream.
 * - The val split is a *prefix* of that stream, the train split the rest
 *   (fineweb.py: shard 0 = the first shard's worth of tokens is val;
 *   tinyshakespeare.py: the first 32,768 tokens are val). Its size is one of:
 *     valTokens:    exactly the first N tokens (a document may straddle val/train);
 *     valDocuments: exactly the first K documents (whole documents);
 *     valFraction:  the first round(f · total) tokens (default f = 0.1).
 *   No randomness: the same documents and options give byte-identical shards.
 *   To hold out particular documents, put them first and use valDocuments.
 * - Each split is cut into shards of `shardTokens` tokens (the last one of a
 *   split holds the remainder); documents may straddle shards. Shards are
 *   numbered in write order from 000000, val first, as fineweb.py numbers them.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { encodeDocument, InputError, writeShard } from '@course/models';

/** llm.c's fineweb.py shard size. */
export const DEFAULT_SHARD_TOKENS = 100_000_000;
export const DEFAULT_VAL_FRACTION = 0.1;
/** A shard must hold at least one (input, target) pair. */
export const MIN_SHARD_TOKENS = 2;
/** The shard header stores ntok as int32 and write_datafile asserts ntok < 2^31. */
export const MAX_SHARD_TOKENS = 2 ** 31 - 1;

export interface ShardProgress {
  /** Documents tokenized so far. */
  documents: number;
  /** Tokens produced so far (EOTs included). */
  tokens: number;
  /** UTF-8 bytes of text tokenized so far. */
  bytes: number;
  /** UTF-8 bytes of all the input, when known up front (files, arrays). */
  totalBytes?: number;
}

export interface BuildShardsOptions {
  documents: Iterable<string>;
  outDir: string;
  /** File name prefix: `{name}_train_000001.bin`. Letters, digits, `-`, `_`, `.`. */
  name: string;
  /** Val = the first round(f · total tokens) tokens; 0 <= f < 1. Default 0.1 unless valTokens or valDocuments is given. */
  valFraction?: number;
  /** Val = exactly the first N tokens of the stream. */
  valTokens?: number;
  /** Val = exactly the first K documents. */
  valDocuments?: number;
  /** Tokens per shard, default 1e8 (fineweb.py's). */
  shardTokens?: number;
  onProgress?: (progress: ShardProgress) => void;
  /** Only for progress: the input's total UTF-8 bytes, if the caller knows them. Arrays are measured. */
  totalBytes?: number;
}

export interface ShardSet {
  /** Paths of the train shards, in order. */
  train: string[];
  /** Paths of the val shards, in order (empty when the val split is empty). */
  val: string[];
  tokens: { train: number; val: number };
}

type Split = 'train' | 'val';

/** Accumulates one split's tokens and writes a shard each time `shardTokens` are collected. */
class ShardWriter {
  private pieces: Uint16Array[] = [];
  private pending = 0;
  private nextIndex = 0;
  split: Split = 'val';
  readonly files: Record<Split, string[]> = { train: [], val: [] };
  readonly tokens: Record<Split, number> = { train: 0, val: 0 };

  constructor(
    private readonly outDir: string,
    private readonly name: string,
    private readonly shardTokens: number,
  ) {}

  push(tokens: Uint16Array): void {
    let rest = tokens;
    while (rest.length > 0) {
      const take = Math.min(rest.length, this.shardTokens - this.pending);
      this.pieces.push(rest.subarray(0, take));
      this.pending += take;
      this.tokens[this.split] += take;
      rest = rest.subarray(take);
      if (this.pending === this.shardTokens) this.flush();
    }
  }

  /** Ends the val split: its last (partial) shard is written, later tokens are train. */
  startTrain(): void {
    this.flush();
    this.split = 'train';
  }

  flush(): void {
    if (this.pending === 0) return;
    const shard = new Uint16Array(this.pending);
    let offset = 0;
    for (const piece of this.pieces) {
      shard.set(piece, offset);
      offset += piece.length;
    }
    const path = join(
      this.outDir,
      `${this.name}_${this.split}_${String(this.nextIndex).padStart(6, '0')}.bin`,
    );
    writeShard(path, shard);
    this.files[this.split].push(path);
    this.nextIndex++;
    this.pieces = [];
    this.pending = 0;
  }
}

function checkOptions(opts: BuildShardsOptions): { shardTokens: number } {
  if (!/^[A-Za-z0-9._-]+$/.test(opts.name)) {
    throw new InputError(
      `--name: found "${opts.name}", expected letters, digits, '-', '_' or '.' (it prefixes file names)`,
    );
  }
  const shardTokens = opts.shardTokens ?? DEFAULT_SHARD_TOKENS;
  if (!Number.isInteger(shardTokens) || shardTokens < MIN_SHARD_TOKENS || shardTokens > MAX_SHARD_TOKENS) {
    throw new InputError(
      `--shard-tokens: found ${shardTokens}, expected an integer from ${MIN_SHARD_TOKENS} to 2^31-1 (the shard header stores ntok as int32)`,
    );
  }
  const given = [opts.valFraction, opts.valTokens, opts.valDocuments].filter((v) => v !== undefined);
  if (given.length > 1) {
    throw new InputError(
      '--val-fraction, --val-tokens, --val-documents: found more than one, expected at most one',
    );
  }
  const f = opts.valFraction;
  if (f !== undefined && !(Number.isFinite(f) && f >= 0 && f < 1)) {
    throw new InputError(`--val-fraction: found ${f}, expected a number in [0, 1)`);
  }
  for (const [flag, v] of [
    ['--val-tokens', opts.valTokens],
    ['--val-documents', opts.valDocuments],
  ] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) {
      throw new InputError(`${flag}: found ${v}, expected a whole number >= 0`);
    }
  }
  return { shardTokens };
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Deletes `{name}_{train,val}_NNNNNN.bin` files this build did not write, so a shard glob never mixes two builds. */
function removeStaleShards(outDir: string, name: string, written: string[]): void {
  const keep = new Set(written);
  const ours = new RegExp(`^${name.replace(/[.]/g, '\\.')}_(train|val)_\\d{6}\\.bin$`);
  for (const file of readdirSync(outDir)) {
    const path = join(outDir, file);
    if (ours.test(file) && !keep.has(path)) unlinkSync(path);
  }
}

/** Tokenizes `documents` and writes llm.c shards into `outDir` (see the file comment for the layout). */
export function buildShards(opts: BuildShardsOptions): ShardSet {
  const { shardTokens } = checkOptions(opts);
  const totalBytes =
    opts.totalBytes ??
    (Array.isArray(opts.documents)
      ? opts.documents.reduce((n: number, d: string) => n + utf8Bytes(d), 0)
      : undefined);
  const progress: ShardProgress = { documents: 0, tokens: 0, bytes: 0, totalBytes };

  function* tokenized(): Generator<Uint16Array> {
    for (const text of opts.documents) {
      const tokens = encodeDocument(text);
      progress.documents++;
      progress.tokens += tokens.length;
      progress.bytes += utf8Bytes(text);
      opts.onProgress?.(progress);
      yield tokens;
    }
  }

  // valFraction needs the total first; the other two rules stream.
  let docs: Iterable<Uint16Array> = tokenized();
  let valTokens = opts.valTokens;
  if (valTokens === undefined && opts.valDocuments === undefined) {
    const all = [...docs];
    const total = all.reduce((n, d) => n + d.length, 0);
    valTokens = Math.round((opts.valFraction ?? DEFAULT_VAL_FRACTION) * total);
    docs = all;
  }

  mkdirSync(opts.outDir, { recursive: true });
  const writer = new ShardWriter(opts.outDir, opts.name, shardTokens);
  let documents = 0;
  for (const doc of docs) {
    if (writer.split === 'val' && opts.valDocuments !== undefined && documents >= opts.valDocuments)
      writer.startTrain();
    if (writer.split === 'val' && valTokens !== undefined) {
      const valRoom = valTokens - writer.tokens.val;
      if (valRoom < doc.length) {
        writer.push(doc.subarray(0, valRoom));
        writer.startTrain();
        writer.push(doc.subarray(valRoom));
        documents++;
        continue;
      }
    }
    writer.push(doc);
    documents++;
  }
  if (documents === 0) throw new InputError('input: found no documents, expected at least one');
  if (writer.split === 'val' && valTokens !== undefined && writer.tokens.val === valTokens)
    writer.startTrain();
  writer.flush();
  if (writer.tokens.train === 0) {
    const rule =
      opts.valTokens !== undefined
        ? `--val-tokens ${opts.valTokens}`
        : opts.valDocuments !== undefined
          ? `--val-documents ${opts.valDocuments}`
          : `--val-fraction ${opts.valFraction ?? DEFAULT_VAL_FRACTION}`;
    throw new InputError(
      `${rule}: leaves no training tokens (the input has ${writer.tokens.val} tokens in ${documents} documents), expected a smaller val split`,
    );
  }
  const written = [...writer.files.val, ...writer.files.train];
  removeStaleShards(opts.outDir, opts.name, written);
  return { train: writer.files.train, val: writer.files.val, tokens: { ...writer.tokens } };
}

export interface ShardsFromTextFilesOptions {
  /** Text files (UTF-8). Each file is one document unless `separator` is given. */
  inputs: string[];
  outDir: string;
  /** File name prefix, default "data". */
  name?: string;
  valFraction?: number;
  valTokens?: number;
  valDocuments?: number;
  shardTokens?: number;
  /** Split every file into documents at this string (pieces are trimmed, empty ones dropped), e.g. "<|endoftext|>". */
  separator?: string;
  onProgress?: (progress: ShardProgress) => void;
}

/** `course data shards --input FILES… --out DIR`: checks every input before writing anything. */
export function shardsFromTextFiles(opts: ShardsFromTextFilesOptions): ShardSet {
  if (opts.inputs.length === 0)
    throw new InputError('--input: found no files, expected at least one text file');
  if (opts.separator === '') throw new InputError('--separator: found an empty string, expected some text');
  let totalBytes = 0;
  for (const input of opts.inputs) {
    let size: number;
    try {
      const stat = statSync(input);
      if (!stat.isFile()) throw new InputError(`--input ${input}: is not a file, expected a text file`);
      size = stat.size;
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError(`--input ${input}: no such file, expected a text file`);
    }
    if (size === 0) throw new InputError(`--input ${input}: file is empty, expected some text`);
    totalBytes += size;
  }

  function* documents(): Generator<string> {
    for (const input of opts.inputs) {
      const text = readFileSync(input, 'utf8');
      if (opts.separator === undefined) {
        yield text;
        continue;
      }
      for (const piece of text.split(opts.separator)) {
        const doc = piece.trim();
        if (doc !== '') yield doc;
      }
    }
  }

  return buildShards({
    documents: documents(),
    outDir: opts.outDir,
    name: opts.name ?? 'data',
    valFraction: opts.valFraction,
    valTokens: opts.valTokens,
    valDocuments: opts.valDocuments,
    shardTokens: opts.shardTokens,
    onProgress: opts.onProgress,
    totalBytes,
  });
}
