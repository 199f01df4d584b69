/**
 * BERT's uncased WordPiece tokenizer, as Google's tokenization.py and Hugging
 * Face's BertTokenizer (do_lower_case=True) run it:
 *
 *   basic tokenizer
 *     clean:        drop U+0000, U+FFFD and control characters (category C*,
 *                   except \t \n \r); every whitespace character becomes ' '
 *     CJK:          a space on each side of every CJK ideograph
 *     split on whitespace; per word: lower-case, strip accents (NFD, drop
 *     non-spacing marks Mn), split off every punctuation character (ASCII
 *     !-/ :-@ [-` {-~ and Unicode P*) as a word of its own
 *   WordPiece, per word (code points, not UTF-16 units)
 *     more than 100 characters                       -> [UNK]
 *     greedy longest match first from the start; pieces after the first are
 *     looked up as "##piece"; a position with no match makes the word [UNK]
 *       "unaffable" -> un ##aff ##able  (vocab holding un, ##aff, ##able)
 *
 * The five special tokens written verbatim in a text ("the [MASK] sat") stay
 * whole, as Hugging Face's tokenizer keeps its special tokens.
 *
 *   single:  [CLS] a [SEP]             token types 0 … 0
 *   pair:    [CLS] a [SEP] b [SEP]     token types 0 for [CLS] a [SEP], 1 for b [SEP]
 * Truncation to maxLength removes tokens from the end of the longer of a and b,
 * one at a time (b on ties), as BERT's _truncate_seq_pair; padding appends
 * [PAD] with attention mask 0 and token type 0.
 */
import { readFileSync } from 'node:fs';
import { formatError, InputError } from '../errors.js';

export const BERT_SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
export type BertSpecialToken = (typeof BERT_SPECIAL_TOKENS)[number];

/** Words longer than this many characters become [UNK] (BERT's max_input_chars_per_word). */
export const WORDPIECE_MAX_CHARS = 100;
/** The prefix of a piece that continues a word. */
export const WORDPIECE_CONTINUATION = '##';

const SPECIAL_SPLIT = /(\[PAD\]|\[UNK\]|\[CLS\]|\[SEP\]|\[MASK\])/;

// ------------------------------------------------------------------ character classes

/** ' ', \t, \n, \r and Unicode space separators (Zs). */
export function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || /^\p{Zs}$/u.test(ch);
}

/** Unicode "other" (Cc, Cf, Cs, Co, Cn) except \t \n \r, which count as whitespace. */
export function isControl(ch: string): boolean {
  if (ch === '\t' || ch === '\n' || ch === '\r') return false;
  return /^\p{C}$/u.test(ch);
}

/** ASCII non-alphanumeric printables (BERT counts ^ $ ` as punctuation too) and Unicode P*. */
export function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126))
    return true;
  return cp >= 0x80 && /^\p{P}$/u.test(ch);
}

/** The CJK Unified Ideograph blocks BERT splits (not Hangul, Hiragana or Katakana). */
const CJK_RANGES: readonly [number, number][] = [
  [0x4e00, 0x9fff],
  [0x3400, 0x4dbf],
  [0x20000, 0x2a6df],
  [0x2a700, 0x2b73f],
  [0x2b740, 0x2b81f],
  [0x2b820, 0x2ceaf],
  [0xf900, 0xfaff],
  [0x2f800, 0x2fa1f],
];

export function isCjk(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  return CJK_RANGES.some(([lo, hi]) => cp >= lo && cp <= hi);
}

// ------------------------------------------------------------------ basic tokenizer

function cleanText(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) {
      // ASCII: \t \n \r and space are whitespace, the other C0 controls and DEL are dropped
      if (cp === 9 || cp === 10 || cp === 13 || cp === 32) out += ' ';
      else if (cp >= 33 && cp !== 127) out += ch;
      continue;
    }
    if (cp === 0xfffd || isControl(ch)) continue;
    out += isWhitespace(ch) ? ' ' : isCjk(ch) ? ` ${ch} ` : ch;
  }
  return out;
}

function hasNonAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return true;
  return false;
}

/** NFD, then drop non-spacing marks: "héllo" -> "hello". */
export function stripAccents(text: string): string {
  return text.normalize('NFD').replace(/\p{Mn}/gu, '');
}

function splitOnPunctuation(word: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const ch of word) {
    if (isPunctuation(ch)) {
      if (current) out.push(current);
      out.push(ch);
      current = '';
    } else current += ch;
  }
  if (current) out.push(current);
  return out;
}

/** The basic (pre-WordPiece) tokenizer: "Héllo, World!" -> hello , world ! */
export function basicTokenize(text: string): string[] {
  const words: string[] = [];
  for (const word of cleanText(text).split(' ')) {
    if (word === '') continue;
    const lower = word.toLowerCase();
    words.push(...splitOnPunctuation(hasNonAscii(lower) ? stripAccents(lower) : lower));
  }
  return words;
}

// ------------------------------------------------------------------ vocabulary

export class WordPieceVocab {
  /** id -> token (the file's lines). */
  readonly tokens: readonly string[];
  private readonly ids: Map<string, number>;

  /** `source` names the vocabulary in errors (a file path). */
  constructor(tokens: readonly string[], source = 'vocabulary') {
    this.tokens = tokens;
    this.ids = new Map();
    // a repeated line: the later id wins, as BERT's load_vocab builds its dict
    tokens.forEach((t, i) => {
      this.ids.set(t, i);
    });
    for (const special of BERT_SPECIAL_TOKENS) {
      if (!this.ids.has(special))
        throw formatError(source, `token ${special}`, 'missing', 'a line holding it');
    }
  }

  get size(): number {
    return this.tokens.length;
  }

  has(token: string): boolean {
    return this.ids.has(token);
  }

