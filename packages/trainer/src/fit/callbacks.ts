/**
 * Callbacks for `fit`, as Keras users know them. Hooks run in the order the
 * callbacks are given, all sharing one `logs` object per epoch, so a callback
 * that adds a key (EpochTimer's epoch_seconds) must come before the ones that
 * read it (loggers, the progress bar). Epochs are 0-based in hooks, logs and
 * History (Keras' convention); file names and progress lines count from 1.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError, type Module, saveModuleWeights } from '@course/models';
import * as tf from '@tensorflow/tfjs';
import { SingleBar } from 'cli-progress';
import { csvNumber, type History, type Logs } from './history.js';

export interface FitContext {
  readonly model: Module;
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  readonly samples: number;
  readonly history: History;
  /** Set by a callback (EarlyStopping) to end training after the current epoch. */
  stopTraining: boolean;
}

/** Per-batch numbers: the running epoch means so far, plus this batch's gradient norm. */
export type BatchLogs = Logs & { size: number; grad_norm: number };

export interface Callback {
  onTrainBegin?(ctx: FitContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: FitContext): void | Promise<void>;
  onBatchEnd?(batch: number, logs: BatchLogs, ctx: FitContext): void | Promise<void>;
  /** `logs` holds loss, metrics and val_* for this epoch; a callback may add keys. */
  onEpochEnd?(epoch: number, logs: Logs, ctx: FitContext): void | Promise<void>;
  onTrainEnd?(ctx: FitContext): void | Promise<void>;
}

export type Mode = 'min' | 'max' | 'auto';

/** Keras' rule for mode 'auto': accuracies are maximised, everything else minimised. */
export function resolveMode(mode: Mode, monitor: string): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return /acc/.test(monitor) ? 'max' : 'min';
}

function monitored(logs: Logs, monitor: string, who: string): number {
  const value = logs[monitor];
  if (value === undefined) {
    const available = Object.keys(logs).join(', ');
    const hint = monitor.startsWith('val_') ? " (val_* keys need fit's `validation` data)" : '';
    throw new InputError(
      `${who}: monitor: found "${monitor}", expected one of the logged keys: ${available}${hint}`,
    );
  }
  return value;
}

/** A copy of every variable's values (EarlyStopping's best weights). */
export function getWeights(model: Module): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of model.namedVariables())
    out.set(name, Float32Array.from(v.dataSync() as Float32Array));
  return out;
}

export function setWeights(model: Module, weights: ReadonlyMap<string, Float32Array>): void {
  for (const [name, v] of model.namedVariables()) {
    const values = weights.get(name);
    if (values === undefined) throw new Error(`setWeights: no values for variable ${name}`);
    const value = tf.tensor(values, v.shape, 'float32');
    v.assign(value);
    value.dispose();
  }
}

export interface EarlyStoppingOptions {
  /** Default 'val_loss', as in Keras. */
  monitor?: string;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** An improvement must beat the best by more than this. Default 0. */
  minDelta?: number;
  mode?: Mode;
  /** At the end of training, put back the weights of the best epoch. Default false. */
  restoreBestWeights?: boolean;
}

/**
 * Stops when `monitor` has not improved by more than `minDelta` for `patience`
 * epochs (Keras 3's rule: the wait counter counts every epoch and resets on an
 * improvement; stop when it reaches patience). With restoreBestWeights, the
 * best epoch's weights are put back when training ends, stopped early or not.
 */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly minDelta: number;
  readonly mode: 'min' | 'max';
  readonly restoreBestWeights: boolean;
  best = Number.NaN;
  bestEpoch = -1;
  /** The epoch after which training stopped (undefined: it ran all epochs). */
  stoppedEpoch: number | undefined;
  private wait = 0;
  private bestWeights: Map<string, Float32Array> | undefined;

  constructor(opts: EarlyStoppingOptions = {}) {
    this.monitor = opts.monitor ?? 'val_loss';
    this.patience = opts.patience ?? 0;
    this.minDelta = Math.abs(opts.minDelta ?? 0);
    this.mode = resolveMode(opts.mode ?? 'auto', this.monitor);
    this.restoreBestWeights = opts.restoreBestWeights ?? false;
  }

  onTrainBegin(): void {
    this.best = this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    this.bestEpoch = -1;
    this.wait = 0;
    this.stoppedEpoch = undefined;
    this.bestWeights = undefined;
  }

  private improved(current: number): boolean {
    return this.mode === 'min' ? current + this.minDelta < this.best : current - this.minDelta > this.best;
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: FitContext): void {
    const current = monitored(logs, this.monitor, 'EarlyStopping');
    this.wait++;
    if (this.improved(current)) {
      this.best = current;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.bestWeights = getWeights(ctx.model);
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      ctx.stopTraining = true;
    }
  }

  onTrainEnd(ctx: FitContext): void {
    if (this.restoreBestWeights && this.bestWeights !== undefined) setWeights(ctx.model, this.bestWeights);
  }
}

export interface ModelCheckpointOptions {
  /** The weights file; `{epoch}` is replaced by the 1-based epoch number. */
  path: string;
  /** Default 'val_loss', as in Keras. */
  monitor?: string;
  mode?: Mode;
  /** Write only when `monitor` improves on the best so far (default true); false: every epoch. */
  saveBestOnly?: boolean;
  /** Extra `__metadata__` entries (string values). */
  metadata?: Record<string, string>;
}

/**
 * Saves the model's weights as safetensors (readable by PyTorch's
 * `safetensors.torch.load_file`), by default only when the monitored value
 * improves. The file's metadata records the epoch, the monitored key and value.
 */
