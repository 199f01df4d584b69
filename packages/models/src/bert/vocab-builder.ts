/**
 * Learning a WordPiece vocabulary from a corpus by greedy merges, with either
 * criterion in use:
 *   likelihood  WordPiece's (Schuster & Nakajima 2012; the procedure Hugging
 *               Face's course spells out), below
 *   frequency   the most frequent pair (BPE's rule; what Hugging Face's
 *               WordPieceTrainer runs, so common whole words like "the"
 *               become tokens early). The default.
 *
 *   1. words = basicTokenize(corpus) with their counts (the tokenizer's own
 *      pre-tokenization, so the vocabulary matches what it will see)
 *   2. each word starts as its characters, all but the first with "##":
 *        "hugs" -> h ##u ##g ##s
 *      the alphabet (every such symbol) joins the vocabulary
 *   3. repeat until the vocabulary has `vocabSize` entries:
 *        score(a, b) = count(ab) / (count(a) · count(b))      counts weighted by word counts
 *      merge the adjacent pair with the highest score into one symbol
 *      (a + b without its "##"; "##u" + "##g" -> "##ug") and add it
 *   Pairs seen fewer than `minPairCount` times are never merged.
 *   (frequency: score(a, b) = count(ab).)
 *   A pair with a high likelihood score is one whose parts seldom occur apart, which is
 *   what raises the corpus likelihood most under a unigram model of symbols.
 *
 * Deterministic: ties go to the more frequent pair, then to the pair whose
 * (a, b) sorts first by code units. Output order: the five special tokens
 * ([PAD] [UNK] [CLS] [SEP] [MASK], ids 0-4), the alphabet sorted, then the
 * merges in the order learned.
 */
import { InputError } from '../errors.js';
import { BERT_SPECIAL_TOKENS, basicTokenize, WORDPIECE_CONTINUATION, WordPieceVocab } from './wordpiece.js';

export interface VocabBuilderOptions {
  /** Entries in the final vocabulary, specials and alphabet included (it may end smaller). */
  vocabSize: number;
  /** A pair must occur at least this often to be merged (default 2). */
  minPairCount?: number;
  /** Which pair to merge next (default 'frequency'; see the file comment). */
  criterion?: MergeCriterion;
}

export type MergeCriterion = 'likelihood' | 'frequency';

interface Word {
  symbols: string[];
  count: number;
}

const pairKey = (a: string, b: string) => `${a}\u0000${b}`;

/** Words and their counts, in first-seen order. */
export function wordCounts(texts: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) for (const w of basicTokenize(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

function initialSymbols(word: string): string[] {
  return Array.from(word).map((ch, i) => (i === 0 ? ch : WORDPIECE_CONTINUATION + ch));
}

/** The symbol made by merging a and b. */
export function mergeSymbols(a: string, b: string): string {
  return a + (b.startsWith(WORDPIECE_CONTINUATION) ? b.slice(WORDPIECE_CONTINUATION.length) : b);
}

/** Symbol and pair counts, and which words hold each pair. */
class PairStats {
  symbols = new Map<string, number>();
  pairs = new Map<string, { a: string; b: string; count: number }>();
  wordsWith = new Map<string, Set<number>>();

  add(word: Word, index: number, sign: 1 | -1): void {
    const s = word.symbols;
    for (let i = 0; i < s.length; i++) {
      this.symbols.set(s[i], (this.symbols.get(s[i]) ?? 0) + sign * word.count);
      if (i + 1 === s.length) continue;
      const key = pairKey(s[i], s[i + 1]);
      const entry = this.pairs.get(key) ?? { a: s[i], b: s[i + 1], count: 0 };
      entry.count += sign * word.count;
      this.pairs.set(key, entry);
      if (sign > 0) {
        const set = this.wordsWith.get(key) ?? new Set<number>();
        set.add(index);
        this.wordsWith.set(key, set);
      }
    }
  }

  /** The best pair by score, then count, then (a, b) order; undefined when none qualifies. */
  best(minPairCount: number, criterion: MergeCriterion): { a: string; b: string } | undefined {
    let best: { a: string; b: string; count: number; score: number } | undefined;
    for (const p of this.pairs.values()) {
      if (p.count < minPairCount) continue;
      const score =
        criterion === 'frequency' ? p.count : p.count / (this.symbols.get(p.a)! * this.symbols.get(p.b)!);
      if (
        !best ||
        score > best.score ||
        (score === best.score &&
          (p.count > best.count ||
            (p.count === best.count && (p.a < best.a || (p.a === best.a && p.b < best.b)))))
      )
        best = { ...p, score };
    }
    return best;
  }
}

function applyMerge(symbols: string[], a: string, b: string, merged: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
      out.push(merged);
      i++;
    } else out.push(symbols[i]);
  }
  return out;
}

/** Learns a vocabulary from word counts (see the file comment). */
export function learnWordPiece(
  counts: ReadonlyMap<string, number>,
  opts: VocabBuilderOptions,
): { tokens: string[]; merges: [string, string][] } {
  const minPairCount = opts.minPairCount ?? 2;
  const criterion = opts.criterion ?? 'frequency';
  if (criterion !== 'likelihood' && criterion !== 'frequency') {
    throw new InputError(`merge criterion: found ${String(criterion)}, expected likelihood or frequency`);
  }
  if (!Number.isInteger(minPairCount) || minPairCount < 1) {
    throw new InputError(`min pair count: found ${minPairCount}, expected an integer ≥ 1`);
  }
  if (!Number.isInteger(opts.vocabSize) || opts.vocabSize < BERT_SPECIAL_TOKENS.length) {
    throw new InputError(
      `vocab size: found ${opts.vocabSize}, expected an integer ≥ ${BERT_SPECIAL_TOKENS.length}`,
    );
  }
  const words: Word[] = [...counts].map(([w, count]) => ({ symbols: initialSymbols(w), count }));
  const alphabet = [...new Set(words.flatMap((w) => w.symbols))].sort();
  const tokens: string[] = [...BERT_SPECIAL_TOKENS];
  const seen = new Set(tokens);
  for (const s of alphabet) {
    if (!seen.has(s)) {
      tokens.push(s);
      seen.add(s);
    }
  }
  const merges: [string, string][] = [];
  const stats = new PairStats();
  words.forEach((w, i) => {
    stats.add(w, i, 1);
  });
  while (tokens.length < opts.vocabSize) {
    const pair = stats.best(minPairCount, criterion);
    if (!pair) break;
    const merged = mergeSymbols(pair.a, pair.b);
    const key = pairKey(pair.a, pair.b);
    for (const i of stats.wordsWith.get(key) ?? []) {
      stats.add(words[i], i, -1);
      words[i].symbols = applyMerge(words[i].symbols, pair.a, pair.b, merged);
      stats.add(words[i], i, 1);
    }
    stats.pairs.delete(key);
    stats.wordsWith.delete(key);
    merges.push([pair.a, pair.b]);
    if (!seen.has(merged)) {
      tokens.push(merged);
      seen.add(merged);
    }
  }
  return { tokens, merges };
}

/** A WordPiece vocabulary learned from `texts` (any iterable of strings). */
export function buildWordPieceVocab(texts: Iterable<string>, opts: VocabBuilderOptions): WordPieceVocab {
  return new WordPieceVocab(learnWordPiece(wordCounts(texts), opts).tokens, 'learned vocabulary');
}
