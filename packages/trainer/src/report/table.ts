/**
 * The handout's hyperparameter tuning table: one row per run, as Markdown (to
 * paste into a write-up) or CSV (RFC 4180, for a spreadsheet).
 */
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
const dollars = fixed(2);
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
