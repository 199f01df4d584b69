/**
 * A small HellaSwag-style eval set generated from prose, for data that has no
 * real HellaSwag: "which of these four endings completes the sentence?".
 *
 * Each example is shaped like a real HellaSwag one (ctx = ctx_a + " " + ctx_b,
 * where ctx_b is the start of the sentence the endings complete):
 * - context: one or two whole sentences of a document (two when they fit),
 *   then the first 1–3 words (the "lead") of the next sentence, tokenized as
 *   hellaswag.py tokenizes `ctx` (no leading space);
 * - the right ending: the rest of that next sentence, tokenized as
 *   hellaswag.py tokenizes endings, `encode(" " + ending)`;
 * - three wrong endings, all four texts different: rests of sentences from
 *   *other* documents, either of a similar token count (within max(2, 25%)
 *   of the right one), or with `distractors: 'matched'` of exactly the right
 *   one's token count and the nearest unigram log-probability Σ log p(t) (under
 *   `unigramCounts`, add-1 smoothed): the `rank` nearest above it and the
 *   3 − rank nearest below, rank drawn in shuffled blocks of 0..3. So the right
 *   ending is the most probable of the four under that unigram model in exactly
 *   a quarter of the examples: that unigram model scores exactly 25%, and a
 *   scorer blind to the context and to word frequencies (an untrained GPT)
 *   25% up to chance;
 * - label: the right ending's position, drawn from a seeded PRNG.
 * Cutting inside the sentence (as HellaSwag does) gives the task a local,
 * learnable signal (does the ending continue the lead?) on top of the topical
 * one: what is left to tell the endings apart is how well each continues the
 * context and reads as English. On the bundled set ('matched', 1,000 examples)
 * the unigram model of the train shard scores 25.0%, a bigram model 33.7%.
 * Every ending satisfies ctx + ending < maxTokens, llm.c's EvalLoader's
 * `ctx_len + len_i < T` check, so `-t maxTokens` can evaluate the set.
 * Stage directions like "(Applause.)" are never endings. Candidates are
 * shuffled with the seed and the first `maxExamples` kept: the same
 * documents and options always give the same examples, in the same order.
 */
import type { HellaSwagExample } from '@course/models';
import { encodeOrdinary } from '@course/models';

export interface GenerateHellaSwagOptions {
  /** Every ctx + ending is shorter than this (the smallest -t that can evaluate the set). Default 64. */
  maxTokens?: number;
  /** At most this many examples. Default 1000. */
  maxExamples?: number;
  /** PRNG seed for the choice of examples, wrong endings and labels. Default 1. */
  seed?: number;
  /** Shortest ending and shortest context, in tokens. Default 5. */
  minTokens?: number;
  /**
   * Where the three wrong endings come from. 'other-documents' (default): sentence
   * rests from other documents, of a similar token count. 'matched': sentence rests
   * from other documents with exactly the right ending's token count and the nearest
   * unigram log-probability (needs `unigramCounts`; see matchedEndings).
   */
  distractors?: 'other-documents' | 'matched';
  /** Token counts (index = token id) of the unigram model that 'matched' distractors are matched under. */
  unigramCounts?: ArrayLike<number>;
}

/** Add-α smoothing of the unigram model behind 'matched' distractors. */
export const UNIGRAM_ALPHA = 1;

/**
 * log p(t) = log((count[t] + α) / (Σ count + α·V)) for every token id t < V = counts.length:
 * the unigram model 'matched' distractors are matched under.
 */
export function unigramLogProbs(counts: ArrayLike<number>, alpha = UNIGRAM_ALPHA): Float64Array {
  let total = 0;
  for (let t = 0; t < counts.length; t++) total += counts[t];
  const denominator = Math.log(total + alpha * counts.length);
  const logp = new Float64Array(counts.length);
  for (let t = 0; t < counts.length; t++) logp[t] = Math.log(counts[t] + alpha) - denominator;
  return logp;
}

/** Σ log p(t) over `tokens`, summed in order. */
export function sequenceLogProb(tokens: readonly number[], logp: ArrayLike<number>): number {
  let sum = 0;
  for (const t of tokens) sum += logp[t];
  return sum;
}

/** mulberry32: a tiny, well-mixed 32-bit PRNG; uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffleInPlace<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}

/** Words that end in "." without ending a sentence. */
const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'st',
  'jr',
  'sr',
  'gen',
  'col',
  'maj',
  'capt',
  'lt',
  'adm',
  'sen',
  'rep',
  'gov',
  'hon',
  'rev',
  'prof',
  'messrs',
  'no',
  'nos',
  'vs',
  'art',
  'sec',
  'vol',
  'ch',
  'ft',
  'mt',
  'jan',
  'feb',
  'mar',
  'apr',
  'aug',
  'sept',
  'sep',
  'oct',
  'nov',
  'dec',
]);

