/**
 * Two numeric columns of a CSV file with a header row (as `course table
 * --format csv` writes it, or a spreadsheet export): comma-separated, fields
 * optionally in double quotes ("" for a quote inside), blank lines ignored.
 */
import { readFileSync } from 'node:fs';
import { formatError, InputError } from '@course/models';
import type { TransferPoint } from './fit.js';

/** Splits one CSV line into trimmed fields. */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field.trim());
      field = '';
    } else field += c;
  }
  fields.push(field.trim());
  return fields;
}

/** The (x, y) pairs of columns `xColumn`, `yColumn` of CSV text (`file` names it in errors). */
export function parseTransferCsv(
  text: string,
  file: string,
  xColumn: string,
  yColumn: string,
): TransferPoint[] {
  const lines = text.split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0)
    throw new InputError(`${file}: found an empty file, expected a header row and data rows`);
  const header = splitCsvLine(lines[headerIndex]);
  const column = (name: string, flag: string) => {
    const i = header.indexOf(name);
    if (i < 0)
      throw formatError(file, `${flag} column`, `"${name}" not in the header`, `one of ${header.join(', ')}`);
    return i;
  };
  const xi = column(xColumn, '--x');
  const yi = column(yColumn, '--y');
  const points: TransferPoint[] = [];
  for (let l = headerIndex + 1; l < lines.length; l++) {
    if (lines[l].trim() === '') continue;
    const fields = splitCsvLine(lines[l]);
    const value = (i: number, name: string) => {
      const raw = fields[i] ?? '';
      const v = Number(raw);
      if (raw === '' || !Number.isFinite(v)) {
        throw formatError(file, `line ${l + 1}, column ${name}`, `"${raw}"`, 'a finite number');
      }
      return v;
    };
    points.push({ x: value(xi, xColumn), y: value(yi, yColumn) });
  }
  return points;
}

export function readTransferCsv(file: string, xColumn: string, yColumn: string): TransferPoint[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(
      `${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  return parseTransferCsv(text, file, xColumn, yColumn);
}
