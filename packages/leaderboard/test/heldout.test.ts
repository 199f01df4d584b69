/** The public/private split, checked against the tokens and examples of the source files. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readHellaSwag, readShard } from '@course/models';
import { describe, expect, test } from 'vitest';
import { prepareHeldout, splitIndices } from '../src/heldout.js';
import { cyclicTokens, tempDir, tinyHeldout } from './helpers/fixtures.js';

describe('splitIndices', () => {
  test('exact share, disjoint, complete, ascending, deterministic', () => {
    const split = splitIndices('val', 101, 0.3);
    expect(split.public).toHaveLength(30);
    expect([...split.public, ...split.private].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 101 }, (_, i) => i),
    );
    expect(split.public).toEqual([...split.public].sort((a, b) => a - b));
    expect(splitIndices('val', 101, 0.3)).toEqual(split);
    expect(splitIndices('hellaswag', 101, 0.3)).not.toEqual(split);
  });
});

describe('prepareHeldout', () => {
  const dir = tempDir();
  const held = tinyHeldout(dir);
  const chunk = 32;
  const { manifest, folder } = prepareHeldout({
    dir: join(dir, 'split'),
    valPattern: held.valPattern,
    hellaswagPath: held.hellaswagPath,
    publicFraction: 0.5,
    chunkTokens: chunk,
  });

  test('each side’s shard is its chunks of the source in order, plus the next token', () => {
    const source = cyclicTokens(2000, 5);
    const chunks = Math.floor((2000 - 1) / chunk);
    const split = splitIndices('val', chunks, 0.5);
    for (const side of ['public', 'private'] as const) {
      const tokens = readShard(join(folder, manifest.sides[side].val!));
      const picked = split[side];
      expect(tokens.length).toBe(picked.length * chunk + 1);
      picked.forEach((c, k) => {
        expect(Array.from(tokens.subarray(k * chunk, (k + 1) * chunk))).toEqual(
          Array.from(source.subarray(c * chunk, (c + 1) * chunk)),
        );
      });
      expect(tokens[tokens.length - 1]).toBe(source[(picked[picked.length - 1] + 1) * chunk]);
      expect(manifest.valChunks[side]).toBe(picked.length);
    }
  });

  test('HellaSwag examples are split whole, original order kept', () => {
    const pub = readHellaSwag(join(folder, manifest.sides.public.hellaswag!)).examples;
    const priv = readHellaSwag(join(folder, manifest.sides.private.hellaswag!)).examples;
    const split = splitIndices('hellaswag', 16, 0.5);
    expect(pub).toEqual(split.public.map((i) => held.examples[i]));
    expect(priv).toEqual(split.private.map((i) => held.examples[i]));
  });

  test('the same inputs reuse the split (same folder, byte-identical files)', () => {
    const again = prepareHeldout({
      dir: join(dir, 'split'),
      valPattern: held.valPattern,
      hellaswagPath: held.hellaswagPath,
      publicFraction: 0.5,
      chunkTokens: chunk,
    });
    expect(again.folder).toBe(folder);
    expect(again.manifest).toEqual(manifest);
    expect(readdirSync(join(dir, 'split'))).toHaveLength(1);
  });
});
