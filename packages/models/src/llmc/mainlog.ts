/**
 * llm.c's `DIR/main.log`, byte for byte: one line per event (the course fork's
 * train line adds the step time):
 *   s:%d tel:%.4f                                        val loss, measured before update s
 *   s:%d eval:%.4f                                       HellaSwag accuracy (0..1), before update s
 *   s:%d trl:%.4f lr:%.6f norm:%.2f time (ms):%.2f       train loss of update s, its LR, pre-clip grad norm
 * Upstream llm.c writes the train line without ` time (ms):…`; parseMainLog reads both.
 * The file is wiped at start unless resuming; each line is appended (and so on
 * disk) at once, so a killed run keeps everything it logged.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatFixed } from './cformat.js';

// ---- main.log: writing

export class MainLog {
  readonly path: string;

  /** Creates DIR if needed; wipes main.log unless resuming (llm.c's -y 1 keeps it). */
  constructor(dir: string, opts: { resume: boolean }) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, 'main.log');
    if (!opts.resume) writeFileSync(this.path, '');
  }

  /** `s:%d trl:%.4f lr:%.6f norm:%.2f time (ms):%.2f` */
  train(step: number, loss: number, lr: number, norm: number, ms: number): void {
    this.append(
      `s:${step} trl:${formatFixed(loss, 4)} lr:${formatFixed(lr, 6)} norm:${formatFixed(norm, 2)} time (ms):${formatFixed(ms, 2)}`,
    );
  }

  /** `s:%d tel:%.4f` */
  val(step: number, loss: number): void {
    this.append(`s:${step} tel:${formatFixed(loss, 4)}`);
  }

  /** `s:%d eval:%.4f` (accuracy as a fraction) */
  eval(step: number, accuracy: number): void {
    this.append(`s:${step} eval:${formatFixed(accuracy, 4)}`);
  }

  private append(line: string): void {
    appendFileSync(this.path, `${line}\n`);
  }
}

// ---- main.log: reading

export interface TrainLogEntry {
  step: number;
  loss: number;
  lr: number;
  norm: number;
  /** Absent in upstream llm.c's logs. */
  ms?: number;
}

export interface MainLogData {
  train: TrainLogEntry[];
  val: { step: number; loss: number }[];
  eval: { step: number; acc: number }[];
  /** Non-empty lines that are none of the three (1-based line numbers), for checkers to report. */
  unrecognized: { lineNumber: number; text: string }[];
}

/** A number as C's printf writes it, including `nan`, `-nan`, `inf`, `-inf`. */
const C_NUMBER = String.raw`([+-]?(?:\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|nan|inf))`;
const TRAIN_LINE = new RegExp(
  String.raw`^s:(\d+)\s+trl:${C_NUMBER}\s+lr:${C_NUMBER}\s+norm:${C_NUMBER}(?:\s+time\s+\(ms\):${C_NUMBER})?$`,
);
const VAL_LINE = new RegExp(String.raw`^s:(\d+)\s+tel:${C_NUMBER}$`);
const EVAL_LINE = new RegExp(String.raw`^s:(\d+)\s+eval:${C_NUMBER}$`);

function cNumber(text: string): number {
  if (text.endsWith('nan')) return Number.NaN;
  if (text.endsWith('inf')) return text.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}

/**
 * Reads a main.log (ours, the fork's or upstream llm.c's). Entries keep file
 * order; a resumed run may repeat steps, which are kept as written.
 */
export function parseMainLog(text: string): MainLogData {
  const data: MainLogData = { train: [], val: [], eval: [], unrecognized: [] };
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const train = TRAIN_LINE.exec(line);
    const val = train ? null : VAL_LINE.exec(line);
    const evaluation = train || val ? null : EVAL_LINE.exec(line);
    if (train) {
      const [, step, loss, lr, norm, ms] = train;
      const entry: TrainLogEntry = {
        step: Number(step),
        loss: cNumber(loss),
        lr: cNumber(lr),
        norm: cNumber(norm),
      };
      if (ms !== undefined) entry.ms = cNumber(ms);
      data.train.push(entry);
    } else if (val) {
      data.val.push({ step: Number(val[1]), loss: cNumber(val[2]) });
    } else if (evaluation) {
      data.eval.push({ step: Number(evaluation[1]), acc: cNumber(evaluation[2]) });
    } else {
      data.unrecognized.push({ lineNumber: index + 1, text: raw });
    }
  });
  return data;
}
