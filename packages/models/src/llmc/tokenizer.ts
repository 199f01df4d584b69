/**
 * llm.c's tokenizer table (`gpt2_tokenizer.bin`, written by train_gpt2.py).
 *
 * Header, 256 uint32:
 *   [0] magic 20240328
 *   [1] version: 1 (vocab_size must be 50257, EOT implied 50256) or 2
 *   [2] vocab_size
 *   [3] eot_token (version 2 only; 0 in version 1)
 * Body: for each token id 0..V-1, a uint8 length (1..255) then that many raw
 * bytes (tiktoken's decode_bytes; not necessarily valid UTF-8). No terminator.
 */
import { formatError, InputError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import { GPT2_EOT, GPT2_VOCAB_SIZE } from '../gpt2/config.js';
import { BodyReader, concatBytes, HEADER_BYTES, HeaderView, HeaderWriter, readFileBytes } from './header.js';

export const TOKENIZER_MAGIC = 20240328;
export type TokenizerVersion = 1 | 2;
/** Bound on vocab_size: enough for any BPE vocabulary, small enough to reject garbage early. */
const MAX_VOCAB = 2 ** 20;

export interface TokenizerTable {
  version: TokenizerVersion;
  vocabSize: number;
  eotToken: number;
  /** Raw bytes of each token id. */
  tokens: Uint8Array[];
}

export function readTokenizer(path: string): TokenizerTable {
  const bytes = readFileBytes(path);
  const header = new HeaderView(bytes, path);
  header.expectMagic(TOKENIZER_MAGIC, 'llm.c tokenizer');
  const version = header.expectVersion<TokenizerVersion>([1, 2]);
  const vocabSize = header.uint32(2);
  if (version === 1 && vocabSize !== GPT2_VOCAB_SIZE) {
    throw formatError(
      path,
      'header[2] vocab_size',
      vocabSize,
      `${GPT2_VOCAB_SIZE} (version 1 implies GPT-2)`,
    );
  }
  if (vocabSize < 1 || vocabSize > MAX_VOCAB) {
    throw formatError(path, 'header[2] vocab_size', vocabSize, `an integer in 1..${MAX_VOCAB}`);
  }
  // Each entry takes at least 2 bytes (length + one byte).
  if (bytes.byteLength < HEADER_BYTES + 2 * vocabSize) {
    throw formatError(
      path,
      'header[2] vocab_size (header promises more than the file holds)',
      `${vocabSize} tokens in ${bytes.byteLength} bytes`,
      `at least ${HEADER_BYTES + 2 * vocabSize} bytes`,
    );
  }
  let eotToken = GPT2_EOT;
  if (version === 2) {
    eotToken = header.uint32(3);
    if (eotToken >= vocabSize)
      throw formatError(path, 'header[3] eot_token', eotToken, `0..${vocabSize - 1}`);
  }

  const reader = new BodyReader(bytes, path, HEADER_BYTES);
  const tokens: Uint8Array[] = [];
  for (let id = 0; id < vocabSize; id++) {
    const length = reader.uint8(`token ${id} length`);
    if (length === 0) throw formatError(path, `token ${id} length`, 0, '1..255');
    tokens.push(reader.raw(length, `token ${id} bytes`));
  }
  reader.expectEnd(`token ${vocabSize - 1}`);
  return { version, vocabSize, eotToken, tokens };
}

/** Writes a tokenizer table atomically, byte-identical to train_gpt2.py's `write_tokenizer`. */
export function writeTokenizer(
  path: string,
  tokens: Uint8Array[],
  options: { version: TokenizerVersion; eotToken: number },
): void {
  const { version, eotToken } = options;
  if (version !== 1 && version !== 2) throw formatError(path, 'version', version, '1 or 2');
  if (version === 1 && (tokens.length !== GPT2_VOCAB_SIZE || eotToken !== GPT2_EOT)) {
    throw formatError(
      path,
      'version 1 vocabulary',
      `${tokens.length} tokens, EOT ${eotToken}`,
      `${GPT2_VOCAB_SIZE} tokens, EOT ${GPT2_EOT} (or use version 2)`,
    );
  }
  if (tokens.length < 1 || tokens.length > MAX_VOCAB) {
    throw formatError(path, 'vocab_size', tokens.length, `1..${MAX_VOCAB}`);
  }
  if (!Number.isInteger(eotToken) || eotToken < 0 || eotToken >= tokens.length) {
    throw formatError(path, 'eot_token', eotToken, `0..${tokens.length - 1}`);
  }
  // One length byte plus the bytes of each token, laid out in a single buffer.
  let bodyBytes = 0;
  tokens.forEach((token, id) => {
    if (token.length < 1 || token.length > 255)
      throw formatError(path, `token ${id} length`, token.length, '1..255');
    bodyBytes += 1 + token.length;
  });
  const body = new Uint8Array(bodyBytes);
  let offset = 0;
  for (const token of tokens) {
    body[offset] = token.length;
    body.set(token, offset + 1);
    offset += 1 + token.length;
  }
  const header = new HeaderWriter()
    .uint32(0, TOKENIZER_MAGIC)
    .uint32(1, version)
    .uint32(2, tokens.length)
    .uint32(3, version === 2 ? eotToken : 0);
  writeFileAtomic(path, concatBytes([header.bytes, body]));
}

/** Concatenates the tokens' bytes and decodes them as UTF-8 (invalid sequences become U+FFFD). */
export function decodeTokens(tokenizer: TokenizerTable, ids: ArrayLike<number>): string {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= tokenizer.vocabSize) {
      throw new InputError(`token id ${id} (position ${i}): expected 0..${tokenizer.vocabSize - 1}`);
    }
    parts.push(tokenizer.tokens[id]);
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(concatBytes(parts));
}
