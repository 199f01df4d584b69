/**
 * safetensors, Hugging Face's weight-file format, so PyTorch users read our
 * weights with `safetensors.torch.load_file` (and we read theirs):
 *
 *   u64 little-endian N | N bytes of JSON header | raw little-endian tensor data
 *
 *   header = {"__metadata__": {string: string}?, NAME: {"dtype": "F32",
 *             "shape": [..], "data_offsets": [begin, end]}, ...}
 *
 * Written as the reference writer (the Rust crate behind safetensors.torch)
 * writes it: compact JSON, `__metadata__` first, tensors ordered by dtype
 * alignment (all F32 here) then by name, data in that order with no gaps,
 * offsets relative to the end of the header, and the header padded with spaces
 * to a multiple of 8 bytes so the data starts 8-byte aligned. The reference
 * keeps metadata in a hash map (no fixed order); we sort its keys.
 *
 * F32 tensors are written (tfjs variables are float32). Read: F32 as is, and
 * F16 / BF16 (half-precision exports) widened to float32, which is exact:
 *
 *   BF16  bits b (16)       -> float32 bits b << 16 (BF16 is float32's top half)
 *   F16   sign s, exponent e (5, bias 15), mantissa m (10)
 *         e = 0:  (−1)^s · m · 2^−24               (subnormal; 0 when m = 0)
 *         e = 31: ±Infinity (m = 0) or NaN
 *         else:   (−1)^s · (1 + m/1024) · 2^(e−15)
 *
 * Other dtypes (integer buffers such as BERT's I64 `embeddings.position_ids`)
 * are an error naming the tensor, unless the caller's `skip` accepts the name:
 * such tensors are left out and listed in `skipped`. Every field is validated
 * on read; errors name the file and the tensor.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { formatError, InputError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import type { Module } from '../nn/module.js';

export interface SafetensorsTensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  /** In file order (by data offset). */
  tensors: Map<string, SafetensorsTensor>;
  /** The `__metadata__` map ({} when absent). */
  metadata: Record<string, string>;
  /** Tensors left out because `skip` accepted them (non-float buffers), in file order. */
  skipped: { name: string; dtype: string; shape: number[] }[];
}

export interface SafetensorsReadOptions {
  /** Called for a tensor of a dtype other than F32, F16, BF16: true leaves it out (listed in `skipped`), false is an error. */
  skip?: (name: string, dtype: string) => boolean;
}

/** The float dtypes read (as float32). */
const FLOAT_DTYPES = ['F32', 'F16', 'BF16'];

/** The reference reader refuses headers above 100 MB. */
const MAX_HEADER_BYTES = 100_000_000;
/** Every dtype the format defines, with its size in bytes (we write F32 and read F32, F16, BF16). */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};
const METADATA_KEY = '__metadata__';

/** Names in the reference order: byte-wise on their UTF-8 (Rust's String ordering). */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The file's bytes for `tensors` (any insertion order) and optional metadata. */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const names = [...tensors.keys()].sort(byteOrder);
  const header: Record<string, unknown> = {};
  const metaKeys = Object.keys(metadata).sort(byteOrder);
  if (metaKeys.length > 0) {
    const sorted: Record<string, string> = {};
    for (const key of metaKeys) {
      if (typeof metadata[key] !== 'string')
        throw new TypeError(`safetensors metadata "${key}": values must be strings`);
      sorted[key] = metadata[key];
    }
    header[METADATA_KEY] = sorted;
  }
  let offset = 0;
  for (const name of names) {
    if (name === METADATA_KEY) throw new TypeError(`safetensors: "${METADATA_KEY}" cannot name a tensor`);
    const { shape, data } = tensors.get(name)!;
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== data.length) {
      throw new TypeError(
        `safetensors tensor "${name}": shape [${shape}] holds ${count} values, got ${data.length}`,
      );
    }
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padding = (8 - (json.length % 8)) % 8;
  const headerLength = json.length + padding;

  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const name of names) {
    for (const value of tensors.get(name)!.data) {
      view.setFloat32(at, value, true);
      at += 4;
    }
  }
  return out;
}

