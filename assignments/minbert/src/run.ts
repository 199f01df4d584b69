/**
 * The comparison: each variant (pair input × schedule × SMART) fine-tunes the
 * same starting weights (the cached MLM checkpoint) on the three tasks, then
 * is scored on dev. Writes, under `out`:
 *
 *   results.md, results.csv       dev metrics per variant: sentiment accuracy, paraphrase accuracy,
 *                                 STS Pearson r, overall = (a_s + a_p + (r + 1)/2) / 3
 *   loss-curves.svg/.png          per task, the training loss of every variant (mean per 10 of its updates)
 *   variants.svg/.png             overall dev score per variant
 *   predictions/VARIANT/          sst-, para-, sts-{dev,test}-output.csv in the starter's format
 *   checkpoints/VARIANT/          config.json, vocab.txt, model.safetensors (BertModel names + classifier.*)
 *   results.json                  everything above as numbers, with wall time, backend and cost
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  Bert,
  type BertConfig,
  InputError,
  saveBertFolder,
  type WordPieceTokenizer,
  writeFileAtomic,
} from '@course/models';
import {
  DEFAULT_RATE_USD_PER_HOUR,
  formatUsd,
  type LineChart,
  MULTITASK_TASKS,
  type MultitaskScores,
  type MultitaskTask,
  overallScore,
  paraphraseAccuracy,
  plotBarChart,
  sentimentAccuracy,
  stsCorrelation,
  svgToPng,
  writeLineCharts,
  writePredictions,
} from '@course/trainer';
import type { TaskData } from './data.js';
import { MultitaskBert, PAIR_MODES, type PairMode, type Pooling } from './model.js';
import {
  DEFAULT_SMART,
  predict,
  SCHEDULES,
  type Schedule,
  type TrainOptions,
  trainMultitask,
} from './train.js';

export interface Variant {
  pair: PairMode;
  schedule: Schedule;
  smart: boolean;
}

const SHORT: Record<Schedule, string> = { 'round-robin': 'rr', proportional: 'prop', pcgrad: 'pcgrad' };

/** A variant's name: PAIR/SCHEDULE[+smart], e.g. cross/rr, uv-diff/pcgrad+smart. */
export function variantName(v: Variant): string {
  return `${v.pair}/${SHORT[v.schedule]}${v.smart ? '+smart' : ''}`;
}

/** Parses "PAIR:SCHEDULE[:smart]" (schedule also as rr/prop). */
export function parseVariant(text: string): Variant {
  const [pair, schedule = 'round-robin', smart, ...rest] = text.split(':');
  const fullSchedule = (Object.entries(SHORT).find(([, s]) => s === schedule)?.[0] ?? schedule) as Schedule;
  if (!(PAIR_MODES as readonly string[]).includes(pair))
    throw new InputError(
      `--variants: "${text}": pair found "${pair}", expected one of ${PAIR_MODES.join(', ')}`,
    );
  if (!(SCHEDULES as readonly string[]).includes(fullSchedule))
    throw new InputError(
      `--variants: "${text}": schedule found "${schedule}", expected one of ${SCHEDULES.join(', ')} (or rr, prop)`,
    );
  if ((smart !== undefined && smart !== 'smart') || rest.length > 0)
    throw new InputError(
      `--variants: "${text}": found "${[smart, ...rest].join(':')}" after the schedule, expected nothing or "smart"`,
    );
  return { pair: pair as PairMode, schedule: fullSchedule, smart: smart === 'smart' };
}

/** The default comparison: every pair input on round-robin, the other schedules and SMART on cross. */
export const DEFAULT_VARIANTS: readonly string[] = [
  'cross:rr',
  'uv:rr',
  'uv-diff:rr',
  'uv-diff-prod:rr',
  'cosine:rr',
  'cross:prop',
  'cross:pcgrad',
  'cross:rr:smart',
];

export interface VariantResult {
  name: string;
  variant: Variant;
  scores: MultitaskScores;
  overall: number;
  updates: number;
  trainSeconds: number;
  losses: Record<MultitaskTask, { step: number; loss: number }[]>;
}

