/**
 * GPT-2 tokenization (tiktoken's "r50k_base"/"gpt2" encoding, via gpt-tokenizer).
 *
 * Text is always encoded as *ordinary* text, like tiktoken's `encode_ordinary`:
 * a literal "<|endoftext|>" inside a document becomes the 7 ordinary tokens
 * for "<", "|", "endo"…, never the special token. The only EOT (50256) in a
 * token stream is the one we insert in front of every document, as llm.c's
 * data scripts do, so a document can never forge a document boundary.
 */

import { decode, encode } from 'gpt-tokenizer/encoding/r50k_base';
import { GPT2_EOT } from './config.js';

/** No special token is recognised and none is an error: encode_ordinary. */
const ORDINARY = { disallowedSpecial: new Set<string>() };

/** GPT-2 tokens of `text`, special-token strings treated as plain text. */
export function encodeOrdinary(text: string): number[] {
  return encode(text, ORDINARY);
}

/** One document as llm.c's fineweb.py tokenizes it: EOT, then the document's ordinary tokens. */
export function encodeDocument(text: string): Uint16Array {
  const body = encodeOrdinary(text);
  const tokens = new Uint16Array(body.length + 1);
  tokens[0] = GPT2_EOT;
  tokens.set(body, 1);
  return tokens;
}

/** Text of a token sequence (EOT decodes to "<|endoftext|>"). */
export function decodeText(tokens: ArrayLike<number>): string {
  return decode(Array.from(tokens));
}
