import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { createLstm, type Lstm, lstmParameterCount } from '../src/nn/lstm.js';
import { moduleParameterCount } from '../src/nn/module.js';
import type { SequenceModel, SequenceModelConfig } from '../src/nn/recurrent.js';
import { createRnn, type ElmanRnn, rnnParameterCount } from '../src/nn/rnn.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

const sizes = { vocab: 7, embed: 3, hidden: 4, out: 2 };
// two sequences of 5 token ids; the second ends in padding (id 0) for the mask case
const ids = [
  [1, 5, 2, 6, 3],
  [4, 4, 1, 0, 0],
];

/** The same network as a Keras (tfjs-layers) model with our weights copied in. */
function kerasTwin(
  kind: 'rnn' | 'lstm',
  ours: SequenceModel,
  manyToMany: boolean,
  maskZero = false,
  rnnActivation: 'tanh' | 'relu' = 'tanh',
): tf.LayersModel {
  const { vocab, embed, hidden, out } = sizes;
  const model = tf.sequential();
  const embedding = tf.layers.embedding({ inputDim: vocab, outputDim: embed, inputLength: 5, maskZero });
  model.add(embedding);
  const recurrent =
    kind === 'rnn'
      ? tf.layers.simpleRNN({ units: hidden, returnSequences: manyToMany, activation: rnnActivation })
      : // tfjs' LSTM defaults to hardSigmoid gates (old Keras); the equations use the logistic sigmoid
        tf.layers.lstm({ units: hidden, returnSequences: manyToMany, recurrentActivation: 'sigmoid' });
  model.add(recurrent);
  const head = tf.layers.dense({ units: out });
  model.add(head); // on [B, T, H] Dense acts on the last axis, i.e. per step
  const v = ours.namedVariables();
  embedding.setWeights([v.get('embedding/table') as tf.Tensor]);
  if (kind === 'rnn') {
    const layer = ours.layer as ElmanRnn;
    recurrent.setWeights([layer.kernel, layer.recurrentKernel, layer.bias]);
  } else {
    const fused = (ours.layer as Lstm).toKerasWeights();
    recurrent.setWeights(fused);
    tf.dispose(fused);
  }
  head.setWeights([v.get('head/kernel') as tf.Tensor, v.get('head/bias') as tf.Tensor]);
  return model;
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

const builders = { rnn: createRnn, lstm: createLstm } as const;
const counts = { rnn: rnnParameterCount, lstm: lstmParameterCount } as const;

describe.each(['rnn', 'lstm'] as const)('%s from its equations', (kind) => {
  it.each(['many-to-one', 'many-to-many'] as const)(
    'equals Keras with the same weights (%s) within 1e-5',
    (mode) => {
      const ours = builders[kind]({ ...sizes, mode, seed: 3 });
      // make the biases non-trivial so their position in the fused Keras bias is exercised
      for (const [name, v] of ours.namedVariables()) {
        if (name.endsWith('bias')) v.assign(tf.randomUniform(v.shape, -0.5, 0.5, 'float32', name.length));
      }
      const keras = kerasTwin(kind, ours, mode === 'many-to-many');
      const x = tf.tensor2d(ids, undefined, 'int32');
      const y = ours.apply(x);
      const yKeras = keras.predict(tf.cast(x, 'float32')) as tf.Tensor;
      expect(y.shape).toEqual(mode === 'many-to-one' ? [2, 2] : [2, 5, 2]);
      expect(maxAbsDiff(y, yKeras)).toBeLessThan(1e-5);
      expect(tf.tidy(() => tf.max(tf.abs(y)).dataSync()[0])).toBeGreaterThan(1e-3); // not trivially zero
      tf.dispose([x, y, yKeras]);
      keras.dispose();
      ours.dispose();
    },
  );

  it('with maskZero, padded steps carry the state like Keras mask_zero (many-to-one)', () => {
    const ours = builders[kind]({ ...sizes, maskZero: true, seed: 5 });
    const keras = kerasTwin(kind, ours, false, true);
    const x = tf.tensor2d(ids, undefined, 'int32');
    const y = ours.apply(x);
    const yKeras = keras.predict(tf.cast(x, 'float32')) as tf.Tensor;
    expect(maxAbsDiff(y, yKeras)).toBeLessThan(1e-5);
    // and the padded sequence's answer is that of its unpadded prefix
    const prefix = ours.apply(tf.tensor2d([[4, 4, 1]], undefined, 'int32'));
    expect(maxAbsDiff(tf.slice(y, [1, 0], [1, 2]), prefix)).toBeLessThan(1e-6);
    tf.dispose([x, y, yKeras, prefix]);
    keras.dispose();
    ours.dispose();
  });

  it('parameter count = variable sizes = Keras countParams()', () => {
    for (const c of [sizes, { vocab: 1000, embed: 32, hidden: 16, out: 3 }] as SequenceModelConfig[]) {
      const ours = builders[kind](c);
      const { vocab, embed, hidden, out } = c;
      const keras = tf.sequential({
        layers: [
          tf.layers.embedding({ inputDim: vocab, outputDim: embed, inputLength: 4 }),
          kind === 'rnn' ? tf.layers.simpleRNN({ units: hidden }) : tf.layers.lstm({ units: hidden }),
          tf.layers.dense({ units: out }),
        ],
      });
      expect(moduleParameterCount(ours)).toBe(counts[kind](c));
      expect(keras.countParams()).toBe(counts[kind](c));
      keras.dispose();
      ours.dispose();
    }
    // by hand: V·E + E·H + H·H + H + H·K + K, LSTM with four gates' worth of the middle terms
    expect(rnnParameterCount({ vocab: 1000, embed: 32, hidden: 16, out: 3 })).toBe(
      32_000 + 512 + 256 + 16 + 48 + 3,
    );
    expect(lstmParameterCount({ vocab: 1000, embed: 32, hidden: 16, out: 3 })).toBe(
      32_000 + 4 * (512 + 256 + 16) + 48 + 3,
    );
  });

  it('gradients reach every variable, finite and non-zero', () => {
    const ours = builders[kind]({ ...sizes, mode: 'many-to-many', seed: 9 });
    const x = tf.tensor2d(ids, undefined, 'int32');
    const vars = [...ours.namedVariables()];
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.square(ours.apply(x))) as tf.Scalar,
      vars.map(([, v]) => v),
    );
    for (const [name, v] of vars) {
      const g = grads[v.name].dataSync();
      expect(g.every(Number.isFinite), name).toBe(true);
      expect(
        g.some((e) => e !== 0),
        name,
      ).toBe(true);
    }
    tf.dispose([x, value, ...Object.values(grads)]);
    ours.dispose();
  });
});

