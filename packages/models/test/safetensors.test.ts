import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { selectBackend } from '../src/backend.js';
import type { Module } from '../src/nn/module.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  loadModuleWeights,
  readSafetensors,
  type SafetensorsTensor,
  saveModuleWeights,
  writeSafetensors,
} from '../src/weights/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'safetensors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await selectBackend('cpu');
});

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const u64 = (n: number) => [n, 0, 0, 0, 0, 0, 0, 0];

function tensors(entries: [string, number[], number[]][]): Map<string, SafetensorsTensor> {
  return new Map(entries.map(([name, shape, values]) => [name, { shape, data: Float32Array.from(values) }]));
}

describe('safetensors bytes', () => {
  test('the reference crate\'s own example: one F32 tensor "attn.0" [1,2,3] = 0..5, a 64-byte header, no padding', () => {
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(header.length).toBe(64);
    // IEEE-754 float32, little-endian: 0 = 00000000, 1 = 3f800000, 2 = 40000000, 3 = 40400000, 4 = 40800000, 5 = 40a00000.
    const data = [
      0, 0, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40, 0, 0, 0x80, 0x40, 0, 0, 0xa0, 0x40,
    ];
    const expected = Uint8Array.from([...u64(64), ...ascii(header), ...data]);
    expect(encodeSafetensors(tensors([['attn.0', [1, 2, 3], [0, 1, 2, 3, 4, 5]]]))).toEqual(expected);
  });

  test('tensors sorted by name byte-wise, metadata first with sorted keys, header padded with spaces to 8', () => {
    // Inserted out of order; "Z" (0x5a) sorts before "a.w" (0x61) byte-wise.
    const input = tensors([
      ['b', [2], [1, -2]],
      ['Z', [], [7]],
      ['a.w', [1, 2], [0.5, 3]],
    ]);
    const header =
      '{"__metadata__":{"epoch":"3","format":"pt"},' +
      '"Z":{"dtype":"F32","shape":[],"data_offsets":[0,4]},' +
      '"a.w":{"dtype":"F32","shape":[1,2],"data_offsets":[4,12]},' +
      '"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}';
    expect(header.length).toBe(209); // + 7 spaces = 216, a multiple of 8
    const data = [
      ...[0, 0, 0xe0, 0x40], // 7
      ...[0, 0, 0, 0x3f], // 0.5
      ...[0, 0, 0x40, 0x40], // 3
      ...[0, 0, 0x80, 0x3f], // 1
      ...[0, 0, 0, 0xc0], // -2
    ];
    const expected = Uint8Array.from([...u64(216), ...ascii(header), ...ascii('       '), ...data]);
    const bytes = encodeSafetensors(input, { format: 'pt', epoch: '3' });
    expect(bytes).toEqual(expected);

    const decoded = decodeSafetensors(bytes, 'x.safetensors');
    expect(decoded.metadata).toEqual({ epoch: '3', format: 'pt' });
    expect([...decoded.tensors.keys()]).toEqual(['Z', 'a.w', 'b']);
    expect(decoded.tensors.get('a.w')).toEqual({ shape: [1, 2], data: Float32Array.from([0.5, 3]) });
    expect(decoded.tensors.get('Z')).toEqual({ shape: [], data: Float32Array.from([7]) });
  });

  test('an empty file is "{}" plus 6 spaces (the reference\'s empty example)', () => {
    expect(encodeSafetensors(new Map())).toEqual(Uint8Array.from([...u64(8), ...ascii('{}      ')]));
  });

  test('round trip through a file keeps every float bit', () => {
    const values = Float32Array.from([
      Math.PI,
      -0,
      1e-38,
      3.4e38,
      Number.NaN,
      -1.5,
      Number.POSITIVE_INFINITY,
    ]);
    const file = join(dir, 'roundtrip.safetensors');
    writeSafetensors(file, new Map([['w', { shape: [7], data: values }]]), { note: 'ünïcode' });
    const back = readSafetensors(file);
    expect(back.metadata).toEqual({ note: 'ünïcode' });
    const w = back.tensors.get('w')!;
    expect(new Uint32Array(w.data.buffer)).toEqual(new Uint32Array(values.buffer));
  });
});

