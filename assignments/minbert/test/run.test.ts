/**
 * The command end to end with tiny settings (30 examples a task, 1 epoch,
 * BERT-tiny, 3 pretraining updates): the table, CSV, plots, prediction files
 * in the starter's format and the checkpoint folders are all written.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBertFolder, readSafetensors } from '@course/models';
import { PREDICTION_HEADERS, parsePredictions } from '@course/trainer';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import { RESULT_COLUMNS } from '../src/run.js';

const dir = mkdtempSync(join(tmpdir(), 'minbert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } },
    out,
    err,
  };
}

const common = ['--backend', 'auto', '--cache', join(dir, 'cache'), '--vocab', '600', '--max-length', '24'];

describe('minbert command', () => {
  it('pretrain caches a Hugging Face folder; start writes the table, CSV, plots, predictions and checkpoints', async () => {
    const p = io();
    expect(
      await main(['pretrain', ...common, '--pretrain-steps', '3', '--limit', '30'], p.io),
      p.err.join(''),
    ).toBe(0);
    const cached = readdirSync(join(dir, 'cache'));
    expect(cached).toContain('vocab-600.txt');
    const pretrained = cached.find((f) => f.startsWith('pretrained-tiny'))!;
    expect(readdirSync(join(dir, 'cache', pretrained)).sort()).toEqual([
      'config.json',
      'model.safetensors',
      'vocab.txt',
    ]);
    expect(p.err.join('')).toMatch(/pretrain step 3\/3: MLM loss \d/);

    const r = io();
    const out = join(dir, 'out');
    const variants = 'cross:rr,uv-diff-prod:pcgrad,cosine:prop:smart';
    const code = await main(
      [...common, '--out', out, '--limit', '30', '--batch-size', '8', '--variants', variants],
      r.io,
    );
    const log = r.err.join('');
    expect(code, log).toBe(0);
    expect(log).toMatch(/starting from the pretrained checkpoint/);
    expect(log).toMatch(/comparison: 3 variants in [\d.]+ s on \w+; cost \$[\d.e-]+ at \$1.5\/h/);

    const md = readFileSync(join(out, 'results.md'), 'utf8').trim().split('\n');
    expect(md[0]).toBe(`| ${RESULT_COLUMNS.join(' | ')} |`);
    expect(md.slice(2).map((l) => l.split(' | ')[0])).toEqual([
      '| cross/rr',
      '| uv-diff-prod/pcgrad',
      '| cosine/prop+smart',
    ]);
    expect(r.out.join('')).toContain(md[0]);

    const csv = readFileSync(join(out, 'results.csv'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    expect(csv[0]).toEqual([...RESULT_COLUMNS]);
    expect(csv).toHaveLength(4);
    for (const row of csv.slice(1)) {
      const [sa, pa, r_, overall] = row.slice(4, 8).map(Number);
      for (const acc of [sa, pa]) expect(acc >= 0 && acc <= 1).toBe(true);
      expect(Math.abs(r_)).toBeLessThanOrEqual(1);
      // the starter's overall score from the row's own metrics (4 decimals each)
      expect(overall).toBeCloseTo((sa + pa + (r_ + 1) / 2) / 3, 3);
    }
    expect(csv[2][8]).toBe('4'); // pcgrad: max(4, 4, 4) batches of 8 → 4 updates, all tasks each
    expect(csv[1][8]).toBe('12'); // round-robin: 3 tasks × 4 batches

    for (const f of ['loss-curves.svg', 'loss-curves.png', 'variants.svg', 'variants.png', 'results.json'])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'variants.svg'), 'utf8')).toContain('cosine/prop+smart');

    const preds = join(out, 'predictions', 'cross_rr');
    expect(readdirSync(preds).sort()).toEqual([
      'para-dev-output.csv',
      'para-test-output.csv',
      'sst-dev-output.csv',
      'sst-test-output.csv',
      'sts-dev-output.csv',
      'sts-test-output.csv',
    ]);
    const sst = readFileSync(join(preds, 'sst-dev-output.csv'), 'utf8');
    expect(sst.split('\n')[0]).toBe(`id \t ${PREDICTION_HEADERS.sentiment} `);
    const parsed = parsePredictions(sst, 'sst-dev-output.csv');
    expect(parsed.task).toBe('sentiment');
    expect(parsed.predictions).toHaveLength(8);
    for (const p of parsed.predictions) expect([0, 1]).toContain(p.value);
    const sts = parsePredictions(readFileSync(join(preds, 'sts-test-output.csv'), 'utf8'), 'sts');
    for (const p of sts.predictions) expect(p.value >= 0 && p.value <= 5).toBe(true);

    const ckpt = join(out, 'checkpoints', 'uv-diff-prod_pcgrad');
    const names = [...readSafetensors(join(ckpt, 'model.safetensors')).tensors.keys()];
    expect(names).toContain('encoder.layer.1.output.LayerNorm.weight');
    expect(names).toContain('classifier.paraphrase.weight');
    // the encoder loads back as a plain BertModel folder (the heads are skipped like HF's classifier.*)
    const loaded = loadBertFolder(ckpt);
    expect(loaded.config.layers).toBe(2);
    loaded.model.dispose();
  }, 300_000);

  it('rejects a bad variant with exit 2 and the expected forms', async () => {
    const r = io();
    expect(await main(['--variants', 'cross:sometimes', '--backend', 'cpu'], r.io)).toBe(2);
    expect(r.err.join('')).toMatch(
      /--variants: "cross:sometimes": schedule found "sometimes", expected one of/,
    );
  });
});
