import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, MT19937, writeShard } from '@course/models';
import { describe, expect, test } from 'vitest';
import { type Batch, DataLoader } from '../src/dataloader.js';

const B = 2;
const T = 8;
const BT = B * T;

/** Shard s holds tokens (offset_s + i) % 60000: a token says which shard and position it came from. */
const SHARD_OFFSETS = [0, 10000, 20000];
/**
 * Sizes chosen so floor((ntok − 1)/(B·T)) = 5, 3, 2 samples: shard 0 has a 7-token
 * tail beyond the last window's B·T+1, shard 1 exactly B·T·3+1 tokens, shard 2 a 7-token tail.
 */
const SHARD_TOKENS = [88, 49, 40];
const SAMPLES = [5, 3, 2];

function positionTokens(n: number, offset: number): Uint16Array {
  return Uint16Array.from({ length: n }, (_, i) => (offset + i) % 60000);
}

function writeShards(): string {
  const dir = mkdtempSync(join(tmpdir(), 'course-loader-'));
  for (const [s, n] of SHARD_TOKENS.entries()) {
    writeShard(join(dir, `pos_train_${String(s).padStart(6, '0')}.bin`), positionTokens(n, SHARD_OFFSETS[s]));
  }
  return join(dir, 'pos_train_*.bin');
}

/** The batch llm.c reads for sample k of shard s, built from the positions by hand. */
function expectedBatch(shard: number, sample: number): Batch {
  const start = SHARD_OFFSETS[shard] + sample * BT;
  return {
    inputs: Int32Array.from({ length: BT }, (_, i) => start + i),
    targets: Int32Array.from({ length: BT }, (_, i) => start + i + 1),
  };
}

/** Fisher–Yates over the identity with llm.c's draws: j = randint32 % (i+1), i from n−1 down to 1. */
function fisherYates(rng: MT19937, n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i >= 1; i--) {
    const j = rng.randInt32() % (i + 1);
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  return order;
}

/** (shard, sample) of the first `count` batches of a shuffled loader seeded 42, simulated from the spec. */
function shuffledSchedule(count: number): [number, number][] {
  const rng = new MT19937(42);
  const schedule: [number, number][] = [];
  while (schedule.length < count) {
    // reset: a new shard order; then every shard load draws its sample order.
    const shardOrder = fisherYates(rng, SHARD_TOKENS.length);
    for (const shard of shardOrder) {
      const sampleOrder = fisherYates(rng, SAMPLES[shard]);
      for (const sample of sampleOrder) schedule.push([shard, sample]);
    }
  }
  return schedule.slice(0, count);
}

function take(loader: DataLoader, n: number): Batch[] {
  return Array.from({ length: n }, () => loader.nextBatch());
}

const pattern = writeShards();
const EPOCH = SAMPLES.reduce((a, b) => a + b, 0);

