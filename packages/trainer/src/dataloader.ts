/**
 * llm.c's data loader (llmc/dataloader.h), single process (nproc = 1, rank 0).
 *
 * A batch is B·T+1 consecutive uint16 tokens of one shard: inputs are the first
 * B·T, targets the same shifted by one; row b is tokens [b·T, b·T+T). Sample k
 * of a shard starts at token k·B·T; a shard holds floor((ntok-1)/(B·T)) samples
 * and its remainder is never read. Windows ignore document boundaries and never
 * cross shards.
 *
 * Shuffled (the train loader): an MT19937 seeded 42 permutes the shard order at
 * every reset (start, and each new epoch) and the sample order at every shard
 * load, both as Fisher–Yates over the identity (j = randint32 % (i+1)).
 * Unshuffled (the val loader): shards and samples in order; reset before every eval.
 *
 * With `vocabSize`, every shard is checked when it is loaded (before any of its
 * tokens is used): a token ≥ vocabSize is an InputError naming the shard, the
 * token's position and value (llm.c would read past its embedding table).
 */
import {
  expandShardPattern,
  formatError,
  InputError,
  MT19937,
  readShard,
  readShardHeader,
} from '@course/models';

export interface Batch {
  /** B·T input tokens, row-major [B, T]. */
  inputs: Int32Array;
  /** B·T target tokens (inputs shifted by one). */
  targets: Int32Array;
}

/** Everything needed to continue exactly where a loader stopped (saved in the state file). */
export interface LoaderPosition {
  shardIndex: number;
  sampleIndex: number;
  shardOrder: number[];
  sampleOrder: number[];
  /** The shuffle generator as llm.c's raw 2520-byte mt19937_state (null when unshuffled). */
  rngState: Uint8Array | null;
}

export class DataLoader {
  readonly files: string[];
  readonly B: number;
  readonly T: number;
  readonly shuffle: boolean;
  /** Tokens in all shards (what an epoch is measured in). */
  readonly totalTokens: number;
  private rng: MT19937 | null;
  private shardOrder: number[];
  private sampleOrder: number[] = [];
  private shardIndex = 0;
  private sampleIndex = 0;
  private tokens: Uint16Array = new Uint16Array(0);
  private loadedFile = -1;
  private readonly vocabSize: number | undefined;

  constructor(
    pattern: string,
    B: number,
    T: number,
    opts: { shuffle: boolean; seed?: number; flag?: string; vocabSize?: number },
  ) {
    this.files = expandShardPattern(pattern);
    this.vocabSize = opts.vocabSize;
    this.B = B;
    this.T = T;
    this.shuffle = opts.shuffle;
    let total = 0;
    for (const file of this.files) {
      const { ntok } = readShardHeader(file);
      if (ntok < B * T + 1) {
        throw new InputError(
          `${file}: ${ntok} tokens is too few for one batch of B·T+1 = ${B * T + 1} tokens${opts.flag ? ` (${opts.flag})` : ''}: use a smaller -b or -t`,
        );
      }
      total += ntok;
    }
    this.totalTokens = total;
    this.rng = opts.shuffle ? new MT19937(opts.seed ?? 42) : null;
    this.shardOrder = this.files.map((_, i) => i);
    this.reset();
  }

  /** Back to the first shard; a shuffled loader draws a new shard order (a new epoch). */
  reset(): void {
    this.shardIndex = 0;
    this.sampleIndex = 0;
    if (this.rng) this.shardOrder = this.permutation(this.files.length);
    this.loadShard();
  }

  /** Samples in the current shard. */
  get samplesInShard(): number {
    return Math.floor((this.tokens.length - 1) / (this.B * this.T));
  }

  nextBatch(): Batch {
    if (this.sampleIndex >= this.samplesInShard) this.advance();
    const sample = this.rng ? this.sampleOrder[this.sampleIndex] : this.sampleIndex;
    const n = this.B * this.T;
    const window = this.tokens.subarray(sample * n, sample * n + n + 1);
    this.sampleIndex++;
    return {
      inputs: Int32Array.from(window.subarray(0, n)),
      targets: Int32Array.from(window.subarray(1, n + 1)),
    };
  }

  position(): LoaderPosition {
    return {
      shardIndex: this.shardIndex,
      sampleIndex: this.sampleIndex,
      shardOrder: [...this.shardOrder],
      sampleOrder: [...this.sampleOrder],
      rngState: this.rng ? this.rng.toLlmcStateBytes() : null,
    };
  }

  restore(pos: LoaderPosition): void {
    if (pos.shardOrder.length !== this.files.length) {
      throw new InputError(
        `resume: the saved loader state has ${pos.shardOrder.length} shards, the pattern now matches ${this.files.length}`,
      );
    }
    this.shardOrder = [...pos.shardOrder];
    this.shardIndex = pos.shardIndex;
    this.loadShard(false);
    this.sampleOrder = [...pos.sampleOrder];
    this.sampleIndex = pos.sampleIndex;
    if (this.rng && pos.rngState) this.rng = MT19937.fromLlmcStateBytes(pos.rngState, 'resume state');
  }

  private advance(): void {
    if (this.shardIndex === this.files.length - 1) {
      this.reset();
      return;
    }
    this.shardIndex++;
    this.sampleIndex = 0;
    this.loadShard();
  }

  private loadShard(permuteSamples = true): void {
    const file = this.shardOrder[this.shardIndex];
    if (file !== this.loadedFile) {
      this.tokens = readShard(this.files[file]);
      this.loadedFile = file;
      if (this.vocabSize !== undefined) checkTokens(this.files[file], this.tokens, this.vocabSize);
    }
    if (this.rng && permuteSamples) this.sampleOrder = this.permutation(this.samplesInShard);
  }

  /** Fisher–Yates over the identity, as llm.c's random_permutation. */
  private permutation(n: number): number[] {
    const order = Array.from({ length: n }, (_, i) => i);
    const rng = this.rng!;
    for (let i = n - 1; i > 0; i--) {
      const j = rng.randInt32() % (i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  }
}

/** Every token of a shard is below the model's vocabulary size. */
export function checkTokens(file: string, tokens: Uint16Array, vocabSize: number): void {
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] >= vocabSize) {
      throw formatError(file, `token ${i}`, tokens[i], `< ${vocabSize} (the model's vocab_size V)`);
    }
  }
}