describe('Elman RNN with relu (the exploding-gradient variant)', () => {
  it('equals Keras SimpleRNN with activation relu', () => {
    const ours = createRnn({ ...sizes, mode: 'many-to-many', activation: 'relu', seed: 11 });
    const keras = kerasTwin('rnn', ours, true, false, 'relu');
    const x = tf.tensor2d(ids, undefined, 'int32');
    const y = ours.apply(x);
    const yKeras = keras.predict(tf.cast(x, 'float32')) as tf.Tensor;
    expect(maxAbsDiff(y, yKeras)).toBeLessThan(1e-5);
    // and it is not the tanh network
    const tanhTwin = kerasTwin('rnn', ours, true);
    const yTanh = tanhTwin.predict(tf.cast(x, 'float32')) as tf.Tensor;
    expect(maxAbsDiff(y, yTanh)).toBeGreaterThan(1e-4);
    tf.dispose([x, y, yKeras, yTanh]);
    keras.dispose();
    tanhTwin.dispose();
    ours.dispose();
  });
});

describe('variable names', () => {
  it('are stable and say what each tensor is', () => {
    const rnn = createRnn(sizes);
    expect([...rnn.namedVariables().keys()]).toEqual([
      'embedding/table',
      'rnn/kernel',
      'rnn/recurrent_kernel',
      'rnn/bias',
      'head/kernel',
      'head/bias',
    ]);
    const lstm = createLstm(sizes);
    const names = [...lstm.namedVariables().keys()];
    expect(names).toContain('lstm/forget/recurrent_kernel');
    expect(names).toHaveLength(1 + 12 + 2);
    // unit forget bias: b_f starts at 1, the other gates' at 0
    expect([...(lstm.namedVariables().get('lstm/forget/bias') as tf.Variable).dataSync()]).toEqual([
      1, 1, 1, 1,
    ]);
    expect([...(lstm.namedVariables().get('lstm/input/bias') as tf.Variable).dataSync()]).toEqual([
      0, 0, 0, 0,
    ]);
    rnn.dispose();
    lstm.dispose();
  });
});
