/**
 * Test helpers that build llm.c files byte by byte with a DataView,
 * independently of the writers under test.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { InputError } from '../src/errors.js';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'llmc-test-'));
}

/** A 1024-byte header with the given int32 fields (index → value), the rest 0. */
export function headerBytes(fields: Record<number, number>): Uint8Array {
  const bytes = new Uint8Array(1024);
  const view = new DataView(bytes.buffer);
  for (const [index, value] of Object.entries(fields)) view.setInt32(Number(index) * 4, value, true);
  return bytes;
}

/** Little-endian uint16 bytes of `words`. */
export function uint16Bytes(words: number[]): Uint8Array {
  const bytes = new Uint8Array(words.length * 2);
  const view = new DataView(bytes.buffer);
  words.forEach((w, i) => {
    view.setUint16(i * 2, w, true);
  });
  return bytes;
}

/** Little-endian float32 bytes of `values`. */
export function float32Bytes(values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    view.setFloat32(i * 4, v, true);
  });
  return bytes;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

export function writeBytes(dir: string, name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

export function fileBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** `read()` throws an InputError whose message names the file and contains every `words`. */
export function expectInputError(read: () => unknown, path: string, ...words: string[]): void {
  let error: unknown;
  try {
    read();
  } catch (err) {
    error = err;
  }
  expect(error, `expected an InputError for ${path}`).toBeInstanceOf(InputError);
  const message = (error as Error).message;
  expect(message).toContain(path);
  for (const word of words) expect(message).toContain(word);
}
