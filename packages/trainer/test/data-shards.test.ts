import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, readShard } from '@course/models';
import { encode } from 'gpt-tokenizer/encoding/r50k_base';
import { describe, expect, test } from 'vitest';
import { buildShards, type ShardProgress, shardsFromTextFiles } from '../src/data/shards.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'data-shards-'));

// Twelve small documents of different lengths; the expected stream is built with
// gpt-tokenizer directly, not with the module under test.
const DOCUMENTS = Array.from(
  { length: 12 },
  (_, i) =>
    `Document ${i}. ${'The quick brown fox jumps over the lazy dog. '.repeat(1 + (i % 4))}End of ${i}.`,
);
const expectedStream = (docs: string[]) => docs.flatMap((d) => [50256, ...encode(d)]);

function allTokens(paths: string[]): number[] {
  return paths.flatMap((p) => Array.from(readShard(p)));
}

describe('buildShards', () => {
  test('names shards like fineweb.py: val first from 000000, then train; sizes are shardTokens but the last of each split', () => {
    const dir = tmp();
    const set = buildShards({ documents: DOCUMENTS, outDir: dir, name: 'toy', shardTokens: 100 });
    const total = expectedStream(DOCUMENTS).length;
    const val = Math.round(0.1 * total);
    expect(set.tokens).toEqual({ val, train: total - val });
    const valShards = Math.ceil(val / 100);
    const trainShards = Math.ceil((total - val) / 100);
    const names = (k: number, split: string, from: number) =>
      Array.from({ length: k }, (_, i) => join(dir, `toy_${split}_${String(from + i).padStart(6, '0')}.bin`));
    expect(set.val).toEqual(names(valShards, 'val', 0));
    expect(set.train).toEqual(names(trainShards, 'train', valShards));
    expect(readdirSync(dir).sort()).toEqual(
      [...set.train, ...set.val].map((p) => p.slice(dir.length + 1)).sort(),
    );
    const sizes = (paths: string[]) => paths.map((p) => readShard(p).length);
    expect(
      sizes(set.val)
        .slice(0, -1)
        .every((n) => n === 100),
    ).toBe(true);
    expect(
      sizes(set.train)
        .slice(0, -1)
        .every((n) => n === 100),
    ).toBe(true);
  });

  test('no token is lost: val ++ train is the EOT-prefixed encodings of all documents, in order', () => {
    const dir = tmp();
    const set = buildShards({
      documents: DOCUMENTS,
      outDir: dir,
      name: 'toy',
      shardTokens: 37,
      valFraction: 0.25,
    });
    const stream = expectedStream(DOCUMENTS);
    const val = Math.round(0.25 * stream.length);
    expect(allTokens(set.val)).toEqual(stream.slice(0, val));
    expect(allTokens(set.train)).toEqual(stream.slice(val));
  });

  test('the shard file is llm.c bytes: header ints by hand, then uint16 LE tokens', () => {
    const dir = tmp();
    const set = buildShards({ documents: ['Hello world'], outDir: dir, name: 'h', valFraction: 0 });
    expect(set.val).toEqual([]);
    const bytes = readFileSync(set.train[0]);
    expect(bytes.length).toBe(1024 + 2 * 3);
    expect([bytes.readInt32LE(0), bytes.readInt32LE(4), bytes.readInt32LE(8)]).toEqual([20240520, 1, 3]);
    expect(bytes.subarray(12, 1024).every((b) => b === 0)).toBe(true);
    expect([bytes.readUInt16LE(1024), bytes.readUInt16LE(1026), bytes.readUInt16LE(1028)]).toEqual([
      50256, 15496, 995,
    ]);
  });

  test('reproducible: two builds are byte-identical', () => {
    const [a, b] = [tmp(), tmp()];
    const opts = { documents: DOCUMENTS, name: 'toy', shardTokens: 64, valFraction: 0.2 };
    const sa = buildShards({ ...opts, outDir: a });
    const sb = buildShards({ ...opts, outDir: b });
    expect(sb).toEqual({
      ...sa,
      train: sa.train.map((p) => p.replace(a, b)),
      val: sa.val.map((p) => p.replace(a, b)),
    });
    expect(sa.train.length + sa.val.length).toBeGreaterThan(3);
    expect(readdirSync(a).sort()).toEqual(readdirSync(b).sort());
    for (const file of readdirSync(a))
      expect(readFileSync(join(a, file)).equals(readFileSync(join(b, file)))).toBe(true);
  });

  test('valTokens takes exactly the first N tokens, a document straddling val and train', () => {
    const dir = tmp();
    const set = buildShards({ documents: DOCUMENTS, outDir: dir, name: 'toy', valTokens: 5 });
    const stream = expectedStream(DOCUMENTS);
    expect(allTokens(set.val)).toEqual(stream.slice(0, 5));
    expect(allTokens(set.train)).toEqual(stream.slice(5));
  });

  test('valDocuments takes exactly the first K whole documents', () => {
    const dir = tmp();
    const set = buildShards({ documents: DOCUMENTS, outDir: dir, name: 'toy', valDocuments: 3 });
    expect(allTokens(set.val)).toEqual(expectedStream(DOCUMENTS.slice(0, 3)));
    expect(allTokens(set.train)).toEqual(expectedStream(DOCUMENTS.slice(3)));
  });

  test('a rebuild with fewer shards removes the stale shards of the same name, and only those', () => {
    const dir = tmp();
    buildShards({ documents: DOCUMENTS, outDir: dir, name: 'toy', shardTokens: 50 });
    writeFileSync(join(dir, 'other_train_000009.bin'), 'not ours');
    const set = buildShards({ documents: DOCUMENTS, outDir: dir, name: 'toy' });
    expect(readdirSync(dir).sort()).toEqual([
      'other_train_000009.bin',
      'toy_train_000001.bin',
      'toy_val_000000.bin',
    ]);
    expect(set.train).toEqual([join(dir, 'toy_train_000001.bin')]);
  });

  test('streams an iterable and reports progress per document', () => {
    const dir = tmp();
    const seen: ShardProgress[] = [];
    function* docs() {
      yield* DOCUMENTS;
    }
    buildShards({
      documents: docs(),
      outDir: dir,
      name: 'toy',
      valDocuments: 1,
      onProgress: (p) => seen.push({ ...p }),
    });
    expect(seen.map((p) => p.documents)).toEqual(DOCUMENTS.map((_, i) => i + 1));
    expect(seen.at(-1)?.tokens).toBe(expectedStream(DOCUMENTS).length);
    expect(seen.at(-1)?.bytes).toBe(DOCUMENTS.join('').length);
  });

  test('bad options are InputErrors naming the flag', () => {
    const dir = tmp();
    const build = (o: object) => () => buildShards({ documents: DOCUMENTS, outDir: dir, name: 'toy', ...o });
    expect(build({ valFraction: 1 })).toThrow(/--val-fraction: found 1/);
    expect(build({ valFraction: -0.1 })).toThrow(/--val-fraction/);
    expect(build({ valFraction: Number.NaN })).toThrow(/--val-fraction/);
    expect(build({ shardTokens: 1 })).toThrow(/--shard-tokens: found 1/);
    expect(build({ shardTokens: 2 ** 31 })).toThrow(/--shard-tokens/);
    expect(build({ shardTokens: 10.5 })).toThrow(/--shard-tokens/);
    expect(build({ valTokens: 10, valFraction: 0.1 })).toThrow(InputError);
    expect(build({ valTokens: 1e6 })).toThrow(/--val-tokens 1000000: leaves no training tokens/);
    expect(build({ name: 'a/b' })).toThrow(/--name/);
    expect(() => buildShards({ documents: [], outDir: dir, name: 'toy' })).toThrow(/no documents/);
  });
});

