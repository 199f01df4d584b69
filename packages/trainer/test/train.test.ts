import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BudgetError,
  checkpointFileName,
  decodeText,
  GPT2,
  GPT2_EOT,
  gpt2Config,
  InputError,
  initParametersLlmc,
  loadNativeAddon,
  parseMainLog,
  readCheckpoint,
  sampleTokens,
  stateFileName,
  writeCheckpoint,
  writeTokenizer,
} from '@course/models';
import { describe, expect, test } from 'vitest';
import { parseTrainArgs } from '../src/llmc-flags.js';
import { formatDuration, train } from '../src/train.js';
import { TINY_VOCAB, tinyDataDir } from './helpers/tiny-data.js';

const quiet = { log: () => {}, warn: () => {} };
const data = tinyDataDir();

/** A tiny GPT-2 (d1 c16 h1, vocab 64, from -e) on the cpu backend (or `backend`), B 2 T 32, no sampling. */
function args(out: string, extra: string[] = [], backend = 'cpu'): string[] {
  return [
    ...['-o', out, '-e', data.initCheckpoint, '-b', '2', '-t', '32', '-d', '64'],
    ...['-id', data.trainPattern, '-iv', data.valPattern, '-ih', data.hellaswagPath],
    ...['-l', '0.01', '-u', '4', '-v', '5', '-m', '2', '-s', '0', '-n', '10', '--backend', backend],
    ...['--ledger', join(out, 'budget.json')],
    ...extra,
  ];
}