describe('DataLoader (llm.c dataloader.h, one process)', () => {
  test('unshuffled: sample k starts at token k·B·T, targets are inputs shifted by one, row b is [b·T, b·T+T)', () => {
    const loader = new DataLoader(pattern, B, T, { shuffle: false });
    expect(loader.totalTokens).toBe(88 + 49 + 40);
    const first = loader.nextBatch();
    // by hand: shard 0, sample 0
    expect(Array.from(first.inputs)).toEqual([...Array(16).keys()]);
    expect(Array.from(first.targets)).toEqual([...Array(16).keys()].map((i) => i + 1));
    const second = loader.nextBatch();
    // row 1 of sample 1 is tokens [16 + 8, 16 + 16)
    expect(Array.from(second.inputs.subarray(T, 2 * T))).toEqual([24, 25, 26, 27, 28, 29, 30, 31]);
  });

  test('unshuffled: floor((ntok−1)/(B·T)) samples per shard, tails unused, wraps to the first shard', () => {
    const loader = new DataLoader(pattern, B, T, { shuffle: false });
    const expected: Batch[] = [];
    for (let epoch = 0; epoch < 2; epoch++)
      SAMPLES.forEach((n, shard) => {
        for (let k = 0; k < n; k++) expected.push(expectedBatch(shard, k));
      });
    expected.push(expectedBatch(0, 0));
    expect(take(loader, expected.length)).toEqual(expected);
  });

  test('shuffled: shard order then each shard’s sample order are Fisher–Yates draws of MT19937(42); new ones every epoch', () => {
    const loader = new DataLoader(pattern, B, T, { shuffle: true });
    const count = 3 * EPOCH + 2;
    const schedule = shuffledSchedule(count);
    expect(take(loader, count)).toEqual(schedule.map(([shard, sample]) => expectedBatch(shard, sample)));
    // The schedule is really shuffled and the epochs differ (else this test could not fail).
    const firstEpoch = schedule.slice(0, EPOCH).map(([s, k]) => `${s}:${k}`);
    const secondEpoch = schedule.slice(EPOCH, 2 * EPOCH).map(([s, k]) => `${s}:${k}`);
    expect(firstEpoch).not.toEqual(SAMPLES.flatMap((n, s) => [...Array(n).keys()].map((k) => `${s}:${k}`)));
    expect(secondEpoch).not.toEqual(firstEpoch);
    expect([...secondEpoch].sort()).toEqual([...firstEpoch].sort());
  });

  test('reset() starts a new epoch: a new shard order from the same generator', () => {
    const loader = new DataLoader(pattern, B, T, { shuffle: true });
    take(loader, 2);
    loader.reset();
    // simulate: reset at init (shard order + first shard's samples), then this reset
    const rng = new MT19937(42);
    const initialOrder = fisherYates(rng, 3);
    fisherYates(rng, SAMPLES[initialOrder[0]]);
    const order = fisherYates(rng, 3);
    const samples = fisherYates(rng, SAMPLES[order[0]]);
    expect(loader.nextBatch()).toEqual(expectedBatch(order[0], samples[0]));
  });

  test.each([
    ['shuffled', true],
    ['unshuffled', false],
  ])('%s: position()/restore() continue the exact same batch sequence', (_, shuffle) => {
    // Save points: at the start, mid shard, right after a shard's last sample, and in the second epoch.
    for (const saveAfter of [0, 3, 5, 8, EPOCH + 4]) {
      const original = new DataLoader(pattern, B, T, { shuffle });
      take(original, saveAfter);
      const saved = structuredClone(original.position());
      const continued = take(original, 2 * EPOCH);

      const restored = new DataLoader(pattern, B, T, { shuffle });
      take(restored, 1); // a different position and generator state, to be overwritten
      restored.restore(saved);
      expect(take(restored, 2 * EPOCH), `saved after ${saveAfter} batches`).toEqual(continued);
    }
  });

  test('a shard with fewer than B·T+1 tokens is an InputError naming the file and suggesting smaller -b/-t', () => {
    const dir = mkdtempSync(join(tmpdir(), 'course-loader-small-'));
    const small = join(dir, 'small_val_000000.bin');
    writeShard(small, positionTokens(BT, 0)); // one token short
    const make = () => new DataLoader(small, B, T, { shuffle: false });
    expect(make).toThrow(InputError);
    expect(make).toThrow(small);
    expect(make).toThrow(/-b/);
    expect(make).toThrow(/-t/);
    // exactly B·T+1 tokens is one sample
    writeShard(small, positionTokens(BT + 1, 0));
    expect(take(make(), 2)).toEqual([expectedBatch(0, 0), expectedBatch(0, 0)]);
  });

  test('with vocabSize, a token at or above it is an InputError naming the shard, position and token', () => {
    const dir = mkdtempSync(join(tmpdir(), 'course-loader-vocab-'));
    const first = join(dir, 'v_train_000001.bin');
    const second = join(dir, 'v_train_000002.bin');
    const tokens = Uint16Array.from({ length: 200 }, (_, i) => i % 64); // 0..63: all below 64
    writeShard(first, tokens);
    tokens[150] = 64;
    writeShard(second, tokens);
    const loader = new DataLoader(join(dir, 'v_train_*.bin'), 2, 8, { shuffle: false, vocabSize: 64 });
    const samples = Math.floor((200 - 1) / 16); // of the first shard, all fine
    for (let i = 0; i < samples; i++) loader.nextBatch();
    expect(() => loader.nextBatch()).toThrow(`${second}: token 150: found 64, expected < 64`);
    expect(() => new DataLoader(second, 2, 8, { shuffle: false, vocabSize: 65 })).not.toThrow();
  });
});
