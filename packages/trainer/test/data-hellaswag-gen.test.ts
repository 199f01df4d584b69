import { decodeText as decodeTokens, encodeOrdinary, type HellaSwagExample } from '@course/models';
import { encode } from 'gpt-tokenizer/encoding/r50k_base';
import { describe, expect, test } from 'vitest';
import { generateHellaSwag, splitSentences } from '../src/data/hellaswag-gen.js';
import { isHeldOutYear, loadSotuAddresses } from '../src/data/sotu.js';

describe('splitSentences', () => {
  test('splits at . ! ? before a capital, but not after abbreviations, initials or U.S.', () => {
    const text =
      'Mr. Speaker, the U.S. Congress met.  Did it act? Yes! President John F. Kennedy said "Ask not." Then 1961 ended.';
    expect(splitSentences(text)).toEqual([
      'Mr. Speaker, the U.S. Congress met.',
      'Did it act?',
      'Yes!',
      'President John F. Kennedy said "Ask not."',
      'Then 1961 ended.',
    ]);
  });
});

describe('generateHellaSwag on held-out State of the Union addresses', () => {
  const heldOut = loadSotuAddresses()
    .addresses.filter((a) => isHeldOutYear(a.year))
    .slice(0, 12)
    .map((a) => a.text);
  const normalized = heldOut.map((t) => t.replace(/\s+/g, ' '));
  const examples = generateHellaSwag(heldOut, { maxExamples: 600, seed: 7 });

  test('a few hundred examples of 4 endings, deterministic for a seed', () => {
    expect(examples.length).toBe(600);
    for (const ex of examples) expect(ex.endings.length).toBe(4);
    expect(generateHellaSwag(heldOut, { maxExamples: 600, seed: 7 })).toEqual(examples);
    expect(generateHellaSwag(heldOut, { maxExamples: 600, seed: 8 })).not.toEqual(examples);
  });

  test('labels are roughly uniform over 0..3', () => {
    const counts = [0, 1, 2, 3].map((k) => examples.filter((e) => e.label === k).length);
    // 600 draws, p = 1/4: sd ≈ 10.6; 150 ± 45 is more than 4 sd.
    for (const c of counts) expect(Math.abs(c - 150)).toBeLessThan(45);
  });

  test('the labelled ending is the true continuation; the others continue no document', () => {
    for (const ex of examples) {
      const context = decodeTokens(ex.context);
      ex.endings.forEach((ending, i) => {
        const text = decodeTokens(ending);
        const continues = normalized.some((doc) => doc.includes(context + text));
        expect(continues).toBe(i === ex.label);
        // Wrong endings are real text from another document.
        if (i !== ex.label) expect(normalized.some((doc) => doc.includes(text.trim()))).toBe(true);
      });
    }
  });

  test('tokenized as hellaswag.py does: ctx = encode(ctx), ending = encode(" " + ending)', () => {
    for (const ex of examples.slice(0, 50)) {
      expect(ex.context).toEqual(encode(decodeTokens(ex.context)));
      for (const ending of ex.endings) {
        const text = decodeTokens(ending);
        expect(text.startsWith(' ')).toBe(true);
        expect(ending).toEqual(encode(` ${text.slice(1)}`));
      }
    }
  });

  test('ctx + every ending stays under maxTokens (default 64, and a smaller one)', () => {
    const under = (list: typeof examples, max: number) =>
      list.every((ex) => ex.endings.every((e) => ex.context.length + e.length < max));
    expect(under(examples, 64)).toBe(true);
    const small = generateHellaSwag(heldOut, { maxExamples: 200, maxTokens: 32 });
    expect(small.length).toBeGreaterThan(50); // the 12 older addresses have few short sentences
    expect(under(small, 32)).toBe(true);
  });
});

