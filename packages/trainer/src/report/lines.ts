/**
 * Generic line charts (any x, any y, several named series), for curves that
 * are not llm.c runs: per-epoch histories of `fit`, gradient norms over steps.
 * Same rendering path as plot.ts: vega-lite compiled and rendered headlessly
 * to SVG, PNG rasterised from that SVG by resvg. Several charts given together
 * are drawn side by side in one image (e.g. loss and accuracy of one model).
 */
import { extname } from 'node:path';
import { InputError, writeFileAtomic } from '@course/models';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { FONT, svgToPng } from './plot.js';

export interface LineSeries {
  /** Legend label. */
  name: string;
  points: readonly { x: number; y: number }[];
  /** Drawn dashed (e.g. validation curves). */
  dashed?: boolean;
}

export interface LineChart {
  title: string;
  xTitle: string;
  yTitle: string;
  series: readonly LineSeries[];
  logY?: boolean;
  /** Size of this chart's plotting area in pixels (default 360 × 260). */
  width?: number;
  height?: number;
}

/** One SVG document with `charts` side by side. */
export async function plotLineCharts(charts: readonly LineChart[]): Promise<string> {
  if (charts.length === 0) throw new InputError('plotLineCharts: no charts given');
  const specs = charts.map((chart) => {
    const values = chart.series.flatMap((s) =>
      s.points
        .filter((p) => Number.isFinite(p.y))
        .map((p) => ({ x: p.x, y: p.y, series: s.name, dashed: Boolean(s.dashed) })),
    );
    if (values.length === 0) throw new InputError(`plot "${chart.title}": no finite points to draw`);
    const names = chart.series.map((s) => s.name);
    return {
      title: chart.title,
      width: chart.width ?? 360,
      height: chart.height ?? 260,
      data: { values },
      mark: { type: 'line' as const, strokeWidth: 1.5, point: values.length <= 200, clip: true },
      encoding: {
        x: { field: 'x', type: 'quantitative' as const, title: chart.xTitle, axis: { tickMinStep: 1 } },
        y: {
          field: 'y',
          type: 'quantitative' as const,
          title: chart.yTitle,
          scale: chart.logY ? { type: 'log' as const, nice: false } : { zero: false },
        },
        color: {
          field: 'series',
          type: 'nominal' as const,
          title: null,
          scale: { domain: names },
          legend: { labelLimit: 300 },
        },
        strokeDash: {
          field: 'dashed',
          type: 'nominal' as const,
          legend: null,
          scale: {
            domain: [false, true],
            range: [
              [1, 0],
              [6, 4],
            ],
          },
        },
      },
    };
  });
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    config: { font: FONT },
    hconcat: specs,
    resolve: { scale: { color: 'independent' as const } },
  } as vegaLite.TopLevelSpec;
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes the charts to `outFile`, SVG or PNG by its extension. */
export async function writeLineCharts(charts: readonly LineChart[], outFile: string): Promise<void> {
  const ext = extname(outFile).toLowerCase();
  if (ext !== '.svg' && ext !== '.png') {
    throw new InputError(`${outFile}: output extension: found "${ext}", expected .svg or .png`);
  }
  const svg = await plotLineCharts(charts);
  writeFileAtomic(outFile, ext === '.svg' ? svg : svgToPng(svg));
}

/**
 * The usual two panels of a Keras history: loss and val_loss, accuracy and
 * val_accuracy, against the 1-based epoch. Missing keys are left out.
 */
export function historyCharts(
  history: { epoch: readonly number[]; history: Readonly<Record<string, readonly number[]>> },
  title: string,
): LineChart[] {
  const panel = (metric: string): LineChart | undefined => {
    const series: LineSeries[] = [];
    for (const [key, dashed] of [
      [metric, false],
      [`val_${metric}`, true],
    ] as const) {
      const ys = history.history[key];
      if (ys) series.push({ name: key, dashed, points: ys.map((y, i) => ({ x: history.epoch[i] + 1, y })) });
    }
    return series.length
      ? { title: `${title}: ${metric}`, xTitle: 'epoch', yTitle: metric, series }
      : undefined;
  };
  return [panel('loss'), panel('accuracy')].filter((c): c is LineChart => c !== undefined);
}
