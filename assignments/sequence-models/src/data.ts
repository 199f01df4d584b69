/**
 * The labelled review sentences the npm `sentiment` package ships as test
 * fixtures (from the UCI "Sentiment Labelled Sentences" set: IMDb, Amazon and
 * Yelp, 500 positive and 500 negative each), tokenised into padded id
 * sequences for a many-to-one classifier.
 *
 * Tokens: lower-cased runs of letters, digits and apostrophes. Vocabulary:
 * words seen at least `minCount` times in the TRAIN split only (so validation
 * and test words the model never trained on are unknown, as in deployment).
 * Ids: 0 padding, 1 unknown word, 2.. the vocabulary by descending count.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InputError, MT19937 } from '@course/models';

export const SOURCES = ['imdb', 'amazon', 'yelp'] as const;
export type Source = (typeof SOURCES)[number];

export interface Sentence {
  text: string;
  /** 1 positive, 0 negative. */
  label: number;
  source: Source;
}

export const PAD_ID = 0;
export const UNKNOWN_ID = 1;

/** The fixtures folder inside the installed `sentiment` package (found by module resolution). */
export function sentimentFixturesDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('sentiment/package.json')), 'test', 'fixtures');
}

/**
 * Every labelled sentence, in file order. Each fixture file ends with one
 * `{"text": "", "class": null}` record; records without a 0/1 class are skipped
 * (3 of 3,003), so 3,000 sentences remain.
 */
export function loadSentences(dir = sentimentFixturesDir()): Sentence[] {
  const sentences: Sentence[] = [];
  for (const source of SOURCES) {
    const file = join(dir, `${source}.json`);
    let records: unknown;
    try {
      records = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new InputError(`${file}: ${(err as Error).message} (expected the sentiment package's fixtures)`);
    }
    if (!Array.isArray(records)) throw new InputError(`${file}: expected an array of {text, class}`);
    for (const r of records as { text?: unknown; class?: unknown }[]) {
      if (typeof r.text === 'string' && r.text.trim() !== '' && (r.class === 0 || r.class === 1)) {
        sentences.push({ text: r.text.trim(), label: r.class, source });
      }
    }
  }
  return sentences;
}

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9']+/g) ?? [];
}

export interface Split {
  train: Sentence[];
  validation: Sentence[];
  test: Sentence[];
}

/** A copy of `sentences` in a seeded random order (MT19937 Fisher–Yates). */
export function shuffleSentences(sentences: readonly Sentence[], seed: number): Sentence[] {
  const rng = new MT19937(seed);
  const order = sentences.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.randFloat64() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.map((i) => sentences[i]);
}

/** Seeded shuffle, then the first 70 % train, 15 % validation, 15 % test. */
export function splitSentences(sentences: readonly Sentence[], seed = 42): Split {
  const shuffled = shuffleSentences(sentences, seed);
  const nTrain = Math.round(0.7 * shuffled.length);
  const nVal = Math.round(0.15 * shuffled.length);
  return {
    train: shuffled.slice(0, nTrain),
    validation: shuffled.slice(nTrain, nTrain + nVal),
    test: shuffled.slice(nTrain + nVal),
  };
}

export class Vocabulary {
  /** word -> id (≥ 2). */
  readonly ids: Map<string, number>;

  constructor(words: readonly string[]) {
    this.ids = new Map(words.map((w, i) => [w, i + 2]));
  }

  /** Words with count ≥ minCount in `texts`, most frequent first (ties alphabetical, so the ids are reproducible). */
  static build(texts: readonly string[], minCount = 2): Vocabulary {
    const counts = new Map<string, number>();
    for (const t of texts) for (const w of tokenize(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
    const words = [...counts]
      .filter(([, c]) => c >= minCount)
      .sort(([a, ca], [b, cb]) => cb - ca || (a < b ? -1 : a > b ? 1 : 0))
      .map(([w]) => w);
    return new Vocabulary(words);
  }

  /** Ids including padding and unknown. */
  get size(): number {
    return this.ids.size + 2;
  }

  encode(text: string): number[] {
    return tokenize(text).map((w) => this.ids.get(w) ?? UNKNOWN_ID);
  }

  /**
   * [N × maxLen] ids, row-major. Padding goes in FRONT and a long sentence
   * keeps its LAST maxLen tokens (Keras pad_sequences' defaults), so the
   * recurrent layer ends on the sentence's real last word.
   */
  encodeBatch(texts: readonly string[], maxLen: number): Int32Array {
    const out = new Int32Array(texts.length * maxLen); // zeros = padding
    texts.forEach((t, n) => {
      const ids = this.encode(t).slice(-maxLen);
      out.set(ids, n * maxLen + maxLen - ids.length);
    });
    return out;
  }
}
