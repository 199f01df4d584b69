import { describe, expect, test } from 'vitest';
import { decodeText, encodeDocument, encodeOrdinary } from '../src/gpt2/bpe.js';

describe('GPT-2 tokenization', () => {
  test('known GPT-2 ids', () => {
    // "Hello world" -> [15496, 995] in tiktoken's gpt2 encoding.
    expect(encodeOrdinary('Hello world')).toEqual([15496, 995]);
  });

  test('"<|endoftext|>" inside text is ordinary text, never the special token', () => {
    for (const text of ['<|endoftext|>', 'a<|endoftext|>b', 'x <|endoftext|>']) {
      const tokens = encodeOrdinary(text);
      expect(tokens).not.toContain(50256);
      expect(decodeText(tokens)).toBe(text);
    }
  });

  test('a document is EOT followed by its ordinary tokens', () => {
    const doc = encodeDocument('Hello world');
    expect(doc).toBeInstanceOf(Uint16Array);
    expect(Array.from(doc)).toEqual([50256, 15496, 995]);
    expect(Array.from(encodeDocument(''))).toEqual([50256]);
  });

  test('round trip of non-ASCII prose', () => {
    const text = 'It’s good to be back — “Madam Speaker”, naïve café.\n\nNew paragraph.';
    expect(decodeText(encodeOrdinary(text))).toBe(text);
  });
});
