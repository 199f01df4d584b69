/**
 * Loss curves of several runs in one chart, replacing the course's vislog
 * notebook. A vega-lite spec is compiled and rendered by vega headlessly
 * (renderer 'none' + toSVG: no browser, no canvas); PNG is rasterized from that
 * SVG by resvg, which draws text with the system's fonts.
 */
import { extname } from 'node:path';
import { InputError, writeFileAtomic } from '@course/models';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { formatLr } from './format.js';
import type { RunSummary } from './runs.js';

export interface PlotOptions {
  /** Which loss: train (solid), val (dashed) or both in one chart. */
  metric: 'train' | 'val' | 'both';
  /** Legend label per run: its max learning rate (`lr 6e-4`) or its folder name. */
  label: 'lr' | 'name';
  /** Chart title; default names the metric. */
  title?: string;
  /** Log-scale loss axis: the first steps (loss ≈ ln 50257 ≈ 10.8) otherwise flatten the rest. */
  logY?: boolean;
  /** Size of the whole image (axes and legend included) in pixels. Default 720 × 440. */
  width?: number;
  height?: number;
}

/**
 * Font list for every text mark. resvg resolves the first family installed
 * (DejaVu on most Linux, Helvetica/Arial on macOS and Windows); a browser does the same.
 */
export const FONT = 'DejaVu Sans, Liberation Sans, Helvetica, Arial, sans-serif';

/** One plotted point; `series` is the run's legend label. */
interface Point {
  step: number;
  loss: number;
  series: string;
  kind: 'train' | 'val';
}

/** The chart as an SVG document. */
export async function plotRuns(runs: readonly RunSummary[], opts: PlotOptions): Promise<string> {
  const labels = legendLabels(runs, opts.label);
  const kinds: Point['kind'][] = opts.metric === 'both' ? ['train', 'val'] : [opts.metric];
  const points: Point[] = [];
  runs.forEach((run, i) => {
    for (const kind of kinds) {
      for (const { step, loss } of run[kind]) points.push({ step, loss, series: labels[i], kind });
    }
  });
  if (points.length === 0) {
    const where = runs.map((r) => `${r.dir}/main.log`).join(', ') || '(no runs given)';
    throw new InputError(`${where}: no ${kinds.join(' or ')} loss lines to plot`);
  }

  const spec: vegaLite.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title ?? defaultTitle(opts.metric),
    width: opts.width ?? 720,
    height: opts.height ?? 440,
    // The width and height above are the whole image, not just the plotting area.
    autosize: { type: 'fit', contains: 'padding' },
    background: 'white',
    config: { font: FONT },
    data: { values: points },
    mark: { type: 'line', strokeWidth: 1.5, clip: true },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step', axis: { tickMinStep: 1 } },
      y: {
        field: 'loss',
        type: 'quantitative',
        title: 'loss',
        scale: opts.logY ? { type: 'log', nice: false } : { zero: false },
      },
      color: {
        field: 'series',
        type: 'nominal',
        title: 'run',
        // The legend lists runs in the order given (not alphabetically) and whole run names.
        scale: { domain: labels },
        legend: { labelLimit: 400 },
      },
      ...(opts.metric === 'both'
        ? {
            strokeDash: {
              field: 'kind',
              type: 'nominal',
              title: 'loss',
              scale: {
                domain: ['train', 'val'],
                range: [
                  [1, 0],
                  [6, 4],
                ],
              },
            },
          }
        : {}),
    },
  };
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes the chart to `outFile`: SVG or PNG, chosen by its extension. */
export async function writePlot(
  runs: readonly RunSummary[],
  opts: PlotOptions,
  outFile: string,
): Promise<void> {
  const ext = extname(outFile).toLowerCase();
  if (ext !== '.svg' && ext !== '.png') {
    throw new InputError(`${outFile}: output extension: found "${ext}", expected .svg or .png`);
  }
  const svg = await plotRuns(runs, opts);
  writeFileAtomic(outFile, ext === '.svg' ? svg : svgToPng(svg));
}

/** PNG at the SVG's own size. With no font installed resvg silently drops all text. */
export function svgToPng(svg: string): Uint8Array {
  const resvg = new Resvg(svg, { font: { loadSystemFonts: true }, fitTo: { mode: 'original' } });
  return resvg.render().asPng();
}

function defaultTitle(metric: PlotOptions['metric']): string {
  return metric === 'both' ? 'train and val loss' : `${metric} loss`;
}

/**
 * One distinct label per run. Two runs with the same LR (or the same folder
 * name under different parents) would otherwise merge into one line.
 */
function legendLabels(runs: readonly RunSummary[], label: PlotOptions['label']): string[] {
  const wanted = runs.map((run) =>
    label === 'lr' && run.maxLr !== undefined ? `lr ${formatLr(run.maxLr)}` : run.name,
  );
  const seen = new Map<string, number>();
  for (const l of wanted) seen.set(l, (seen.get(l) ?? 0) + 1);
  const used = new Set<string>();
  return wanted.map((l, i) => {
    let unique = seen.get(l) === 1 ? l : `${l} (${runs[i].name})`;
    for (let n = 2; used.has(unique); n++) unique = `${l} (${runs[i].name} #${n})`;
    used.add(unique);
    return unique;
  });
}
