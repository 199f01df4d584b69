/**
 * The textbook two-layer sigmoid network, evaluated exactly as a homework
 * writes it out by hand, so a student can check every intermediate number:
 *
 *   h = σ(x·W1 + b1)          x [n_in], W1 [n_in, n_hidden], b1 one shared scalar
 *   y = σ(h·W2 + b2)          W2 [n_hidden, n_out], b2 one shared scalar
 *   L = ½ Σ_k (y_k − t_k)²    the ½ cancels the 2 of the derivative (the homework's convention)
 *
 * W1[i][j] is the weight from input i to hidden unit j (row = source, column =
 * destination). Weight names: 'W1[i][j]', 'W2[j][k]', 'b1', 'b2'.
 *
 * Gradients come from tfjs autodiff (float32) and, independently, from a central
 * difference of a float64 evaluation of the same formula: in float32 a difference
 * quotient loses about half its digits, which would hide a real disagreement.
 */
import { InputError } from '@course/models';
import * as tf from '@tensorflow/tfjs';

export interface SigmoidNetSpec {
  x: number[];
  W1: number[][];
  b1: number;
  W2: number[][];
  b2: number;
  targets: number[];
}

export interface SigmoidNetResult {
  hidden: number[];
  outputs: number[];
  loss: number;
  /** dL/dw by tfjs autodiff, for every weight name. */
  gradients: Record<string, number>;
}

export interface SigmoidNetGradient {
  weight: string;
  autodiff: number;
  finiteDifference: number;
  /** The step h of (L(w+h) − L(w−h)) / 2h. */
  step: number;
}

/** Forward pass, loss and all gradients in tfjs (float32, the current backend). */
export function evaluateSigmoidNet(spec: SigmoidNetSpec): SigmoidNetResult {
  checkSpec(spec);
  const tensors = tf.tidy(() => {
    const x = tf.tensor2d([spec.x]); // [1, n_in]
    const t = tf.tensor2d([spec.targets]); // [1, n_out]
    const forward = (W1: tf.Tensor, b1: tf.Tensor, W2: tf.Tensor, b2: tf.Tensor) => {
      const hidden = tf.sigmoid(tf.add(tf.matMul(x, W1 as tf.Tensor2D), b1)); // [1, n_hidden]
      const outputs = tf.sigmoid(tf.add(tf.matMul(hidden, W2 as tf.Tensor2D), b2)); // [1, n_out]
      const loss = tf.mul(0.5, tf.sum(tf.square(tf.sub(outputs, t)))); // scalar
      return { hidden, outputs, loss };
    };
    const params = [tf.tensor2d(spec.W1), tf.scalar(spec.b1), tf.tensor2d(spec.W2), tf.scalar(spec.b2)];
    const { hidden, outputs, loss } = forward(params[0], params[1], params[2], params[3]);
    const { grads } = tf.valueAndGrads((W1, b1, W2, b2) => forward(W1, b1, W2, b2).loss as tf.Scalar)(params);
    return [hidden, outputs, loss, ...grads];
  });
  try {
    const [hidden, outputs, loss, gW1, gb1, gW2, gb2] = tensors.map((t) => Array.from(t.dataSync()));
    const gradients: Record<string, number> = {};
    const nHidden = spec.W1[0].length;
    const nOut = spec.W2[0].length;
    spec.W1.forEach((row, i) => {
      row.forEach((_, j) => {
        gradients[`W1[${i}][${j}]`] = gW1[i * nHidden + j];
      });
    });
    gradients.b1 = gb1[0];
    spec.W2.forEach((row, j) => {
      row.forEach((_, k) => {
        gradients[`W2[${j}][${k}]`] = gW2[j * nOut + k];
      });
    });
    gradients.b2 = gb2[0];
    return { hidden, outputs, loss: loss[0], gradients };
  } finally {
    for (const t of tensors) t.dispose();
  }
}

