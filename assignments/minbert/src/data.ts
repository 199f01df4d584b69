/**
 * The three tasks' bundled data, the WordPiece vocabulary built from it
 * (cached), and batches of token ids.
 *
 *   sentiment   real review sentences (npm "sentiment" fixtures), 2 classes
 *   paraphrase  SYNTHETIC pairs from State of the Union sentences (edit vs. elsewhere), 0/1
 *   similarity  SYNTHETIC pairs by graded word overlap, 0..5
 *
 * The vocabulary is learned (frequency WordPiece) from the training sentences
 * of all three tasks plus the pretraining prose, never from dev or test, and
 * cached as `vocab-<size>.txt` in the cache folder.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildWordPieceVocab,
  padBatch,
  type WordPieceTokenizer,
  WordPieceVocab,
  writeFileAtomic,
} from '@course/models';
import {
  addressSplit,
  bundledPairs,
  bundledSentiment,
  loadSotuAddresses,
  type MultitaskSplit,
  type MultitaskSplits,
  type PairExample,
  proseSentences,
  type SentenceExample,
} from '@course/trainer';
import * as tf from '@tensorflow/tfjs';

export interface TaskData {
  sentiment: MultitaskSplits<SentenceExample>;
  paraphrase: MultitaskSplits<PairExample>;
  similarity: MultitaskSplits<PairExample>;
  /** Sentiment classes (max label + 1 over the training split). */
  classes: number;
}

/** The bundled data; `limit` keeps the first N examples of each task's train split and N/4 of dev and test. */
export function loadTaskData(limit?: number): TaskData {
  const sentiment = bundledSentiment();
  const { paraphrase, similarity } = bundledPairs();
  const cut = <T>(s: MultitaskSplits<T>): MultitaskSplits<T> =>
    limit === undefined
      ? s
      : {
          train: s.train.slice(0, limit),
          dev: s.dev.slice(0, Math.max(8, Math.ceil(limit / 4))),
          test: s.test.slice(0, Math.max(8, Math.ceil(limit / 4))),
        };
  const classes = 1 + Math.max(...sentiment.train.map((e) => e.label ?? 0));
  return { sentiment: cut(sentiment), paraphrase: cut(paraphrase), similarity: cut(similarity), classes };
}

/** Prose for pretraining: sentences of the training-split SOTU addresses (dev/test years left out). */
export function pretrainingProse(): string[] {
  const train = loadSotuAddresses().addresses.filter((a) => addressSplit(a.year) === 'train');
  return proseSentences(train).map((s) => s.text);
}

/** Every training sentence the vocabulary learns from. */
export function vocabularyTexts(data: TaskData, prose: readonly string[]): string[] {
  const train = (split: MultitaskSplit) => [
    ...data.sentiment[split].map((e) => e.sentence),
    ...data.paraphrase[split].flatMap((e) => [e.sentence1, e.sentence2]),
    ...data.similarity[split].flatMap((e) => [e.sentence1, e.sentence2]),
  ];
  return [...train('train'), ...prose];
}

/** The cached vocabulary of `size` entries, learned from `texts()` on first use. */
export function cachedVocab(
  cacheDir: string,
  size: number,
  texts: () => string[],
  log: (l: string) => void,
): WordPieceVocab {
  const path = join(cacheDir, `vocab-${size}.txt`);
  if (existsSync(path)) {
    log(`vocabulary: ${path} (cached)`);
    return WordPieceVocab.read(path);
  }
  const start = performance.now();
  const vocab = buildWordPieceVocab(texts(), { vocabSize: size });
  mkdirSync(cacheDir, { recursive: true });
  writeFileAtomic(path, vocab.toText());
  log(
    `vocabulary: learned ${vocab.size} WordPiece entries in ${((performance.now() - start) / 1000).toFixed(1)} s -> ${path}`,
  );
  return vocab;
}

/** A batch of token ids on the active backend: [B, T] each. */
export interface TokenBatch {
  inputIds: tf.Tensor2D;
  tokenTypeIds: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
}

/** Encodes single sentences or (a, b) pairs ([CLS] a [SEP] b [SEP]) and pads to the longest. */
export function encodeBatch(
  tokenizer: WordPieceTokenizer,
  texts: readonly (readonly [string] | readonly [string, string])[],
  maxLength: number,
): TokenBatch {
  const encodings = texts.map((t) => tokenizer.encode(t[0], t[1], { maxLength }));
  const { B, T, ids, tokenTypeIds, attentionMask } = padBatch(encodings, tokenizer.vocab.special('[PAD]'));
  return {
    inputIds: tf.tensor2d(ids, [B, T], 'int32'),
    tokenTypeIds: tf.tensor2d(tokenTypeIds, [B, T], 'int32'),
    attentionMask: tf.tensor2d(attentionMask, [B, T], 'int32'),
  };
}

export function disposeBatch(b: TokenBatch): void {
  tf.dispose([b.inputIds, b.tokenTypeIds, b.attentionMask]);
}

/** Index ranges [start, end) of consecutive batches of `size` over n items. */
export function batchRanges(n: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += size) out.push([s, Math.min(n, s + size)]);
  return out;
}
