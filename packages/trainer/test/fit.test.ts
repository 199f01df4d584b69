import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type Module, readSafetensors, selectBackend } from '@course/models';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  binaryAccuracy,
  binaryCrossentropy,
  type Callback,
  CSVLogger,
  clipGradients,
  EarlyStopping,
  EpochTimer,
  evaluate,
  fit,
  getWeights,
  JSONLLogger,
  type Logs,
  type Loss,
  ModelCheckpoint,
  meanSquaredError,
  ProgressBar,
  parseHistoryCsv,
  parseHistoryJsonl,
  predict,
  sparseCategoricalAccuracy,
  sparseCategoricalCrossentropy,
} from '../src/fit/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await selectBackend('cpu');
});

/** Deterministic uniforms in [0, 1) (a small LCG, independent of tfjs and of fit's MT19937). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Output = 'logits' | 'softmax' | 'sigmoid';

/** y = xW + b (then softmax/sigmoid): the smallest Module there is. */
function linearModule(inputs: number, outputs: number, output: Output, seed = 1): Module {
  const rand = lcg(seed);
  const w = Array.from({ length: inputs * outputs }, () => rand() - 0.5);
  const vars = new Map<string, tf.Variable>([
    ['dense/kernel', tf.variable(tf.tensor2d(w, [inputs, outputs]))],
    ['dense/bias', tf.variable(tf.zeros([outputs]))],
  ]);
  return {
    name: `linear ${inputs}-${outputs}`,
    apply: (x) => {
      const z = tf.add(
        tf.matMul(x as tf.Tensor2D, vars.get('dense/kernel')! as tf.Tensor2D),
        vars.get('dense/bias')!,
      );
      return output === 'softmax' ? tf.softmax(z) : output === 'sigmoid' ? tf.sigmoid(z) : z;
    },
    namedVariables: () => vars,
    dispose: () => {
      for (const v of vars.values()) v.dispose();
    },
  };
}

/** n points in [-1,1]², label 1 when x0 + 2·x1 > 0.1, points within 0.05 of the line dropped (a margin). */
function separable(
  n: number,
  seed: number,
): { x: tf.Tensor2D; y: tf.Tensor1D; xs: number[][]; ys: number[] } {
  const rand = lcg(seed);
  const xs: number[][] = [];
  const ys: number[] = [];
  while (xs.length < n) {
    const p = [2 * rand() - 1, 2 * rand() - 1];
    const s = p[0] + 2 * p[1] - 0.1;
    if (Math.abs(s) < 0.05) continue;
    xs.push(p);
    ys.push(s > 0 ? 1 : 0);
  }
  return { x: tf.tensor2d(xs), y: tf.tensor1d(ys, 'int32'), xs, ys };
}

function values(v: tf.Tensor): number[] {
  return Array.from(v.dataSync());
}

