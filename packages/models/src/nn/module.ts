/**
 * The contract between the classic models (MLP, RNN, LSTM, BERT heads, …) and
 * the Keras-like `fit` loop in @course/trainer: a model is a function of its
 * input plus a list of named variables. Names are stable ('dense_0/kernel', …)
 * because they become tensor names in safetensors files and history logs.
 */
import type * as tf from '@tensorflow/tfjs';

export interface ApplyOptions {
  /** True inside fit's training step (dropout on, etc.); false for evaluate/predict. */
  training?: boolean;
}

export interface Module {
  /** Human-readable name used in logs and tables, e.g. 'mlp 784-30-20-10'. */
  readonly name: string;
  /** Forward pass. Inputs and outputs are batch-first. */
  apply(x: tf.Tensor, opts?: ApplyOptions): tf.Tensor;
  /** Trainable variables by name, in a stable order (insertion order is the order written to files). */
  namedVariables(): Map<string, tf.Variable>;
  /** Frees the variables. */
  dispose(): void;
}

/** Number of scalars in a module's variables. */
export function moduleParameterCount(m: Module): number {
  let n = 0;
  for (const v of m.namedVariables().values()) n += v.size;
  return n;
}
