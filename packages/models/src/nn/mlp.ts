/**
 * Multi-layer perceptron: a stack of dense layers, y = act(x·W + b).
 *
 *   const mlp = createMlp({ layers: [784, 30, 20, 10], activation: 'selu',
 *                           outputActivation: 'softmax', initializer: 'lecun_normal', seed: 42 });
 *
 * `layers` lists every width, input first: [784, 30, 20, 10] is three dense
 * layers (784→30, 30→20, 20→10). Kernels are [in, out] (Keras' layout, so
 * weights copy straight into tf.layers.dense), biases start at zero.
 * Variables: 'dense_0/kernel', 'dense_0/bias', 'dense_1/kernel', …
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors.js';
import { fusedDense, nativeDenseActive } from '../kernels/native/dense.js';
import { type ActivationName, activate } from './activations.js';
import { type InitializerName, initialize, variableFrom } from './initializers.js';
import type { ApplyOptions, Module } from './module.js';

export interface MlpConfig {
  /** Widths, input first: [in, hidden…, out]; at least two entries. */
  layers: number[];
  /**
   * Hidden activation shared by every hidden layer (default 'relu'), or one
   * activation per dense layer (length layers.length − 1, output's last).
   */
  activation?: ActivationName | ActivationName[];
  /** Output layer activation when `activation` is a single name (default 'linear': logits). */
  outputActivation?: ActivationName;
  /** Kernel initializer (default 'glorot_uniform', Keras' default). */
  initializer?: InitializerName;
  /** Include a bias vector in every layer (default true). */
  bias?: boolean;
  /** Seed for the kernels; layer i uses seed + i (default 0). */
  seed?: number;
}

interface Dense {
  kernel: tf.Variable; // [in, out]
  bias?: tf.Variable; // [out]
  activation: ActivationName;
}

/**
 * Parameters of an MLP with these widths: Σ in·out (+ out per layer with biases).
 * 33-512-10 with biases: 33·512 + 512 + 512·10 + 10 = 22,538.
 */
export function mlpParameterCount(layers: readonly number[], opts: { bias?: boolean } = {}): number {
  checkWidths(layers);
  const bias = opts.bias ?? true;
  let n = 0;
  for (let i = 0; i + 1 < layers.length; i++) n += layers[i] * layers[i + 1] + (bias ? layers[i + 1] : 0);
  return n;
}

function checkWidths(layers: readonly number[]): void {
  if (layers.length < 2)
    throw new InputError(
      `mlp layers: found ${layers.length} width(s), expected at least 2 (input and output)`,
    );
  for (const w of layers) {
    if (!Number.isInteger(w) || w < 1)
      throw new InputError(`mlp layers: found width ${w}, expected a positive integer`);
  }
}

/** The activation of each dense layer, from the config's shared or per-layer form. */
function layerActivations(config: MlpConfig): ActivationName[] {
  const count = config.layers.length - 1;
  if (Array.isArray(config.activation)) {
    if (config.activation.length !== count) {
      throw new InputError(
        `mlp activation: found ${config.activation.length} activations, expected ${count} (one per dense layer)`,
      );
    }
    return [...config.activation];
  }
  const hidden = config.activation ?? 'relu';
  return Array.from({ length: count }, (_, i) =>
    i === count - 1 ? (config.outputActivation ?? 'linear') : hidden,
  );
}

export class Mlp implements Module {
  readonly name: string;
  readonly config: Readonly<MlpConfig>;
  private readonly dense: Dense[];

  constructor(config: MlpConfig) {
    checkWidths(config.layers);
    this.config = { ...config, layers: [...config.layers] };
    this.name = `mlp ${config.layers.join('-')}`;
    const activations = layerActivations(config);
    const init = config.initializer ?? 'glorot_uniform';
    const seed = config.seed ?? 0;
    this.dense = activations.map((activation, i) => {
      const [fanIn, fanOut] = [config.layers[i], config.layers[i + 1]];
      return {
        kernel: variableFrom(initialize(init, [fanIn, fanOut], seed + i)),
        bias: (config.bias ?? true) ? variableFrom(tf.zeros([fanOut])) : undefined,
        activation,
      };
    });
  }

  /** x [N, in] (or [N, …] flattened to [N, in]) -> [N, out]. */
  apply(x: tf.Tensor, _opts: ApplyOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      let h = x.rank === 2 ? x : tf.reshape(x, [x.shape[0], -1]);
      if (h.shape[1] !== this.config.layers[0]) {
        throw new InputError(`mlp input: found ${h.shape[1]} features, expected ${this.config.layers[0]}`);
      }
      // native: each layer is one kernel forward and one backward (same math)
      const fused = nativeDenseActive();
      for (const { kernel, bias, activation } of this.dense) {
        if (fused) {
          h = fusedDense(
            h as tf.Tensor2D,
            kernel as tf.Tensor2D,
            bias as tf.Tensor1D | undefined,
            activation,
          );
          continue;
        }
        let z = tf.matMul(h, kernel); // [N, out]
        if (bias) z = tf.add(z, bias);
        h = activate(activation, z);
      }
      return h;
    });
  }

  namedVariables(): Map<string, tf.Variable> {
    const vars = new Map<string, tf.Variable>();
    this.dense.forEach(({ kernel, bias }, i) => {
      vars.set(`dense_${i}/kernel`, kernel);
      if (bias) vars.set(`dense_${i}/bias`, bias);
    });
    return vars;
  }

  dispose(): void {
    for (const v of this.namedVariables().values()) v.dispose();
  }
}

export function createMlp(config: MlpConfig): Mlp {
  return new Mlp(config);
}
