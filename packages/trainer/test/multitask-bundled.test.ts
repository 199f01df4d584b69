import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  addressSplit,
  bundledPairs,
  bundledSentiment,
  loadSentimentFixtures,
  MULTITASK_SPLITS,
  overlapSimilarity,
  paraphraseEdit,
  proseSentences,
  spliceSentences,
} from '../src/multitask/bundled.js';

describe('bundled sentiment (the sentiment package fixtures)', () => {
  test('3,000 labelled sentences, 500 per class and source, in file order', () => {
    const all = loadSentimentFixtures();
    expect(all.length).toBe(3000);
    for (const source of ['imdb', 'amazon', 'yelp'] as const) {
      for (const label of [0, 1])
        expect(all.filter((s) => s.source === source && s.label === label).length).toBe(500);
    }
    // yelp.json's first record is {"text": "Wow... Loved this place.", "class": 1}.
    expect(all.find((s) => s.id === 'yelp-0000')).toEqual({
      id: 'yelp-0000',
      sentence: 'Wow... Loved this place.',
      label: 1,
      source: 'yelp',
    });
  });

  test('stratified 80/10/10: 400/50/50 per (source, class), disjoint, deterministic', () => {
    const a = bundledSentiment(3);
    expect([a.train.length, a.dev.length, a.test.length]).toEqual([2400, 300, 300]);
    for (const [split, n] of [
      ['train', 400],
      ['dev', 50],
      ['test', 50],
    ] as const) {
      for (const source of ['imdb', 'amazon', 'yelp']) {
        for (const label of [0, 1]) {
          expect(a[split].filter((s) => s.id.startsWith(source) && s.label === label).length).toBe(n);
        }
      }
    }
    const ids = [...a.train, ...a.dev, ...a.test].map((s) => s.id);
    expect(new Set(ids).size).toBe(3000);
    expect(bundledSentiment(3)).toEqual(a);
    expect(bundledSentiment(4).dev.map((s) => s.id)).not.toEqual(a.dev.map((s) => s.id));
  });

  test('a broken fixtures folder is named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fixtures-'));
    writeFileSync(join(dir, 'imdb.json'), '{"not": "an array"}');
    expect(() => loadSentimentFixtures(dir)).toThrow(
      /imdb\.json: found object, expected an array of \{text, class\}/,
    );
  });
});

describe('controlled edits', () => {
  test('clause reorder, contractions both ways and function-word changes, by hand', () => {
    expect(paraphraseEdit('If we act now, we will succeed.')).toBe("We'll succeed if we act now.");
    expect(paraphraseEdit('It is not true that we shall fail upon the field.')).toBe(
      "It isn't true that we will fail on the field.",
    );
    expect(paraphraseEdit("We don't know what it's worth.")).toBe('We do not know what it is worth.');
    expect(paraphraseEdit('We must work in order to grow.')).toBe('We must work to grow.');
    expect(paraphraseEdit('The economy grew by three percent last year.')).toBeUndefined();
    // A leading clause with a comma inside, or a short main clause, is not reordered.
    expect(paraphraseEdit('When, at last, peace came, we rested.')).toBeUndefined();
    expect(paraphraseEdit('If so, go on.')).toBeUndefined();
  });

  test('graded overlap: 5 · shared words / the longer sentence', () => {
    // words: [the, cat, sat, on, the, mat] and [the, cat, ran]: shared {the, cat} = 2, max 6 → 5·2/6 = 1.67.
    expect(overlapSimilarity('The cat sat on the mat.', 'the cat ran')).toBe(1.67);
    expect(overlapSimilarity('A b c.', 'a B c')).toBe(5);
    expect(overlapSimilarity('one two', 'three four')).toBe(0);
    // Multisets: "the the" against "the" shares one word of two.
    expect(overlapSimilarity('the the', 'the')).toBe(2.5);
  });

  test('splices: the first round(f·|s|) words of s, then t from word round(f·|t|)', () => {
    expect(spliceSentences('a b c d', 'w x y z', 0.5)).toBe('a b y z');
    expect(spliceSentences('a b c', 'w x y z', 0.4)).toBe('a y z'); // round(1.2) = 1, round(1.6) = 2
    expect(spliceSentences('a b c', 'w x', 1)).toBe('a b c');
    expect(spliceSentences('a b c', 'w x', 0)).toBe('w x');
  });

  test('usable sentences: 8–40 words, capitalised, ending . ! or ?, no brackets or quotes', () => {
    const text =
      'We will keep faith with the people who sent us here today. (Applause.) Too short to use. ' +
      'And we shall "never" surrender to those who would do us harm here. Is this not the very land we all love so much?';
    expect(proseSentences([{ text }]).map((s) => [s.pos, s.text])).toEqual([
      [0, 'We will keep faith with the people who sent us here today.'],
      [4, 'Is this not the very land we all love so much?'],
    ]);
    expect([1790, 1795, 1805, 1815, 1825, 2015, 2020].map(addressSplit)).toEqual([
      'train',
      'test',
      'dev',
      'test',
      'dev',
      'test',
      'train',
    ]);
  });
});

