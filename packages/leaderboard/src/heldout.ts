/**
 * The held-out data, split Kaggle-style into a public part (scores shown while
 * the competition runs) and a private part (revealed after the deadline), so
 * tuning against the public board does not buy a better final rank.
 *
 * The split is deterministic: the same files, fraction and batch shape always
 * give byte-identical split files (a score can be re-derived from the hashes
 * stored with it).
 *
 * - Validation shards: the tokens are cut into chunks of one evaluation batch
 *   (B·T tokens, the same stride as llm.c's val loader); each chunk goes to one
 *   side and each side's chunks are written, in their original order, into one
 *   llm.c shard plus the token that follows its last chunk. A batch of the
 *   split shard is then exactly one chunk, except that the final target of a
 *   chunk is the first token of the next chunk on its side (1 of B·T targets).
 * - HellaSwag: whole examples go to one side, original order kept.
 *
 * Which side a chunk or example lands on: sort the indices by
 * sha256("course-leaderboard-split/1:<kind>:<index>") and give the first
 * round(fraction·n) to the public side, so the public share is exact.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  expandShardPattern,
  type HellaSwagExample,
  InputError,
  readHellaSwag,
  readShard,
  writeHellaSwag,
  writeShard,
} from '@course/models';

const SPLIT_SALT = 'course-leaderboard-split/1';

export type Side = 'public' | 'private';
export const SIDES: Side[] = ['public', 'private'];

/** One side's files: a val shard pattern (null when the side has no val data) and a HellaSwag file. */
export interface SplitSide {
  valPattern: string | null;
  hellaswagPath: string | null;
}

