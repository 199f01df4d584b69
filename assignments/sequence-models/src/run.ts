/**
 * The whole assignment in one call: RNN vs LSTM sentiment classifiers
 * (accuracy table, loss curves), the exploding-gradient run with and without
 * clipping (gradient norm over steps), gradients through time, and the
 * attention worked example; every table, plot and number written to `out`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@course/models';
import { type LineChart, type LineSeries, writeLineCharts } from '@course/trainer';
import * as tf from '@tensorflow/tfjs';
import { attentionMarkdown, attentionWorkedExample } from './attention.js';
import { loadSentences, type Sentence, shuffleSentences, splitSentences } from './data.js';
import {
  DEFAULT_EXPLODING_OPTIONS,
  explodingRun,
  type GradientRun,
  type GradientThroughTime,
  gradientsThroughTime,
} from './gradients.js';
import {
  DEFAULT_SENTIMENT_OPTIONS,
  encodeSplit,
  type RecurrentKind,
  type SentimentOptions,
  type SentimentResult,
  trainSentiment,
} from './sentiment.js';

export interface RunOptions {
  out: string;
  sentiment: SentimentOptions;
  /** Use only the first N sentences after shuffling (tests); default all 3,000. */
  limit?: number;
  /** Examples in the exploding-gradient runs (one step per batch of 32). */
  explodingExamples: number;
  /** Tokens per sequence in the gradient experiments. */
  gradientMaxLen: number;
  clipNorm: number;
  log: (line: string) => void;
}

export const DEFAULT_RUN_OPTIONS: Omit<RunOptions, 'out' | 'log'> = {
  sentiment: DEFAULT_SENTIMENT_OPTIONS,
  explodingExamples: DEFAULT_EXPLODING_OPTIONS.examples,
  gradientMaxLen: 40,
  clipNorm: 1,
};

export interface AccuracyRow {
  model: string;
  params: number;
  epochs: number;
  bestEpoch: number;
  trainAccuracy: number;
  valAccuracy: number;
  testAccuracy: number;
  testLoss: number;
  trainSeconds: number;
}

export interface RunResults {
  sentences: number;
  split: { train: number; validation: number; test: number };
  vocabulary: number;
  accuracy: AccuracyRow[];
  exploding: GradientRun[];
  throughTime: GradientThroughTime[];
  attention: ReturnType<typeof attentionWorkedExample>;
  files: string[];
}