/** dL/d`weight` by autodiff and by a float64 central difference with step `step`. */
export function sigmoidNetGradient(spec: SigmoidNetSpec, weight: string, step = 1e-5): SigmoidNetGradient {
  const { gradients } = evaluateSigmoidNet(spec);
  if (!(weight in gradients)) {
    throw new InputError(`weight: found "${weight}", expected one of ${Object.keys(gradients).join(', ')}`);
  }
  return {
    weight,
    autodiff: gradients[weight],
    finiteDifference: sigmoidNetFiniteDifference(spec, weight, step),
    step,
  };
}

/**
 * dL/d`weight` by the central difference (L(w+h) − L(w−h)) / 2h of the float64
 * evaluation: no tensors, no backend (the grader's reference uses it).
 */
export function sigmoidNetFiniteDifference(spec: SigmoidNetSpec, weight: string, step = 1e-5): number {
  checkSpec(spec);
  const plus = sigmoidNet64(withWeight(spec, weight, step)).loss;
  const minus = sigmoidNet64(withWeight(spec, weight, -step)).loss;
  return (plus - minus) / (2 * step);
}

/** The forward pass and loss in float64 plain JavaScript (same formulas as the tfjs one). */
export function sigmoidNet64(spec: SigmoidNetSpec): { hidden: number[]; outputs: number[]; loss: number } {
  checkSpec(spec);
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  const hidden = spec.W1[0].map((_, j) =>
    sigmoid(spec.x.reduce((s, xi, i) => s + xi * spec.W1[i][j], spec.b1)),
  );
  const outputs = spec.W2[0].map((_, k) =>
    sigmoid(hidden.reduce((s, hj, j) => s + hj * spec.W2[j][k], spec.b2)),
  );
  const loss = 0.5 * outputs.reduce((s, y, k) => s + (y - spec.targets[k]) ** 2, 0);
  return { hidden, outputs, loss };
}

/** A copy of `spec` with `delta` added to the named weight. */
function withWeight(spec: SigmoidNetSpec, weight: string, delta: number): SigmoidNetSpec {
  const copy: SigmoidNetSpec = {
    ...spec,
    W1: spec.W1.map((row) => [...row]),
    W2: spec.W2.map((row) => [...row]),
  };
  if (weight === 'b1') copy.b1 += delta;
  else if (weight === 'b2') copy.b2 += delta;
  else {
    const m = /^(W1|W2)\[(\d+)\]\[(\d+)\]$/.exec(weight);
    const row = m ? copy[m[1] as 'W1' | 'W2'][Number(m[2])] : undefined;
    if (!m || !row || Number(m[3]) >= row.length) {
      throw new InputError(
        `weight: found "${weight}", expected W1[i][j], W2[j][k], b1 or b2 within the shapes`,
      );
    }
    row[Number(m[3])] += delta;
  }
  return copy;
}

function checkSpec(spec: SigmoidNetSpec): void {
  const nIn = spec.x.length;
  const nHidden = spec.W1[0]?.length ?? 0;
  const nOut = spec.W2[0]?.length ?? 0;
  const problems: string[] = [];
  if (nIn === 0) problems.push('x: empty');
  if (spec.W1.length !== nIn || spec.W1.some((r) => r.length !== nHidden) || nHidden === 0) {
    problems.push(`W1: expected ${nIn} rows (one per input) of equal, non-zero length`);
  }
  if (spec.W2.length !== nHidden || spec.W2.some((r) => r.length !== nOut) || nOut === 0) {
    problems.push(`W2: expected ${nHidden} rows (one per hidden unit) of equal, non-zero length`);
  }
  if (spec.targets.length !== nOut) problems.push(`targets: found ${spec.targets.length}, expected ${nOut}`);
  const numbers = [...spec.x, ...spec.W1.flat(), ...spec.W2.flat(), ...spec.targets, spec.b1, spec.b2];
  if (numbers.some((v) => typeof v !== 'number' || !Number.isFinite(v)))
    problems.push('every value must be a finite number');
  if (problems.length > 0) throw new InputError(`sigmoid network: ${problems.join('; ')}`);
}