describe("generateHellaSwag with distractors: 'mixed'", () => {
  const heldOut = loadSotuAddresses()
    .addresses.filter((a) => isHeldOutYear(a.year))
    .slice(0, 12)
    .map((a) => a.text);
  const normalized = heldOut.map((t) => t.replace(/\s+/g, ' '));
  const examples = generateHellaSwag(heldOut, { maxExamples: 300, seed: 3, distractors: 'mixed' });
  const words = (text: string) => text.trim().split(' ').sort().join(' ');

  test('one wrong ending is the right one with its words reordered; the others are real sentences', () => {
    expect(examples.length).toBe(300);
    for (const ex of examples) {
      const context = decodeTokens(ex.context);
      const right = decodeTokens(ex.endings[ex.label]);
      expect(normalized.some((doc) => doc.includes(context + right))).toBe(true);
      const wrong = ex.endings.filter((_, i) => i !== ex.label).map(decodeTokens);
      const reordered = wrong.filter((w) => w !== right && words(w) === words(right));
      expect(reordered).toHaveLength(1);
      for (const w of wrong) {
        if (w === reordered[0]) continue;
        expect(normalized.some((doc) => doc.includes(w.trim()))).toBe(true);
        expect(normalized.some((doc) => doc.includes(context + w))).toBe(false);
      }
      expect(new Set(ex.endings.map(decodeTokens)).size).toBe(4);
    }
  });

  test('of the two real wrong sentences, one comes from the same address and one from another', () => {
    for (const ex of examples.slice(0, 100)) {
      const context = decodeTokens(ex.context);
      const home = normalized.findIndex((doc) => doc.includes(context + decodeTokens(ex.endings[ex.label])));
      const right = decodeTokens(ex.endings[ex.label]);
      const real = ex.endings
        .filter((_, i) => i !== ex.label)
        .map(decodeTokens)
        .filter((w) => words(w) !== words(right));
      expect(real.filter((w) => normalized[home].includes(w.trim())).length).toBeGreaterThanOrEqual(1);
      expect(real.some((w) => normalized.some((doc, d) => d !== home && doc.includes(w.trim())))).toBe(true);
    }
  });

  test('deterministic for a seed, and different from the default mode', () => {
    expect(generateHellaSwag(heldOut, { maxExamples: 300, seed: 3, distractors: 'mixed' })).toEqual(examples);
    expect(generateHellaSwag(heldOut, { maxExamples: 300, seed: 3 })).not.toEqual(examples);
  });
});

/**
 * The bundled set must reward a better language model. Two tiny models fitted
 * on the training addresses stand in for an untrained and a lightly trained
 * GPT: a unigram model (no context, no word order) and an interpolated bigram
 * model (val loss 5.45 vs the unigram's 6.70 on the held-out addresses).
 * Scored as llm.c does (lowest mean loss over the ending's tokens).
 */
describe('the mixed set separates a bigram model from a unigram one', () => {
  const { addresses } = loadSotuAddresses();
  const V = 50257;
  const unigram = new Float64Array(V);
  const bigram = new Map<number, number>();
  let total = 0;
  for (const a of addresses.filter((x) => !isHeldOutYear(x.year)).slice(0, 120)) {
    const tokens = [50256, ...encodeOrdinary(a.text)];
    tokens.forEach((t, i) => {
      unigram[t]++;
      total++;
      if (i > 0) bigram.set(tokens[i - 1] * V + t, (bigram.get(tokens[i - 1] * V + t) ?? 0) + 1);
    });
  }
  const pUnigram = (t: number) => (unigram[t] + 0.1) / (total + 0.1 * V);
  const pBigram = (prev: number, t: number) => {
    const seen = unigram[prev];
    const weight = seen / (seen + 5); // Witten–Bell-like: trust the bigram more for frequent histories
    return weight * (seen ? (bigram.get(prev * V + t) ?? 0) / seen : 0) + (1 - weight) * pUnigram(t);
  };
  const accuracy = (examples: HellaSwagExample[], p: (prev: number, t: number) => number) =>
    examples.filter((ex) => {
      const meanLoss = ex.endings.map((ending) => {
        const seq = [...ex.context, ...ending];
        let loss = 0;
        for (let j = ex.context.length; j < seq.length; j++) loss -= Math.log(p(seq[j - 1], seq[j]));
        return loss / ending.length;
      });
      return meanLoss.indexOf(Math.min(...meanLoss)) === ex.label;
    }).length / examples.length;
  const heldOut = addresses.filter((a) => isHeldOutYear(a.year)).map((a) => a.text);
  const mixed = generateHellaSwag(heldOut, { maxExamples: 400, seed: 1, distractors: 'mixed' });

  test('bigram well above chance, unigram at or below it', () => {
    // 400 examples: the binomial sd at p = 0.25 is 2.2 points.
    expect(accuracy(mixed, pBigram)).toBeGreaterThan(0.33);
    expect(accuracy(mixed, (_, t) => pUnigram(t))).toBeLessThan(0.27);
  });
});