export async function runSequenceModels(opts: RunOptions): Promise<RunResults> {
  mkdirSync(opts.out, { recursive: true });
  const files: string[] = [];
  const write = (name: string, text: string) => {
    const path = join(opts.out, name);
    writeFileAtomic(path, text);
    files.push(path);
  };
  const plot = async (name: string, charts: LineChart[]) => {
    for (const ext of ['svg', 'png']) {
      const path = join(opts.out, `${name}.${ext}`);
      await writeLineCharts(charts, path);
      files.push(path);
    }
  };

  let sentences: Sentence[] = loadSentences();
  const total = sentences.length;
  // A random subset (all three sources, both labels), not the first files' sentences.
  if (opts.limit !== undefined) sentences = shuffleSentences(sentences, 7).slice(0, opts.limit);
  const split = splitSentences(sentences);
  opts.log(
    `data: ${sentences.length} of ${total} sentences; train ${split.train.length}, validation ${split.validation.length}, test ${split.test.length}`,
  );

  // 1. RNN vs LSTM.
  const data = encodeSplit(split, opts.sentiment);
  const results: SentimentResult[] = [];
  const vocabulary = data.vocabulary.size;
  try {
    opts.log(
      `vocabulary: ${data.vocabulary.size} ids (train words seen ≥ ${opts.sentiment.minCount}×, pad, unknown)`,
    );
    for (const kind of ['rnn', 'lstm'] as RecurrentKind[]) {
      const r = await trainSentiment(kind, data, opts.sentiment);
      results.push(r);
      opts.log(
        `${r.model}: ${r.params.toLocaleString('en-US')} params, best epoch ${r.bestEpoch + 1}, test accuracy ${(100 * r.test.accuracy).toFixed(1)} %, ${r.trainSeconds.toFixed(1)} s`,
      );
    }
  } finally {
    data.dispose();
  }
  const accuracy = results.map(accuracyRow);
  write('accuracy.md', accuracyMarkdown(accuracy));
  write('accuracy.csv', accuracyCsv(accuracy));
  await plot('loss-curves', comparisonCharts(results));

  // 2. Exploding gradients with and without clipping; gradients through time.
  const long = encodeSplit(split, { maxLen: opts.gradientMaxLen, minCount: opts.sentiment.minCount });
  const exploding: GradientRun[] = [];
  let throughTime: GradientThroughTime[];
  try {
    const sizes = {
      ...DEFAULT_EXPLODING_OPTIONS,
      vocab: long.vocabulary.size,
      examples: opts.explodingExamples,
    };
    for (const clipNorm of [undefined, opts.clipNorm]) {
      const run = await explodingRun(long.train, sizes, clipNorm);
      exploding.push(run);
      const last = run.losses.at(-1) ?? Number.NaN;
      opts.log(
        `exploding rnn, ${run.name}: first gradient norm ${run.gradNorms[0]?.toPrecision(3)}, ` +
          (run.divergedAt === undefined
            ? `stayed finite, last batch loss ${last.toFixed(3)}`
            : `loss not finite from step ${run.divergedAt + 1}`),
      );
    }
    const batch = tf.tidy(() => long.train.x.slice(0, Math.min(64, long.train.x.shape[0]))) as tf.Tensor2D;
    throughTime = gradientsThroughTime(batch, {
      vocab: long.vocabulary.size,
      embed: 32,
      hidden: 32,
      seed: 1,
    });
    batch.dispose();
  } finally {
    long.dispose();
  }
  await plot('grad-norm', [
    {
      title: 'global gradient norm before clipping',
      xTitle: 'step',
      yTitle: '‖g‖ (log)',
      logY: true,
      width: 520,
      series: exploding.map((r) => ({ name: r.name, points: r.gradNorms.map((y, i) => ({ x: i + 1, y })) })),
    },
    {
      title: 'batch loss',
      xTitle: 'step',
      yTitle: 'loss (log)',
      logY: true,
      series: exploding.map((r) => ({ name: r.name, points: r.losses.map((y, i) => ({ x: i + 1, y })) })),
    },
  ]);
  await plot('gradient-through-time', [
    {
      title: 'how much h_T depends on the token d steps back (at init)',
      xTitle: 'd (steps before the last token)',
      yTitle: '‖∂(h_T·r)/∂x_{T−d}‖ (log)',
      logY: true,
      width: 520,
      series: throughTime.map((g) => ({ name: g.name, points: g.norms.map((y, d) => ({ x: d, y })) })),
    },
  ]);

  // 3. Attention worked example.
  const attention = attentionWorkedExample();
  write('attention.md', attentionMarkdown(attention));

  const summary: RunResults = {
    sentences: sentences.length,
    split: { train: split.train.length, validation: split.validation.length, test: split.test.length },
    vocabulary,
    accuracy,
    exploding,
    throughTime,
    attention,
    files: [],
  };
  write('results.json', `${JSON.stringify(summary, jsonNumbers, 2)}\n`);
  summary.files = files;
  return summary;
}

/** JSON has no NaN/Infinity: a diverged value is written as null. */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

/** Loss and accuracy panels, RNN and LSTM in each (validation dashed), by epoch. */
function comparisonCharts(results: readonly SentimentResult[]): LineChart[] {
  return (['loss', 'accuracy'] as const).map((metric) => {
    const series: LineSeries[] = results.flatMap((r) =>
      [metric, `val_${metric}`].map((key) => ({
        name: `${r.kind} ${key}`,
        dashed: key.startsWith('val_'),
        points: r.history.history[key].map((y, i) => ({ x: r.history.epoch[i] + 1, y })),
      })),
    );
    return { title: metric, xTitle: 'epoch', yTitle: metric, series, width: 420 };
  });
}

function accuracyRow(r: SentimentResult): AccuracyRow {
  const at = (key: string) => r.history.history[key][r.bestEpoch];
  return {
    model: r.model,
    params: r.params,
    epochs: r.history.epoch.length,
    bestEpoch: r.bestEpoch + 1,
    trainAccuracy: at('accuracy'),
    valAccuracy: at('val_accuracy'),
    testAccuracy: r.test.accuracy,
    testLoss: r.test.loss,
    trainSeconds: r.trainSeconds,
  };
}

const HEADER = [
  'model',
  'params',
  'epochs',
  'best epoch',
  'train acc',
  'val acc',
  'test acc',
  'test loss',
  'train s',
];
const cells = (r: AccuracyRow) => [
  r.model,
  String(r.params),
  String(r.epochs),
  String(r.bestEpoch),
  r.trainAccuracy.toFixed(4),
  r.valAccuracy.toFixed(4),
  r.testAccuracy.toFixed(4),
  r.testLoss.toFixed(4),
  r.trainSeconds.toFixed(1),
];

export function accuracyMarkdown(rows: readonly AccuracyRow[]): string {
  return [
    `| ${HEADER.join(' | ')} |`,
    `| ${HEADER.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${cells(r).join(' | ')} |`),
    '',
    'Accuracies at the best validation-loss epoch (its weights are the ones tested).',
    '',
  ].join('\n');
}

export function accuracyCsv(rows: readonly AccuracyRow[]): string {
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return [HEADER, ...rows.map(cells)].map((r) => r.map(quote).join(',')).join('\n') + '\n';
}
