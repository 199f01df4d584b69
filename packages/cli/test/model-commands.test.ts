/**
 * `course eval` and `course sample` on tiny random-init checkpoints, checked
 * against a second computation done here with the model's own forward pass.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeText,
  encodeOrdinary,
  GPT2,
  GPT2_EOT,
  type GPT2Config,
  gpt2Config,
  type HellaSwagExample,
  initParametersLlmc,
  selectBackend,
  writeCheckpoint,
  writeHellaSwag,
  writeShard,
} from '@course/models';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { course } from './run-course.js';

/**
 * Two tiny random-init models: one with GPT-2's full vocabulary (its loss should
 * be about ln(50257)), and one with a 512-token vocabulary for everything else,
 * so the tests stay fast on the pure-JS cpu backend.
 */
interface Fixture {
  config: GPT2Config;
  checkpoint: string;
  model: GPT2;
}

const B = 2;
/** The small model's maxT: without -t, eval's T is 1024 capped at this. */
const T = 32;
const BATCHES = 3;

let dir: string;
let small: Fixture;
let full: Fixture;
let valShard: string;
let tokens: Uint16Array;

/** Deterministic tokens in [0, vocabSize) (a 32-bit LCG). */
function pseudoRandomTokens(n: number, seed: number, vocabSize = 512): Uint16Array {
  const out = new Uint16Array(n);
  let state = seed >>> 0;
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state % vocabSize;
  }
  return out;
}

function makeFixture(name: string, config: GPT2Config): Fixture {
  const checkpoint = join(dir, `${name}.bin`);
  const params = initParametersLlmc(config, 42);
  writeCheckpoint(checkpoint, config, params, { version: 3 });
  return { config, checkpoint, model: new GPT2(config, params) };
}

/** Cross-entropy of every position of one row, from the small model's logits by hand (log-sum-exp). */
function rowLosses(row: number[]): number[] {
  const logits = tf.tidy(() =>
    small.model.forward(tf.tensor2d([row.slice(0, -1)], [1, row.length - 1], 'int32')).arraySync(),
  )[0];
  return logits.map((l, t) => {
    const max = Math.max(...l);
    const logSumExp = max + Math.log(l.reduce((s, x) => s + Math.exp(x - max), 0));
    return logSumExp - l[row[t + 1]];
  });
}

/** llm.c's val loss by hand: batch k is tokens [k·b·t, k·b·t + b·t + 1); the mean of the per-batch means. */
function expectedValLoss(model: GPT2, batches: number, b: number, t: number): number {
  let sum = 0;
  for (let k = 0; k < batches; k++) {
    const window = Array.from(tokens.subarray(k * b * t, k * b * t + b * t + 1));
    const inputs = window.slice(0, b * t);
    const targets = window.slice(1, b * t + 1);
    sum += tf.tidy(
      () =>
        model.loss(tf.tensor2d(inputs, [b, t], 'int32'), tf.tensor2d(targets, [b, t], 'int32')).dataSync()[0],
    );
  }
  return sum / batches;
}

beforeAll(async () => {
  // The commands under test run on cpu (--backend cpu); so does the second computation.
  await selectBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'course-eval-'));
  small = makeFixture(
    'small',
    gpt2Config({ depth: 1, channels: 16, heads: 2, maxSeqLen: T, vocabSize: 512 }),
  );
  full = makeFixture('full', gpt2Config({ depth: 1, channels: 16, heads: 2, maxSeqLen: 64 }));
  // Enough for BATCHES batches of B·T+1 tokens, plus a remainder the loader never reads.
  tokens = pseudoRandomTokens(BATCHES * B * T + 1 + 7, 1);
  valShard = join(dir, 'tiny_val_000000.bin');
  writeShard(valShard, tokens);
});

afterAll(() => {
  small?.model.dispose();
  full?.model.dispose();
});

