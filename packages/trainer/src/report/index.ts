/** Run-folder reports: load runs, plot their loss curves, tabulate the tuning sweep. */
export { type BarChart, plotBarChart } from './bars.js';
export { formatLr } from './format.js';
export { historyCharts, type LineChart, type LineSeries, plotLineCharts, writeLineCharts } from './lines.js';
export { type PlotOptions, plotRuns, svgToPng, writePlot } from './plot.js';
export { type LossPoint, loadRun, type RunSummary } from './runs.js';
export { type TableFormat, tuningTable } from './table.js';
