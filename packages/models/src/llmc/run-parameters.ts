/**
 * llm.c's `DIR/run_parameters.txt`: the course fork appends the `| name | value |`
 * table it prints at start (upstream train_gpt2.cu's layout: a 21-character name
 * column, values printed `%-50s`, `%-50d`, `%-50e`, `%-50f`, `%-50zu`). The
 * course's vislog notebook reads "learning rate (LR)" and "num_parameters" from
 * it by splitting lines on `|`. Which rows a run writes is the trainer's business
 * (its runParameterRows); this module only lays them out and reads them back.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatExponential, formatFixed, padRight } from './cformat.js';

/** How C prints the value: %-50s, %-50d, %-50zu, %-50e, %-50f, %-50.1f. */
export type RunParameterFormat = 's' | 'd' | 'zu' | 'e' | 'f' | '.1f';
export interface RunParameterRow {
  name: string;
  value: string | number;
  format: RunParameterFormat;
}
/** A table line: a row, or a `+----+----+` rule between sections. */
export type RunParameterLine = RunParameterRow | 'rule';

const NAME_WIDTH = 21;
const VALUE_WIDTH = 50;
const RULE = `+${'-'.repeat(NAME_WIDTH + 2)}+${'-'.repeat(VALUE_WIDTH + 2)}+`;

function formatValue(row: RunParameterRow): string {
  const { value, format } = row;
  if (format === 's') return String(value);
  if (typeof value !== 'number')
    throw new TypeError(`run parameter "${row.name}": %${format} needs a number`);
  if (format === 'd' || format === 'zu') return String(Math.trunc(value));
  if (format === 'e') return formatExponential(value, 6);
  return formatFixed(value, format === 'f' ? 6 : 1);
}

/** The table as llm.c prints it: rule, header, rule, then the given lines. */
export function formatRunParameters(lines: RunParameterLine[]): string {
  const cells = (name: string, value: string) =>
    `| ${padRight(name, NAME_WIDTH)} | ${padRight(value, VALUE_WIDTH)} |`;
  const out = [RULE, cells('Parameter', 'Value'), RULE];
  for (const line of lines) out.push(line === 'rule' ? RULE : cells(line.name, formatValue(line)));
  return `${out.join('\n')}\n`;
}

/** Appends the table to DIR/run_parameters.txt (the fork appends: one table per run start). */
export function appendRunParameters(dir: string, lines: RunParameterLine[]): void {
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, 'run_parameters.txt'), formatRunParameters(lines));
}

/**
 * run_parameters.txt back into name → value, split on `|` as the vislog
 * notebook does; the last row of a name wins (the fork appends a table per start).
 * Border lines (`+---+`) have no `|`.
 */
export function parseRunParameters(text: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of text.split('\n')) {
    const cells = line.split('|');
    if (cells.length < 4) continue;
    rows.set(cells[1].trim(), cells[2].trim());
  }
  return rows;
}

/** The file at `path` read by parseRunParameters; an empty map when there is none (llm.c writes none). */
export function readRunParameters(path: string): Map<string, string> {
  return existsSync(path) ? parseRunParameters(readFileSync(path, 'utf8')) : new Map();
}
