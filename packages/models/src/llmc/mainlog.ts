/**
 * llm.c's run-folder text files, byte for byte:
 *
 * `DIR/main.log`, one line per event (the course fork's train line adds the step time):
 *   s:%d tel:%.4f                                        val loss, measured before update s
 *   s:%d eval:%.4f                                       HellaSwag accuracy (0..1), before update s
 *   s:%d trl:%.4f lr:%.6f norm:%.2f time (ms):%.2f       train loss of update s, its LR, pre-clip grad norm
 * Upstream llm.c writes the train line without ` time (ms):…`; parseMainLog reads both.
 * The file is wiped at start unless resuming; each line is appended (and so on
 * disk) at once, so a killed run keeps everything it logged.
 *
 * `DIR/run_parameters.txt`: the fork appends the `| name | value |` table it
 * prints at start (upstream train_gpt2.cu's layout: a 21-character name column,
 * values printed `%-50s`, `%-50d`, `%-50e`, `%-50f`, `%-50zu`). The course's
 * vislog notebook reads "learning rate (LR)" and "num_parameters" from it by
 * splitting lines on `|`.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GPT2Config } from '@course/models';
import { formatExponential, formatFixed, padRight } from './cformat.js';
import type { TrainOptions } from './llmc-flags.js';

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

// ---- run_parameters.txt

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

/** Facts known once the model and data are set up. */
export interface RunFacts {
  config: GPT2Config;
  numParameters: number;
  /** "intermediate checkpoint" when resuming, else the -e file or a random-init description. */
  weightInit: string;
  trainNumBatches: number;
  valNumBatches: number;
  runHellaswag: boolean;
  device: string;
  /** llm.c prints -1 for devices it does not know. */
  peakTflops: number;
  precision: string;
}

/** The rows of train_gpt2.cu's table, in its order, from our options and the run's facts. */
export function runParameterRows(o: TrainOptions, run: RunFacts): RunParameterLine[] {
  const f = Math.fround; // these are C floats in llm.c
  const row = (name: string, value: string | number, format: RunParameterFormat): RunParameterRow => ({
    name,
    value,
    format,
  });
  return [
    row('train data pattern', o.overfitSingleBatch ? o.valPattern : o.trainPattern, 's'),
    row('val data pattern', o.valPattern, 's'),
    row('output log dir', o.outputDir, 's'),
    row('checkpoint_every', o.checkpointEvery, 'd'),
    row('resume', o.resume ? 1 : 0, 'd'),
    row('micro batch size B', o.batchSize, 'd'),
    row('sequence length T', o.seqLen, 'd'),
    row('total batch size', o.totalBatchSize, 'd'),
    row('LR scheduler', o.scheduler, 's'),
    row('learning rate (LR)', f(o.learningRate), 'e'),
    row('warmup iterations', o.warmupSteps, 'd'),
    row('final LR fraction', f(o.finalLrFraction), 'e'),
    row('weight decay', f(o.weightDecay), 'e'),
    row('skip update lossz', f(o.skipLossZ), 'f'),
    row('skip update gradz', f(o.skipGradZ), 'f'),
    row('max_steps', o.maxSteps, 'd'),
    row('val_loss_every', o.valEvery, 'd'),
    row('val_max_steps', o.valMaxSteps, 'd'),
    row('sample_every', o.sampleEvery, 'd'),
    row('genT', o.genTokens, 'd'),
    row('overfit_single_batch', o.overfitSingleBatch ? 1 : 0, 'd'),
    row('use_master_weights', o.gpu.masterWeights ? 'enabled' : 'disabled', 's'),
    row('gelu_fusion', Math.max(o.gpu.geluFusion, 0), 'd'),
    row('recompute', o.gpu.recompute, 'd'),
    'rule',
    row('device', run.device, 's'),
    row('peak TFlops', run.peakTflops, '.1f'),
    row('precision', run.precision, 's'),
    'rule',
    row('weight init method', run.weightInit, 's'),
    row('max_sequence_length T', run.config.maxSeqLen, 'd'),
    row('vocab_size V', run.config.vocabSize, 'd'),
    row('padded_vocab_size Vp', run.config.paddedVocabSize, 'd'),
    row('num_layers L', run.config.numLayers, 'd'),
    row('num_heads NH', run.config.numHeads, 'd'),
    row('channels C', run.config.channels, 'd'),
    row('num_parameters', run.numParameters, 'zu'),
    'rule',
    row('train_num_batches', run.trainNumBatches, 'd'),
    row('val_num_batches', run.valNumBatches, 'd'),
    'rule',
    row('run hellaswag', run.runHellaswag ? 'yes' : 'no', 's'),
    'rule',
    row('num_processes', 1, 'd'),
    row('zero_stage', o.gpu.zeroStage, 'd'),
    'rule',
  ];
}
