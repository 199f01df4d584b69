/**
 * llm.c's HellaSwag eval file (`hellaswag_val.bin`, written by dev/data/hellaswag.py).
 *
 * Header, 256 int32:
 *   [0] magic 20240522
 *   [1] version 1
 *   [2] num_examples (< 65536)
 *   [3] longest_example_bytes (llm.c sizes its read buffer with it)
 * Body: one uint16 stream, per example:
 *   START_EXAMPLE (65535), EXAMPLE_BYTES (the whole example, these fields included),
 *   EXAMPLE_INDEX (0, 1, 2, ...), LABEL (0..3), NUM_COMPLETIONS (4),
 *   ctx_len, ctx tokens, then 4 × (len_i, ending_i tokens).
 * Tokens are < 65535 so that no token can be mistaken for START_EXAMPLE.
 */
import { formatError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import {
  BodyReader,
  concatBytes,
  HEADER_BYTES,
  HeaderView,
  HeaderWriter,
  littleEndianBytes,
  readFileBytes,
} from './header.js';

export const HELLASWAG_MAGIC = 20240522;
export const HELLASWAG_VERSION = 1;
export const START_EXAMPLE = 65535;
export const NUM_COMPLETIONS = 4;
/** hellaswag.py's asserts: examples < 2^16 bytes, fewer than 2^16 examples, tokens < 65535. */
const MAX_EXAMPLE_BYTES = 65535;
const MAX_EXAMPLES = 65535;
const MAX_TOKEN = 65534;

export interface HellaSwagExample {
  /** Index of the correct ending, 0..3. */
  label: number;
  /** Context tokens. */
  context: number[];
  /** The 4 candidate endings' tokens (each tokenized with a leading space). */
  endings: number[][];
}

/** Bytes of one example on disk: 6 uint16 fields, the context, and a length + tokens per ending. */
function exampleBytes(example: HellaSwagExample): number {
  const words = 6 + example.context.length + example.endings.reduce((n, e) => n + 1 + e.length, 0);
  return 2 * words;
}

function checkExample(path: string, index: number, example: HellaSwagExample): void {
  const where = `example ${index}`;
  if (!Number.isInteger(example.label) || example.label < 0 || example.label >= NUM_COMPLETIONS) {
    throw formatError(path, `${where} label`, example.label, '0..3');
  }
  if (example.endings.length !== NUM_COMPLETIONS) {
    throw formatError(path, `${where} endings`, example.endings.length, `${NUM_COMPLETIONS} endings`);
  }
  const sequences: [string, number[]][] = [
    ['context', example.context],
    ...example.endings.map((e, i): [string, number[]] => [`ending ${i}`, e]),
  ];
  for (const [name, tokens] of sequences) {
    for (const token of tokens) {
      if (!Number.isInteger(token) || token < 0 || token > MAX_TOKEN) {
        throw formatError(
          path,
          `${where} ${name} token`,
          token,
          `an integer in 0..${MAX_TOKEN} (65535 marks START_EXAMPLE)`,
        );
      }
    }
  }
  const bytes = exampleBytes(example);
  if (bytes > MAX_EXAMPLE_BYTES) {
    throw formatError(path, `${where} size`, `${bytes} bytes`, `fewer than 65536 bytes`);
  }
}

/** Writes examples atomically, byte-identical to hellaswag.py's `write_evalfile`. */
export function writeHellaSwag(path: string, examples: HellaSwagExample[]): void {
  if (examples.length > MAX_EXAMPLES) {
    throw formatError(path, 'num_examples', examples.length, 'fewer than 65536 examples');
  }
  const words: number[] = [];
  let longest = 0;
  examples.forEach((example, index) => {
    checkExample(path, index, example);
    const bytes = exampleBytes(example);
    longest = Math.max(longest, bytes);
    words.push(START_EXAMPLE, bytes, index, example.label, NUM_COMPLETIONS);
    words.push(example.context.length, ...example.context);
    for (const ending of example.endings) words.push(ending.length, ...ending);
  });
  const header = new HeaderWriter()
    .int32(0, HELLASWAG_MAGIC)
    .int32(1, HELLASWAG_VERSION)
    .int32(2, examples.length)
    .int32(3, longest);
  writeFileAtomic(path, concatBytes([header.bytes, littleEndianBytes(Uint16Array.from(words))]));
}

/**
 * Reads and validates every example: marker, byte length (declared = actual,
 * ≤ longest_example_bytes), sequential index, label 0..3, 4 completions, and
 * no bytes after the last example.
 */
export function readHellaSwag(path: string): { examples: HellaSwagExample[]; longestExampleBytes: number } {
  const bytes = readFileBytes(path);
  const header = new HeaderView(bytes, path);
  header.expectMagic(HELLASWAG_MAGIC, 'llm.c HellaSwag eval file');
  header.expectVersion([HELLASWAG_VERSION]);
  const numExamples = header.intField(2, 'num_examples', 0, MAX_EXAMPLES);
  const longestExampleBytes = header.intField(3, 'longest_example_bytes', 0, MAX_EXAMPLE_BYTES);
  // Every example holds at least 10 uint16 fields (6 + 4 lengths): a cheap bound before parsing.
  const minBytes = HEADER_BYTES + numExamples * 20;
  if (bytes.byteLength < minBytes) {
    throw formatError(
      path,
      'header[2] num_examples (header promises more than the file holds)',
      `${numExamples} examples in ${bytes.byteLength} bytes`,
      `at least ${minBytes} bytes (20 per example)`,
    );
  }

  const reader = new BodyReader(bytes, path, HEADER_BYTES);
  const examples: HellaSwagExample[] = [];
  for (let index = 0; index < numExamples; index++) {
    const where = `example ${index}`;
    const start = reader.offset;
    const marker = reader.uint16(`${where} START_EXAMPLE`);
    if (marker !== START_EXAMPLE) {
      throw formatError(path, `${where} START_EXAMPLE (byte ${start})`, marker, `${START_EXAMPLE}`);
    }
    const declaredBytes = reader.uint16(`${where} EXAMPLE_BYTES`);
    if (declaredBytes > longestExampleBytes) {
      throw formatError(
        path,
        `${where} EXAMPLE_BYTES`,
        declaredBytes,
        `at most header[3] longest_example_bytes = ${longestExampleBytes}`,
      );
    }
    const exampleIndex = reader.uint16(`${where} EXAMPLE_INDEX`);
    if (exampleIndex !== index) throw formatError(path, `${where} EXAMPLE_INDEX`, exampleIndex, `${index}`);
    const label = reader.uint16(`${where} LABEL`);
    if (label >= NUM_COMPLETIONS) throw formatError(path, `${where} LABEL`, label, '0..3');
    const completions = reader.uint16(`${where} NUM_COMPLETIONS`);
    if (completions !== NUM_COMPLETIONS) {
      throw formatError(path, `${where} NUM_COMPLETIONS`, completions, `${NUM_COMPLETIONS}`);
    }
    const contextLength = reader.uint16(`${where} ctx_len`);
    const context = Array.from(reader.uint16s(contextLength, `${where} ctx tokens`));
    const endings: number[][] = [];
    for (let i = 0; i < NUM_COMPLETIONS; i++) {
      const length = reader.uint16(`${where} ending ${i} length`);
      endings.push(Array.from(reader.uint16s(length, `${where} ending ${i} tokens`)));
    }
    const actualBytes = reader.offset - start;
    if (actualBytes !== declaredBytes) {
      throw formatError(
        path,
        `${where} EXAMPLE_BYTES`,
        declaredBytes,
        `${actualBytes} (the bytes its fields occupy)`,
      );
    }
    for (const [name, tokens] of [
      ['ctx', context] as const,
      ...endings.map((e, i) => [`ending ${i}`, e] as const),
    ]) {
      const marked = tokens.indexOf(START_EXAMPLE);
      if (marked >= 0)
        throw formatError(path, `${where} ${name} token ${marked}`, START_EXAMPLE, 'a token below 65535');
    }
    examples.push({ label, context, endings });
  }
  reader.expectEnd(`the ${numExamples} examples header[2] announces`);
  return { examples, longestExampleBytes };
}
