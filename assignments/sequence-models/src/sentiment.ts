/**
 * Many-to-one sentiment classification: ids [B, T] -> embedding -> RNN or LSTM
 * -> last hidden state -> dense head -> 2 logits, trained with the toolkit's
 * `fit` (Adam, sparse categorical cross-entropy from logits, accuracy), keeping
 * the weights of the best validation epoch.
 */
import { createLstm, createRnn, moduleParameterCount, type SequenceModel } from '@course/models';
import {
  adam,
  type Callback,
  type Dataset,
  EarlyStopping,
  EpochTimer,
  evaluate,
  fit,
  type History,
  sparseCategoricalAccuracy,
  sparseCategoricalCrossentropy,
} from '@course/trainer';
import * as tf from '@tensorflow/tfjs';
import { type Sentence, type Split, Vocabulary } from './data.js';

export type RecurrentKind = 'rnn' | 'lstm';

export interface SentimentOptions {
  epochs: number;
  /** Tokens per sentence after padding/truncation. */
  maxLen: number;
  embed: number;
  hidden: number;
  batchSize: number;
  learningRate: number;
  /** Minimum train-split count of a vocabulary word. */
  minCount: number;
  seed: number;
}

export const DEFAULT_SENTIMENT_OPTIONS: SentimentOptions = {
  epochs: 6,
  maxLen: 24,
  embed: 32,
  hidden: 32,
  batchSize: 32,
  learningRate: 3e-3,
  minCount: 2,
  seed: 1,
};

export interface EncodedSplit {
  vocabulary: Vocabulary;
  train: Dataset;
  validation: Dataset;
  test: Dataset;
  dispose(): void;
}

/** Builds the vocabulary on the train split and encodes all three splits as tensors. */
export function encodeSplit(split: Split, opts: Pick<SentimentOptions, 'maxLen' | 'minCount'>): EncodedSplit {
  const vocabulary = Vocabulary.build(
    split.train.map((s) => s.text),
    opts.minCount,
  );
  const toDataset = (sentences: readonly Sentence[]): Dataset => ({
    x: tf.tensor2d(
      vocabulary.encodeBatch(
        sentences.map((s) => s.text),
        opts.maxLen,
      ),
      [sentences.length, opts.maxLen],
      'int32',
    ),
    y: tf.tensor1d(
      sentences.map((s) => s.label),
      'int32',
    ),
  });
  const train = toDataset(split.train);
  const validation = toDataset(split.validation);
  const test = toDataset(split.test);
  return {
    vocabulary,
    train,
    validation,
    test,
    dispose: () => tf.dispose([train.x, train.y, validation.x, validation.y, test.x, test.y]),
  };
}

export interface SentimentResult {
  kind: RecurrentKind;
  model: string;
  params: number;
  history: History;
  /** Epoch (0-based) whose weights were kept: the lowest val_loss. */
  bestEpoch: number;
  test: { loss: number; accuracy: number };
  trainSeconds: number;
}

export function createClassifier(kind: RecurrentKind, vocab: number, opts: SentimentOptions): SequenceModel {
  const config = { vocab, embed: opts.embed, hidden: opts.hidden, out: 2, maskZero: true, seed: opts.seed };
  return kind === 'rnn' ? createRnn(config) : createLstm(config);
}

/** Trains one classifier and evaluates the kept weights on the test split. */
export async function trainSentiment(
  kind: RecurrentKind,
  data: EncodedSplit,
  opts: SentimentOptions,
  extraCallbacks: Callback[] = [],
): Promise<SentimentResult> {
  const model = createClassifier(kind, data.vocabulary.size, opts);
  try {
    const loss = sparseCategoricalCrossentropy({ fromLogits: true });
    const metrics = [sparseCategoricalAccuracy()];
    const timer = new EpochTimer();
    // Patience = epochs: never stops early, only restores the best val_loss epoch at the end.
    const best = new EarlyStopping({ monitor: 'val_loss', patience: opts.epochs, restoreBestWeights: true });
    const optimizer = adam(opts.learningRate); // tf.train.adam's update, fused on native
    const history = await fit(model, data.train, {
      epochs: opts.epochs,
      batchSize: opts.batchSize,
      optimizer,
      loss,
      metrics,
      validation: data.validation,
      seed: opts.seed,
      callbacks: [timer, best, ...extraCallbacks],
    });
    optimizer.dispose();
    const valLoss = history.history.val_loss;
    const test = evaluate(model, data.test, { loss, metrics, batchSize: 256 });
    return {
      kind,
      model: model.name,
      params: moduleParameterCount(model),
      history,
      bestEpoch: valLoss.indexOf(Math.min(...valLoss)),
      test: { loss: test.loss, accuracy: test.accuracy },
      trainSeconds: timer.totalSeconds,
    };
  } finally {
    model.dispose();
  }
}
