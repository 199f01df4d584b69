/** The streamed non-finite weight check, across read-chunk boundaries, against offsets worked out by hand. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpointHeader } from '@course/models';
import { describe, expect, test } from 'vitest';
import { findNonFiniteWeight } from '../src/weights.js';
import { tempDir, tinyCheckpoint } from './helpers/fixtures.js';

const dir = tempDir('lb-weights-');

describe('findNonFiniteWeight', () => {
  test('finds the first NaN/±Infinity whatever the read chunk size; a finite model has none', async () => {
    for (const version of [3, 5] as const) {
      const path = tinyCheckpoint(dir, 61, version);
      const header = readCheckpointHeader(path);
      // Chunks of 3 and 5 bytes split values across reads.
      for (const chunk of [3, 5, 1 << 20]) expect(await findNonFiniteWeight(path, header, chunk)).toBeNull();
      const bytes = readFileSync(path);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
      // The last parameter of the tiny model: lnfb[15]. N = 128·16 + 64·16 + (12·256 + 13·16) + 2·16 = 6384.
      const last = 6383;
      const bytesPer = version === 3 ? 4 : 2;
      if (version === 3) view.setFloat32(1024 + last * 4, Number.POSITIVE_INFINITY, true);
      else view.setUint16(1024 + last * 2, 0x7fc0, true); // bf16 quiet NaN
      const bad = join(dir, `bad_v${version}.bin`);
      writeFileSync(bad, bytes);
      for (const chunk of [3, 5, 1 << 20]) {
        expect(await findNonFiniteWeight(bad, header, chunk)).toEqual({
          index: last,
          where: 'lnfb[15]',
          byte: 1024 + last * bytesPer,
          value: version === 3 ? Number.POSITIVE_INFINITY : Number.NaN,
        });
      }
    }
  });
});