describe('train_gpt2cu training run', () => {
  test('20 steps equal 10 steps + resume (-y 1) + 10 steps, bit for bit on cpu', async () => {
    const root = mkdtempSync(join(tmpdir(), 'course-resume-'));
    const straight = join(root, 'straight');
    const resumed = join(root, 'resumed');
    await train(parseTrainArgs(args(straight, ['-x', '20'])), quiet);
    await train(parseTrainArgs(args(resumed, ['-x', '20', '-es', '10'])), quiet);
    await train(parseTrainArgs(args(resumed, ['-x', '20', '-y', '1'])), quiet);

    const a = parseMainLog(readFileSync(join(straight, 'main.log'), 'utf8'));
    const b = parseMainLog(readFileSync(join(resumed, 'main.log'), 'utf8'));
    expect(a.train.map((e) => e.step)).toEqual([...Array(20).keys()]);
    expect(b.train.map((e) => e.step)).toEqual([...Array(20).keys()]);
    expect(b.train.map((e) => [e.loss, e.lr, e.norm])).toEqual(a.train.map((e) => [e.loss, e.lr, e.norm]));
    // The weights, m, v and loader position after 20 steps are identical bytes.
    for (const name of [checkpointFileName(20), stateFileName(20)]) {
      expect(readFileSync(join(resumed, name)).equals(readFileSync(join(straight, name))), name).toBe(true);
    }
    // and the run actually learned something from the cyclic data
    expect(a.train[19].loss).toBeLessThan(a.train[0].loss - 0.5);
    // checkpoints are llm.c v5 (bf16) by default
    expect(readCheckpoint(join(straight, checkpointFileName(20))).header.version).toBe(5);
  });

  test.skipIf(loadNativeAddon().addon === null)(
    'native backend: the same losses as cpu within fp32 noise, and 10 + resume + 10 steps bit for bit',
    async () => {
      const root = mkdtempSync(join(tmpdir(), 'course-native-'));
      const cpu = join(root, 'cpu');
      const straight = join(root, 'straight');
      const resumed = join(root, 'resumed');
      await train(parseTrainArgs(args(cpu, ['-x', '20'])), quiet);
      await train(parseTrainArgs(args(straight, ['-x', '20'], 'native')), quiet);
      await train(parseTrainArgs(args(resumed, ['-x', '20', '-es', '10'], 'native')), quiet);
      await train(parseTrainArgs(args(resumed, ['-x', '20', '-y', '1'], 'native')), quiet);

      const onCpu = parseMainLog(readFileSync(join(cpu, 'main.log'), 'utf8'));
      const onNative = parseMainLog(readFileSync(join(straight, 'main.log'), 'utf8'));
      const resumedLog = parseMainLog(readFileSync(join(resumed, 'main.log'), 'utf8'));
      // The same training on both backends: fp32 rounding differs (BLAS sums in another order,
      // a polynomial exp), so losses agree to ~1e-4 after 20 updates, not bit for bit.
      expect(onNative.train).toHaveLength(20);
      onNative.train.forEach((e, i) => {
        expect(Math.abs(e.loss - onCpu.train[i].loss), `step ${i}`).toBeLessThan(1e-3);
      });
      onNative.val.forEach((e, i) => {
        expect(Math.abs(e.loss - onCpu.val[i].loss)).toBeLessThan(1e-3);
      });
      // Every native kernel is deterministic (fixed work split per thread), so resume is exact.
      expect(resumedLog.train.map((e) => [e.loss, e.lr, e.norm])).toEqual(
        onNative.train.map((e) => [e.loss, e.lr, e.norm]),
      );
      for (const name of [checkpointFileName(20), stateFileName(20)]) {
        expect(readFileSync(join(resumed, name)).equals(readFileSync(join(straight, name))), name).toBe(true);
      }
    },
  );

  test("main.log follows llm.c's order: tel and eval before trl, evaluation at the last step, no trl there", async () => {
    const out = mkdtempSync(join(tmpdir(), 'course-order-'));
    const printed: string[] = [];
    await train(parseTrainArgs(args(out, ['-x', '6', '-v', '3'])), {
      log: (l) => printed.push(l),
      warn: () => {},
    });
    // Each val loss says what it averages: -m 2 batches of -b 2 × -t 32 tokens, at steps 0, 3 and 6.
    const valLines = printed.filter((l) => l.startsWith('val loss'));
    expect(valLines).toHaveLength(3);
    for (const l of valLines) expect(l).toMatch(/^val loss \d+\.\d{6} \(2 batches of 2×32\)$/);
    const lines = readFileSync(join(out, 'main.log'), 'utf8').trim().split('\n');
    const kinds = lines.map((l) =>
      l
        .split(' ')
        .slice(0, 2)
        .join(' ')
        .replace(/:[\d.]+$/, ''),
    );
    expect(kinds).toEqual([
      's:0 tel',
      's:0 trl',
      's:1 trl',
      's:2 trl',
      's:3 tel',
      's:3 eval',
      's:3 trl',
      's:4 trl',
      's:5 trl',
      's:6 tel',
      's:6 eval',
    ]);
    expect(lines[1]).toMatch(/^s:0 trl:\d+\.\d{4} lr:\d\.\d{6} norm:\d+\.\d{2} time \(ms\):\d+\.\d{2}$/);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.status).toBe('finished');
    // The actual cost, phase by phase: the parts add up to the wall time, each priced at $1.50/h.
    const { breakdown, wallSeconds } = run.cost;
    const phases = ['trainingSteps', 'evaluation', 'startup', 'checkpoints', 'other'];
    expect(Object.keys(breakdown)).toEqual(phases);
    const seconds = phases.map((p) => breakdown[p].seconds);
    expect(seconds.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(wallSeconds, 9);
    for (const p of phases) {
      expect(breakdown[p].seconds).toBeGreaterThanOrEqual(0);
      expect(breakdown[p].usd).toBeCloseTo((breakdown[p].seconds / 3600) * 1.5, 12);
    }
    // val at 0, 3, 6 and HellaSwag at 3, 6; the checkpoint at the last step (6); start-up before step 0
    for (const p of ['evaluation', 'checkpoints', 'startup']) expect(breakdown[p].seconds).toBeGreaterThan(0);
    // the training phase holds every step's time as main.log records it (2 decimals)
    const stepSeconds = parseMainLog(readFileSync(join(out, 'main.log'), 'utf8')).train.reduce(
      (sum, t) => sum + (t.ms ?? 0) / 1000,
      0,
    );
    expect(breakdown.trainingSteps.seconds).toBeGreaterThanOrEqual(stepSeconds - 6 * 0.005e-3);
    expect(printed.some((l) => l.startsWith('actual cost $') && l.includes(' = training steps $'))).toBe(
      true,
    );
    expect(run.numParameters).toBe(128 * 16 + 64 * 16 + 12 * 16 * 16 + 13 * 16 + 2 * 16);
  });

  test('the cost probe after step 19 stops an over-budget run with a BudgetError (exit 3) and records the spend', async () => {
    const out = mkdtempSync(join(tmpdir(), 'course-budget-'));
    const lines: string[] = [];
    const io = { log: (l: string) => lines.push(l), warn: () => {} };
    const run = train(
      parseTrainArgs(args(out, ['-x', '1000000', '--budget-usd', '0.0001', '-v', '1000'])),
      io,
    );
    await expect(run).rejects.toThrow(BudgetError);
    await expect(run).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/exceeds .* by \$/),
    });
    const log = parseMainLog(readFileSync(join(out, 'main.log'), 'utf8'));
    expect(log.train.at(-1)?.step).toBe(19); // stopped right after the probe
    expect(lines.some((l) => /^projected cost: /.test(l))).toBe(true);
    const ledger = JSON.parse(readFileSync(join(out, 'budget.json'), 'utf8'));
    expect(ledger.runs).toHaveLength(1);
    expect(ledger.runs[0].status).toBe('stopped');
    expect(ledger.runs[0].actualUsd).toBeGreaterThan(0);
    const run2 = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    const { probe } = run2.cost;
    expect(probe.slowestStep).toBeGreaterThanOrEqual(10);
    expect(probe.slowestStep).toBeLessThanOrEqual(19);
    expect(probe.costUsd).toBeCloseTo(((probe.slowestMs * 1000000) / 3.6e6) * 1.5, 6);
    expect(run2.cost.projectedUsd).toBe(probe.costUsd);
    // The probe names its step as the console does: the "step N/…" line it names shows the slowest time,
    // and main.log's s:N-1 line the same.
    const named = /^cost probe: slowest of steps 11-20 is step (\d+) at ([\d.]+) ms/.exec(
      lines.find((l) => l.startsWith('cost probe:')) ?? '',
    );
    expect(named).not.toBeNull();
    const [, shown, ms] = named!;
    const consoleLine = lines.find((l) => l.startsWith(`step ${shown.padStart(4)}/`));
    expect(consoleLine).toContain(`| ${ms} ms |`);
    expect(log.train.find((t) => t.step === Number(shown) - 1)?.ms).toBe(Number(ms));
    expect(run2.cost.actualUsd).toBeCloseTo((run2.cost.wallSeconds / 3600) * 1.5, 9);
  });
});

