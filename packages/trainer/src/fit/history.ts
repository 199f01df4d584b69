/**
 * The record `fit` returns, like Keras' History: `epoch` holds the 0-based
 * epoch numbers and `history[key]` one value per epoch for every key the
 * epoch's logs had (loss, metrics, val_*, and keys callbacks add, such as
 * epoch_seconds). The CSV and JSONL loggers write the same logs; the parsers
 * here read those files back into a History.
 */
import { InputError } from '@course/models';

/** One epoch's numbers: 'loss', 'accuracy', 'val_loss', … */
export type Logs = Record<string, number>;

export class History {
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};

  record(epoch: number, logs: Logs): void {
    const row = this.epoch.length;
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) {
      // A key first seen at a later epoch is NaN (missing) for the earlier ones.
      this.history[key] ??= new Array(row).fill(Number.NaN);
      this.history[key].push(value);
    }
    for (const values of Object.values(this.history)) if (values.length === row) values.push(Number.NaN);
  }

  /** One Logs object per epoch, `epoch` included. */
  rows(): Logs[] {
    return this.epoch.map((epoch, i) => {
      const row: Logs = { epoch };
      for (const [key, values] of Object.entries(this.history)) row[key] = values[i];
      return row;
    });
  }

  /** The last epoch's value of `key` (undefined when never logged). */
  last(key: string): number | undefined {
    const values = this.history[key];
    return values === undefined ? undefined : values[values.length - 1];
  }
}

/** A number as the loggers write it: JSON has no NaN/Infinity, so those become null in JSONL and nan/inf in CSV (as Python writes them). */
export function csvNumber(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  return String(x);
}

function parseCsvNumber(text: string, where: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'nan' || t === '') return Number.NaN;
  if (t === 'inf' || t === 'infinity') return Number.POSITIVE_INFINITY;
  if (t === '-inf' || t === '-infinity') return Number.NEGATIVE_INFINITY;
  const x = Number(t);
  if (!Number.isFinite(x)) throw new InputError(`${where}: found "${text}", expected a number`);
  return x;
}

/** Reads a CSVLogger file (header `epoch,key,…`, one row per epoch, comma-separated). */
export function parseHistoryCsv(text: string, file: string): History {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines.length === 0) throw new InputError(`${file}: empty, expected a header line epoch,…`);
  const header = lines[0].split(',');
  if (header[0] !== 'epoch')
    throw new InputError(`${file}: line 1, column 1: found "${header[0]}", expected "epoch"`);
  const history = new History();
  lines.slice(1).forEach((line, i) => {
    const cells = line.split(',');
    const where = `${file}: line ${i + 2}`;
    if (cells.length !== header.length) {
      throw new InputError(
        `${where}: found ${cells.length} fields, expected ${header.length} (as in the header)`,
      );
    }
    const logs: Logs = {};
    for (let c = 1; c < header.length; c++)
      logs[header[c]] = parseCsvNumber(cells[c], `${where}, column ${c + 1} (${header[c]})`);
    history.record(parseCsvNumber(cells[0], `${where}, column 1 (epoch)`), logs);
  });
  return history;
}

/** Reads a JSONLLogger file (one object per line: {"epoch": n, key: number|null, …}). */
export function parseHistoryJsonl(text: string, file: string): History {
  const history = new History();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file}: line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new InputError(`${where}: invalid JSON (${(err as Error).message})`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new InputError(`${where}: found ${line.slice(0, 40)}, expected a JSON object`);
    }
    const { epoch, ...rest } = value as Record<string, unknown>;
    if (typeof epoch !== 'number')
      throw new InputError(`${where}: epoch: found ${JSON.stringify(epoch)}, expected a number`);
    const logs: Logs = {};
    for (const [key, v] of Object.entries(rest)) {
      if (v !== null && typeof v !== 'number') {
        throw new InputError(`${where}: ${key}: found ${JSON.stringify(v)}, expected a number or null`);
      }
      logs[key] = v === null ? Number.NaN : v;
    }
    history.record(epoch, logs);
  });
  return history;
}