describe('shardsFromTextFiles', () => {
  test('each file is one document, in argument order', () => {
    const dir = tmp();
    const files = DOCUMENTS.slice(0, 4).map((text, i) => {
      const path = join(dir, `in${i}.txt`);
      writeFileSync(path, text);
      return path;
    });
    const set = shardsFromTextFiles({ inputs: files, outDir: join(dir, 'out'), valDocuments: 1 });
    expect(set.val).toEqual([join(dir, 'out', 'data_val_000000.bin')]);
    expect(allTokens(set.val)).toEqual(expectedStream(DOCUMENTS.slice(0, 1)));
    expect(allTokens(set.train)).toEqual(expectedStream(DOCUMENTS.slice(1, 4)));
  });

  test('a single file still gets a val split (a prefix of its tokens)', () => {
    const dir = tmp();
    const path = join(dir, 'book.txt');
    writeFileSync(path, DOCUMENTS.join('\n\n'));
    const set = shardsFromTextFiles({ inputs: [path], outDir: dir, valFraction: 0.1, name: 'book' });
    const stream = expectedStream([DOCUMENTS.join('\n\n')]);
    const val = Math.round(0.1 * stream.length);
    expect(set.tokens).toEqual({ val, train: stream.length - val });
  });

  test('--separator splits files into trimmed documents', () => {
    const dir = tmp();
    const path = join(dir, 'stories.txt');
    writeFileSync(path, 'One story.\n<|endoftext|>\nTwo story.\n<|endoftext|>\n');
    const set = shardsFromTextFiles({
      inputs: [path],
      outDir: dir,
      valFraction: 0,
      separator: '<|endoftext|>',
    });
    expect(allTokens(set.train)).toEqual(expectedStream(['One story.', 'Two story.']));
  });

  test('missing, empty or folder inputs are InputErrors naming the file', () => {
    const dir = tmp();
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '');
    const run = (inputs: string[]) => () => shardsFromTextFiles({ inputs, outDir: join(dir, 'out') });
    expect(run([join(dir, 'nope.txt')])).toThrow(
      new RegExp(`--input ${join(dir, 'nope.txt')}: no such file`),
    );
    expect(run([empty])).toThrow(/empty\.txt: file is empty/);
    expect(run([dir])).toThrow(/is not a file/);
    expect(run([])).toThrow(/--input: found no files/);
  });
});
