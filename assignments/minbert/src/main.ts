/**
 * `npm run -w @course/assignment-minbert start [-- OPTIONS]`: the multitask
 * comparison on the bundled data (pretraining first when no cached checkpoint
 * exists); `npm run -w @course/assignment-minbert pretrain`: only the MLM
 * pretraining, cached under --cache.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InputError, resolveBackendChoice, selectBackend, WordPieceTokenizer } from '@course/models';
import {
  type CourseIO,
  fromInvocationDir,
  numberAtLeast,
  parseScriptArgs,
  positiveIntegerFlag,
  reportCommandError,
  scriptFlag,
} from '@course/trainer';
import { cachedVocab, loadTaskData, pretrainingProse, vocabularyTexts } from './data.js';
import { MODEL_SIZES, type ModelSize, modelConfig, POOLINGS, type Pooling } from './model.js';
import { hasPretrained, loadPretrained, pretrainedDir, pretrainMlm } from './pretrain.js';
import { DEFAULT_VARIANTS, parseVariant, runComparison } from './run.js';

/** Where the script writes: the kit's CourseIO (tests pass their own). */
export type Io = CourseIO;

export const DEFAULTS = {
  size: 'tiny' as ModelSize,
  pooling: 'mean' as Pooling,
  vocab: 4000,
  epochs: 1,
  /** 32 rather than BERT's 16: on 2 cores an update of 32 costs ~1.7× one of 16, and the whole training split fits the 15 minutes. */
  batchSize: 32,
  maxLength: 32,
  /** BERT-tiny fine-tunes at ~1e-3 (bert-base's 2e-5..5e-5 leave it at chance in this budget; README "Measured"). */
  learningRate: 2e-3,
  beta2: 0.999,
  weightDecay: 0.01,
  warmup: 0.1,
  pretrainSteps: 150,
  /** Training examples per task the comparison uses (2,400 = all): 960 let the pair tasks be memorised, not learned. */
  trainSize: 2400,
  pretrainBatch: 32,
  pretrainMaxLength: 32,
  pretrainLr: 1e-3,
  seed: 1,
};

/** Learned positions: enough for a cross pair of two 64-token sentences, so one cached checkpoint serves shorter runs. */
export const POSITIONS = 128;

const DEFAULT_CACHE = fileURLToPath(new URL('../data-cache', import.meta.url));

const USAGE = `usage: minbert [pretrain] [OPTIONS]
  pretrain              only run (and cache) the MLM pretraining
  --out DIR             tables, plots, predictions, checkpoints (default ./output)
  --variants LIST       comma-separated PAIR:SCHEDULE[:smart]; PAIR cross|uv|uv-diff|uv-diff-prod|cosine,
                        SCHEDULE rr|prop|pcgrad (default ${DEFAULT_VARIANTS.join(',')})
  --size tiny|mini      BERT-tiny (L2 H128 A2, default) or BERT-mini (L4 H256 A4)
  --epochs N            fine-tuning epochs per variant (default ${DEFAULTS.epochs})
  --train-size N        first N training examples per task (default ${DEFAULTS.trainSize}; 2400 = all)
  --limit N             first N training examples per task, N/4 dev and test (quick checks)
  --pooling mean|cls    sentence vector: mean of the hidden states (default) or BERT's [CLS] pooler
  --optimizer adamw|adamax   (default adamw)
  --lr X                peak learning rate (default ${DEFAULTS.learningRate})
  --beta2 X             AdamW/AdaMax β2 (default ${DEFAULTS.beta2})
  --batch-size N        (default ${DEFAULTS.batchSize})
  --max-length N        tokens per sentence (default ${DEFAULTS.maxLength}; a cross pair gets 2N)
  --vocab N             WordPiece vocabulary size (default ${DEFAULTS.vocab})
  --pretrain-steps N    MLM updates when pretraining (default ${DEFAULTS.pretrainSteps})
  --no-pretrain         start from random weights (no cached checkpoint needed)
  --cache DIR           vocabulary and pretrained checkpoint cache (default assignments/minbert/data-cache)
  --rate USD            dollars per hour for the cost line (default 1.5)
  --seed N              (default ${DEFAULTS.seed})
  --backend B           tfjs backend (default: env COURSE_BACKEND, else auto)`;

