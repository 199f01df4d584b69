import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '@course/models';
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { loadRun, plotRuns, type RunSummary, writePlot } from '../src/report/index.js';
import { FORK_LOG, OURS_RUN_JSON, UPSTREAM_LOG, writeRuns } from './report-fixtures.js';

function twoRuns(): { root: string; runs: RunSummary[] } {
  const root = writeRuns({
    ours: { 'main.log': FORK_LOG, 'run.json': OURS_RUN_JSON },
    upstream: { 'main.log': UPSTREAM_LOG },
  });
  return { root, runs: [loadRun(join(root, 'ours')), loadRun(join(root, 'upstream'))] };
}

/** The line marks vega drew: each path's aria-label starts with its first point's fields. */
function linePaths(svg: string): string[] {
  return [...svg.matchAll(/<path aria-label="([^"]*)"[^>]*aria-roledescription="line mark"[^>]*>/g)].map(
    (m) => m[0],
  );
}

/** Texts of all <text> elements (legend labels, axis titles, ticks). */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

describe('plotRuns', () => {
  it('draws train solid and val dashed per run, labelled by LR', async () => {
    const svg = await plotRuns(twoRuns().runs, { metric: 'both', label: 'lr' });
    // resvg's XML parser (roxmltree) rejects anything that is not well-formed XML.
    expect(() => new Resvg(svg)).not.toThrow();
    const paths = linePaths(svg);
    expect(paths).toHaveLength(4);
    // A path's aria-label names its first point: the step-0 losses of FORK_LOG and UPSTREAM_LOG.
    const series = (firstLoss: string, run: string) =>
      paths.filter((p) => p.includes(`step: 0; loss: ${firstLoss}; run: ${run}"`));
    const solid = 'stroke-dasharray="1,0"';
    const dashed = 'stroke-dasharray="6,4"';
    expect(series('10.9912', 'lr 1e-3')).toEqual([expect.stringContaining(solid)]);
    expect(series('10.9876', 'lr 1e-3')).toEqual([expect.stringContaining(dashed)]);
    expect(series('11.005', 'lr 3e-4')).toEqual([expect.stringContaining(solid)]);
    expect(series('11.01', 'lr 3e-4')).toEqual([expect.stringContaining(dashed)]);
    expect(texts(svg)).toEqual(
      expect.arrayContaining(['lr 1e-3', 'lr 3e-4', 'train', 'val', 'step', 'loss']),
    );
  });

  it('draws one line per run for a single metric, labelled by name', async () => {
    const svg = await plotRuns(twoRuns().runs, { metric: 'val', label: 'name', title: 'd6 sweep' });
    expect(linePaths(svg)).toHaveLength(2);
    expect(texts(svg)).toEqual(expect.arrayContaining(['ours', 'upstream', 'd6 sweep']));
    expect(texts(svg)).not.toContain('train');
  });

  it('keeps two runs with the same LR apart', async () => {
    const { runs } = twoRuns();
    const svg = await plotRuns([runs[0], { ...runs[0], name: 'ours-again' }], {
      metric: 'train',
      label: 'lr',
    });
    expect(linePaths(svg)).toHaveLength(2);
    expect(texts(svg)).toEqual(expect.arrayContaining(['lr 1e-3 (ours)', 'lr 1e-3 (ours-again)']));
  });
});

describe('writePlot', () => {
  it('writes a PNG of the requested size', async () => {
    const { root, runs } = twoRuns();
    const out = join(root, 'loss.png');
    await writePlot(runs, { metric: 'both', label: 'lr', width: 500, height: 300, logY: true }, out);
    const png = readFileSync(out);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // IHDR is the first chunk: length(4) type(4) then width and height, big-endian.
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([500, 300]);
  });

  it('writes SVG for .svg and refuses other extensions', async () => {
    const { root, runs } = twoRuns();
    await writePlot(runs, { metric: 'train', label: 'lr' }, join(root, 'loss.svg'));
    expect(readFileSync(join(root, 'loss.svg'), 'utf8')).toMatch(/^<svg [^>]*width="720" height="440"/);
    const pdf = join(root, 'loss.pdf');
    await expect(writePlot(runs, { metric: 'train', label: 'lr' }, pdf)).rejects.toThrow(InputError);
    await expect(writePlot(runs, { metric: 'train', label: 'lr' }, pdf)).rejects.toThrow(pdf);
  });
});
