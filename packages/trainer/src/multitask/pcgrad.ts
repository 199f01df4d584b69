/**
 * PCGrad ("Gradient Surgery for Multi-Task Learning", Yu et al. 2020). With
 * g_1 … g_T the tasks' gradients, each flattened over all variables into one
 * vector (dot products run over every variable at once):
 *
 *   for each task i:
 *     g_i^PC = g_i
 *     for j in a random order of the other tasks:
 *       if g_i^PC · g_j < 0:                      (the two conflict)
 *         g_i^PC ← g_i^PC − (g_i^PC · g_j / ‖g_j‖²) g_j
 *   update direction = Σ_i g_i^PC
 *
 * Each projection removes the component of g_i^PC along g_j, so after it
 * g_i^PC · g_j = 0: g_i^PC lies on the normal plane of g_j. The g_j are always
 * the original gradients, as in the paper's Algorithm 1.
 *
 * Every g_i^PC stays a combination Σ_k c_ik g_k of the original gradients, and
 * g_i^PC · g_j = Σ_k c_ik G_kj with the Gram matrix G_kj = g_k · g_j. So the
 * surgery runs on the T×T coefficients in float64 (one read-back of G per
 * step), and the tensors are combined once at the end: Σ_i Σ_k c_ik g_k.
 */
import { InputError } from '@course/models';
import * as tf from '@tensorflow/tfjs';

export interface PcgradResult {
  /** The update direction, one tensor per variable, shaped like the inputs. */
  grads: tf.Tensor[];
  /** c[i][k]: g_i^PC = Σ_k c[i][k] g_k. */
  coefficients: number[][];
  /** How many projections were made (conflicting pairs met, in order). */
  projections: number;
}

/** The order in which task i visits the other tasks; default a seeded shuffle. */
export type PcgradOrder = (task: number, others: number[]) => number[];

/** Fisher–Yates shuffle of the other tasks with `random` (uniform in [0, 1)), one shuffle per task. */
export function shuffledOrder(random: () => number): PcgradOrder {
  return (_task, others) => {
    const order = [...others];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  };
}

/**
 * PCGrad on a Gram matrix: the coefficients c (g_i^PC = Σ_k c_ik g_k) and the
 * number of projections. A zero gradient g_j (G_jj = 0) is never projected on.
 */
export function pcgradCoefficients(
  gram: number[][],
  order: PcgradOrder,
): { c: number[][]; projections: number } {
  const T = gram.length;
  let projections = 0;
  const c: number[][] = [];
  for (let i = 0; i < T; i++) {
    const ci = new Array<number>(T).fill(0);
    ci[i] = 1;
    const others = [...Array(T).keys()].filter((j) => j !== i);
    for (const j of order(i, others)) {
      // g_i^PC · g_j = Σ_k c_ik G_kj
      let dot = 0;
      for (let k = 0; k < T; k++) dot += ci[k] * gram[k][j];
      if (dot < 0 && gram[j][j] > 0) {
        ci[j] -= dot / gram[j][j];
        projections++;
      }
    }
    c.push(ci);
  }
  return { c, projections };
}

/** PCGrad on plain vectors (for checking hand computations): the summed direction and each g_i^PC. */
export function pcgradVectors(
  vectors: readonly (readonly number[])[],
  order: PcgradOrder,
): { sum: number[]; projected: number[][] } {
  const n = vectors[0]?.length ?? 0;
  vectors.forEach((v, i) => {
    if (v.length !== n) throw new InputError(`pcgrad: vector ${i} has ${v.length} values, expected ${n}`);
  });
  const gram = vectors.map((a) => vectors.map((b) => a.reduce((s, x, k) => s + x * b[k], 0)));
  const { c } = pcgradCoefficients(gram, order);
  const projected = c.map((ci) => {
    const out = new Array<number>(n).fill(0);
    ci.forEach((w, k) => {
      for (let d = 0; d < n; d++) out[d] += w * vectors[k][d];
    });
    return out;
  });
  const sum = new Array<number>(n).fill(0);
  for (const p of projected) for (let d = 0; d < n; d++) sum[d] += p[d];
  return { sum, projected };
}

/**
 * PCGrad on tensors: taskGrads[t][v] is task t's gradient for variable v
 * (every task lists every variable, same shapes; a task that does not touch a
 * variable passes zeros). Returns new tensors; the inputs are not disposed.
 */
export function pcgrad(taskGrads: readonly (readonly tf.Tensor[])[], order: PcgradOrder): PcgradResult {
  const T = taskGrads.length;
  if (T === 0) throw new InputError('pcgrad: found 0 tasks, expected at least 1');
  const V = taskGrads[0].length;
  taskGrads.forEach((grads, t) => {
    if (grads.length !== V)
      throw new InputError(`pcgrad: task ${t} has ${grads.length} gradients, expected ${V}`);
    grads.forEach((g, v) => {
      const want = taskGrads[0][v].shape;
      if (g.shape.join(',') !== want.join(',')) {
        throw new InputError(`pcgrad: task ${t} variable ${v}: found shape [${g.shape}], expected [${want}]`);
      }
    });
  });
  // M [T, P]: row t is task t's gradient flattened over all variables.
  const gram = tf.tidy(() => {
    const M = tf.stack(taskGrads.map((grads) => tf.concat(grads.map((g) => tf.reshape(g, [-1])))));
    return tf.matMul(M, M, false, true); // G [T, T]
  });
  const G = gram.arraySync() as number[][];
  gram.dispose();
  const { c, projections } = pcgradCoefficients(G, order);
  // Σ_i g_i^PC = Σ_k w_k g_k with w_k = Σ_i c_ik.
  const w = [...Array(T).keys()].map((k) => c.reduce((s, ci) => s + ci[k], 0));
  const grads = [...Array(V).keys()].map((v) =>
    tf.tidy(() => tf.addN(taskGrads.map((grads, k) => tf.mul(grads[v], w[k])))),
  );
  return { grads, coefficients: c, projections };
}