/** The split as stored in the database and served to remote workers. */
export interface HeldoutManifest {
  /** Split file names (relative to the split folder) and their sha256. */
  files: Record<string, string>;
  sides: Record<Side, { val: string | null; hellaswag: string | null }>;
  /** sha256 of each source file, so the split can be traced back. */
  sources: Record<string, string>;
  publicFraction: number;
  /** Val chunk size, B·T of the evaluation. */
  chunkTokens: number;
  /** Val chunks (= evaluation batches) on each side. */
  valChunks: Record<Side, number>;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** sha256 of a file read as a stream (checkpoints can be hundreds of MB). */
export function sha256FileStream(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** Indices 0..n-1 split into the public ones and the private ones, each ascending. */
export function splitIndices(kind: string, n: number, publicFraction: number): Record<Side, number[]> {
  const key = (i: number) => createHash('sha256').update(`${SPLIT_SALT}:${kind}:${i}`).digest('hex');
  const byHash = Array.from({ length: n }, (_, i) => ({ i, h: key(i) })).sort((a, b) =>
    a.h < b.h ? -1 : a.h > b.h ? 1 : 0,
  );
  const cut = Math.round(publicFraction * n);
  const pick = (part: { i: number }[]) => part.map((e) => e.i).sort((a, b) => a - b);
  return { public: pick(byHash.slice(0, cut)), private: pick(byHash.slice(cut)) };
}

/**
 * Writes the split of `valPattern` / `hellaswagPath` under `dir` (once: an
 * existing split with the same inputs is reused) and returns its manifest.
 */
export function prepareHeldout(opts: {
  dir: string;
  valPattern?: string;
  hellaswagPath?: string;
  publicFraction: number;
  /** B·T of the evaluation: the val chunk size. */
  chunkTokens: number;
}): { manifest: HeldoutManifest; folder: string } {
  if (!opts.valPattern && !opts.hellaswagPath) {
    throw new InputError('--val / --hellaswag: found neither, expected at least one held-out file');
  }
  const valFiles = opts.valPattern ? expandShardPattern(opts.valPattern) : [];
  const sources: Record<string, string> = {};
  for (const file of valFiles) sources[file] = sha256File(file);
  if (opts.hellaswagPath) sources[opts.hellaswagPath] = sha256File(opts.hellaswagPath);
  // The folder name fingerprints everything the split depends on.
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ SPLIT_SALT, sources: Object.values(sources), ...opts, dir: undefined }))
    .digest('hex')
    .slice(0, 16);
  const folder = join(opts.dir, fingerprint);
  const manifestPath = join(folder, 'manifest.json');
  if (existsSync(manifestPath)) {
    return { manifest: JSON.parse(readFileSync(manifestPath, 'utf8')) as HeldoutManifest, folder };
  }
  // Written in a temp folder renamed at the end: a crash never leaves half a split.
  const tmp = `${folder}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  const sides: HeldoutManifest['sides'] = {
    public: { val: null, hellaswag: null },
    private: { val: null, hellaswag: null },
  };
  const valChunks: Record<Side, number> = { public: 0, private: 0 };
  if (valFiles.length > 0) {
    const tokens = concatShards(valFiles);
    const chunks = Math.floor((tokens.length - 1) / opts.chunkTokens);
    if (chunks < 2 && opts.publicFraction < 1) {
      throw new InputError(
        `--val ${opts.valPattern}: ${tokens.length} tokens make ${chunks} batch(es) of B·T = ${opts.chunkTokens}, ` +
          'expected at least 2 to split into public and private (use a smaller -b or -t)',
      );
    }
    const split = splitIndices('val', chunks, opts.publicFraction);
    for (const side of SIDES) {
      if (split[side].length === 0) continue;
      const name = `${side}_val_000000.bin`;
      writeShard(join(tmp, name), sideTokens(tokens, split[side], opts.chunkTokens));
      sides[side].val = name;
      valChunks[side] = split[side].length;
    }
  }
  if (opts.hellaswagPath) {
    const { examples } = readHellaSwag(opts.hellaswagPath);
    const split = splitIndices('hellaswag', examples.length, opts.publicFraction);
    for (const side of SIDES) {
      if (split[side].length === 0) continue;
      const name = `${side}_hellaswag.bin`;
      const picked: HellaSwagExample[] = split[side].map((i) => examples[i]);
      writeHellaSwag(join(tmp, name), picked);
      sides[side].hellaswag = name;
    }
  }
  const files: Record<string, string> = {};
  for (const side of SIDES) {
    for (const name of [sides[side].val, sides[side].hellaswag]) {
      if (name) files[name] = sha256File(join(tmp, name));
    }
  }
  const manifest: HeldoutManifest = {
    files,
    sides,
    sources,
    publicFraction: opts.publicFraction,
    chunkTokens: opts.chunkTokens,
    valChunks,
  };
  // A plain write is enough: the folder is renamed into place only afterwards.
  writeFileSync(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  try {
    renameSync(tmp, folder);
  } catch (err) {
    // Another process finished the same split first: theirs is identical.
    if (!existsSync(manifestPath)) throw err;
  }
  return { manifest, folder };
}

function concatShards(files: string[]): Uint16Array {
  const parts = files.map((f) => readShard(f));
  const out = new Uint16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The chunks `picked` (each `chunkTokens` long) in order, plus the token after the last one. */
function sideTokens(tokens: Uint16Array, picked: number[], chunkTokens: number): Uint16Array {
  const out = new Uint16Array(picked.length * chunkTokens + 1);
  picked.forEach((chunk, k) => {
    out.set(tokens.subarray(chunk * chunkTokens, (chunk + 1) * chunkTokens), k * chunkTokens);
  });
  out[out.length - 1] = tokens[(picked[picked.length - 1] + 1) * chunkTokens];
  return out;
}

/** Local paths of one side's files inside a split folder. */
export function sideFiles(manifest: HeldoutManifest, folder: string, side: Side): SplitSide {
  const s = manifest.sides[side];
  return {
    valPattern: s.val ? join(folder, s.val) : null,
    hellaswagPath: s.hellaswag ? join(folder, s.hellaswag) : null,
  };
}
