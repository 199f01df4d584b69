import { decodeText as decodeTokens } from '@course/models';
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
