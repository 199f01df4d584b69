import { describe, expect, it } from 'vitest';
import { loadSentences, PAD_ID, splitSentences, tokenize, UNKNOWN_ID, Vocabulary } from '../src/data.js';

describe('sentiment sentences', () => {
  const sentences = loadSentences();

  it('loads the 3 × 1,000 labelled sentences of the sentiment package (empty trailing records skipped)', () => {
    expect(sentences).toHaveLength(3000);
    for (const source of ['imdb', 'amazon', 'yelp']) {
      const mine = sentences.filter((s) => s.source === source);
      expect(mine).toHaveLength(1000);
      expect(mine.filter((s) => s.label === 1)).toHaveLength(500);
    }
    expect(sentences[0].text).toMatch(/^A very, very, very slow-moving, aimless movie/);
    expect(sentences.every((s) => s.text.length > 0)).toBe(true);
  });

  it('splits 70/15/15, disjoint, reproducibly by seed', () => {
    const a = splitSentences(sentences, 42);
    expect([a.train.length, a.validation.length, a.test.length]).toEqual([2100, 450, 450]);
    const all = new Set([...a.train, ...a.validation, ...a.test]);
    expect(all.size).toBe(3000);
    expect(splitSentences(sentences, 42).test).toEqual(a.test);
    expect(splitSentences(sentences, 43).test).not.toEqual(a.test);
  });
});

describe('Vocabulary', () => {
  it('tokenises to lower-case words keeping apostrophes', () => {
    expect(tokenize("Didn't LIKE it... 10/10!")).toEqual(["didn't", 'like', 'it', '10', '10']);
  });

  it('keeps train words seen ≥ minCount, most frequent first; others are unknown', () => {
    const v = Vocabulary.build(['good good film', 'bad film', 'good plot'], 2);
    // counts: good 3, film 2, bad 1, plot 1 → ids good 2, film 3
    expect([...v.ids]).toEqual([
      ['good', 2],
      ['film', 3],
    ]);
    expect(v.size).toBe(4);
    expect(v.encode('Good bad FILM')).toEqual([2, UNKNOWN_ID, 3]);
  });

  it('pads in front and keeps the last maxLen tokens', () => {
    const v = Vocabulary.build(['a b c d e'], 1); // ties: alphabetical, a=2 … e=6
    expect(Array.from(v.encodeBatch(['a b', 'a b c d e'], 3))).toEqual([PAD_ID, 2, 3, 4, 5, 6]);
  });
});
