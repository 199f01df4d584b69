/**
 * Masked-language-model pretraining on the bundled prose (State of the Union
 * sentences of the training years, plus the sentiment training sentences), so
 * fine-tuning starts from weights that know some English: BERT's 15% masking
 * (80% [MASK], 10% random, 10% kept), the tied MLM head, AdamW β2 0.999,
 * linear warmup and decay. The result is cached as a Hugging Face folder
 * (config.json, vocab.txt, model.safetensors with the cls.predictions head).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  Bert,
  type BertConfig,
  BertMlmHead,
  type GPT2Parameter,
  loadBertFolder,
  MT19937,
  maskTokens,
  padBatch,
  saveBertFolder,
  WordPieceTokenizer,
} from '@course/models';
import { AdamW, clipScale, globalNorm, seededRandom, warmupLinearDecay } from '@course/trainer';
import * as tf from '@tensorflow/tfjs';

export interface PretrainOptions {
  config: BertConfig;
  steps: number;
  batchSize: number;
  maxLength: number;
  learningRate: number;
  seed: number;
  log: (line: string) => void;
}

/** The cache folder of a pretrained checkpoint for this size and vocabulary. */
export function pretrainedDir(cacheDir: string, sizeName: string, vocabSize: number): string {
  return join(cacheDir, `pretrained-${sizeName}-v${vocabSize}`);
}

/** Whether `dir` holds a checkpoint this run can start from. */
export function hasPretrained(dir: string): boolean {
  return ['config.json', 'vocab.txt', 'model.safetensors'].every((f) => existsSync(join(dir, f)));
}

/** Trains BERT + MLM head on `texts` and saves the folder to `dir`; returns the last losses. */
export function pretrainMlm(
  tokenizer: WordPieceTokenizer,
  texts: readonly string[],
  dir: string,
  opts: PretrainOptions,
): { losses: number[]; seconds: number } {
  const start = performance.now();
  const bert = new Bert(opts.config, { seed: opts.seed });
  const head = new BertMlmHead(bert, { seed: opts.seed + 1 });
  const params = [...bert.parameters, ...head.parameters];
  const adamw = new AdamW(
    params.map((p, i) => ({
      ...p,
      layer: 0,
      offset: i,
      size: p.variable.size,
    })) as unknown as GPT2Parameter[],
    { beta2: 0.999 },
  );
  const vars = params.map((p) => p.variable);
  const rng = new MT19937(opts.seed);
  const random = seededRandom(opts.seed);
  const vocab = tokenizer.vocab;
  const specialIds = ['[CLS]', '[SEP]', '[PAD]'].map((t) => vocab.special(t as '[CLS]'));
  const losses: number[] = [];
  const warmup = Math.max(1, Math.round(0.06 * opts.steps));
  try {
    for (let step = 0; step < opts.steps; step++) {
      const rows = Array.from({ length: opts.batchSize }, () =>
        tokenizer.encode(texts[Math.floor(random() * texts.length)], undefined, {
          maxLength: opts.maxLength,
        }),
      );
      const { B, T, ids, attentionMask } = padBatch(rows, vocab.special('[PAD]'));
      const masked = maskTokens(ids, rng, {
        vocabSize: vocab.size,
        maskId: vocab.special('[MASK]'),
        specialIds,
      });
      const inputIds = tf.tensor2d(masked.inputIds, [B, T], 'int32');
      const mask = tf.tensor2d(attentionMask, [B, T], 'int32');
      try {
        const { value, grads } = tf.variableGrads(
          () =>
            head.loss({ inputIds, attentionMask: mask }, masked.positions, masked.targets, {
              training: true,
            }),
          vars,
        );
        losses.push(value.dataSync()[0]);
        value.dispose();
        const list = vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
        const lr = warmupLinearDecay(step, opts.learningRate, warmup, opts.steps);
        adamw.apply(list, {
          learningRate: lr,
          weightDecay: 0.01,
          t: step + 1,
          gradScale: clipScale(globalNorm(list)),
        });
        tf.dispose(list);
      } finally {
        tf.dispose([inputIds, mask]);
      }
      if ((step + 1) % 25 === 0 || step + 1 === opts.steps) {
        const recent = losses.slice(-25);
        opts.log(
          `  pretrain step ${step + 1}/${opts.steps}: MLM loss ${(recent.reduce((a, b) => a + b, 0) / recent.length).toFixed(3)} (mean of last ${recent.length}), ${((performance.now() - start) / 1000).toFixed(1)} s`,
        );
      }
    }
    saveBertFolder(dir, bert, tokenizer, head.toTensors());
  } finally {
    adamw.dispose();
    head.dispose();
    bert.dispose();
  }
  return { losses, seconds: (performance.now() - start) / 1000 };
}

/** The cached encoder's weights (its MLM head left out), as a new Bert. */
export function loadPretrained(dir: string): { bert: Bert; tokenizer: WordPieceTokenizer } {
  const { model, tokenizer } = loadBertFolder(dir);
  return { bert: model, tokenizer };
}

export { WordPieceTokenizer };
