import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { historyCharts, plotLineCharts, writeLineCharts } from '../src/report/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function linePaths(svg: string): string[] {
  return [...svg.matchAll(/<path aria-label="([^"]*)"[^>]*aria-roledescription="line mark"[^>]*>/g)].map(
    (m) => m[0],
  );
}
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

const history = {
  epoch: [0, 1, 2],
  history: {
    loss: [0.9, 0.5, 0.3],
    accuracy: [0.7, 0.85, 0.9],
    val_loss: [1.0, 0.6, 0.45],
    val_accuracy: [0.65, 0.8, 0.86],
    epoch_seconds: [1, 1, 1],
  },
};

describe('line charts', () => {
  it('history: a loss panel and an accuracy panel, training solid and validation dashed, epochs from 1', async () => {
    const charts = historyCharts(history, 'mlp 784-30-20-10');
    expect(charts.map((c) => c.title)).toEqual(['mlp 784-30-20-10: loss', 'mlp 784-30-20-10: accuracy']);
    expect(charts[0].series.map((s) => [s.name, s.dashed, s.points[0]])).toEqual([
      ['loss', false, { x: 1, y: 0.9 }],
      ['val_loss', true, { x: 1, y: 1.0 }],
    ]);
    const svg = await plotLineCharts(charts);
    expect(() => new Resvg(svg)).not.toThrow();
    const paths = linePaths(svg);
    expect(paths).toHaveLength(4);
    const path = (first: string) => paths.filter((p) => p.includes(first));
    expect(path('epoch: 1; loss: 0.9; series: loss;')).toEqual([
      expect.stringContaining('stroke-dasharray="1,0"'),
    ]);
    expect(path('epoch: 1; loss: 1; series: val_loss;')).toEqual([
      expect.stringContaining('stroke-dasharray="6,4"'),
    ]);
    expect(path('epoch: 1; accuracy: 0.65; series: val_accuracy;')).toHaveLength(1);
    expect(texts(svg)).toEqual(expect.arrayContaining(['epoch', 'loss', 'accuracy', 'val_accuracy']));
  });

  it('writes SVG and PNG by extension; a chart with no finite point is an error', async () => {
    const charts = historyCharts(history, 'h');
    await writeLineCharts(charts, join(dir, 'h.svg'));
    await writeLineCharts(charts, join(dir, 'h.png'));
    expect(readFileSync(join(dir, 'h.svg'), 'utf8')).toMatch(/^<svg/);
    expect([...readFileSync(join(dir, 'h.png')).subarray(0, 8)]).toEqual([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
    ]);
    await expect(writeLineCharts(charts, join(dir, 'h.jpg'))).rejects.toThrow(/expected \.svg or \.png/);
    await expect(
      plotLineCharts([
        {
          title: 'empty',
          xTitle: 'x',
          yTitle: 'y',
          series: [{ name: 'a', points: [{ x: 0, y: Number.NaN }] }],
        },
      ]),
    ).rejects.toThrow(/plot "empty": no finite points/);
  });
});