/** Parses and validates a whole file's bytes; `file` names it in errors. */
export function decodeSafetensors(
  bytes: Uint8Array,
  file: string,
  opts: SafetensorsReadOptions = {},
): SafetensorsFile {
  if (bytes.length < 8)
    throw formatError(file, 'length', `${bytes.length} bytes`, 'at least 8 (the header length)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES))
    throw formatError(file, 'header length', n, `at most ${MAX_HEADER_BYTES} bytes`);
  const headerLength = Number(n);
  if (8 + headerLength > bytes.length) {
    throw formatError(
      file,
      'header length',
      headerLength,
      `at most ${bytes.length - 8} (the file has ${bytes.length} bytes)`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    throw formatError(file, 'header', 'invalid UTF-8', 'a UTF-8 JSON object');
  }
  if (!text.startsWith('{'))
    throw formatError(
      file,
      'header',
      JSON.stringify(text.trimEnd().slice(0, 20)),
      'a JSON object starting with "{"',
    );
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw formatError(file, 'header', `invalid JSON (${(err as Error).message})`, 'a JSON object');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw formatError(file, 'header', JSON.stringify(header), 'a JSON object');
  }

  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (info === null || typeof info !== 'object' || Array.isArray(info)) {
        throw formatError(file, METADATA_KEY, JSON.stringify(info), 'an object of string values');
      }
      for (const [key, value] of Object.entries(info)) {
        if (typeof value !== 'string')
          throw formatError(file, `${METADATA_KEY}.${key}`, JSON.stringify(value), 'a string');
        metadata[key] = value;
      }
      continue;
    }
    entries.push({ name, ...tensorInfo(file, name, info) });
  }

  // Data regions must tile the buffer exactly: in offset order, each starts where the previous ended.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  let expectedBegin = 0;
  for (const e of entries) {
    if (e.begin !== expectedBegin) {
      throw formatError(
        file,
        `tensor "${e.name}": data_offsets[0]`,
        e.begin,
        `${expectedBegin} (tensor data must be contiguous, without gaps or overlaps)`,
      );
    }
    expectedBegin = e.end;
  }
  if (expectedBegin !== dataLength) {
    throw formatError(
      file,
      'data length',
      `${dataLength} bytes after the header`,
      `${expectedBegin} (the end of the last tensor)`,
    );
  }

  const tensors = new Map<string, SafetensorsTensor>();
  const skipped: SafetensorsFile['skipped'] = [];
  for (const e of entries) {
    if (!FLOAT_DTYPES.includes(e.dtype)) {
      if (opts.skip?.(e.name, e.dtype)) {
        skipped.push({ name: e.name, dtype: e.dtype, shape: e.shape });
        continue;
      }
      throw formatError(
        file,
        `tensor "${e.name}": dtype`,
        e.dtype,
        'F32, F16 or BF16 (save with tensor.float() in PyTorch; integer and other dtypes are not read here)',
      );
    }
    const at = dataStart + e.begin;
    const data = new Float32Array((e.end - e.begin) / DTYPE_BYTES[e.dtype]);
    if (e.dtype === 'F32') {
      for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(at + 4 * i, true);
    } else if (e.dtype === 'BF16') {
      const bits = new Uint32Array(data.buffer);
      for (let i = 0; i < data.length; i++) bits[i] = view.getUint16(at + 2 * i, true) << 16;
    } else {
      for (let i = 0; i < data.length; i++) data[i] = halfToFloat(view.getUint16(at + 2 * i, true));
    }
    tensors.set(e.name, { shape: e.shape, data });
  }
  return { tensors, metadata, skipped };
}