  id(token: string): number | undefined {
    return this.ids.get(token);
  }

  special(token: BertSpecialToken): number {
    return this.ids.get(token)!;
  }

  /** vocab.txt's text: one token a line, the line number (from 0) its id. */
  toText(): string {
    return `${this.tokens.join('\n')}\n`;
  }

  /** Parses vocab.txt: each line (without its \n, and a \r before it) is a token. */
  static fromText(text: string, source = 'vocab.txt'): WordPieceVocab {
    const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    if (lines.at(-1) === '') lines.pop();
    return new WordPieceVocab(lines, source);
  }

  static read(path: string): WordPieceVocab {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new InputError(`${path}: cannot read: ${(err as Error).message}`);
    }
    return WordPieceVocab.fromText(text, path);
  }
}

// ------------------------------------------------------------------ WordPiece

/** One word (already basic-tokenized) -> its pieces, or [UNK]. */
export function wordPiece(word: string, vocab: WordPieceVocab, maxChars = WORDPIECE_MAX_CHARS): string[] {
  const chars = Array.from(word);
  if (chars.length > maxChars) return ['[UNK]'];
  const pieces: string[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = chars.length;
    let found: string | undefined;
    while (start < end) {
      const piece = (start > 0 ? WORDPIECE_CONTINUATION : '') + chars.slice(start, end).join('');
      if (vocab.has(piece)) {
        found = piece;
        break;
      }
      end--;
    }
    if (found === undefined) return ['[UNK]'];
    pieces.push(found);
    start = end;
  }
  return pieces;
}

export interface BertEncoding {
  tokens: string[];
  ids: number[];
  /** 0 for the first segment, 1 for the second; 0 for padding. */
  tokenTypeIds: number[];
  /** 1 for a real token, 0 for padding. */
  attentionMask: number[];
}

export interface EncodeOptions {
  /** At most this many tokens, specials included (default 512). */
  maxLength?: number;
  /** Pad with [PAD] up to maxLength (default false). */
  pad?: boolean;
}

export class WordPieceTokenizer {
  constructor(readonly vocab: WordPieceVocab) {}

  static read(vocabPath: string): WordPieceTokenizer {
    return new WordPieceTokenizer(WordPieceVocab.read(vocabPath));
  }

  /** Text -> WordPiece tokens (no [CLS]/[SEP]); special tokens written in the text stay whole. */
  tokenize(text: string): string[] {
    const out: string[] = [];
    for (const part of text.split(SPECIAL_SPLIT)) {
      if ((BERT_SPECIAL_TOKENS as readonly string[]).includes(part)) out.push(part);
      else for (const word of basicTokenize(part)) out.push(...wordPiece(word, this.vocab));
    }
    return out;
  }

  idsOf(tokens: readonly string[]): number[] {
    return tokens.map((t) => this.vocab.id(t) ?? this.vocab.special('[UNK]'));
  }

  /** [CLS] a [SEP] (b [SEP]), truncated to maxLength and optionally padded. */
  encode(textA: string, textB?: string, opts: EncodeOptions = {}): BertEncoding {
    const maxLength = opts.maxLength ?? 512;
    const specials = textB === undefined ? 2 : 3;
    if (!Number.isInteger(maxLength) || maxLength < specials) {
      throw new InputError(`max length: found ${maxLength}, expected an integer ≥ ${specials}`);
    }
    const a = this.tokenize(textA);
    const b = textB === undefined ? undefined : this.tokenize(textB);
    truncate(a, b, maxLength - specials);
    const tokens = ['[CLS]', ...a, '[SEP]'];
    const tokenTypeIds = tokens.map(() => 0);
    if (b) {
      tokens.push(...b, '[SEP]');
      tokenTypeIds.push(...b.map(() => 1), 1);
    }
    const attentionMask = tokens.map(() => 1);
    if (opts.pad) {
      while (tokens.length < maxLength) {
        tokens.push('[PAD]');
        tokenTypeIds.push(0);
        attentionMask.push(0);
      }
    }
    return { tokens, ids: this.idsOf(tokens), tokenTypeIds, attentionMask };
  }

  /** Ids -> tokens (out-of-range ids as [UNK]). */
  tokensOf(ids: readonly number[]): string[] {
    return ids.map((id) => this.vocab.tokens[id] ?? '[UNK]');
  }
}

/** Drops tokens from the end of the longer list (b on ties) until both fit in `budget`. */
function truncate(a: string[], b: string[] | undefined, budget: number): void {
  if (!b) {
    a.length = Math.min(a.length, budget);
    return;
  }
  while (a.length + b.length > budget) {
    if (a.length > b.length) a.pop();
    else b.pop();
  }
}

/**
 * Pads encodings to one length (the longest, or `length`) for a batch:
 * ids, token types and masks as flat row-major [B, T] arrays.
 */
export function padBatch(
  encodings: readonly BertEncoding[],
  padId: number,
  length = Math.max(...encodings.map((e) => e.ids.length)),
): { B: number; T: number; ids: Int32Array; tokenTypeIds: Int32Array; attentionMask: Int32Array } {
  const B = encodings.length;
  const T = length;
  const ids = new Int32Array(B * T).fill(padId);
  const tokenTypeIds = new Int32Array(B * T);
  const attentionMask = new Int32Array(B * T);
  encodings.forEach((e, i) => {
    if (e.ids.length > T)
      throw new InputError(`batch row ${i}: found ${e.ids.length} tokens, expected ≤ ${T}`);
    ids.set(e.ids, i * T);
    tokenTypeIds.set(e.tokenTypeIds, i * T);
    attentionMask.set(e.attentionMask, i * T);
  });
  return { B, T, ids, tokenTypeIds, attentionMask };
}
