/**
 * LSTM (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al.),
 * per step, with σ the logistic sigmoid and ⊙ the elementwise product:
 *
 *   f_t = σ(x_t·W_f + h_{t−1}·U_f + b_f)       forget gate: how much of c_{t−1} to keep
 *   i_t = σ(x_t·W_i + h_{t−1}·U_i + b_i)       input (store) gate: how much new content to write
 *   g_t = tanh(x_t·W_c + h_{t−1}·U_c + b_c)    candidate cell content c̃_t
 *   c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t            cell update
 *   o_t = σ(x_t·W_o + h_{t−1}·U_o + b_o)       output gate
 *   h_t = o_t ⊙ tanh(c_t)                      hidden state (the layer's output)
 *
 * Each gate has its own W [E, H], U [H, H] and b [H], named
 * 'forget/kernel', 'forget/recurrent_kernel', 'forget/bias', and likewise
 * 'input/…', 'candidate/…', 'output/…'. Keras fuses them into one kernel
 * [E, 4H] in the gate order i, f, c, o (see toKerasWeights). Initialised as
 * Keras: W glorot_uniform, U orthogonal, b zero except b_f = 1
 * (unit_forget_bias: remember by default early in training).
 */
import * as tf from '@tensorflow/tfjs';
import { fusedLstmSequence, nativeActive } from '../kernels/native/index.js';
import { initialize, variableFrom } from './initializers.js';
import {
  checkSequenceConfig,
  type RecurrentLayer,
  SequenceModel,
  type SequenceModelConfig,
  scanTime,
} from './recurrent.js';

export const LSTM_GATES = ['forget', 'input', 'candidate', 'output'] as const;
export type LstmGate = (typeof LSTM_GATES)[number];

interface GateWeights {
  kernel: tf.Variable; // W [E, H]
  recurrentKernel: tf.Variable; // U [H, H]
  bias: tf.Variable; // b [H]
}

export class Lstm implements RecurrentLayer {
  readonly gates: Record<LstmGate, GateWeights>;

  constructor(
    inputSize: number,
    readonly units: number,
    seed = 0,
  ) {
    const gate = (g: LstmGate, i: number): GateWeights => ({
      kernel: variableFrom(initialize('glorot_uniform', [inputSize, units], seed + 2 * i)),
      recurrentKernel: variableFrom(initialize('orthogonal', [units, units], seed + 2 * i + 1)),
      bias: variableFrom(g === 'forget' ? tf.ones([units]) : tf.zeros([units])),
    });
    this.gates = {
      forget: gate('forget', 0),
      input: gate('input', 1),
      candidate: gate('candidate', 2),
      output: gate('output', 3),
    };
  }

  run(x: tf.Tensor3D, mask?: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const [B, T, E] = x.shape;
      const H = this.units;
      // The four gates' products side by side, in LSTM_GATES order, so each step is one
      // [B, H]·[H, 4H] product and x·W + b is one [B·T, E]·[E, 4H] product for all steps.
      const W = tf.concat(
        LSTM_GATES.map((g) => this.gates[g].kernel),
        1,
      ); // [E, 4H]
      const U = tf.concat(
        LSTM_GATES.map((g) => this.gates[g].recurrentKernel),
        1,
      ); // [H, 4H]
      const b = tf.concat(LSTM_GATES.map((g) => this.gates[g].bias)); // [4H]
      const xw = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [B * T, E]), W), b), [B, T, 4 * H]) as tf.Tensor3D;
      // native: all T steps forward and backward in one kernel each (the step below, in C++)
      if (nativeActive()) return fusedLstmSequence(xw, U as tf.Tensor2D, mask);
      const zeros = tf.zeros([B, H]) as tf.Tensor2D;
      return scanTime(
        xw,
        [zeros, zeros], // [h, c]
        (xwT, [h, c]) => {
          const [zf, zi, zc, zo] = tf.split(tf.add(xwT, tf.matMul(h, U)), 4, 1); // each [B, H]
          const f = tf.sigmoid(zf); // forget gate
          const i = tf.sigmoid(zi); // input (store) gate
          const g = tf.tanh(zc); // candidate c̃_t
          const cNext = tf.add(tf.mul(f, c), tf.mul(i, g)); // cell update
          const o = tf.sigmoid(zo); // output gate
          const hNext = tf.mul(o, tf.tanh(cNext)); // hidden state
          return [hNext as tf.Tensor2D, cNext as tf.Tensor2D];
        },
        mask,
      );
    });
  }

  namedVariables(): [string, tf.Variable][] {
    return LSTM_GATES.flatMap((g): [string, tf.Variable][] => [
      [`${g}/kernel`, this.gates[g].kernel],
      [`${g}/recurrent_kernel`, this.gates[g].recurrentKernel],
      [`${g}/bias`, this.gates[g].bias],
    ]);
  }

  /**
   * Keras' fused weights [kernel [E, 4H], recurrent_kernel [H, 4H], bias [4H]],
   * gate blocks in Keras' order i, f, c, o, for tf.layers.lstm(...).setWeights.
   */
  toKerasWeights(): tf.Tensor[] {
    const kerasOrder: LstmGate[] = ['input', 'forget', 'candidate', 'output'];
    return tf.tidy(() => [
      tf.concat(
        kerasOrder.map((g) => this.gates[g].kernel),
        1,
      ),
      tf.concat(
        kerasOrder.map((g) => this.gates[g].recurrentKernel),
        1,
      ),
      tf.concat(kerasOrder.map((g) => this.gates[g].bias)),
    ]);
  }
}

/**
 * Embedding -> LSTM -> dense head. Variables: embedding/table,
 * lstm/{forget,input,candidate,output}/{kernel,recurrent_kernel,bias}, head/kernel, head/bias.
 */
export function createLstm(config: SequenceModelConfig): SequenceModel {
  checkSequenceConfig(config);
  return new SequenceModel('lstm', config, new Lstm(config.embed, config.hidden, config.seed ?? 0));
}

/** V·E (embedding) + 4·(E·H + H·H + H) (four gates) + H·K + K (head). */
export function lstmParameterCount(c: { vocab: number; embed: number; hidden: number; out: number }): number {
  checkSequenceConfig(c);
  const { vocab: V, embed: E, hidden: H, out: K } = c;
  return V * E + 4 * (E * H + H * H + H) + (H * K + K);
}