describe('course eval', () => {
  it('--json: val_loss is the mean of the per-batch mean losses over consecutive batches', async () => {
    const { code, stdout } = await course(
      'eval',
      '--checkpoint',
      full.checkpoint,
      '--val',
      join(dir, 'tiny_val_*.bin'),
      '--batches',
      '2',
      '-b',
      '1',
      '-t',
      '16',
      '--json',
      '--backend',
      'cpu',
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.val_loss).toBeCloseTo(expectedValLoss(full.model, 2, 1, 16), 5);
    expect(report).toMatchObject({
      val_batches: 2,
      hellaswag_acc: null,
      hellaswag_n: 0,
      backend: 'cpu',
      checkpoint: full.checkpoint,
    });
    expect(typeof report.seconds).toBe('number');
    // Random init: every one of the 50257 tokens about equally likely.
    expect(Math.abs(report.val_loss - Math.log(50257))).toBeLessThan(0.3);
  });

  it('--batches -1 runs the whole split; the text output names batches and B×T', async () => {
    const { code, stdout } = await course(
      'eval',
      '--checkpoint',
      small.checkpoint,
      '--val',
      valShard,
      '--batches',
      '-1',
      '-b',
      String(B),
      '--backend',
      'cpu',
    );
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(
      `val loss ${expectedValLoss(small.model, BATCHES, B, T).toFixed(4)} (${BATCHES} batches of ${B}×${T})`,
    );
  });

  it('HellaSwag: the argmin of each ending’s mean loss, counted against the labels', async () => {
    const examples: HellaSwagExample[] = [0, 1, 2, 3, 0].map((label, i) => ({
      label,
      context: Array.from(pseudoRandomTokens(5 + i, 100 + i)),
      endings: [0, 1, 2, 3].map((e) => Array.from(pseudoRandomTokens(2 + e, 200 + 10 * i + e))),
    }));
    const file = join(dir, 'hellaswag.bin');
    writeHellaSwag(file, examples);
    let correct = 0;
    for (const ex of examples) {
      const means = ex.endings.map((ending) => {
        const losses = rowLosses([...ex.context, ...ending]);
        // ending token j is predicted at position context.length - 1 + j
        const own = losses.slice(ex.context.length - 1);
        return own.reduce((a, b) => a + b, 0) / own.length;
      });
      if (means.indexOf(Math.min(...means)) === ex.label) correct++;
    }

    const json = await course(
      'eval',
      '--checkpoint',
      small.checkpoint,
      '--hellaswag',
      file,
      '--json',
      '--backend',
      'cpu',
    );
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ val_loss: null, hellaswag_n: 5 });
    expect(report.hellaswag_acc).toBeCloseTo(correct / 5, 10);

    const text = await course(
      'eval',
      '--checkpoint',
      small.checkpoint,
      '--hellaswag',
      file,
      '--backend',
      'cpu',
    );
    expect(text.stdout.trim()).toMatch(
      new RegExp(
        `^HellaSwag ${correct}/5 = ${(correct / 5).toFixed(4)} \\(95% CI 0\\.\\d{4}–[01]\\.\\d{4}, chance 0\\.25\\)$`,
      ),
    );
    expect(report.hellaswag_ci95[0]).toBeLessThanOrEqual(correct / 5);
    expect(report.hellaswag_ci95[1]).toBeGreaterThanOrEqual(correct / 5);
  });

  it('-t longer than the model’s maxT is exit 2 naming -t', async () => {
    const { code, stderr } = await course(
      'eval',
      '--checkpoint',
      small.checkpoint,
      '--val',
      valShard,
      '-t',
      '64',
      '--backend',
      'cpu',
    );
    expect(code).toBe(2);
    expect(stderr).toContain('-t 64');
  });

  it('neither --val nor --hellaswag is exit 2', async () => {
    const { code, stderr } = await course('eval', '--checkpoint', small.checkpoint, '--backend', 'cpu');
    expect(code).toBe(2);
    expect(stderr).toContain('--val');
  });

  it('a missing --checkpoint flag is exit 2 naming it', async () => {
    const { code, stderr } = await course('eval', '--val', valShard, '--backend', 'cpu');
    expect(code).toBe(2);
    expect(stderr).toContain('--checkpoint');
  });

  it('a nonexistent checkpoint file is exit 2 naming the file', async () => {
    const missing = join(dir, 'no_such_model.bin');
    const { code, stderr } = await course(
      'eval',
      '--checkpoint',
      missing,
      '--val',
      valShard,
      '--backend',
      'cpu',
    );
    expect(code).toBe(2);
    expect(stderr).toContain(missing);
  });

  it('a corrupt checkpoint is exit 2 naming the file and the header field, without a stack trace', async () => {
    const corrupt = join(dir, 'corrupt.bin');
    const bytes = readFileSync(small.checkpoint);
    bytes.writeInt32LE(12345, 0); // header[0], the magic number
    writeFileSync(corrupt, bytes);
    const { code, stderr } = await course(
      'eval',
      '--checkpoint',
      corrupt,
      '--val',
      valShard,
      '--backend',
      'cpu',
    );
    expect(code).toBe(2);
    expect(stderr).toContain(corrupt);
    expect(stderr).toContain('header[0] magic');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('a truncated checkpoint is exit 2 naming the file size it expected', async () => {
    const truncated = join(dir, 'truncated.bin');
    writeFileSync(truncated, readFileSync(small.checkpoint).subarray(0, 4096));
    const { code, stderr } = await course(
      'eval',
      '--checkpoint',
      truncated,
      '--val',
      valShard,
      '--backend',
      'cpu',
    );
    expect(code).toBe(2);
    expect(stderr).toContain(truncated);
    expect(stderr).toContain('file size');
  });
});

describe('course sample', () => {
  it('--temperature 0 continues the prompt with the most likely token each step', async () => {
    const prompt = 'Hello';
    const context = encodeOrdinary(prompt);
    const generated: number[] = [];
    for (let i = 0; i < 4; i++) {
      const logits = tf.tidy(() =>
        full.model.forward(tf.tensor2d([context], [1, context.length], 'int32')).arraySync(),
      );
      const last = logits[0][context.length - 1];
      const next = last.indexOf(Math.max(...last));
      if (next === GPT2_EOT) break;
      generated.push(next);
      context.push(next);
    }

    const { code, stdout } = await course(
      'sample',
      '--checkpoint',
      full.checkpoint,
      '--prompt',
      prompt,
      '--tokens',
      '4',
      '--temperature',
      '0',
      '--backend',
      'cpu',
    );
    expect(code).toBe(0);
    expect(stdout).toBe(`${prompt}${decodeText(generated)}\n`);
  });

  it('a negative --temperature is exit 2 naming the flag', async () => {
    const { code, stderr } = await course('sample', '--checkpoint', small.checkpoint, '--temperature', '-1');
    expect(code).toBe(2);
    expect(stderr).toContain('--temperature');
  });
});
