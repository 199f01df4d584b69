/**
 * A bar chart (labelled bars with counts), e.g. the grader's score histogram
 * per question. Same rendering path as the line charts: vega-lite compiled
 * and rendered headlessly to SVG; deterministic (same bars, same bytes).
 */
import { InputError } from '@course/models';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { FONT } from './plot.js';

export interface BarChart {
  title: string;
  xTitle: string;
  yTitle: string;
  /** In the order drawn, left to right. */
  bars: readonly { label: string; value: number }[];
  width?: number;
  height?: number;
}

/** One SVG document of `chart`: a bar per entry, its value written above it. */
export async function plotBarChart(chart: BarChart): Promise<string> {
  if (chart.bars.length === 0) throw new InputError(`plot "${chart.title}": no bars to draw`);
  const labels = chart.bars.map((b) => b.label);
  const x = {
    field: 'label',
    type: 'ordinal' as const,
    title: chart.xTitle,
    sort: labels,
    axis: { labelAngle: 0 },
  };
  const y = { field: 'value', type: 'quantitative' as const, title: chart.yTitle, axis: { tickMinStep: 1 } };
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    config: { font: FONT },
    title: chart.title,
    width: chart.width ?? 400,
    height: chart.height ?? 200,
    data: { values: chart.bars.map((b) => ({ label: b.label, value: b.value })) },
    layer: [
      { mark: { type: 'bar' as const, color: '#4c78a8' }, encoding: { x, y } },
      {
        mark: { type: 'text' as const, dy: -6, fontSize: 10 },
        encoding: { x, y, text: { field: 'value', type: 'quantitative' as const } },
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
