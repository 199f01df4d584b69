/**
 * The transfer plot: the measured points, every fitted family (the chosen one
 * drawn thicker) solid over the measured range and dashed where it
 * extrapolates, and the prediction at the target with its 95% interval.
 * Same rendering path as report/plot.ts (vega-lite → SVG headlessly, resvg
 * for PNG). Axes are logarithmic where the points, the chosen prediction and
 * its interval are positive (a power law is then a straight line, as in the
 * handout); the parts of other fits at or below 0 are then left out.
 */
import { extname } from 'node:path';
import { InputError, writeFileAtomic } from '@course/models';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { FONT, svgToPng } from '../report/plot.js';
import { evaluateLaw, FAMILY_SPECS } from './families.js';
import type { TransferPoint, TransferResult } from './fit.js';

const CURVE_SAMPLES = 120;

export interface TransferPlotOptions {
  xTitle?: string;
  yTitle?: string;
  title?: string;
}

/** The chart as an SVG document. */
export async function plotTransfer(
  points: readonly TransferPoint[],
  result: TransferResult,
  opts: TransferPlotOptions = {},
): Promise<string> {
  const xs = [...points.map((p) => p.x), result.target];
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const dataMin = Math.min(...points.map((p) => p.x));
  const dataMax = Math.max(...points.map((p) => p.x));
  const logX = xMin > 0;
  const [lo, hi] = result.chosen.interval;
  const logY =
    points.every((p) => p.y > 0) && result.chosen.prediction > 0 && !(Number.isFinite(lo) && lo <= 0);

  const curves: { x: number; y: number; family: string; part: string; chosen: boolean }[] = [];
  for (const fit of result.families) {
    const spec = FAMILY_SPECS[fit.family];
    for (let i = 0; i <= CURVE_SAMPLES; i++) {
      const f = i / CURVE_SAMPLES;
      const x = logX ? xMin * (xMax / xMin) ** f : xMin + (xMax - xMin) * f;
      const y = evaluateLaw(spec, fit.line, x);
      if (!Number.isFinite(y) || (logY && y <= 0)) continue;
      const label = `${fit.family} (${fit.formula})`; // as in the legend's domain
      const chosen = fit === result.chosen;
      // The boundary samples belong to both parts so the solid and dashed pieces meet.
      if (x >= dataMin && x <= dataMax) curves.push({ x, y, family: label, part: 'fit', chosen });
      if (x <= dataMin || x >= dataMax) {
        curves.push({
          x,
          y,
          family: label,
          part: x <= dataMin ? 'extrapolation <' : 'extrapolation >',
          chosen,
        });
      }
    }
  }
  const finite = (v: number) => Number.isFinite(v) && (!logY || v > 0);
  const target = {
    x: result.target,
    y: result.chosen.prediction,
    lo: finite(lo) ? lo : result.chosen.prediction,
    hi: finite(hi) ? hi : result.chosen.prediction,
  };
  // The y axis spans the points and the target's interval (with a margin), not
  // wherever an unchosen fit wanders off to; lines are clipped to it.
  const ys = [...points.map((p) => p.y), target.y, target.lo, target.hi];
  const [yLo, yHi] = [Math.min(...ys), Math.max(...ys)];
  const yDomain = logY ? [yLo / 1.5, yHi * 1.5] : [yLo - 0.1 * (yHi - yLo), yHi + 0.1 * (yHi - yLo)];
  const xScale = logX ? { type: 'log' as const, nice: false } : { zero: false };
  const yScale = logY
    ? { type: 'log' as const, nice: false, domain: yDomain }
    : { zero: false, nice: false, domain: yDomain };
  const xTitle = opts.xTitle ?? 'x';
  const yTitle = opts.yTitle ?? 'y';
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title:
      opts.title ??
      `${result.chosen.family} fit: ${yTitle} at ${xTitle} = ${result.target} is ${result.chosen.prediction.toPrecision(4)}`,
    width: 520,
    height: 360,
    background: 'white',
    config: { font: FONT },
    layer: [
      {
        data: { values: curves },
        mark: { type: 'line', clip: true },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: xTitle, scale: xScale },
          y: { field: 'y', type: 'quantitative', title: yTitle, scale: yScale },
          color: {
            field: 'family',
            type: 'nominal',
            title: 'family',
            scale: { domain: result.families.map((f) => `${f.family} (${f.formula})`) },
            legend: { labelLimit: 300 },
          },
          detail: { field: 'part' },
          strokeDash: {
            field: 'part',
            type: 'nominal',
            legend: null,
            scale: {
              domain: ['fit', 'extrapolation <', 'extrapolation >'],
              range: [
                [1, 0],
                [6, 4],
                [6, 4],
              ],
            },
          },
          strokeWidth: {
            field: 'chosen',
            type: 'nominal',
            legend: null,
            scale: { domain: [true, false], range: [3, 1.2] },
          },
        },
      },
      {
        data: { values: points.map((p) => ({ x: p.x, y: p.y })) },
        mark: { type: 'point', filled: true, color: 'black', size: 50 },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
      },
      {
        data: { values: [target] },
        mark: { type: 'rule', color: 'firebrick', strokeWidth: 2 },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'lo', type: 'quantitative' },
          y2: { field: 'hi' },
        },
      },
      {
        data: { values: [target] },
        mark: { type: 'point', shape: 'diamond', filled: true, color: 'firebrick', size: 90 },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
      },
    ],
  } as vegaLite.TopLevelSpec;
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes the plot to `outFile`, SVG or PNG by its extension. */
export async function writeTransferPlot(
  points: readonly TransferPoint[],
  result: TransferResult,
  outFile: string,
  opts: TransferPlotOptions = {},
): Promise<void> {
  const ext = extname(outFile).toLowerCase();
  if (ext !== '.svg' && ext !== '.png') {
    throw new InputError(`${outFile}: output extension: found "${ext}", expected .svg or .png`);
  }
  const svg = await plotTransfer(points, result, opts);
  writeFileAtomic(outFile, ext === '.svg' ? svg : svgToPng(svg));
}
