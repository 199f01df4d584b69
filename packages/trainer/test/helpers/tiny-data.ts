/** Small llm.c data folders written by tests: shards of structured tokens and a HellaSwag file. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  gpt2Config,
  type HellaSwagExample,
  initParametersLlmc,
  writeCheckpoint,
  writeHellaSwag,
  writeShard,
} from '@course/models';

/** Vocabulary of the tiny test model: every token below is < TINY_VOCAB. */
export const TINY_VOCAB = 64;

/** Tokens with learnable structure: a repeating cycle over a small alphabet, "EOT" (0) every 50. */
export function cyclicTokens(n: number, alphabet = 37, offset = 0): Uint16Array {
  const tokens = new Uint16Array(n);
  for (let i = 0; i < n; i++) tokens[i] = i % 50 === 0 ? 0 : 10 + ((i * 7 + offset) % alphabet);
  return tokens;
}

/**
 * An llm.c checkpoint of a tiny GPT-2 (d1 c16 h1, vocab 64 padded to 128, maxT 64)
 * with llm.c's init, for `-e`: training from it is fast even on the pure-JS cpu backend.
 */
export function tinyInitCheckpoint(dir: string): string {
  const config = gpt2Config({ depth: 1, channels: 16, heads: 1, vocabSize: TINY_VOCAB, maxSeqLen: 64 });
  const path = join(dir, 'tiny_init.bin');
  writeCheckpoint(path, config, initParametersLlmc(config), { version: 3 });
  return path;
}

export function tinyDataDir(opts: { trainShards?: number; tokensPerShard?: number } = {}): {
  dir: string;
  trainPattern: string;
  valPattern: string;
  hellaswagPath: string;
  initCheckpoint: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'course-data-'));
  const shards = opts.trainShards ?? 2;
  const n = opts.tokensPerShard ?? 3000;
  writeShard(join(dir, 'tiny_val_000000.bin'), cyclicTokens(n, 37, 5));
  for (let s = 1; s <= shards; s++)
    writeShard(join(dir, `tiny_train_${String(s).padStart(6, '0')}.bin`), cyclicTokens(n, 37, s));
  const examples: HellaSwagExample[] = Array.from({ length: 8 }, (_, i) => ({
    label: i % 4,
    context: [10 + i, 11 + i, 12 + i],
    endings: [0, 1, 2, 3].map((e) => [20 + e + i, 30 + ((e * i) % 7)]),
  }));
  const hellaswagPath = join(dir, 'hellaswag_val.bin');
  writeHellaSwag(hellaswagPath, examples);
  return {
    dir,
    trainPattern: join(dir, 'tiny_train_*.bin'),
    valPattern: join(dir, 'tiny_val_*.bin'),
    hellaswagPath,
    initCheckpoint: tinyInitCheckpoint(dir),
  };
}
