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
 * - three wrong endings with a similar token count (within max(2, 25%) of the
 *   right one), all four texts different: sentence rests from *other*
 *   documents, or with `distractors: 'mixed'` one from another document, one
 *   from the same document far away and the right ending's words shuffled;
 * - label: the right ending's position, drawn from a seeded PRNG.
 * Cutting inside the sentence (as HellaSwag does) gives the task a local,
 * learnable signal (does the ending continue the lead?) on top of the topical
 * one: a bigram model with a copy cache of the context scores ~32% on the
 * default set, a context-free unigram model ~23%.
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
   * rests from other documents. 'mixed': one from another document (topic), one
   * from the same document at least MIN_SAME_DOC_DISTANCE sentences away
   * (coherence), and the right ending with its words shuffled (word order).
   */
  distractors?: 'other-documents' | 'mixed';
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

  const docs: Sentence[][] = documents.map((text, doc) =>
    splitSentences(text).map((sentence) => {
      const words = sentence.split(' ');
      const leadWords = Math.min(1 + Math.floor(random() * MAX_LEAD_WORDS), Math.max(1, words.length - 1));
      const rest = words.slice(leadWords).join(' ');
      return {
        doc,
        text: sentence,
        lead: words.slice(0, leadWords).join(' '),
        rest,
        asEnding: encodeOrdinary(` ${rest}`),
      };
    }),
  );
  const usableEnding = (s: Sentence) =>
    !STAGE_DIRECTION.test(s.text) &&
    s.rest !== '' &&
    s.asEnding.length >= minTokens &&
    s.asEnding.length <= maxTokens - 1 - minTokens;

  // Wrong endings come from this pool, bucketed by token count.
  const byLength: Sentence[][] = Array.from({ length: maxTokens }, () => []);
  for (const sentences of docs)
    for (const s of sentences) if (usableEnding(s)) byLength[s.asEnding.length].push(s);

  // Candidate (document, ending sentence) positions, in a seeded order.
  const candidates: [number, number][] = [];
  docs.forEach((sentences, doc) => {
    for (let e = 1; e < sentences.length; e++) if (usableEnding(sentences[e])) candidates.push([doc, e]);
  });
  shuffleInPlace(candidates, random);

  const examples: HellaSwagExample[] = [];
  for (const [doc, e] of candidates) {
    if (examples.length >= maxExamples) break;
    const right = docs[doc][e];
    const context = chooseContext(docs[doc], e, right.asEnding.length, maxTokens);
    if (context === undefined || context.length < minTokens) continue;
    const limit = maxTokens - 1 - context.length;
    const wrong =
      opts.distractors === 'mixed'
        ? chooseMixedEndings(docs[doc], e, limit, byLength, random)
        : chooseWrongEndings(right, limit, byLength, random, 3, (s) => s.doc !== right.doc)?.map(
            (s) => s.asEnding,
          );
    if (wrong === undefined) continue;
    const label = Math.floor(random() * 4);
    const endings = [...wrong];
    endings.splice(label, 0, right.asEnding);
    examples.push({ label, context, endings });
  }
  return examples;
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

/** Same-document wrong endings are at least this many sentences from the right one. */
const MIN_SAME_DOC_DISTANCE = 5;

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
  exclude: readonly string[] = [],
): Sentence[] | undefined {
  const n = right.asEnding.length;
  const tolerance = Math.max(2, Math.round(0.25 * n));
  const pool: Sentence[] = [];
  for (let len = Math.max(1, n - tolerance); len <= Math.min(limit, n + tolerance); len++) {
    for (const s of byLength[len] ?? []) if (from(s)) pool.push(s);
  }
  const chosen: Sentence[] = [];
  const texts = new Set([right.rest, ...exclude]);
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

/**
 * The 'mixed' distractors: another document's sentence (tests topic), a far
 * sentence of the same document (tests coherence with the context), and the
 * right ending's words in a shuffled order (tests word order: it has exactly
 * the right ending's words, so a model that ignores order cannot tell them apart).
 */
function chooseMixedEndings(
  sentences: Sentence[],
  e: number,
  limit: number,
  byLength: Sentence[][],
  random: () => number,
): number[][] | undefined {
  const right = sentences[e];
  const shuffled = shuffleWords(right.rest, random);
  if (shuffled === undefined) return undefined;
  const shuffledEnding = encodeOrdinary(` ${shuffled}`);
  if (shuffledEnding.length > limit) return undefined;
  const other = chooseWrongEndings(right, limit, byLength, random, 1, (s) => s.doc !== right.doc, [shuffled]);
  if (other === undefined) return undefined;
  const far = (s: Sentence) =>
    s.doc === right.doc && Math.abs(sentences.indexOf(s) - e) >= MIN_SAME_DOC_DISTANCE;
  const same = chooseWrongEndings(right, limit, byLength, random, 1, far, [shuffled, other[0].rest]);
  if (same === undefined) return undefined;
  const wrong = [other[0].asEnding, same[0].asEnding, shuffledEnding];
  shuffleInPlace(wrong, random);
  return wrong;
}

/** The words of `text` in a seeded order different from the original; undefined when no other order exists. */
export function shuffleWords(text: string, random: () => number): string | undefined {
  const words = text.split(' ');
  if (new Set(words).size < 2) return undefined;
  for (;;) {
    shuffleInPlace(words, random);
    const shuffled = words.join(' ');
    if (shuffled !== text) return shuffled;
  }
}
