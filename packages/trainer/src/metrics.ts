/**
 * The run folder's machine-readable files, next to llm.c's main.log:
 *
 * `metrics.jsonl`: one JSON object per step, appended (and so on disk) as soon
 * as the step ends; wiped at start unless resuming, like main.log. Keys:
 *   step, train_loss, val_loss?, hellaswag_acc?, lr, grad_norm, ms, tokens_per_s, cost_usd
 * The final step, which only evaluates (llm.c logs no trl for it), has no train keys.
 * Non-finite numbers (a diverged loss) are written as null, since JSON has no NaN.
 *
 * `run.json`: one object (config, parameter count, backend, cost estimate,
 * actual cost, versions…), rewritten atomically whenever it changes.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, writeFileAtomic } from '@course/models';

export interface MetricsRecord {
  step: number;
  train_loss?: number;
  val_loss?: number;
  hellaswag_acc?: number;
  lr?: number;
  grad_norm?: number;
  /** Time of the training step (forward, backward, update) in ms. */
  ms?: number;
  tokens_per_s?: number;
  /** Spend of this run so far (wall time × rate). */
  cost_usd: number;
}

/** Key order in every line, so the file reads as a table. */
const KEYS: (keyof MetricsRecord)[] = [
  'step',
  'train_loss',
  'val_loss',
  'hellaswag_acc',
  'lr',
  'grad_norm',
  'ms',
  'tokens_per_s',
  'cost_usd',
];

export class MetricsWriter {
  readonly path: string;

  /** Creates DIR if needed; wipes metrics.jsonl unless resuming. */
  constructor(dir: string, opts: { resume: boolean }) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, 'metrics.jsonl');
    if (!opts.resume) writeFileSync(this.path, '');
  }

  write(record: MetricsRecord): void {
    const ordered: Record<string, number | null> = {};
    for (const key of KEYS) {
      const value = record[key];
      if (value !== undefined) ordered[key] = Number.isFinite(value) ? value : null;
    }
    appendFileSync(this.path, `${JSON.stringify(ordered)}\n`);
  }
}

/** Reads metrics.jsonl back (null → NaN); a line that is not a JSON object names its line number. */
export function parseMetrics(text: string, file = 'metrics.jsonl'): MetricsRecord[] {
  const records: MetricsRecord[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new InputError(
        `${file}:${index + 1}: found a line that is not JSON, expected one JSON object per line`,
      );
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InputError(`${file}:${index + 1}: found ${JSON.stringify(value)}, expected a JSON object`);
    }
    const record: Record<string, number> = {};
    for (const [key, v] of Object.entries(value)) record[key] = v === null ? Number.NaN : Number(v);
    records.push(record as unknown as MetricsRecord);
  });
  return records;
}

/** Writes DIR/run.json atomically (readers never see half a file). */
export function writeRunJson(dir: string, obj: unknown): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, 'run.json'), `${JSON.stringify(obj, null, 2)}\n`);
}