export interface RunOptions {
  out: string;
  variants: Variant[];
  train: Omit<TrainOptions, 'schedule' | 'smart' | 'log'>;
  /** The starting weights: a pretrained checkpoint's tensors, or a config to start from random weights. */
  start: { bert: Bert } | { config: BertConfig };
  ratePerHour?: number;
  /** Sentence vector: BERT's [CLS] pooler or the mean of the hidden states (default 'cls'). */
  pooling?: Pooling;
  backend: string;
  log: (line: string) => void;
}

export interface RunResults {
  backend: string;
  results: VariantResult[];
  wallSeconds: number;
  costUsd: number;
  files: string[];
}

const PREDICTION_FILES: Record<MultitaskTask, string> = {
  sentiment: 'sst',
  paraphrase: 'para',
  similarity: 'sts',
};

/** Dev scores from predictions and gold labels. */
export function devScores(pred: Record<MultitaskTask, number[]>, data: TaskData): MultitaskScores {
  const gold = (task: MultitaskTask) => data[task].dev.map((e) => e.label ?? Number.NaN);
  return {
    sentimentAccuracy: sentimentAccuracy(pred.sentiment, gold('sentiment')),
    paraphraseAccuracy: paraphraseAccuracy(pred.paraphrase, gold('paraphrase')),
    stsCorrelation: stsCorrelation(pred.similarity, gold('similarity')),
  };
}

