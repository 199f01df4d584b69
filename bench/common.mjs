/**
 * What every bench case shares: progress on stderr, the step timer (warm-up,
 * timed steps, median, tensor counts), rounding, the closing version fields.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';

/** Without --steps, time enough steps to last about this long (seconds)... */
export const TARGET_TIMED_SECONDS = 10;
/** ...but never fewer than this many, nor more than MAX_AUTO_STEPS. */
export const MIN_STEPS = 3;
export const MAX_AUTO_STEPS = 50;
export const DEFAULT_WARMUP = 3;
/** Synthetic data: the values do not change the work, a fixed seed keeps runs identical. */
export const TOKEN_SEED = 1337;

export function progress(line) {
  process.stderr.write(`${line}\n`);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const round = (x, digits) => Number(x.toFixed(digits));

/**
 * Runs `step` warmup times, then the timed steps: `steps` if given, else as
 * many as fill TARGET_TIMED_SECONDS at the last warm-up step's pace (at least
 * MIN_STEPS). `step` may be async and must finish its work before it returns
 * or resolves (every case reads a value back, which waits for the backend).
 *
 * tensorsStart / tensorsEnd: tf.memory().numTensors after the warm-up and
 * after the timed steps. A step that frees what it makes leaves them equal;
 * otherwise a warning goes to stderr. (With --warmup 0, state an optimizer
 * creates on its first update, e.g. tf.train.adam's moments, counts as growth.)
 */
export async function timeSteps(label, step, { warmup, steps, targetSeconds = TARGET_TIMED_SECONDS }) {
  let lastMs = 0;
  for (let i = 0; i < warmup; i++) {
    const start = performance.now();
    await step();
    lastMs = performance.now() - start;
    progress(`${label}: warm-up ${i + 1}/${warmup} ${lastMs.toFixed(0)} ms`);
  }
  const count =
    steps ??
    (lastMs > 0
      ? Math.min(MAX_AUTO_STEPS, Math.max(MIN_STEPS, Math.ceil((targetSeconds * 1000) / lastMs)))
      : MIN_STEPS);
  const tensorsStart = tf.memory().numTensors;
  const times = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await step();
    times.push(performance.now() - start);
    progress(`${label}: step ${i + 1}/${count} ${times[i].toFixed(0)} ms`);
  }
  const tensorsEnd = tf.memory().numTensors;
  if (tensorsEnd !== tensorsStart) {
    progress(
      `warning: ${label}: tf.memory().numTensors went from ${tensorsStart} to ${tensorsEnd} over ` +
        `${count} timed steps (a leak of ${((tensorsEnd - tensorsStart) / count).toFixed(1)} tensors/step)` +
        (warmup === 0 ? '; with --warmup 0 state created by the first update counts too' : ''),
    );
  }
  return { msPerStep: median(times), steps: count, tensorsStart, tensorsEnd };
}

/** The fields of a timed case line that say whether the timed steps leaked tensors. */
export function tensorFields(timing) {
  return { tensors_start: timing.tensorsStart, tensors_end: timing.tensorsEnd };
}

/** Closing fields of every line; the load average says how shared the machine was. */
export function versions() {
  return { node: process.version, tfjs: tf.version.tfjs, loadavg_1m: round(os.loadavg()[0], 2) };
}

/** `count` token ids in [0, vocabSize) from the generator. */
export function randomTokens(count, rng, vocabSize) {
  const tokens = new Int32Array(count);
  for (let i = 0; i < count; i++) tokens[i] = rng.randInt32() % vocabSize;
  return tokens;
}