/**
 * Sentences of `text`: a boundary is ., ! or ? (plus closing quotes or
 * brackets), whitespace, then a capital letter, digit or opening quote — unless
 * the word before the period is an abbreviation, an initial ("John F.") or
 * dotted ("U.S."). Whitespace inside a sentence is collapsed to one space.
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  const boundary = /[.!?]["')\]”’]*\s+(?=["'([“‘]?[A-Z0-9])/g;
  let start = 0;
  for (let m = boundary.exec(text); m !== null; m = boundary.exec(text)) {
    const end = m.index + m[0].trimEnd().length;
    if (text[m.index] === '.') {
      const word = /([A-Za-z.]+)$/.exec(text.slice(start, m.index))?.[1] ?? '';
      if (word.length === 1 || word.includes('.') || ABBREVIATIONS.has(word.toLowerCase())) continue;
    }
    sentences.push(text.slice(start, end));
    start = m.index + m[0].length;
  }
  sentences.push(text.slice(start));
  return sentences.map((s) => s.replace(/\s+/g, ' ').trim()).filter((s) => s !== '');
}

interface Sentence {
  doc: number;
  text: string;
  /** The sentence's first words, which end the context (HellaSwag's ctx_b). */
  lead: string;
  /** The rest of the sentence, the ending's text. */
  rest: string;
  /** encode(" " + rest): the rest of the sentence as an ending. */
  asEnding: number[];
  /** Σ log p(t) of asEnding under the unigram model ('matched' only, else 0). */
  logProb: number;
}

const STAGE_DIRECTION = /^\(.*\)$/;
/** The lead is 1..MAX_LEAD_WORDS words, drawn per sentence. */
const MAX_LEAD_WORDS = 3;

/** Generates up to `maxExamples` HellaSwag-format examples from `documents` (see the file comment). */
export function generateHellaSwag(
  documents: string[],
  opts: GenerateHellaSwagOptions = {},
): HellaSwagExample[] {
  const maxTokens = opts.maxTokens ?? 64;
  const maxExamples = opts.maxExamples ?? 1000;
  const minTokens = opts.minTokens ?? 5;
  const random = seededRandom(opts.seed ?? 1);
  const matched = opts.distractors === 'matched';
  if (matched && opts.unigramCounts === undefined) {
    throw new Error(
      "generateHellaSwag: unigramCounts: found none, expected token counts for distractors 'matched'",
    );
  }
  const logp = matched ? unigramLogProbs(opts.unigramCounts as ArrayLike<number>) : undefined;

  const docs: Sentence[][] = documents.map((text, doc) =>
    splitSentences(text).map((sentence) => {
      const words = sentence.split(' ');
      const leadWords = Math.min(1 + Math.floor(random() * MAX_LEAD_WORDS), Math.max(1, words.length - 1));
      const rest = words.slice(leadWords).join(' ');
      const asEnding = encodeOrdinary(` ${rest}`);
      return {
        doc,
        text: sentence,
        lead: words.slice(0, leadWords).join(' '),
        rest,
        asEnding,
        logProb: logp ? sequenceLogProb(asEnding, logp) : 0,
      };
    }),
  );
  const usableEnding = (s: Sentence) =>
    !STAGE_DIRECTION.test(s.text) &&
    s.rest !== '' &&
    s.asEnding.length >= minTokens &&
    s.asEnding.length <= maxTokens - 1 - minTokens;

  // Wrong endings come from this pool, bucketed by token count ('matched': each bucket by log-prob).
  const byLength: Sentence[][] = Array.from({ length: maxTokens }, () => []);
  for (const sentences of docs)
    for (const s of sentences) if (usableEnding(s)) byLength[s.asEnding.length].push(s);
  if (matched) for (const bucket of byLength) bucket.sort((a, b) => a.logProb - b.logProb);

  // Candidate (document, ending sentence) positions, in a seeded order.
  const candidates: [number, number][] = [];
  docs.forEach((sentences, doc) => {
    for (let e = 1; e < sentences.length; e++) if (usableEnding(sentences[e])) candidates.push([doc, e]);
  });
  shuffleInPlace(candidates, random);

  const nextRank = balancedRanks(random);
  const examples: HellaSwagExample[] = [];
  for (const [doc, e] of candidates) {
    if (examples.length >= maxExamples) break;
    const right = docs[doc][e];
    const context = chooseContext(docs[doc], e, right.asEnding.length, maxTokens);
    if (context === undefined || context.length < minTokens) continue;
    const limit = maxTokens - 1 - context.length;
    let wrong: number[][] | undefined;
    if (matched) {
      const near = nearestByLogProb(right, byLength[right.asEnding.length]);
      if (near === undefined) continue;
      // Drawn only once the example is kept, so every kept example's rank is balanced.
      const rank = nextRank();
      wrong = [...near.above.slice(0, rank), ...near.below.slice(0, 3 - rank)].map((s) => s.asEnding);
      shuffleInPlace(wrong, random);
    } else {
      wrong = chooseWrongEndings(right, limit, byLength, random, 3, (s) => s.doc !== right.doc)?.map(
        (s) => s.asEnding,
      );
    }
    if (wrong === undefined) continue;
    const label = Math.floor(random() * 4);
    const endings = [...wrong];
    endings.splice(label, 0, right.asEnding);
    examples.push({ label, context, endings });
  }
  return examples;
}