/** A number ≥ 0 given to `flag`, else `fallback`. */
function numberFlag(flag: string, value: string | undefined, fallback: number): number {
  return scriptFlag(flag, value, numberAtLeast(0)) ?? fallback;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const log = (line: string) => io.stderr.write(`${line}\n`);
  try {
    const command = argv[0] === 'pretrain' ? 'pretrain' : 'compare';
    const values = parseScriptArgs(
      command === 'pretrain' ? argv.slice(1) : argv,
      {
        out: { type: 'string', short: 'o' },
        variants: { type: 'string' },
        size: { type: 'string' },
        epochs: { type: 'string' },
        limit: { type: 'string' },
        'train-size': { type: 'string' },
        pooling: { type: 'string' },
        optimizer: { type: 'string' },
        lr: { type: 'string' },
        beta2: { type: 'string' },
        'batch-size': { type: 'string' },
        'max-length': { type: 'string' },
        vocab: { type: 'string' },
        'pretrain-steps': { type: 'string' },
        'no-pretrain': { type: 'boolean' },
        cache: { type: 'string' },
        rate: { type: 'string' },
        seed: { type: 'string' },
        backend: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      USAGE,
    );
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const size = (values.size ?? DEFAULTS.size) as ModelSize;
    if (!(size in MODEL_SIZES)) throw new InputError(`--size: found "${size}", expected tiny or mini`);
    const pooling = (values.pooling ?? DEFAULTS.pooling) as Pooling;
    if (!(POOLINGS as readonly string[]).includes(pooling))
      throw new InputError(`--pooling: found "${pooling}", expected mean or cls`);
    const optimizer = values.optimizer ?? 'adamw';
    if (optimizer !== 'adamw' && optimizer !== 'adamax')
      throw new InputError(`--optimizer: found "${optimizer}", expected adamw or adamax`);
    const variants = (values.variants?.split(',') ?? DEFAULT_VARIANTS).map(parseVariant);
    const limit = positiveIntegerFlag('--limit', values.limit);
    const maxLength = positiveIntegerFlag('--max-length', values['max-length']) ?? DEFAULTS.maxLength;
    const vocabSize = positiveIntegerFlag('--vocab', values.vocab) ?? DEFAULTS.vocab;
    const seed = numberFlag('--seed', values.seed, DEFAULTS.seed);
    const cache = values.cache ? fromInvocationDir(values.cache) : DEFAULT_CACHE;
    const backend = await selectBackend(resolveBackendChoice(values.backend), { log });
    const start = performance.now();
    const data = loadTaskData(limit);
    const trainSize = positiveIntegerFlag('--train-size', values['train-size']) ?? DEFAULTS.trainSize;
    for (const task of ['sentiment', 'paraphrase', 'similarity'] as const)
      data[task].train = data[task].train.slice(0, trainSize) as never;
    const prose = pretrainingProse();
    log(
      `data: ${data.sentiment.train.length}/${data.paraphrase.train.length}/${data.similarity.train.length} train, ` +
        `${data.sentiment.dev.length}/${data.paraphrase.dev.length}/${data.similarity.dev.length} dev (sentiment/paraphrase/similarity); ${data.classes} sentiment classes`,
    );
    log(
      'paraphrase and similarity pairs are SYNTHETIC (generated from State of the Union sentences), see README',
    );
    const tokenizer = new WordPieceTokenizer(
      cachedVocab(cache, vocabSize, () => vocabularyTexts(loadTaskData(), prose), log),
    );
    const config = modelConfig(size, tokenizer.vocab.size, Math.max(POSITIONS, 2 * maxLength));
    const dir = pretrainedDir(cache, size, tokenizer.vocab.size);
    const pretrainSteps =
      positiveIntegerFlag('--pretrain-steps', values['pretrain-steps']) ?? DEFAULTS.pretrainSteps;
    const needPretrain = command === 'pretrain' || (!values['no-pretrain'] && !hasPretrained(dir));
    if (needPretrain) {
      log(
        `pretraining ${size} BERT with MLM: ${pretrainSteps} updates of ${DEFAULTS.pretrainBatch} sentences`,
      );
      const r = pretrainMlm(tokenizer, [...prose, ...data.sentiment.train.map((e) => e.sentence)], dir, {
        config,
        steps: pretrainSteps,
        batchSize: DEFAULTS.pretrainBatch,
        maxLength: DEFAULTS.pretrainMaxLength,
        learningRate: DEFAULTS.pretrainLr,
        seed,
        log,
      });
      log(`pretrained in ${r.seconds.toFixed(1)} s -> ${dir}`);
      if (command === 'pretrain') return 0;
    }
    let startFrom: Parameters<typeof runComparison>[2]['start'] = { config };
    if (!values['no-pretrain']) {
      const loaded = loadPretrained(dir);
      if (
        loaded.bert.config.maxPositions !== config.maxPositions ||
        loaded.bert.config.hidden !== config.hidden
      )
        throw new InputError(
          `${dir}: config.json: found another model size, expected ${size} with ${config.maxPositions} positions (run pretrain again)`,
        );
      startFrom = { bert: loaded.bert };
      log(`starting from the pretrained checkpoint ${dir}`);
    } else log('starting from random weights (--no-pretrain)');
    const results = await runComparison(data, tokenizer, {
      out: fromInvocationDir(values.out ?? 'output'),
      variants,
      train: {
        optimizer,
        learningRate: numberFlag('--lr', values.lr, DEFAULTS.learningRate),
        beta2: numberFlag('--beta2', values.beta2, DEFAULTS.beta2),
        weightDecay: DEFAULTS.weightDecay,
        warmup: DEFAULTS.warmup,
        epochs: positiveIntegerFlag('--epochs', values.epochs) ?? DEFAULTS.epochs,
        batchSize: positiveIntegerFlag('--batch-size', values['batch-size']) ?? DEFAULTS.batchSize,
        maxLength,
        seed,
        logEvery: 50,
      },
      start: startFrom,
      ratePerHour: numberFlag('--rate', values.rate, 1.5),
      pooling,
      backend: backend.name,
      log,
    });
    if ('bert' in startFrom) startFrom.bert.dispose();
    io.stdout.write(readFileText(results.files.find((f) => f.endsWith('results.md'))!));
    for (const path of results.files.filter((f) => !f.includes('predictions'))) log(`wrote ${path}`);
    log(`total ${((performance.now() - start) / 1000).toFixed(1)} s on ${backend.name}`);
    return 0;
  } catch (err) {
    return reportCommandError(err, io.stderr);
  }
}

function readFileText(path: string): string {
  return readFileSync(path, 'utf8');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2), process);
}