/** IEEE half-precision bits -> its value (exact in float32; the formula in the file comment). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

function tensorInfo(
  file: string,
  name: string,
  info: unknown,
): { dtype: string; shape: number[]; begin: number; end: number } {
  const where = `tensor "${name}"`;
  if (info === null || typeof info !== 'object' || Array.isArray(info)) {
    throw formatError(file, where, JSON.stringify(info), 'an object {dtype, shape, data_offsets}');
  }
  const record = info as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== 'dtype' && key !== 'shape' && key !== 'data_offsets') {
      throw formatError(file, `${where}: key`, JSON.stringify(key), 'only dtype, shape and data_offsets');
    }
  }
  const { dtype, shape, data_offsets: offsets } = record;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
    throw formatError(
      file,
      `${where}: dtype`,
      JSON.stringify(dtype),
      `one of ${Object.keys(DTYPE_BYTES).join(', ')}`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw formatError(file, `${where}: shape`, JSON.stringify(shape), 'an array of integers ≥ 0');
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[1] < offsets[0]
  ) {
    throw formatError(
      file,
      `${where}: data_offsets`,
      JSON.stringify(offsets),
      'two integers [begin, end] with 0 ≤ begin ≤ end',
    );
  }
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  const [begin, end] = offsets as [number, number];
  if (end - begin !== count * DTYPE_BYTES[dtype]) {
    throw formatError(
      file,
      `${where}: data_offsets`,
      `[${begin},${end}] (${end - begin} bytes)`,
      `${count * DTYPE_BYTES[dtype]} bytes for ${dtype} shape [${shape}]`,
    );
  }
  return { dtype, shape: shape as number[], begin, end };
}

/** Writes a safetensors file atomically. */
export function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  metadata: Record<string, string> = {},
): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

export function readSafetensors(path: string, opts: SafetensorsReadOptions = {}): SafetensorsFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new InputError(`${path}: cannot read: ${(err as Error).message}`);
  }
  return decodeSafetensors(bytes, path, opts);
}

/** A module's variables under their names (values copied out of tfjs). */
export function moduleTensors(module: Module): Map<string, SafetensorsTensor> {
  const out = new Map<string, SafetensorsTensor>();
  for (const [name, variable] of module.namedVariables()) {
    out.set(name, {
      shape: [...variable.shape],
      data: Float32Array.from(variable.dataSync() as Float32Array),
    });
  }
  return out;
}

/** Saves a module's weights (one tensor per named variable). */
export function saveModuleWeights(module: Module, path: string, metadata: Record<string, string> = {}): void {
  writeSafetensors(path, moduleTensors(module), metadata);
}

/**
 * Loads weights saved by `saveModuleWeights` (or by PyTorch under the same
 * names) into `module`. The file must hold exactly the module's variables, each
 * with the variable's shape.
 */
export function loadModuleWeights(module: Module, path: string): Record<string, string> {
  const { tensors, metadata } = readSafetensors(path);
  const variables = module.namedVariables();
  for (const name of tensors.keys()) {
    if (!variables.has(name)) {
      throw formatError(
        path,
        `tensor "${name}"`,
        'present',
        `only the variables of ${module.name}: ${[...variables.keys()].join(', ')}`,
      );
    }
  }
  for (const [name, variable] of variables) {
    const t = tensors.get(name);
    if (t === undefined)
      throw formatError(path, `tensor "${name}"`, 'missing', `a tensor for ${module.name}'s variable`);
    if (t.shape.length !== variable.shape.length || t.shape.some((d, i) => d !== variable.shape[i])) {
      throw formatError(
        path,
        `tensor "${name}": shape`,
        `[${t.shape}]`,
        `[${variable.shape}] (${module.name})`,
      );
    }
  }
  for (const [name, variable] of variables) {
    const value = tf.tensor(tensors.get(name)!.data, variable.shape, 'float32');
    variable.assign(value);
    value.dispose();
  }
  return metadata;
}