describe('fit', () => {
  test('a linear softmax classifier reaches high accuracy on a linearly separable set; seeded runs repeat exactly', async () => {
    const train = separable(240, 7);
    const val = separable(80, 8);
    const run = async () => {
      const model = linearModule(2, 2, 'logits');
      const history = await fit(model, train, {
        epochs: 15,
        batchSize: 16,
        optimizer: tf.train.adam(0.05),
        loss: sparseCategoricalCrossentropy({ fromLogits: true }),
        metrics: [sparseCategoricalAccuracy()],
        validation: val,
        seed: 3,
      });
      const final = evaluate(model, val, {
        loss: sparseCategoricalCrossentropy({ fromLogits: true }),
        metrics: [sparseCategoricalAccuracy()],
      });
      const weights = getWeights(model);
      model.dispose();
      return { history, final, weights };
    };
    const a = await run();
    expect(a.history.epoch).toEqual([...Array(15).keys()]);
    expect(Object.keys(a.history.history)).toEqual(['loss', 'accuracy', 'val_loss', 'val_accuracy']);
    expect(a.history.last('accuracy')).toBeGreaterThanOrEqual(0.97);
    expect(a.history.last('val_accuracy')).toBeGreaterThanOrEqual(0.97);
    expect(a.history.history.loss[14]).toBeLessThan(a.history.history.loss[0] / 2);
    // evaluate after training = the last epoch's validation numbers (fit computes them the same way).
    expect(a.final.accuracy).toBeCloseTo(a.history.last('val_accuracy')!, 6);
    expect(a.final.loss).toBeCloseTo(a.history.last('val_loss')!, 6);

    const b = await run();
    expect(b.history.history).toEqual(a.history.history);
    expect(b.weights).toEqual(a.weights);
  });

  test('binary: a sigmoid output with binary cross-entropy and binary accuracy', async () => {
    const train = separable(200, 11);
    const model = linearModule(2, 1, 'sigmoid');
    const history = await fit(
      model,
      { x: train.x, y: tf.reshape(train.y, [-1, 1]) },
      {
        epochs: 12,
        batchSize: 20,
        optimizer: tf.train.adam(0.1),
        loss: binaryCrossentropy(),
        metrics: [binaryAccuracy()],
        seed: 1,
      },
    );
    expect(history.last('accuracy')).toBeGreaterThanOrEqual(0.96);
    model.dispose();
  });

  test('evaluate averages over examples with a short last batch; predict equals one full forward pass', () => {
    const data = separable(10, 5);
    const model = linearModule(2, 2, 'softmax', 9);
    const full = model.apply(data.x) as tf.Tensor2D;
    const probs = full.arraySync();
    // By hand: mean over the 10 rows of -ln p[label], and the share of rows whose argmax is the label.
    let loss = 0;
    let correct = 0;
    probs.forEach((p, i) => {
      loss -= Math.log(p[data.ys[i]]);
      if ((p[1] > p[0] ? 1 : 0) === data.ys[i]) correct++;
    });
    const result = evaluate(model, data, {
      loss: sparseCategoricalCrossentropy(),
      metrics: [sparseCategoricalAccuracy()],
      batchSize: 4,
    });
    expect(result.loss).toBeCloseTo(loss / 10, 5);
    expect(result.accuracy).toBeCloseTo(correct / 10, 6);
    const predicted = predict(model, data.x, { batchSize: 3 });
    expect(predicted.shape).toEqual([10, 2]);
    const a = values(predicted);
    const b = values(full);
    a.forEach((v, i) => {
      expect(v).toBeCloseTo(b[i], 6);
    });
    tf.dispose([predicted, full]);
    model.dispose();
  });

  test('fit (with clipping and validation) and evaluate leave no tensor behind', async () => {
    const train = separable(40, 41);
    const model = linearModule(2, 2, 'logits');
    const optimizer = tf.train.sgd(0.1); // no optimizer state, unlike Adam
    const opts = {
      epochs: 2,
      batchSize: 16,
      optimizer,
      loss: sparseCategoricalCrossentropy({ fromLogits: true }),
      metrics: [sparseCategoricalAccuracy()],
      validation: train,
    };
    await fit(model, train, { ...opts, clipNorm: 0.5 }); // warm-up: kernels and backend caches
    const before = tf.memory().numTensors;
    await fit(model, train, { ...opts, clipNorm: 0.5 });
    await fit(model, train, { ...opts, clipValue: 0.1 });
    evaluate(model, train, opts);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  test('bad options are InputErrors naming the option', async () => {
    const data = separable(4, 1);
    const model = linearModule(2, 2, 'logits');
    const base = { epochs: 1, optimizer: tf.train.sgd(0.1), loss: meanSquaredError() };
    await expect(fit(model, data, { ...base, epochs: 0 })).rejects.toThrow(/fit: epochs: found 0/);
    await expect(fit(model, data, { ...base, batchSize: 1.5 })).rejects.toThrow(/fit: batchSize: found 1.5/);
    await expect(fit(model, data, { ...base, clipNorm: 1, clipValue: 1 })).rejects.toThrow(
      /clipNorm and clipValue/,
    );
    await expect(fit(model, data, { ...base, clipNorm: -1 })).rejects.toThrow(/fit: clipNorm: found -1/);
    await expect(fit(model, { x: data.x, y: tf.zeros([3]) }, base)).rejects.toThrow(
      /x has 4 examples and y 3/,
    );
    model.dispose();
  });
});

describe('loss gradients against finite differences of a float64 reimplementation', () => {
  const rows = [
    [0.3, -1.2, 0.5],
    [1.1, 0.4, -0.7],
    [-0.6, 0.9, 0.2],
    [0.05, -0.3, 1.4],
  ];
  const labels = [2, 0, 1, 2];
  const binaryLabels = [1, 0, 0, 1];
  const W0 = [0.2, -0.4, 0.1, 0.7, 0.3, -0.5, -0.2, 0.6, 0.05]; // [3 inputs, 3 outputs], row-major

  /** z = xW in float64. */
  function scores(W: number[], outputs: number): number[][] {
    return rows.map((x) =>
      Array.from({ length: outputs }, (_, j) => x.reduce((s, xi, i) => s + xi * W[i * outputs + j], 0)),
    );
  }
  const softmax = (z: number[]) => {
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  interface Case {
    name: string;
    loss: Loss;
    outputs: number;
    output: (z: tf.Tensor) => tf.Tensor;
    /** Made inside the test (the backend is chosen in beforeAll). */
    yTrue: () => tf.Tensor;
    loss64: (W: number[]) => number;
  }
  const cases: Case[] = [
    {
      name: 'sparse categorical cross-entropy from probabilities',
      loss: sparseCategoricalCrossentropy(),
      outputs: 3,
      output: (z) => tf.softmax(z),
      yTrue: () => tf.tensor1d(labels, 'int32'),
      loss64: (W) => mean(scores(W, 3).map((z, i) => -Math.log(softmax(z)[labels[i]]))),
    },
    {
      name: 'sparse categorical cross-entropy from logits',
      loss: sparseCategoricalCrossentropy({ fromLogits: true }),
      outputs: 3,
      output: (z) => z,
      yTrue: () => tf.tensor1d(labels, 'int32'),
      loss64: (W) => mean(scores(W, 3).map((z, i) => -Math.log(softmax(z)[labels[i]]))),
    },
    {
      name: 'binary cross-entropy from probabilities',
      loss: binaryCrossentropy(),
      outputs: 1,
      output: (z) => tf.sigmoid(z),
      yTrue: () => tf.tensor2d(binaryLabels, [4, 1]),
      loss64: (W) =>
        mean(
          scores(W, 1).map(([z], i) => {
            const p = sigmoid(z);
            return -(binaryLabels[i] * Math.log(p) + (1 - binaryLabels[i]) * Math.log(1 - p));
          }),
        ),
    },
    {
      name: 'binary cross-entropy from logits',
      loss: binaryCrossentropy({ fromLogits: true }),
      outputs: 1,
      output: (z) => z,
      yTrue: () => tf.tensor2d(binaryLabels, [4, 1]),
      loss64: (W) =>
        mean(
          scores(W, 1).map(([z], i) => {
            const p = sigmoid(z);
            return -(binaryLabels[i] * Math.log(p) + (1 - binaryLabels[i]) * Math.log(1 - p));
          }),
        ),
    },
    {
      name: 'mean squared error',
      loss: meanSquaredError(),
      outputs: 3,
      output: (z) => z,
      yTrue: () =>
        tf.tensor2d([
          [1, 0, 0],
          [0.5, -1, 2],
          [0, 0, 1],
          [-0.3, 0.2, 0.1],
        ]),
      loss64: (W) => {
        const target = [
          [1, 0, 0],
          [0.5, -1, 2],
          [0, 0, 1],
          [-0.3, 0.2, 0.1],
        ];
        return mean(scores(W, 3).flatMap((z, i) => z.map((v, j) => (v - target[i][j]) ** 2)));
      },
    },
  ];

  test.each(cases)('$name', (c) => {
    const W = W0.slice(0, 3 * c.outputs);
    const x = tf.tensor2d(rows);
    const w = tf.tensor2d(W, [3, c.outputs]);
    const yTrue = c.yTrue();
    const f = (wt: tf.Tensor) => c.loss.compute(yTrue, c.output(tf.matMul(x, wt as tf.Tensor2D)));
    const value = f(w).dataSync()[0];
    expect(value).toBeCloseTo(c.loss64(W), 5);
    const grad = values(tf.grad(f)(w));
    const h = 1e-6;
    W.forEach((_, k) => {
      const plus = W.slice();
      const minus = W.slice();
      plus[k] += h;
      minus[k] -= h;
      const numeric = (c.loss64(plus) - c.loss64(minus)) / (2 * h);
      expect(Math.abs(grad[k] - numeric)).toBeLessThan(1e-4 + 1e-3 * Math.abs(numeric));
    });
  });
});

describe('gradient clipping', () => {
  test('by global norm and by value on a known gradient (norm of [3,4] and [12] is 13)', () => {
    const grads = { a: tf.tensor1d([3, 4]), b: tf.tensor1d([12]) };
    const byNorm = clipGradients(grads, { clipNorm: 6.5 });
    expect(byNorm.norm.dataSync()[0]).toBeCloseTo(13, 5);
    expect(values(byNorm.grads.a)).toEqual([1.5, 2]);
    expect(values(byNorm.grads.b)).toEqual([6]);
    const under = clipGradients(grads, { clipNorm: 20 });
    expect(values(under.grads.a)).toEqual([3, 4]);
    const byValue = clipGradients(grads, { clipValue: 3.5 });
    expect(values(byValue.grads.a)).toEqual([3, 3.5]);
    expect(values(byValue.grads.b)).toEqual([3.5]);
  });

  /**
   * One SGD step (lr 1) on loss (x·w - y)² with x = [1, 2], y = 5, w = 0:
   * gradient 2(x·w - y)x = [-10, -20], norm √500, so w becomes minus the clipped gradient.
   */
  async function oneStep(clip: {
    clipNorm?: number;
    clipValue?: number;
  }): Promise<{ w: number[]; gradNorm: number }> {
    const w = tf.variable(tf.zeros([2, 1]));
    const model: Module = {
      name: 'dot',
      apply: (x) => tf.matMul(x as tf.Tensor2D, w),
      namedVariables: () => new Map([['w', w]]),
      dispose: () => w.dispose(),
    };
    let gradNorm = Number.NaN;
    const spy: Callback = {
      onBatchEnd: (_b, logs) => {
        gradNorm = logs.grad_norm;
      },
    };
    await fit(
      model,
      { x: tf.tensor2d([[1, 2]]), y: tf.tensor2d([[5]]) },
      {
        epochs: 1,
        batchSize: 1,
        optimizer: tf.train.sgd(1),
        loss: meanSquaredError(),
        callbacks: [spy],
        ...clip,
      },
    );
    const out = values(w);
    model.dispose();
    return { w: out, gradNorm };
  }

  test('fit clips before the update', async () => {
    const plain = await oneStep({});
    expect(plain.w).toEqual([10, 20]);
    expect(plain.gradNorm).toBeCloseTo(Math.sqrt(500), 4);
    const byNorm = await oneStep({ clipNorm: 1 });
    expect(byNorm.w[0]).toBeCloseTo(10 / Math.sqrt(500), 6);
    expect(byNorm.w[1]).toBeCloseTo(20 / Math.sqrt(500), 6);
    expect(byNorm.gradNorm).toBeCloseTo(Math.sqrt(500), 4); // logged before clipping
    expect((await oneStep({ clipValue: 3 })).w).toEqual([3, 3]);
  });
});

/** Puts scripted numbers into the epoch logs under `key` (before the callbacks that read them). */
function scripted(key: string, sequence: number[]): Callback {
  return {
    onEpochEnd: (epoch, logs) => {
      logs[key] = sequence[epoch];
    },
  };
}

/** Records the weights after every epoch (after the other callbacks ran). */
function weightRecorder(): Callback & { snapshots: Map<string, Float32Array>[] } {
  const snapshots: Map<string, Float32Array>[] = [];
  return {
    snapshots,
    onEpochEnd: (_e, _l, ctx) => {
      snapshots.push(getWeights(ctx.model));
    },
  };
}

async function fitScripted(model: Module, epochs: number, callbacks: Callback[]) {
  const data = separable(64, 21);
  return fit(model, data, {
    epochs,
    batchSize: 16,
    optimizer: tf.train.sgd(0.5),
    loss: sparseCategoricalCrossentropy({ fromLogits: true }),
    callbacks,
    seed: 2,
  });
}

describe('EarlyStopping', () => {
  test('patience 3 on [1.0, 0.8, 0.9, 0.85, 0.81, 0.5, 0.4]: best at epoch 1, stops after epoch 4, restores epoch 1 weights', async () => {
    const model = linearModule(2, 2, 'logits');
    const recorder = weightRecorder();
    const stopper = new EarlyStopping({ monitor: 'scripted_loss', patience: 3, restoreBestWeights: true });
    const history = await fitScripted(model, 7, [
      scripted('scripted_loss', [1.0, 0.8, 0.9, 0.85, 0.81, 0.5, 0.4]),
      stopper,
      recorder,
    ]);
    expect(history.epoch).toEqual([0, 1, 2, 3, 4]);
    expect(stopper.stoppedEpoch).toBe(4);
    expect(stopper.bestEpoch).toBe(1);
    expect(stopper.best).toBe(0.8);
    // The weights did change after epoch 1, and were put back.
    expect(recorder.snapshots[4]).not.toEqual(recorder.snapshots[1]);
    expect(getWeights(model)).toEqual(recorder.snapshots[1]);
    model.dispose();
  });

  test('minDelta: 0.95 and 0.92 are not improvements on 1.0 by more than 0.1; patience 2 stops after epoch 2', async () => {
    const model = linearModule(2, 2, 'logits');
    const recorder = weightRecorder();
    const stopper = new EarlyStopping({ monitor: 'scripted_loss', patience: 2, minDelta: 0.1 });
    const history = await fitScripted(model, 5, [
      scripted('scripted_loss', [1.0, 0.95, 0.92, 0.91, 0.5]),
      stopper,
      recorder,
    ]);
    expect(history.epoch).toEqual([0, 1, 2]);
    // No restoreBestWeights: the last epoch's weights stay.
    expect(getWeights(model)).toEqual(recorder.snapshots[2]);
    model.dispose();
  });

  test('mode auto maximises an accuracy; running out of epochs does not count as stopping', async () => {
    const model = linearModule(2, 2, 'logits');
    const stopper = new EarlyStopping({ monitor: 'scripted_acc', patience: 2 });
    const history = await fitScripted(model, 4, [scripted('scripted_acc', [0.5, 0.6, 0.55, 0.7]), stopper]);
    expect(stopper.mode).toBe('max');
    expect(history.epoch).toEqual([0, 1, 2, 3]);
    expect(stopper.stoppedEpoch).toBeUndefined();
    expect(stopper.best).toBe(0.7);
    model.dispose();
  });

  test('a monitor that is not logged is an InputError listing the logged keys', async () => {
    const model = linearModule(2, 2, 'logits');
    await expect(fitScripted(model, 2, [new EarlyStopping()])).rejects.toThrow(
      /EarlyStopping: monitor: found "val_loss", expected one of the logged keys: loss \(val_\* keys need/,
    );
    model.dispose();
  });
});

describe('ModelCheckpoint', () => {
  test('writes only when the monitored accuracy improves: epochs 1, 2 and 4 of [0.5, 0.7, 0.6, 0.9, 0.9]', async () => {
    const model = linearModule(2, 2, 'logits');
    const path = join(dir, 'ckpt', 'best.safetensors');
    const checkpoint = new ModelCheckpoint({ path, monitor: 'scripted_acc' });
    /** After each epoch: the file's epoch metadata and whether its tensors equal the current weights. */
    const seen: { epoch: string; equalsCurrent: boolean; values: Map<string, Float32Array> }[] = [];
    const inspector: Callback = {
      onEpochEnd: (_e, _l, ctx) => {
        const file = readSafetensors(path);
        const current = getWeights(ctx.model);
        const values = new Map([...file.tensors].map(([k, t]) => [k, t.data]));
        seen.push({ epoch: file.metadata.epoch, equalsCurrent: equalMaps(values, current), values });
      },
    };
    await fitScripted(model, 5, [scripted('scripted_acc', [0.5, 0.7, 0.6, 0.9, 0.9]), checkpoint, inspector]);
    expect(checkpoint.savedEpochs).toEqual([0, 1, 3]);
    expect(seen.map((s) => s.epoch)).toEqual(['1', '2', '2', '4', '4']);
    expect(seen.map((s) => s.equalsCurrent)).toEqual([true, true, false, true, false]);
    expect(equalMaps(seen[2].values, seen[1].values)).toBe(true);
    const final = readSafetensors(path);
    expect(final.metadata).toMatchObject({
      epoch: '4',
      monitor: 'scripted_acc',
      scripted_acc: '0.9',
      model: 'linear 2-2',
    });
    expect(final.tensors.get('dense/kernel')!.shape).toEqual([2, 2]);
    model.dispose();
  });
});

function equalMaps(a: Map<string, Float32Array>, b: Map<string, Float32Array>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || w.length !== v.length || v.some((x, i) => x !== w[i])) return false;
  }
  return true;
}

describe('history loggers and progress', () => {
  test('CSV and JSONL logs parse back to the History; EpochTimer adds epoch_seconds; one progress line per epoch off a TTY', async () => {
    const train = separable(60, 31);
    const val = separable(20, 32);
    const csv = join(dir, 'logs', 'history.csv');
    const jsonl = join(dir, 'logs', 'history.jsonl');
    let progress = '';
    const stream = new Writable({
      write(chunk, _enc, done) {
        progress += chunk.toString();
        done();
      },
    });
    const timer = new EpochTimer();
    const model = linearModule(2, 2, 'logits');
    const history = await fit(model, train, {
      epochs: 3,
      batchSize: 16,
      optimizer: tf.train.adam(0.05),
      loss: sparseCategoricalCrossentropy({ fromLogits: true }),
      metrics: [sparseCategoricalAccuracy()],
      validation: val,
      callbacks: [
        timer,
        new CSVLogger(csv),
        new JSONLLogger(jsonl),
        new ProgressBar({ stream, label: 'toy' }),
      ],
    });
    model.dispose();

    const csvText = readFileSync(csv, 'utf8');
    expect(csvText.split('\r\n')[0]).toBe('epoch,accuracy,epoch_seconds,loss,val_accuracy,val_loss');
    expect(csvText.split('\r\n')).toHaveLength(5); // header, 3 rows, '' after the last CRLF
    for (const parsed of [
      parseHistoryCsv(csvText, csv),
      parseHistoryJsonl(readFileSync(jsonl, 'utf8'), jsonl),
    ]) {
      expect(parsed.epoch).toEqual(history.epoch);
      expect(Object.keys(parsed.history).sort()).toEqual(Object.keys(history.history).sort());
      for (const [k, v] of Object.entries(history.history)) expect(parsed.history[k]).toEqual(v);
    }
    expect(history.history.epoch_seconds).toEqual(timer.seconds);
    expect(timer.seconds.every((s) => s > 0)).toBe(true);

    const lines = progress.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    lines.forEach((line, i) => {
      expect(line).toMatch(
        new RegExp(
          `^toy epoch ${i + 1}/3 - 4 steps - \\d+\\.\\ds - loss: \\d\\.\\d{4} - accuracy: \\d\\.\\d{4} - val_loss: \\d\\.\\d{4} - val_accuracy: \\d\\.\\d{4}$`,
        ),
      );
    });
  });

  test('parse errors name the file and line', () => {
    expect(() => parseHistoryCsv('epoch,loss\r\n0,abc\r\n', 'h.csv')).toThrow(
      /h\.csv: line 2, column 2 \(loss\): found "abc"/,
    );
    expect(() => parseHistoryCsv('epoch,loss\r\n0\r\n', 'h.csv')).toThrow(
      /h\.csv: line 2: found 1 fields, expected 2/,
    );
    expect(() => parseHistoryJsonl('{"epoch":0,"loss":1}\n{"epoch":1,"loss":"x"}\n', 'h.jsonl')).toThrow(
      /h\.jsonl: line 2: loss: found "x"/,
    );
  });

  test('nan survives both loggers', () => {
    const logs: Logs = { loss: Number.NaN };
    const csvPath = join(dir, 'nan.csv');
    const jsonlPath = join(dir, 'nan.jsonl');
    const c = new CSVLogger(csvPath);
    const j = new JSONLLogger(jsonlPath);
    c.onTrainBegin();
    j.onTrainBegin();
    c.onEpochEnd(0, logs);
    j.onEpochEnd(0, logs);
    expect(readFileSync(csvPath, 'utf8')).toBe('epoch,loss\r\n0,nan\r\n');
    expect(readFileSync(jsonlPath, 'utf8')).toBe('{"epoch":0,"loss":null}\n');
    expect(parseHistoryCsv(readFileSync(csvPath, 'utf8'), csvPath).history.loss).toEqual([Number.NaN]);
  });
});
