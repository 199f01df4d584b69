/**
 * Shared pieces of llm.c's binary formats. Every llm.c file starts with a
 * header of 256 little-endian 32-bit integers (1024 bytes); the body follows
 * immediately. Readers here never trust a number from a file before checking
 * it against the file's real size, so corrupt input gives an InputError naming
 * the file and the field, never a RangeError from a DataView.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { formatError, InputError } from '../errors.js';

export const HEADER_INTS = 256;
export const HEADER_BYTES = HEADER_INTS * 4;

/** Typed-array views are host-endian; llm.c files are little-endian. Big-endian hosts byte-swap. */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function unreadable(path: string, err: unknown): InputError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? String(err));
  return new InputError(`${path}: cannot read file (${why})`);
}

/** The whole file. A missing or unreadable file is an InputError. */
export function readFileBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw unreadable(path, err);
  }
}

/** Only the first 1024 bytes, plus the file's size, for cheap header checks. */
export function readHeaderBytes(path: string): { header: Uint8Array; fileBytes: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw unreadable(path, err);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new InputError(`${path}: cannot read file (is a directory)`);
    const header = new Uint8Array(Math.min(HEADER_BYTES, stat.size));
    let got = 0;
    while (got < header.length) {
      const n = readSync(fd, header, got, header.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return { header: header.subarray(0, got), fileBytes: stat.size };
  } finally {
    closeSync(fd);
  }
}

/**
 * Read access to a 256-int header, by index as llm.c's tables number them.
 * Construction fails cleanly when the file is shorter than a header.
 */
export class HeaderView {
  private readonly view: DataView;

  constructor(
    bytes: Uint8Array,
    readonly file: string,
    /** Size of the whole file (may exceed `bytes` when only the header was read). */
    readonly fileBytes: number = bytes.byteLength,
  ) {
    if (bytes.byteLength < HEADER_BYTES) {
      throw formatError(file, 'header', `${bytes.byteLength} bytes`, `${HEADER_BYTES} bytes (256 int32)`);
    }
    this.view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  }

  int32(index: number): number {
    return this.view.getInt32(index * 4, true);
  }

  uint32(index: number): number {
    return this.view.getUint32(index * 4, true);
  }

  /** A uint64/size_t spread over ints index, index+1 (low word first). */
  uint64(index: number): bigint {
    return this.view.getBigUint64(index * 4, true);
  }

  /** Header[0]. `format` names what the file should be, e.g. "llm.c data shard". */
  expectMagic(magic: number, format: string): void {
    const found = this.uint32(0);
    if (found !== magic) throw formatError(this.file, 'header[0] magic', found, `${magic} (${format})`);
  }

  /** Header[1]; returns the version. `why` explains the rejection of anything else. */
  expectVersion<V extends number>(allowed: readonly V[], why = ''): V {
    const found = this.int32(1);
    if (!allowed.includes(found as V)) {
      throw formatError(
        this.file,
        'header[1] version',
        found,
        allowed.join(' or ') + (why ? ` (${why})` : ''),
      );
    }
    return found as V;
  }

  /** An int32 field that must lie in [min, max]. */
  intField(index: number, name: string, min: number, max: number): number {
    const found = this.int32(index);
    if (found < min || found > max) {
      throw formatError(this.file, `header[${index}] ${name}`, found, `an integer in ${min}..${max}`);
    }
    return found;
  }
}

/** The exact-size check every llm.c reader makes ("file size is not as expected"). */
export function expectFileBytes(file: string, found: number, expected: number, how: string): void {
  if (found !== expected) {
    const what =
      found < expected ? 'truncated or header promises more than the file holds' : 'trailing bytes';
    throw formatError(file, `file size (${what})`, `${found} bytes`, `${expected} bytes = ${how}`);
  }
}

/** Builds a 1024-byte header; unset fields stay 0 as llm.c's writers leave them. */
export class HeaderWriter {
  readonly bytes = new Uint8Array(HEADER_BYTES);
  private readonly view = new DataView(this.bytes.buffer);

  int32(index: number, value: number): this {
    this.view.setInt32(index * 4, value, true);
    return this;
  }

  uint32(index: number, value: number): this {
    this.view.setUint32(index * 4, value, true);
    return this;
  }

  uint64(index: number, value: bigint): this {
    this.view.setBigUint64(index * 4, value, true);
    return this;
  }
}

/**
 * A fresh copy of bytes[offset, offset+n). Not `bytes.slice`: on a Node Buffer
 * that is a view sharing memory, and typed arrays built on its .buffer would see the whole pool.
 */
export function copyBytes(bytes: Uint8Array, offset: number, n: number): Uint8Array {
  const copy = new Uint8Array(n);
  copy.set(bytes.subarray(offset, offset + n));
  return copy;
}

type NumericArray = Float32Array | Uint16Array | Int32Array | Uint32Array;

function swapBytes(bytes: Uint8Array, elementBytes: number): void {
  for (let i = 0; i < bytes.length; i += elementBytes) bytes.subarray(i, i + elementBytes).reverse();
}

/** Copies little-endian elements starting at byte `offset` into `out` (fresh, so aligned). */
function fillFromLittleEndian<T extends NumericArray>(out: T, bytes: Uint8Array, offset: number): T {
  const outBytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  outBytes.set(bytes.subarray(offset, offset + out.byteLength));
  if (!HOST_IS_LITTLE_ENDIAN) swapBytes(outBytes, out.BYTES_PER_ELEMENT);
  return out;
}

/**
 * Whether a body can be a view on the file's own memory instead of a copy:
 * little-endian host, aligned start, and `bytes` owning its whole buffer (Node
 * pools small reads in a shared buffer, never large ones). For 100M-token
 * shards and 500 MB checkpoints this halves peak memory.
 */
function canView(bytes: Uint8Array, offset: number, elementBytes: number): boolean {
  return (
    HOST_IS_LITTLE_ENDIAN &&
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    offset % elementBytes === 0
  );
}

/** `count` fp32 from byte `offset`; may share memory with `bytes` (see canView). */
export function float32Body(bytes: Uint8Array, offset: number, count: number): Float32Array {
  if (canView(bytes, offset, 4)) return new Float32Array(bytes.buffer, offset, count);
  return fillFromLittleEndian(new Float32Array(count), bytes, offset);
}

/** `count` uint16 from byte `offset`; may share memory with `bytes` (see canView). */
export function uint16Body(bytes: Uint8Array, offset: number, count: number): Uint16Array {
  if (canView(bytes, offset, 2)) return new Uint16Array(bytes.buffer, offset, count);
  return fillFromLittleEndian(new Uint16Array(count), bytes, offset);
}

export function int32Body(bytes: Uint8Array, offset: number, count: number): Int32Array {
  return fillFromLittleEndian(new Int32Array(count), bytes, offset);
}

/** The little-endian bytes of a typed array (a view on little-endian hosts, a swapped copy otherwise). */
export function littleEndianBytes(array: NumericArray): Uint8Array {
  const view = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  if (HOST_IS_LITTLE_ENDIAN) return view;
  const copy = copyBytes(view, 0, view.byteLength);
  swapBytes(copy, array.BYTES_PER_ELEMENT);
  return copy;
}

/** Concatenates header and body parts into the bytes of one file. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/**
 * Sequential reader for variable-length bodies (HellaSwag examples, tokenizer
 * entries, the optimizer state's shuffle tail). Each read names its field, so
 * running off the end of the file reports which field was cut short.
 */
export class BodyReader {
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    readonly file: string,
    public offset: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.byteLength - this.offset;
  }

  /** Fails unless `n` more bytes exist. */
  need(n: number, field: string): void {
    if (n > this.remaining) {
      throw formatError(
        this.file,
        `${field} (truncated at byte ${this.offset})`,
        `${this.remaining} bytes left in the file`,
        `${n} bytes`,
      );
    }
  }

  uint8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.offset++);
  }

  uint16(field: string): number {
    this.need(2, field);
    const value = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return value;
  }

  uint64(field: string): bigint {
    this.need(8, field);
    const value = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    return value;
  }

  /** `n` raw bytes (a copy). */
  raw(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = copyBytes(this.bytes, this.offset, n);
    this.offset += n;
    return out;
  }

  int32s(count: number, field: string): Int32Array {
    this.need(count * 4, field);
    const out = int32Body(this.bytes, this.offset, count);
    this.offset += count * 4;
    return out;
  }

  uint16s(count: number, field: string): Uint16Array {
    this.need(count * 2, field);
    const out = uint16Body(this.bytes, this.offset, count);
    this.offset += count * 2;
    return out;
  }

  /** Fails if bytes remain after the last field. */
  expectEnd(what: string): void {
    if (this.remaining !== 0) {
      throw formatError(
        this.file,
        `file size (trailing bytes after ${what})`,
        `${this.remaining} extra bytes at byte ${this.offset}`,
        'end of file',
      );
    }
  }
}
