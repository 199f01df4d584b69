/**
 * The uncased WordPiece tokenizer against hand-worked runs of the reference
 * algorithm (Google's tokenization.py; several cases are its own unit tests).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { learnWordPiece, wordCounts } from '../src/bert/vocab-builder.js';
import {
  basicTokenize,
  padBatch,
  WordPieceTokenizer,
  WordPieceVocab,
  wordPiece,
} from '../src/bert/wordpiece.js';

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

function tokenizer(words: string[]): WordPieceTokenizer {
  return new WordPieceTokenizer(new WordPieceVocab([...SPECIALS, ...words]));
}

describe('basic tokenizer', () => {
  test('lower-cases, strips accents and splits punctuation: "Héllo, World!" -> hello , world !', () => {
    expect(basicTokenize('Héllo, World!')).toEqual(['hello', ',', 'world', '!']);
  });

  test("tokenization.py's lower-case case: whitespace runs and \\t \\n collapse", () => {
    expect(basicTokenize(' \tHeLLo!how  \n Are yoU?  ')).toEqual(['hello', '!', 'how', 'are', 'you', '?']);
  });

  test('accents: NFD then non-spacing marks dropped (precomposed and combining forms alike)', () => {
    expect(basicTokenize('Ünïcödé café')).toEqual(['unicode', 'cafe']);
    expect(basicTokenize('cafe\u0301')).toEqual(['cafe']);
  });

  test('CJK ideographs become words of their own; Hangul does not (and NFD leaves it as jamo, as uncased BERT)', () => {
    expect(basicTokenize('ah\u535A\u63A8zz')).toEqual(['ah', '\u535A', '\u63A8', 'zz']);
    expect(basicTokenize('한국어')).toEqual(['\u1112\u1161\u11AB\u1100\u116E\u11A8\u110B\u1165']);
  });

  test("punctuation: ASCII symbols (BERT's rule, incl. $ ^ `) and Unicode P* split; letters and digits do not", () => {
    expect(basicTokenize("don't pay $5^2")).toEqual(['don', "'", 't', 'pay', '$', '5', '^', '2']);
    expect(basicTokenize('«quoted»—dash')).toEqual(['«', 'quoted', '»', '—', 'dash']);
  });

  test('control characters are dropped, U+00A0 (a space separator) splits', () => {
    expect(basicTokenize('a\u0000b\u200Bc\uFFFDd')).toEqual(['abcd']);
    expect(basicTokenize('a\u00A0b')).toEqual(['a', 'b']);
  });
});

describe('WordPiece', () => {
  test('"unaffable" -> un ##aff ##able (the BERT README example)', () => {
    // greedy longest match first commits to "una" and never backtracks: "##ffable" has no piece -> [UNK]
    const vocab = new WordPieceVocab([...SPECIALS, 'un', '##aff', '##able', 'una']);
    expect(wordPiece('unaffable', vocab)).toEqual(['[UNK]']);
    const plain = new WordPieceVocab([...SPECIALS, 'un', '##aff', '##able']);
    expect(wordPiece('unaffable', plain)).toEqual(['un', '##aff', '##able']);
  });

  test("tokenization.py's wordpiece case: unwanted running / unwantedX running / empty", () => {
    const t = tokenizer(['want', '##want', '##ed', 'wa', 'un', 'runn', '##ing']);
    expect(t.tokenize('')).toEqual([]);
    expect(t.tokenize('unwanted running')).toEqual(['un', '##want', '##ed', 'runn', '##ing']);
    expect(t.tokenize('unwantedX running')).toEqual(['[UNK]', 'runn', '##ing']);
  });

  test('a word of 100 characters is split, one of 101 is [UNK]', () => {
    const vocab = new WordPieceVocab([...SPECIALS, 'a', '##a']);
    expect(wordPiece('a'.repeat(100), vocab)).toEqual(['a', ...Array(99).fill('##a')]);
    expect(wordPiece('a'.repeat(101), vocab)).toEqual(['[UNK]']);
  });

  test('an unknown word is one [UNK], the rest of the text is kept; special tokens in the text stay whole', () => {
    const t = tokenizer(['the', 'cat', 'sat']);
    expect(t.tokenize('The dog sat')).toEqual(['the', '[UNK]', 'sat']);
    expect(t.tokenize('the [MASK] sat.')).toEqual(['the', '[MASK]', 'sat', '[UNK]']);
  });
});

describe('encode', () => {
  const t = tokenizer(['hello', 'world', 'how', 'are', 'you', ',', '!', '?']);
  // ids: [PAD] 0 [UNK] 1 [CLS] 2 [SEP] 3 [MASK] 4 hello 5 world 6 how 7 are 8 you 9 , 10 ! 11 ? 12

  test('a single sentence: [CLS] a [SEP], token types 0', () => {
    expect(t.encode('Hello, world!')).toEqual({
      tokens: ['[CLS]', 'hello', ',', 'world', '!', '[SEP]'],
      ids: [2, 5, 10, 6, 11, 3],
      tokenTypeIds: [0, 0, 0, 0, 0, 0],
      attentionMask: [1, 1, 1, 1, 1, 1],
    });
  });

  test('a pair: [CLS] a [SEP] b [SEP], token types 1 from b through its [SEP]; padding to maxLength', () => {
    expect(t.encode('hello', 'how are you?', { maxLength: 10, pad: true })).toEqual({
      tokens: ['[CLS]', 'hello', '[SEP]', 'how', 'are', 'you', '?', '[SEP]', '[PAD]', '[PAD]'],
      ids: [2, 5, 3, 7, 8, 9, 12, 3, 0, 0],
      tokenTypeIds: [0, 0, 0, 1, 1, 1, 1, 1, 0, 0],
      attentionMask: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0],
    });
  });

  test('truncation drops from the end of the longer segment, b on ties', () => {
    // a = hello , world ! hello (5), b = how are (2); budget 7 - 3 = 4: a 5->4->3->2 (a longer each time)
    expect(t.encode('hello, world! hello', 'how are', { maxLength: 7 }).tokens).toEqual([
      '[CLS]',
      'hello',
      ',',
      '[SEP]',
      'how',
      'are',
      '[SEP]',
    ]);
    // a = b = 3 tokens, budget 4: tie -> b pops (3,2), then a is longer (2,2)
    expect(t.encode('hello world !', 'how are you', { maxLength: 7 }).tokens).toEqual([
      '[CLS]',
      'hello',
      'world',
      '[SEP]',
      'how',
      'are',
      '[SEP]',
    ]);
    expect(t.encode('hello world how are you', undefined, { maxLength: 4 }).tokens).toEqual([
      '[CLS]',
      'hello',
      'world',
      '[SEP]',
    ]);
  });

  test('padBatch pads rows to the longest with [PAD] and mask 0', () => {
    const batch = padBatch([t.encode('hello'), t.encode('hello', 'you')], 0);
    expect(batch.T).toBe(5);
    expect([...batch.ids]).toEqual([2, 5, 3, 0, 0, 2, 5, 3, 9, 3]);
    expect([...batch.tokenTypeIds]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    expect([...batch.attentionMask]).toEqual([1, 1, 1, 0, 0, 1, 1, 1, 1, 1]);
  });
});

describe('vocab.txt', () => {
  test('one token a line, ids from 0; CRLF and the final newline tolerated', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vocab-'));
    try {
      const path = join(dir, 'vocab.txt');
      writeFileSync(path, `${[...SPECIALS, 'un', '##aff', '##able'].join('\r\n')}\r\n`);
      const t = WordPieceTokenizer.read(path);
      expect(t.vocab.size).toBe(8);
      expect(t.encode('Unaffable').ids).toEqual([2, 5, 6, 7, 3]);
      writeFileSync(path, 'hello\n[UNK]\n');
      expect(() => WordPieceTokenizer.read(path)).toThrow(`${path}: token [PAD]: found missing`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('vocabulary builder', () => {
  // Hugging Face course corpus: hug×10 pug×5 pun×12 bun×4 hugs×5.
  // Symbol counts: h 15, ##u 36, ##g 20, p 17, ##n 16, b 4, ##s 5.
  //   every pair with ##u scores c/(c·36) = 1/36; (##g, ##s) scores 5/(20·5) = 1/20 -> "##gs"
  // Then all six pairs score 1/36 exactly; the tie goes to the most frequent, (p, ##u) 17 -> "pu".
  // Then h 15, ##u 19, b 4, ##gs 5, …: (h,##u) 15/(15·19), (b,##u) 4/(4·19), (##u,##gs) 5/(19·5)
  //   all 1/19, above (pu,##n) 12/(17·16) = 0.044; the most frequent is (h, ##u) -> "hu".
  const counts = new Map([
    ['hug', 10],
    ['pug', 5],
    ['pun', 12],
    ['bun', 4],
    ['hugs', 5],
  ]);

  test('likelihood: specials, the sorted alphabet, then ##gs, pu, hu', () => {
    const { tokens, merges } = learnWordPiece(counts, {
      vocabSize: 15,
      minPairCount: 1,
      criterion: 'likelihood',
    });
    expect(tokens).toEqual([...SPECIALS, '##g', '##n', '##s', '##u', 'b', 'h', 'p', '##gs', 'pu', 'hu']);
    expect(merges).toEqual([
      ['##g', '##s'],
      ['p', '##u'],
      ['h', '##u'],
    ]);
  });

  // Frequency: pair counts (h,##u) 15, (##u,##g) 20, (p,##u) 17, (##u,##n) 16, (b,##u) 4, (##g,##s) 5
  //   -> "##ug"; then (h,##ug) 15, (p,##ug) 5, (p,##u) 12, (##u,##n) 16, (b,##u) 4, (##ug,##s) 5 -> "##un";
  //   then (h,##ug) 15, (p,##un) 12, (p,##ug) 5, (##ug,##s) 5, (b,##un) 4 -> "hug".
  test('frequency (the default): ##ug, ##un, hug', () => {
    const { tokens, merges } = learnWordPiece(counts, { vocabSize: 15, minPairCount: 1 });
    expect(tokens.slice(-3)).toEqual(['##ug', '##un', 'hug']);
    expect(merges).toEqual([
      ['##u', '##g'],
      ['##u', '##n'],
      ['h', '##ug'],
    ]);
  });

  test.each(['likelihood', 'frequency'] as const)(
    '%s: deterministic and independent of the order words arrive in',
    (criterion) => {
      const reversed = new Map([...counts].reverse());
      expect(learnWordPiece(reversed, { vocabSize: 20, minPairCount: 1, criterion })).toEqual(
        learnWordPiece(counts, { vocabSize: 20, minPairCount: 1, criterion }),
      );
    },
  );

  test('stops when no pair reaches minPairCount; a learned vocabulary tokenizes its corpus without [UNK]', () => {
    const text = ['The cat sat on the mat.', 'The cats sat; a cat sat on mats!', 'Naïve café'];
    const { tokens } = learnWordPiece(wordCounts(text), { vocabSize: 1000, minPairCount: 2 });
    expect(tokens.length).toBeLessThan(1000);
    const t = new WordPieceTokenizer(new WordPieceVocab(tokens));
    const pieces = text.flatMap((s) => t.tokenize(s));
    expect(pieces).not.toContain('[UNK]');
    expect(t.tokenize('the cat sat')).toEqual(['the', 'cat', 'sat']);
  });
});