describe('safetensors validation names the file and tensor', () => {
  const file = 'bad.safetensors';
  /** A file whose header is `json` (padded), followed by `dataBytes` zero bytes. */
  function build(json: string, dataBytes: number): Uint8Array {
    const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
    return Uint8Array.from([...u64(padded.length), ...ascii(padded), ...new Array(dataBytes).fill(0)]);
  }

  test.each([
    ['short file', Uint8Array.from([1, 2, 3]), /bad\.safetensors: length: found 3 bytes/],
    ['header past the end', Uint8Array.from([...u64(100), ...ascii('{}')]), /header length: found 100/],
    ['not JSON', build('{"a":', 0), /bad\.safetensors: header: found invalid JSON/],
    ['not an object', build('[1,2]', 0), /header: found "\[1,2\]", expected a JSON object starting/],
    [
      'unsupported dtype',
      build('{"w":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}', 16),
      /bad\.safetensors: tensor "w": dtype: found I64, expected F32, F16 or BF16/,
    ],
    [
      'unknown dtype',
      build('{"w":{"dtype":"float","shape":[2],"data_offsets":[0,8]}}', 8),
      /tensor "w": dtype: found "float"/,
    ],
    [
      'bad shape',
      build('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,8]}}', 8),
      /tensor "w": shape: found \[-1\]/,
    ],
    [
      'size mismatch',
      build('{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', 8),
      /tensor "w": data_offsets: found \[0,8\] \(8 bytes\), expected 12 bytes/,
    ],
    [
      'gap between tensors',
      build(
        '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}',
        12,
      ),
      /tensor "b": data_offsets\[0\]: found 8, expected 4/,
    ],
    [
      'trailing bytes',
      build('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 8),
      /data length: found 8 bytes after the header, expected 4/,
    ],
    [
      'metadata not strings',
      build('{"__metadata__":{"epoch":3}}', 0),
      /__metadata__\.epoch: found 3, expected a string/,
    ],
    [
      'extra key',
      build('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"offsets":[0,4]}}', 4),
      /tensor "w": key: found "offsets"/,
    ],
  ])('%s', (_label, bytes, message) => {
    expect(() => decodeSafetensors(bytes, file)).toThrow(message);
  });
});

describe('module weights', () => {
  function tinyModule(): Module {
    const vars = new Map<string, tf.Variable>([
      ['dense_0/kernel', tf.variable(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]), true)],
      ['dense_0/bias', tf.variable(tf.tensor1d([0.5, -0.5]), true)],
    ]);
    return {
      name: 'tiny',
      apply: (x) => tf.add(tf.matMul(x, vars.get('dense_0/kernel')!), vars.get('dense_0/bias')!),
      namedVariables: () => vars,
      dispose: () => {
        for (const v of vars.values()) v.dispose();
      },
    };
  }

  test('save then load into a fresh module restores the values; mismatches are named', () => {
    const a = tinyModule();
    const file = join(dir, 'tiny.safetensors');
    saveModuleWeights(a, file, { epoch: '2' });
    const b = tinyModule();
    b.namedVariables()
      .get('dense_0/bias')!
      .assign(tf.tensor1d([9, 9]));
    expect(loadModuleWeights(b, file)).toEqual({ epoch: '2' });
    expect(Array.from(b.namedVariables().get('dense_0/bias')!.dataSync())).toEqual([0.5, -0.5]);
    expect(Array.from(b.namedVariables().get('dense_0/kernel')!.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);

    writeSafetensors(
      file,
      tensors([
        ['dense_0/kernel', [2, 3], [1, 2, 3, 4, 5, 6]],
        ['dense_0/bias', [2], [0, 0]],
      ]),
    );
    expect(() => loadModuleWeights(b, file)).toThrow(
      /tiny\.safetensors: tensor "dense_0\/kernel": shape: found \[2,3\], expected \[3,2\]/,
    );
    writeSafetensors(file, tensors([['dense_0/bias', [2], [0, 0]]]));
    expect(() => loadModuleWeights(b, file)).toThrow(/tensor "dense_0\/kernel": found missing/);
    a.dispose();
    b.dispose();
  });

  test('an unreadable path is an InputError naming it', () => {
    const missing = join(dir, 'nope.safetensors');
    expect(() => readSafetensors(missing)).toThrow(/nope\.safetensors: cannot read/);
  });
});
