/**
 * A small end-to-end run of the assignment (200 sentences, 1 epoch) on the cpu
 * backend: every file is written in its format, the gradient experiments show
 * what the handout says they show, and the attention numbers match a hand computation.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '@course/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import { DEFAULT_RUN_OPTIONS, type RunResults, runSequenceModels } from '../src/run.js';

let out: string;
let results: RunResults;
const log: string[] = [];

beforeAll(async () => {
  await selectBackend('cpu');
  out = join(mkdtempSync(join(tmpdir(), 'seq-')), 'output');
  results = await runSequenceModels({
    ...DEFAULT_RUN_OPTIONS,
    sentiment: { ...DEFAULT_RUN_OPTIONS.sentiment, epochs: 1, maxLen: 12 },
    limit: 200,
    explodingExamples: 96,
    out,
    log: (line) => log.push(line),
  });
}, 300_000);

describe('sequence-models small run', () => {
  it('writes the accuracy table as markdown and CSV, one row per model', () => {
    const csv = readFileSync(join(out, 'accuracy.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('model,params,epochs,best epoch,train acc,val acc,test acc,test loss,train s');
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual([
      `rnn ${results.vocabulary}-32-32-2`,
      `lstm ${results.vocabulary}-32-32-2`,
    ]);
    for (const row of results.accuracy) {
      expect(row.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(row.testAccuracy).toBeLessThanOrEqual(1);
    }
    // LSTM: 4 gates × (E·H + H·H + H) more than the embedding and head it shares with the RNN's 1 × (…).
    const [rnn, lstm] = results.accuracy;
    expect(lstm.params - rnn.params).toBe(3 * (32 * 32 + 32 * 32 + 32));
    const md = readFileSync(join(out, 'accuracy.md'), 'utf8');
    expect(md).toContain(`| ${rnn.model} | ${rnn.params} | 1 | 1 |`);
    expect(results.split).toEqual({ train: 140, validation: 30, test: 30 });
  });

  it('writes each plot as SVG and PNG', () => {
    for (const name of ['loss-curves', 'grad-norm', 'gradient-through-time']) {
      expect(readFileSync(join(out, `${name}.svg`), 'utf8')).toMatch(/^<svg/);
      const png = readFileSync(join(out, `${name}.png`));
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    }
  });

  it('clipping keeps the exploding RNN finite; without it the loss diverges', () => {
    const [plain, clipped] = results.exploding;
    expect(plain.clipNorm).toBeUndefined();
    expect(clipped.clipNorm).toBe(1);
    expect(plain.gradNorms).toHaveLength(3);
    // Same initial weights and first batch: the same first gradient, far above the clip norm.
    expect(clipped.gradNorms[0]).toBeCloseTo(plain.gradNorms[0], 3);
    expect(plain.gradNorms[0]).toBeGreaterThan(100);
    expect(plain.divergedAt).toBeDefined();
    expect(clipped.divergedAt).toBeUndefined();
    expect(clipped.losses.every(Number.isFinite)).toBe(true);
  });

  it('gradients through time: the contracting RNN vanishes, the expanding one explodes, the LSTM neither', () => {
    const [vanishing, exploding, lstm] = results.throughTime.map((g) => g.norms);
    const T = DEFAULT_RUN_OPTIONS.gradientMaxLen;
    for (const norms of [vanishing, exploding, lstm]) expect(norms).toHaveLength(T);
    expect(vanishing[T - 1] / vanishing[0]).toBeLessThan(1e-6); // 0.5^39 ≈ 2e-12 times a tanh' ≤ 1
    expect(exploding[T - 1] / exploding[0]).toBeGreaterThan(10);
    expect(lstm[T - 1] / lstm[0]).toBeGreaterThan(1e-3);
    expect(lstm[T - 1] / lstm[0]).toBeLessThan(10);
  });

  it('attention worked example: scaled scores, causal mask, softmax, weighted values (by hand)', () => {
    const { steps, dK } = results.attention;
    expect(dK).toBe(2);
    // token 2: q = (0, 1); scores with k1 = (1, 0), k2 = (0, 1) → 0, 1; /√2 → 0, 0.7071; key 3 masked.
    expect(steps.masked[1][2]).toBe(Number.NEGATIVE_INFINITY);
    const w = 1 / (1 + Math.exp(Math.SQRT1_2)); // softmax(0, 1/√2)[0]
    expect(steps.weights[1][0]).toBeCloseTo(w, 6);
    expect(steps.weights[1][1]).toBeCloseTo(1 - w, 6);
    // output = w·(1, 0) + (1 − w)·(0, 2)
    expect(steps.output[1][0]).toBeCloseTo(w, 6);
    expect(steps.output[1][1]).toBeCloseTo(2 * (1 - w), 6);
    const md = readFileSync(join(out, 'attention.md'), 'utf8');
    expect(md).toContain('| token 2 | 0.3302 | 0.6698 | 0 |');
    expect(md).toContain('| token 1 | 0.7071 | −∞ | −∞ |');
  });

  it('results.json holds the numbers, a diverged loss as null', () => {
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(json.accuracy).toEqual(JSON.parse(JSON.stringify(results.accuracy)));
    expect(json.exploding[0].losses).toContain(null);
  });

  it('main: bad flags exit 2 with the flag named', async () => {
    const errors: string[] = [];
    const io = { stdout: { write: () => true }, stderr: { write: (s: string) => errors.push(s) } };
    expect(await main(['--epochs', '0'], io)).toBe(2);
    expect(errors.join('')).toMatch(/^error: --epochs: found "0"/);
  });
});