export class ModelCheckpoint implements Callback {
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  best = Number.NaN;
  /** 0-based epochs whose weights were written. */
  readonly savedEpochs: number[] = [];
  private readonly opts: ModelCheckpointOptions;

  constructor(opts: ModelCheckpointOptions) {
    this.opts = opts;
    this.monitor = opts.monitor ?? 'val_loss';
    this.mode = resolveMode(opts.mode ?? 'auto', this.monitor);
  }

  onTrainBegin(): void {
    this.best = this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    this.savedEpochs.length = 0;
    mkdirSync(dirname(this.opts.path), { recursive: true });
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: FitContext): void {
    const current = monitored(logs, this.monitor, 'ModelCheckpoint');
    const improved = this.mode === 'min' ? current < this.best : current > this.best;
    if (this.opts.saveBestOnly !== false && !improved) return;
    if (improved) this.best = current;
    const path = this.opts.path.replaceAll('{epoch}', String(epoch + 1));
    saveModuleWeights(ctx.model, path, {
      ...this.opts.metadata,
      model: ctx.model.name,
      epoch: String(epoch + 1),
      monitor: this.monitor,
      [this.monitor]: String(current),
    });
    this.savedEpochs.push(epoch);
  }
}

/**
 * Seconds per epoch (training plus validation), added to the logs as
 * `epoch_seconds` so History and the loggers carry it; put it first.
 */
export class EpochTimer implements Callback {
  readonly seconds: number[] = [];
  private start = 0;

  onTrainBegin(): void {
    this.seconds.length = 0;
  }
  onEpochBegin(): void {
    this.start = performance.now();
  }
  onEpochEnd(_epoch: number, logs: Logs): void {
    const s = (performance.now() - this.start) / 1000;
    this.seconds.push(s);
    logs.epoch_seconds = s;
  }
  get totalSeconds(): number {
    return this.seconds.reduce((a, b) => a + b, 0);
  }
}

/**
 * Keras' CSVLogger: header `epoch,` then the first epoch's keys sorted, one row
 * appended per epoch (so a crash keeps the finished epochs), CRLF line ends as
 * Python's csv module writes them; NaN/inf as nan/inf. The file is truncated
 * when training begins.
 */
export class CSVLogger implements Callback {
  private keys: string[] | undefined;
  constructor(readonly path: string) {}

  onTrainBegin(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(this.path, '');
    this.keys = undefined;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    if (this.keys === undefined) {
      this.keys = Object.keys(logs).sort();
      appendFileSync(this.path, `${['epoch', ...this.keys].join(',')}\r\n`);
    }
    const cells = [String(epoch), ...this.keys.map((k) => csvNumber(logs[k] ?? Number.NaN))];
    appendFileSync(this.path, `${cells.join(',')}\r\n`);
  }
}

/** One JSON object per epoch, `{"epoch": n, ...logs}`; non-finite numbers as null (JSON has no NaN). */
export class JSONLLogger implements Callback {
  constructor(readonly path: string) {}

  onTrainBegin(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(this.path, '');
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const row: Record<string, number | null> = { epoch };
    for (const [k, v] of Object.entries(logs)) row[k] = Number.isFinite(v) ? v : null;
    appendFileSync(this.path, `${JSON.stringify(row)}\n`);
  }
}

export interface ProgressBarOptions {
  /** Default process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Prefix for each line, e.g. the model's name. */
  label?: string;
}

/**
 * A cli-progress bar per epoch on a terminal; elsewhere (CI logs, files, pipes)
 * one plain line per epoch when it ends, so logs stay readable:
 *   `epoch 3/10 - 188 steps - 1.9s - loss: 0.2312 - accuracy: 0.9341 - val_loss: …`
 */
export class ProgressBar implements Callback {
  private readonly stream: NodeJS.WritableStream & { isTTY?: boolean };
  private readonly label: string;
  private bar: SingleBar | undefined;
  private start = 0;

  constructor(opts: ProgressBarOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.label = opts.label ? `${opts.label} ` : '';
  }

  onEpochBegin(epoch: number, ctx: FitContext): void {
    this.start = performance.now();
    if (!this.stream.isTTY) return;
    this.bar = new SingleBar({
      stream: this.stream,
      format: `${this.label}epoch ${epoch + 1}/${ctx.epochs} [{bar}] {value}/{total} {eta_formatted} {metrics}`,
      hideCursor: false,
      clearOnComplete: false,
      etaBuffer: 50,
    });
    this.bar.start(ctx.stepsPerEpoch, 0, { metrics: '' });
  }

  onBatchEnd(batch: number, logs: BatchLogs): void {
    this.bar?.update(batch + 1, { metrics: formatLogs(logs, ['loss', 'accuracy']) });
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: FitContext): void {
    const seconds = (performance.now() - this.start) / 1000;
    const line = `${this.label}epoch ${epoch + 1}/${ctx.epochs} - ${ctx.stepsPerEpoch} steps - ${seconds.toFixed(1)}s - ${formatLogs(logs)}`;
    if (this.bar !== undefined) {
      this.bar.update(ctx.stepsPerEpoch, { metrics: formatLogs(logs) });
      this.bar.stop();
      this.bar = undefined;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  onTrainEnd(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

/** `loss: 0.1234 - accuracy: 0.9876 - …` (only `keys` when given; epoch_seconds left out). */
function formatLogs(logs: Logs, keys?: string[]): string {
  return Object.entries(logs)
    .filter(([k]) => (keys ? keys.includes(k) : k !== 'epoch_seconds' && k !== 'size' && k !== 'grad_norm'))
    .map(([k, v]) => `${k}: ${v.toFixed(4)}`)
    .join(' - ');
}