describe('synthetic pairs', () => {
  // Two addresses per split (1800/1801 train, 1805/1825 dev, 1795/1815 test), each with editable sentences.
  const address = (year: number) => ({
    file: `${year}_x.txt`,
    year,
    text: Array.from(
      { length: 12 },
      (_, k) => `In ${year} item ${k} it is clear that we shall keep the promise number ${k} made.`,
    ).join(' '),
  });
  const addresses = [1795, 1800, 1801, 1805, 1815, 1825].map(address);

  test('paraphrase: balanced, positives are edits of their partner, no sentence crosses splits', () => {
    const sizes = { train: 40, dev: 20, test: 12 };
    const pairs = bundledPairs({ seed: 2, sizes }, addresses);
    expect(pairs.synthetic).toBe(true);
    for (const split of MULTITASK_SPLITS) {
      const set = pairs.paraphrase[split];
      expect(set.length).toBe(sizes[split]);
      expect(set.filter((p) => p.label === 1).length).toBe(sizes[split] / 2);
      for (const p of set) {
        const isEdit =
          paraphraseEdit(p.sentence1) === p.sentence2 || paraphraseEdit(p.sentence2) === p.sentence1;
        expect(isEdit).toBe(p.label === 1);
        // Every sentence names its year: all of them belong to this split's addresses.
        for (const s of [p.sentence1, p.sentence2])
          expect(addressSplit(Number(/In (\d{4})/.exec(s)![1]))).toBe(split);
      }
      expect(new Set(set.map((p) => p.id)).size).toBe(set.length);
    }
    expect(bundledPairs({ seed: 2, sizes }, addresses)).toEqual(pairs);
  });

  test('similarity: the score is the graded overlap of the pair actually made', () => {
    const pairs = bundledPairs({ seed: 5, sizes: { train: 30, dev: 10, test: 10 } }, addresses);
    for (const split of MULTITASK_SPLITS) {
      for (const p of pairs.similarity[split]) {
        expect(p.label).toBe(overlapSimilarity(p.sentence1, p.sentence2));
        expect(p.label).toBeGreaterThanOrEqual(0);
        expect(p.label).toBeLessThanOrEqual(5);
      }
    }
  });

  test('the default set from the bundled State of the Union: sizes and no shared sentence between splits', () => {
    const pairs = bundledPairs();
    const sentences = (split: (typeof MULTITASK_SPLITS)[number]) =>
      new Set(pairs.paraphrase[split].flatMap((p) => [p.sentence1, p.sentence2]));
    for (const split of MULTITASK_SPLITS) {
      expect(pairs.paraphrase[split].length).toBe({ train: 2400, dev: 300, test: 300 }[split]);
      expect(pairs.similarity[split].length).toBe({ train: 2400, dev: 300, test: 300 }[split]);
    }
    const train = sentences('train');
    const dev = sentences('dev');
    for (const s of dev) expect(train.has(s)).toBe(false);
    for (const s of sentences('test')) expect(train.has(s) || dev.has(s)).toBe(false);
    // Scores spread over the whole 0..5 range: every unit bin holds at least a tenth of the pairs (5 itself aside).
    const bins = [0, 0, 0, 0, 0, 0];
    for (const p of pairs.similarity.train) bins[Math.floor(p.label!)]++;
    for (const n of bins.slice(0, 5)) expect(n).toBeGreaterThan(240);
    expect(pairs.paraphrase.train.filter((p) => p.label === 1).length).toBe(1200);
  });
});