/**
 * Ranks 0..3 in shuffled blocks of four: every four consecutive draws are
 * 0, 1, 2 and 3 in some order, so n examples hold each rank ⌊n/4⌋ or ⌈n/4⌉ times.
 */
function balancedRanks(random: () => number): () => number {
  let block: number[] = [];
  return () => {
    if (block.length === 0) {
      block = [0, 1, 2, 3];
      shuffleInPlace(block, random);
    }
    return block.pop() as number;
  };
}

/**
 * The three sentence rests nearest above `right` in unigram log-probability and
 * the three nearest below it (closest first), from other documents, all texts
 * different and none with exactly the right ending's log-probability; undefined
 * when either side has fewer than three. `bucket` holds the endings of the right
 * one's token count, sorted by log-probability.
 *
 * Taking the `rank` nearest above and 3 − rank nearest below makes four
 * endings in which the right one is the (rank+1)-th most probable under the
 * unigram model, whose choice (the most probable) is right only for rank 0.
 */
function nearestByLogProb(
  right: Sentence,
  bucket: Sentence[],
): { above: Sentence[]; below: Sentence[] } | undefined {
  // First index whose log-prob is ≥ the right one's (binary search).
  let lo = 0;
  let hi = bucket.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bucket[mid].logProb < right.logProb) lo = mid + 1;
    else hi = mid;
  }
  const texts = new Set([right.rest]);
  const take = (s: Sentence) => {
    if (s.doc === right.doc || s.logProb === right.logProb || texts.has(s.rest)) return false;
    texts.add(s.rest);
    return true;
  };
  const below: Sentence[] = [];
  for (let i = lo - 1; i >= 0 && below.length < 3; i--) if (take(bucket[i])) below.push(bucket[i]);
  const above: Sentence[] = [];
  for (let i = lo; i < bucket.length && above.length < 3; i++) if (take(bucket[i])) above.push(bucket[i]);
  return above.length === 3 && below.length === 3 ? { above, below } : undefined;
}

/** Two whole sentences and the lead if they fit with the ending under maxTokens, else one and the lead, else none. */
function chooseContext(
  sentences: Sentence[],
  e: number,
  endingTokens: number,
  maxTokens: number,
): number[] | undefined {
  const fits = (ctx: number[]) => ctx.length + endingTokens < maxTokens;
  const lead = sentences[e].lead;
  if (e >= 2) {
    const two = encodeOrdinary(`${sentences[e - 2].text} ${sentences[e - 1].text} ${lead}`);
    if (fits(two)) return two;
  }
  const one = encodeOrdinary(`${sentences[e - 1].text} ${lead}`);
  return fits(one) ? one : undefined;
}

/**
 * `count` sentence rests accepted by `from`, of similar length to the right one
 * (within max(2, 25%) tokens) and at most `limit` tokens, all texts different
 * from each other and from the right ending.
 */
function chooseWrongEndings(
  right: Sentence,
  limit: number,
  byLength: Sentence[][],
  random: () => number,
  count: number,
  from: (s: Sentence) => boolean,
): Sentence[] | undefined {
  const n = right.asEnding.length;
  const tolerance = Math.max(2, Math.round(0.25 * n));
  const pool: Sentence[] = [];
  for (let len = Math.max(1, n - tolerance); len <= Math.min(limit, n + tolerance); len++) {
    for (const s of byLength[len] ?? []) if (from(s)) pool.push(s);
  }
  const chosen: Sentence[] = [];
  const texts = new Set([right.rest]);
  // Partial Fisher–Yates: draw without replacement until `count` distinct texts are found.
  for (let i = 0; i < pool.length && chosen.length < count; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
    if (texts.has(pool[i].rest)) continue;
    texts.add(pool[i].rest);
    chosen.push(pool[i]);
  }
  return chosen.length === count ? chosen : undefined;
}