export async function runComparison(
  data: TaskData,
  tokenizer: WordPieceTokenizer,
  opts: RunOptions,
): Promise<RunResults> {
  const wallStart = performance.now();
  mkdirSync(opts.out, { recursive: true });
  const files: string[] = [];
  const write = (name: string, text: string) => {
    const path = join(opts.out, name);
    writeFileAtomic(path, text);
    files.push(path);
  };
  const initial = 'bert' in opts.start ? opts.start.bert.toTensors() : undefined;
  const config = 'bert' in opts.start ? opts.start.bert.config : opts.start.config;
  const results: VariantResult[] = [];
  for (const [k, variant] of opts.variants.entries()) {
    const name = variantName(variant);
    opts.log(`variant ${k + 1}/${opts.variants.length}: ${name}`);
    const bert = new Bert(config, { seed: opts.train.seed, init: initial === undefined });
    if (initial) bert.load(initial, 'pretrained checkpoint');
    const model = new MultitaskBert(bert, variant.pair, data.classes, opts.train.seed, opts.pooling);
    try {
      const history = trainMultitask(model, tokenizer, data, {
        ...opts.train,
        schedule: variant.schedule,
        smart: variant.smart ? DEFAULT_SMART : undefined,
        log: opts.log,
      });
      const dev = {} as Record<MultitaskTask, number[]>;
      const slug = name.replace('/', '_').replace('+', '_');
      mkdirSync(join(opts.out, 'predictions', slug), { recursive: true });
      for (const task of MULTITASK_TASKS) {
        dev[task] = predict(model, tokenizer, task, data[task].dev, opts.train.maxLength);
        const test = predict(model, tokenizer, task, data[task].test, opts.train.maxLength);
        for (const [split, examples, values] of [
          ['dev', data[task].dev, dev[task]],
          ['test', data[task].test, test],
        ] as const) {
          const path = join(opts.out, 'predictions', slug, `${PREDICTION_FILES[task]}-${split}-output.csv`);
          writePredictions(
            path,
            task,
            examples.map((e, i) => ({ id: e.id, value: values[i] })),
          );
          files.push(path);
        }
      }
      const scores = devScores(dev, data);
      const overall = overallScore(scores);
      const dir = join(opts.out, 'checkpoints', slug);
      saveBertFolder(dir, model.bert, tokenizer, model.headTensors());
      files.push(join(dir, 'model.safetensors'));
      results.push({
        name,
        variant,
        scores,
        overall,
        updates: history.updates,
        trainSeconds: history.seconds,
        losses: history.losses,
      });
      opts.log(
        `${name}: dev sentiment acc ${pct(scores.sentimentAccuracy)}, paraphrase acc ${pct(scores.paraphraseAccuracy)}, STS r ${scores.stsCorrelation.toFixed(3)}, overall ${overall.toFixed(3)} (${history.updates} updates, ${history.seconds.toFixed(1)} s)`,
      );
    } finally {
      model.dispose();
    }
  }
  write('results.md', resultsMarkdown(results));
  write('results.csv', resultsCsv(results));
  for (const ext of ['svg', 'png']) {
    const path = join(opts.out, `loss-curves.${ext}`);
    await writeLineCharts(lossCharts(results), path);
    files.push(path);
  }
  const bars = await plotBarChart({
    title: 'overall dev score per variant',
    xTitle: 'variant',
    yTitle: 'overall score',
    bars: results.map((r) => ({ label: r.name, value: Number(r.overall.toFixed(3)) })),
    width: Math.max(400, 70 * results.length),
  });
  write('variants.svg', bars);
  writeFileAtomic(join(opts.out, 'variants.png'), svgToPng(bars));
  files.push(join(opts.out, 'variants.png'));
  const wallSeconds = (performance.now() - wallStart) / 1000;
  const rate = opts.ratePerHour ?? DEFAULT_RATE_USD_PER_HOUR;
  const costUsd = (wallSeconds / 3600) * rate;
  opts.log(
    `comparison: ${results.length} variants in ${wallSeconds.toFixed(1)} s on ${opts.backend}; cost ${formatUsd(costUsd)} at $${rate}/h`,
  );
  const summary = {
    backend: opts.backend,
    wallSeconds,
    ratePerHour: rate,
    costUsd,
    config,
    train: opts.train,
    results: results.map(({ losses: _, ...r }) => r),
  };
  write('results.json', `${JSON.stringify(summary, null, 2)}\n`);
  return { backend: opts.backend, results, wallSeconds, costUsd, files };
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

export const RESULT_COLUMNS = [
  'variant',
  'pair',
  'schedule',
  'smart',
  'sentiment_acc',
  'paraphrase_acc',
  'sts_pearson',
  'overall',
  'updates',
  'train_seconds',
] as const;

function row(r: VariantResult): string[] {
  return [
    r.name,
    r.variant.pair,
    r.variant.schedule,
    r.variant.smart ? 'yes' : 'no',
    r.scores.sentimentAccuracy.toFixed(4),
    r.scores.paraphraseAccuracy.toFixed(4),
    r.scores.stsCorrelation.toFixed(4),
    r.overall.toFixed(4),
    String(r.updates),
    r.trainSeconds.toFixed(1),
  ];
}

export function resultsCsv(results: readonly VariantResult[]): string {
  return `${[RESULT_COLUMNS.join(','), ...results.map((r) => row(r).join(','))].join('\n')}\n`;
}

export function resultsMarkdown(results: readonly VariantResult[]): string {
  const lines = [
    `| ${RESULT_COLUMNS.join(' | ')} |`,
    `| ${RESULT_COLUMNS.map((_, i) => (i < 4 ? '---' : '---:')).join(' | ')} |`,
    ...results.map((r) => `| ${row(r).join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Mean loss per window of a task's updates (x: the update where the window ends). */
export function smoothLosses(points: readonly { step: number; loss: number }[], window = 10) {
  const out: { x: number; y: number }[] = [];
  for (let s = 0; s < points.length; s += window) {
    const chunk = points.slice(s, s + window);
    out.push({ x: chunk.at(-1)!.step, y: chunk.reduce((a, p) => a + p.loss, 0) / chunk.length });
  }
  return out;
}

function lossCharts(results: readonly VariantResult[]): LineChart[] {
  const titles: Record<MultitaskTask, string> = {
    sentiment: 'sentiment: cross-entropy',
    paraphrase: 'paraphrase: binary cross-entropy',
    similarity: 'similarity: squared error',
  };
  return MULTITASK_TASKS.map((task) => ({
    title: titles[task],
    xTitle: 'update',
    yTitle: 'training loss',
    series: results.map((r) => ({ name: r.name, points: smoothLosses(r.losses[task]) })),
  }));
}
