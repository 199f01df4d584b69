/**
 * Reads a stored (method 0) zip back for tests, independently of src/zip.ts: the central
 * directory from the end record, each entry's data after its local header, CRC-32 checked
 * with node:zlib's own crc32.
 */
import * as zlib from 'node:zlib';

export interface UnzippedEntry {
  name: string;
  data: Buffer;
  /** Unix permission bits from the external attributes. */
  mode: number;
}

export function unzipStored(zip: Buffer): UnzippedEntry[] {
  const end = zip.length - 22;
  if (zip.readUInt32LE(end) !== 0x06054b50) throw new Error('no end of central directory record');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: UnzippedEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`entry ${i}: no central directory header`);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const mode = zip.readUInt32LE(at + 38) >>> 16;
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (method !== 0) throw new Error(`${name}: method ${method}, expected 0 (stored)`);
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`${name}: no local header`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    const check = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
    if (check && check(data) >>> 0 !== crc) throw new Error(`${name}: CRC-32 mismatch`);
    entries.push({ name, data, mode: mode & 0o7777 });
    at += 46 + nameLength + skip;
  }
  return entries;
}