describe('-it: the tokenizer that decodes the samples printed at -s steps', () => {
  /** Each of the tiny model's 64 token ids spelled `<id>`, so a printed sample parses back into ids. */
  const spelled = (id: number) => `<${id}>`;
  const table = Array.from({ length: TINY_VOCAB }, (_, id) => new TextEncoder().encode(spelled(id)));

  /** The sample the model in checkpoint `path` draws from `prompt`, as train prints it (-g 8, seed 1337). */
  function expectedIds(path: string, prompt: number[]): number[] {
    const { config, params } = readCheckpoint(path);
    const model = new GPT2(config, params);
    try {
      return sampleTokens(model, prompt, { maxTokens: 8, seed: 1337, stopAtEot: false });
    } finally {
      model.dispose();
    }
  }

  /** The texts between `generating:\n---` and `---` in the console lines. */
  function samples(lines: string[]): string[] {
    return lines.filter((l) => l.startsWith('generating:\n---\n')).map((l) => l.split('\n')[2]);
  }

  test("samples start from the table's EOT and are its tokens' bytes, as in llm.c", async () => {
    const root = mkdtempSync(join(tmpdir(), 'course-it-'));
    const tokenizerPath = join(root, 'tiny_tokenizer.bin');
    writeTokenizer(tokenizerPath, table, { version: 2, eotToken: 0 }); // 0 is the tiny data's "EOT"
    const out = join(root, 'run');
    const lines: string[] = [];
    const sampling = ['-x', '4', '-s', '2', '-g', '8', '-n', '2', '--fp32-checkpoints'];
    await train(parseTrainArgs(args(out, [...sampling, '-it', tokenizerPath])), {
      log: (l) => lines.push(l),
      warn: () => {},
    });
    // At step 2 and at the last step (4), each from the weights checkpointed at that step.
    const printed = samples(lines);
    expect(printed).toHaveLength(2);
    printed.forEach((text, i) => {
      const ids = expectedIds(join(out, checkpointFileName(2 * (i + 1))), [0]);
      expect(text).toBe(ids.map(spelled).join(''));
    });
  });

  test("without -it, samples start from GPT-2's EOT and are decoded with the built-in GPT-2 BPE, as before", async () => {
    // A model with GPT-2's vocabulary (d1 c16 h1), which GPT-2's EOT (50256) and BPE fit.
    const root = mkdtempSync(join(tmpdir(), 'course-no-it-'));
    const config = gpt2Config({ depth: 1, channels: 16, heads: 1, maxSeqLen: 64 });
    const init = join(root, 'gpt2_vocab_init.bin');
    writeCheckpoint(init, config, initParametersLlmc(config), { version: 3 });
    // -ss 1 -x 1: the run starts at its last step, so it only samples, from the initial weights
    // (pure-JS matmuls over 50257 logits are slow: no training step, no val shards, no HellaSwag).
    const lines: string[] = [];
    const run = ['-e', init, '-ss', '1', '-x', '1', '-s', '2', '-g', '8', '-n', '0', '-h', '0'];
    const noVal = ['-iv', join(root, 'no_val_*.bin')];
    await train(parseTrainArgs(args(join(root, 'run'), [...run, ...noVal])), {
      log: (l) => lines.push(l),
      warn: () => {},
    });
    const ids = expectedIds(init, [GPT2_EOT]);
    expect(samples(lines)).toEqual([decodeText(ids)]);
  });

  test("a table of another vocabulary than the model's is an InputError naming -it and the file", async () => {
    const root = mkdtempSync(join(tmpdir(), 'course-it-vocab-'));
    const tokenizerPath = join(root, 'short_tokenizer.bin');
    writeTokenizer(tokenizerPath, table.slice(0, 40), { version: 2, eotToken: 0 });
    const run = train(parseTrainArgs(args(join(root, 'run'), ['-x', '2', '-it', tokenizerPath])), quiet);
    await expect(run).rejects.toThrow(InputError);
    await expect(run).rejects.toThrow(
      `-it ${tokenizerPath}: header[2] vocab_size: found 40, expected the model's vocab_size 64`,
    );
  });
});

describe('formatDuration (the ETA on the step line)', () => {
  test('rounds to whole seconds before splitting into units', () => {
    expect(formatDuration(59.6)).toBe('1m00s');
    expect(formatDuration(839.7)).toBe('14m00s');
    expect(formatDuration(3599.5)).toBe('1h00m');
    expect(formatDuration(7.2)).toBe('7s');
    expect(formatDuration(Number.NaN)).toBe('?');
  });
});
