/**
 * One optimizer update, as llm.c's train_gpt2.cu does it: `gradAccum`
 * micro-batches of B×T whose gradients average over all B·T·gradAccum tokens,
 * the global gradient norm (pre-clip, as logged), clipping at 1.0 folded into
 * AdamW. Shared by the trainer and the benchmark, so what is timed is what runs.
 */
import type { GPT2 } from '@course/models';
import * as tf from '@tensorflow/tfjs';
import { type AdamW, clipScale, globalNorm } from './adamw.js';
import type { Batch } from './dataloader.js';

export interface StepSettings {
  B: number;
  T: number;
  gradAccum: number;
  learningRate: number;
  weightDecay: number;
  /** AdamW's t: the 1-based update number (llm.c: step + 1). */
  t: number;
  /** Decides, from the step's loss and norm, whether to apply the update (llm.c's -sl/-sg). */
  shouldApply?: (loss: number, norm: number) => boolean;
}

export interface StepResult {
  /** Mean loss over the step's tokens. */
  loss: number;
  /** Global gradient norm before clipping. */
  norm: number;
  applied: boolean;
}

export function trainStep(
  model: GPT2,
  optimizer: AdamW,
  nextBatch: () => Batch,
  s: StepSettings,
): StepResult {
  const vars = model.variables();
  let grads: tf.Tensor[] | null = null;
  let lossSum = 0;
  for (let micro = 0; micro < s.gradAccum; micro++) {
    const { inputs, targets } = nextBatch();
    const x = tf.tensor2d(inputs, [s.B, s.T], 'int32');
    const y = tf.tensor2d(targets, [s.B, s.T], 'int32');
    const result = tf.variableGrads(() => model.loss(x, y), vars);
    lossSum += result.value.dataSync()[0];
    const micrograds = vars.map((v) => result.grads[v.name]);
    if (grads === null) grads = micrograds;
    else {
      const previous: tf.Tensor[] = grads;
      grads = micrograds.map((g, i) => tf.add(previous[i], g));
      tf.dispose([...previous, ...micrograds]);
    }
    tf.dispose([x, y, result.value]);
  }
  let mean = grads!;
  if (s.gradAccum > 1) {
    mean = grads!.map((g) => tf.div(g, s.gradAccum));
    tf.dispose(grads!);
  }
  const loss = lossSum / s.gradAccum;
  const norm = globalNorm(mean);
  const applied = s.shouldApply ? s.shouldApply(loss, norm) : true;
  if (applied) {
    optimizer.apply(mean, {
      learningRate: s.learningRate,
      weightDecay: s.weightDecay,
      t: s.t,
      gradScale: clipScale(norm),
    });
  }
  tf.dispose(mean);
  return { loss, norm, applied };
}
