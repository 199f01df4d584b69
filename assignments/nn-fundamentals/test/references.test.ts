import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '@course/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { DETECTIONS } from '../src/homework.js';
import { main } from '../src/main.js';
import { computeReferences, type Reference } from '../src/references.js';

let refs: Reference[];
const value = (id: string) => {
  const r = refs.find((x) => x.id === id);
  if (!r) throw new Error(`no reference ${id}`);
  return r.value;
};

beforeAll(async () => {
  await selectBackend('cpu');
  refs = computeReferences();
});

describe('nn-fundamentals references', () => {
  it('Q1: MLP 33-512-10 has 22,538 parameters, not the published 22,018', () => {
    // (33·512 + 512) + (512·10 + 10) = 17,408 + 5,130 = 22,538.
    // The published answer 22,018 = 33·512 + 512·10 + 2 (one bias per layer).
    expect(value('1')).toBe(22_538);
    expect(33 * 512 + 512 * 10 + 2).toBe(22_018);
  });

  it('Q2: the 3-3-2 sigmoid network, by hand', () => {
    const s = (z: number) => 1 / (1 + Math.exp(-z));
    // z1 = 0.4 + (0.02, 0.04, 0.01)·W1 columns = 0.425, 0.432, 0.439
    const h = [s(0.425), s(0.432), s(0.439)];
    const y = [s(0.7 + 0.1 * h[0] + 0.3 * h[1] + 0.5 * h[2]), s(0.7 + 0.2 * h[0] + 0.4 * h[1] + 0.6 * h[2])];
    h.forEach((v, j) => {
      expect(value(`2.h${j + 1}`)).toBeCloseTo(v, 6);
    });
    y.forEach((v, k) => {
      expect(value(`2.y${k + 1}`)).toBeCloseTo(v, 6);
    });
    expect(value('2.loss')).toBeCloseTo(0.5 * ((y[0] - 0.9) ** 2 + (y[1] - 0.5) ** 2), 7);
    // ∂L/∂w2_11 = (y1 − t1)·y1(1 − y1)·h1
    expect(value('2.dw2_11')).toBeCloseTo((y[0] - 0.9) * y[0] * (1 - y[0]) * h[0], 7);
    // ∂L/∂w1_11 = Σ_k (y_k − t_k)·y_k(1 − y_k)·w2_1k · h1(1 − h1) · x1
    const back = (y[0] - 0.9) * y[0] * (1 - y[0]) * 0.1 + (y[1] - 0.5) * y[1] * (1 - y[1]) * 0.2;
    expect((value('2.dw1_11') as number) / (back * h[0] * (1 - h[0]) * 0.02)).toBeCloseTo(1, 4);
  });

  it('Q3: precision, recall and AP of the detection table, by hand', () => {
    // Sorted: .95+ .91+ .88− .84+ .79+ .73− .68+ .62− .55+ .51− | .47+ .42− .36− .29+ .18−  (8 positives)
    // ≥ 0.5: TP 6, FP 4 → P = 0.6; FN 2 → R = 0.75.
    expect(DETECTIONS).toHaveLength(15);
    expect(value('3.precision')).toBe(0.6);
    expect(value('3.recall')).toBe(0.75);
    // Precision at each recall step (1/8 … 8/8): 1, 1, 3/4, 4/5, 5/7, 6/9, 7/11, 8/14;
    // envelope (max to the right): 1, 1, 4/5, 4/5, 5/7, 2/3, 7/11, 4/7; AP = their mean.
    expect(value('3.ap')).toBeCloseTo((1 + 1 + 0.8 + 0.8 + 5 / 7 + 2 / 3 + 7 / 11 + 4 / 7) / 8, 12);
  });

  it('Q4: the published parameter counts (torchvision) of AlexNet, VGG19, ResNet-152', () => {
    expect(value('4.alexnet')).toBe(61_100_840);
    expect(value('4.vgg19')).toBe(143_667_240);
    expect(value('4.resnet152')).toBe(60_192_808);
  });

  it('Q5: roofline of the 4096→1024 fp16 layer, batch 16, by hand', () => {
    // MACs = 16·4096·1024 = 67,108,864 → / (1024 MAC/cycle · 1 GHz) = 65.536 µs
    // bytes = 2·(4096·1024 + 16·4096 + 16·1024) = 2·4,276,224 = 8,552,448 → / 25.6 GB/s = 334.08 µs
    expect(value('5.macs')).toBe(67_108_864);
    expect(value('5.bytes')).toBe(8_552_448);
    expect(value('5.compute')).toBeCloseTo(65.536e-6, 15);
    expect(value('5.memory')).toBeCloseTo(334.08e-6, 15);
    expect(value('5.seconds')).toBeCloseTo(334.08e-6, 15);
    expect(value('5.bound')).toBe('memory');
  });

  it('the script prints every reference and writes JSON and markdown', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'nnf-')), 'output');
    let stdout = '';
    let stderr = '';
    const code = await main(['--out', out], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
    });
    expect(code, stderr).toBe(0);
    for (const r of refs) expect(stdout).toContain(`${r.id} `);
    expect(stdout).toContain('22,538');
    const answers = JSON.parse(readFileSync(join(out, 'answers.json'), 'utf8'));
    expect(answers).toEqual(Object.fromEntries(refs.map((r) => [r.id, r.value])));
    const full = JSON.parse(readFileSync(join(out, 'references.json'), 'utf8'));
    expect(full.references).toEqual(JSON.parse(JSON.stringify(refs)));
    const md = readFileSync(join(out, 'references.md'), 'utf8');
    expect(md.split('\n').filter((l) => l.startsWith('| ')).length).toBe(refs.length + 2); // header, rule, one row each
  });

  it('--out is taken from where npm was started (INIT_CWD), not the assignment folder', async () => {
    const started = mkdtempSync(join(tmpdir(), 'nnf-cwd-'));
    const saved = process.env.INIT_CWD;
    process.env.INIT_CWD = started;
    let stderr = '';
    try {
      const code = await main(['--out', 'mine'], {
        stdout: { write: () => 0 },
        stderr: { write: (s: string) => (stderr += s) },
      });
      expect(code, stderr).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.INIT_CWD;
      else process.env.INIT_CWD = saved;
    }
    expect(existsSync(join(started, 'mine', 'answers.json'))).toBe(true);
    expect(stderr).toContain(`wrote ${join(started, 'mine', 'answers.json')}`);
  });

  it('exits 2 on an unknown flag', async () => {
    let stderr = '';
    const code = await main(['--bogus'], {
      stdout: { write: () => 0 },
      stderr: { write: (s: string) => (stderr += s) },
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: .*bogus/);
  });
});
