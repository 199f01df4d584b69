/**
 * The multitask model and loop pieces on a micro BERT (1 layer, 8 channels) on
 * the cpu backend, against values recomputed here from the encoder's own
 * per-sentence outputs.
 */
import { Bert, bertConfig, selectBackend, WordPieceTokenizer, WordPieceVocab } from '@course/models';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MultitaskBert } from '../src/model.js';
import { encodeTask, epochSchedule, taskGradients, tensorBatch } from '../src/train.js';

const vocab = new WordPieceVocab([
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  'the',
  'cat',
  'sat',
  'dog',
  'ran',
  '##s',
]);
const tokenizer = new WordPieceTokenizer(vocab);
const config = bertConfig({
  vocabSize: vocab.size,
  hidden: 8,
  layers: 1,
  heads: 2,
  intermediate: 16,
  maxPositions: 16,
  dropout: 0,
});
const pairs = [
  { id: 'p0', sentence1: 'the cat sat', sentence2: 'the dogs ran', label: 4 },
  { id: 'p1', sentence1: 'cats', sentence2: 'the dog sat the cat', label: 1 },
];

beforeAll(async () => {
  await selectBackend('cpu');
});

/** pool(BERT(text)) for one sentence alone, no padding. */
function pooledAlone(bert: Bert, text: string): number[] {
  const e = tokenizer.encode(text);
  return tf.tidy(() => {
    const ids = tf.tensor2d([e.ids], [1, e.ids.length], 'int32');
    return Array.from(bert.forward({ inputIds: ids }).pooled!.dataSync());
  });
}

describe('MultitaskBert', () => {
  it('cosine head: a padded siamese batch gives 5·(cos(u, v) + 1)/2 of each sentence encoded alone', () => {
    const model = new MultitaskBert(new Bert(config, { seed: 3 }), 'cosine', 2);
    const { batch, labels } = tensorBatch(encodeTask(model, tokenizer, pairs, 16), vocab.special('[PAD]'));
    expect(batch.inputIds.shape[0]).toBe(4); // a's then b's
    const out = tf.tidy(() => model.output('similarity', model.embed(batch, false), batch, false));
    const got = Array.from(out.dataSync());
    pairs.forEach((p, i) => {
      const u = pooledAlone(model.bert, p.sentence1);
      const v = pooledAlone(model.bert, p.sentence2);
      const dot = u.reduce((s, x, k) => s + x * v[k], 0);
      const cos = dot / Math.sqrt(u.reduce((s, x) => s + x * x, 0) * v.reduce((s, x) => s + x * x, 0));
      expect(got[i]).toBeCloseTo(2.5 * (cos + 1), 4);
    });
    tf.dispose([out, labels, batch.inputIds, batch.tokenTypeIds, batch.attentionMask]);
    model.dispose();
  });

  it('uv-diff-prod: the similarity score is W·concat(u, v, |u−v|, u∗v) + b from the sentences alone', () => {
    const model = new MultitaskBert(new Bert(config, { seed: 4 }), 'uv-diff-prod', 2);
    const { batch, labels } = tensorBatch(encodeTask(model, tokenizer, pairs, 16), vocab.special('[PAD]'));
    const out = tf.tidy(() => model.output('similarity', model.embed(batch, false), batch, false));
    const heads = model.headTensors();
    const W = heads.get('classifier.similarity.weight')!.data;
    const b = heads.get('classifier.similarity.bias')!.data[0];
    expect(b).toBe(2.5);
    pairs.forEach((p, i) => {
      const u = pooledAlone(model.bert, p.sentence1);
      const v = pooledAlone(model.bert, p.sentence2);
      const f = [...u, ...v, ...u.map((x, k) => Math.abs(x - v[k])), ...u.map((x, k) => x * v[k])];
      expect(f).toHaveLength(W.length);
      expect(out.dataSync()[i]).toBeCloseTo(
        f.reduce((s, x, k) => s + x * W[k], b),
        4,
      );
    });
    tf.dispose([out, labels, batch.inputIds, batch.tokenTypeIds, batch.attentionMask]);
    model.dispose();
  });

  it('taskGradients: the MSE loss of the scores, and zeros for the heads the task does not reach', () => {
    const model = new MultitaskBert(new Bert(config, { seed: 5 }), 'cross', 3);
    const { batch, labels } = tensorBatch(encodeTask(model, tokenizer, pairs, 16), vocab.special('[PAD]'));
    expect(batch.inputIds.shape[0]).toBe(2); // one [CLS] a [SEP] b [SEP] row per pair
    expect(Array.from(batch.tokenTypeIds.dataSync()).filter((t) => t === 1).length).toBeGreaterThan(0);
    const scores = tf.tidy(() =>
      Array.from(model.output('similarity', model.embed(batch, false), batch, false).dataSync()),
    );
    const mse = ((scores[0] - 4) ** 2 + (scores[1] - 1) ** 2) / 2;
    const { loss, grads } = taskGradients(model, 'similarity', batch, labels, undefined, undefined, 0);
    expect(loss).toBeCloseTo(mse, 4);
    const names = model.parameters().map((p) => p.name);
    const norm = (name: string) => tf.tidy(() => tf.sum(tf.abs(grads[names.indexOf(name)])).dataSync()[0]);
    expect(norm('classifier.sentiment.weight')).toBe(0);
    expect(norm('classifier.paraphrase.weight')).toBe(0);
    expect(norm('classifier.similarity.weight')).toBeGreaterThan(0);
    expect(norm('embeddings.word_embeddings.weight')).toBeGreaterThan(0);
    tf.dispose([...grads, labels, batch.inputIds, batch.tokenTypeIds, batch.attentionMask]);
    model.dispose();
  });
});

describe('epochSchedule', () => {
  it('pcgrad: max(counts) updates, each with every task, batch s mod n_t', () => {
    expect(epochSchedule('pcgrad', [3, 1, 2], Math.random)).toEqual([
      [
        { task: 0, batch: 0 },
        { task: 1, batch: 0 },
        { task: 2, batch: 0 },
      ],
      [
        { task: 0, batch: 1 },
        { task: 1, batch: 0 },
        { task: 2, batch: 1 },
      ],
      [
        { task: 0, batch: 2 },
        { task: 1, batch: 0 },
        { task: 2, batch: 0 },
      ],
    ]);
  });

  it('round-robin: T·max(counts) single-task updates in turn; proportional: Σ counts', () => {
    const rr = epochSchedule('round-robin', [2, 1, 1], Math.random);
    expect(rr.map((s) => s[0].task)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(epochSchedule('proportional', [2, 1, 1], Math.random)).toHaveLength(4);
  });
});
