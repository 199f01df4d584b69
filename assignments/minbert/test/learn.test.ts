/**
 * Labels and predictions line up through the whole fine-tuning loop (encodeTask,
 * batching, the loss, AdamW, predict): a micro BERT (1 layer, 16 channels, cpu)
 * fits 32 sentiment sentences whose class is set by one word (3 classes, so an
 * off-by-one or a flipped argmax would show) to 100% training accuracy, and each
 * class is predicted exactly where its word is. A loop that cannot overfit a
 * tiny set has a bug; this one is what the README's dev table rests on.
 */
import { Bert, bertConfig, selectBackend, WordPieceTokenizer, WordPieceVocab } from '@course/models';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TaskData } from '../src/data.js';
import { MultitaskBert } from '../src/model.js';
import { predict, trainMultitask } from '../src/train.js';

const WORDS = ['good', 'bad', 'meh'];
const FILLER = ['the', 'food', 'was', 'service', 'and', 'place', 'very', 'our'];
const vocab = new WordPieceVocab(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...WORDS, ...FILLER]);
const tokenizer = new WordPieceTokenizer(vocab);

/** Sentence i: filler words around the class word WORDS[i mod 3] at a varying position; label i mod 3. */
function sentences(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const words = Array.from({ length: 4 + (i % 3) }, (_, j) => FILLER[(i * 3 + j * 5) % FILLER.length]);
    words.splice(i % words.length, 0, WORDS[i % 3]);
    return { id: `s${i}`, sentence: words.join(' '), label: i % 3 };
  });
}

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('fine-tuning loop', () => {
  it('fits 32 three-class sentiment sentences to 100%: predicted class = label everywhere', () => {
    const train = sentences(32);
    const pair = { id: 'p0', sentence1: 'the food', sentence2: 'the place', label: 1 };
    const data: TaskData = {
      sentiment: { train, dev: train, test: [] },
      paraphrase: { train: [pair], dev: [], test: [] },
      similarity: { train: [{ ...pair, label: 3 }], dev: [], test: [] },
      classes: 3,
    };
    const config = bertConfig({
      vocabSize: vocab.size,
      hidden: 16,
      layers: 1,
      heads: 2,
      intermediate: 32,
      maxPositions: 16,
      dropout: 0,
    });
    const model = new MultitaskBert(new Bert(config, { seed: 3 }), 'cross', 3, 1, 'mean');
    try {
      const history = trainMultitask(model, tokenizer, data, {
        schedule: 'proportional',
        optimizer: 'adamw',
        learningRate: 1e-2,
        beta2: 0.999,
        weightDecay: 0,
        warmup: 0.1,
        epochs: 30,
        batchSize: 8,
        maxLength: 16,
        seed: 1,
        log: () => {},
        logEvery: 1000,
      });
      const losses = history.losses.sentiment.map((l) => l.loss);
      expect(losses[0]).toBeGreaterThan(0.9); // ≈ ln 3 at the start
      expect(losses.at(-1)).toBeLessThan(0.1);
      const predicted = predict(model, tokenizer, 'sentiment', train, 16);
      expect(predicted).toEqual(train.map((e) => e.label));
    } finally {
      model.dispose();
    }
  });
});
