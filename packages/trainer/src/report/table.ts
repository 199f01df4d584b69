/**
 * The handout's hyperparameter tuning table: one row per run, as Markdown (to
 * paste into a write-up) or CSV (RFC 4180, for a spreadsheet).
 *
 * Costs show cents, or two significant digits under a cent (a short run's
 * $0.00012 is not "0.00"). After the actual cost come its parts (they add up
 * to it): training steps, which the projection prices, then evaluation,
 * start-up, checkpoints and the rest, which it does not.
 */
import { type CostPhase, formatDollars } from '../cost.js';
import { formatLr } from './format.js';
import type { RunSummary } from './runs.js';

export type TableFormat = 'md' | 'csv';

interface Column {
  header: string;
  /** The cell text, or undefined when the run folder does not tell. */
  cell(run: RunSummary): string | undefined;
}

const fixed = (digits: number) => (x: number | undefined) =>
  x === undefined ? undefined : x.toFixed(digits);
const integer = (x: number | undefined) => (x === undefined ? undefined : String(x));
const dollars = (x: number | undefined) => (x === undefined ? undefined : formatDollars(x));
const part = (phase: CostPhase) => (r: RunSummary) => dollars(r.costBreakdown?.[phase]);
/** llm.c logs losses and HellaSwag accuracy with 4 decimals; print them as logged. */
const logged = fixed(4);

const COLUMNS: Column[] = [
  { header: 'run', cell: (r) => r.name },
  { header: 'max LR', cell: (r) => (r.maxLr === undefined ? undefined : formatLr(r.maxLr)) },
  { header: 'steps', cell: (r) => integer(r.steps) },
  { header: 'depth', cell: (r) => integer(r.depth) },
  { header: 'channels', cell: (r) => integer(r.channels) },
  { header: 'heads', cell: (r) => integer(r.heads) },
  { header: 'parameters', cell: (r) => integer(r.numParameters) },
  { header: 'projected cost ($)', cell: (r) => dollars(r.projectedUsd) },
  { header: 'actual cost ($)', cell: (r) => dollars(r.actualUsd) },
  { header: 'of which training steps ($)', cell: part('trainingSteps') },
  { header: 'evaluation ($)', cell: part('evaluation') },
  { header: 'start-up ($)', cell: part('startup') },
  { header: 'checkpoints ($)', cell: part('checkpoints') },
  { header: 'other ($)', cell: part('other') },
  { header: 'min train loss', cell: (r) => logged(r.minTrainLoss?.loss) },
  { header: 'min val loss', cell: (r) => logged(r.minValLoss?.loss) },
  { header: 'final HellaSwag accuracy', cell: (r) => logged(r.finalHellaswag?.acc) },
];

/** The tuning table for `runs`, in their order. Missing values: "–" in Markdown, an empty field in CSV. */
export function tuningTable(runs: readonly RunSummary[], format: TableFormat): string {
  const rows = runs.map((run) => COLUMNS.map((column) => column.cell(run)));
  return format === 'md' ? markdownTable(rows) : csvTable(rows);
}

function markdownTable(rows: (string | undefined)[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |\n`;
  // Every column after the run name holds numbers: right-align them.
  const rule = COLUMNS.map((_, i) => (i === 0 ? '---' : '---:'));
  const mdCell = (cell: string | undefined) => (cell === undefined ? '–' : cell.replaceAll('|', '\\|'));
  return (
    line(COLUMNS.map((c) => c.header)) + line(rule) + rows.map((cells) => line(cells.map(mdCell))).join('')
  );
}

/** RFC 4180: CRLF line ends; a field with a comma, quote, CR or LF is quoted, its quotes doubled. */
function csvTable(rows: (string | undefined)[][]): string {
  const field = (cell: string | undefined) => {
    const text = cell ?? '';
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const line = (cells: (string | undefined)[]) => `${cells.map(field).join(',')}\r\n`;
  return line(COLUMNS.map((c) => c.header)) + rows.map(line).join('');
}
