/**
 * muP in the trainer: the --mup flags (parsed, checked, in --help), AdamW's
 * per-group LR multipliers against a step computed by hand, the rows muP adds
 * to run_parameters.txt, and the check that a muP checkpoint is resumed or
 * loaded only with the settings its run.json records.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appendRunParameters,
  checkpointFileName,
  GPT2,
  type GPT2Parameter,
  gpt2Config,
  InputError,
  initParametersLlmc,
  parseMainLog,
  selectBackend,
  stateFileName,
} from '@course/models';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdamW } from '../src/adamw.js';
import { parseTrainArgs, trainUsage } from '../src/llmc-flags.js';
import { runParameterRows } from '../src/run-parameter-rows.js';
import { checkMupMatches, mupSettings, train } from '../src/train.js';
import { tinyDataDir } from './helpers/tiny-data.js';

describe('--mup / --mup-base-width', () => {
  it('parse into mup and mupBaseWidth; off by default', () => {
    const off = parseTrainArgs([], {});
    expect(off.mup).toBe(false);
    expect(off.mupBaseWidth).toBeNull();
    expect(mupSettings(off)).toBeUndefined();
    const on = parseTrainArgs(['-1c', '256', '-1h', '4', '--mup', '1', '--mup-base-width', '64'], {});
    expect(on.mup).toBe(true);
    expect(on.mupBaseWidth).toBe(64);
    expect(mupSettings(on)).toEqual({ baseWidth: 64 });
    expect(parseTrainArgs(['--mup=1', '--mup-base-width=32'], {}).mupBaseWidth).toBe(32);
  });

  it('are checked: a 0|1 switch, a positive width, both or neither', () => {
    expect(() => parseTrainArgs(['--mup', '2', '--mup-base-width', '64'], {})).toThrow(
      '--mup: found "2", expected 0 or 1',
    );
    expect(() => parseTrainArgs(['--mup', '1', '--mup-base-width', '0'], {})).toThrow(
      '--mup-base-width: found "0", expected an integer ≥ 1',
    );
    expect(() => parseTrainArgs(['--mup', '1'], {})).toThrow(/--mup 1: found no --mup-base-width/);
    expect(() => parseTrainArgs(['--mup-base-width', '64'], {})).toThrow(InputError);
  });

  it('are listed in --help with their defaults', () => {
    const help = trainUsage();
    expect(help).toMatch(/--mup 0\|1 +muP: .*\[0\]/);
    expect(help).toMatch(/--mup-base-width N +muP base width .*\[none\]/);
  });
});

describe('AdamW with per-parameter LR multipliers', () => {
  // One step from zero moments, t = 1: m̂ = g, v̂ = g², so
  //   p1 = p0 − lr·mult·(g/(|g| + eps) + wd·p0)     (wd only where decay)
  const lr = 0.01;
  const wd = 0.1;
  const eps = 1e-8;
  const cases = [
    { name: 'qkvw', p0: [0.5, -0.25, 0.125, 1], g: [0.2, -0.4, 0.001, -3], decay: true, mult: 0.25 },
    { name: 'ln1w', p0: [1, 2], g: [-0.5, 0.5], decay: false, mult: 1 },
    { name: 'wte', p0: [0.3, -0.3, 0.7], g: [1, -1, 0.5], decay: true, mult: undefined },
  ] as const;

  for (const backend of ['cpu', 'native'] as const) {
    it(`one step on ${backend} equals the hand-computed update (1/4 on a hidden matrix, 1 elsewhere)`, async () => {
      const active = await selectBackend(backend).catch(() => null);
      if (!active) return; // native not built here: the cpu case still ran
      const params: GPT2Parameter[] = cases.map((c, i) => ({
        name: c.name,
        layer: -1,
        variable: tf.variable(tf.tensor1d([...c.p0])),
        offset: i * 10,
        size: c.p0.length,
        shape: [c.p0.length],
        decay: c.decay,
        lrMultiplier: c.mult,
      }));
      const opt = new AdamW(params);
      const grads = cases.map((c) => tf.tensor1d([...c.g]));
      opt.apply(grads, { learningRate: lr, weightDecay: wd, t: 1, gradScale: 1 });
      cases.forEach((c, i) => {
        const got = params[i].variable.dataSync();
        c.p0.forEach((p, j) => {
          const g = c.g[j];
          const want = p - lr * (c.mult ?? 1) * (g / (Math.abs(g) + eps) + (c.decay ? wd * p : 0));
          expect(got[j], `${c.name}[${j}]`).toBeCloseTo(want, 6);
        });
      });
      opt.dispose();
      tf.dispose([...grads, ...params.map((p) => p.variable)]);
      await selectBackend('cpu');
    });
  }

  it('a muP model hands AdamW 1/m on its hidden matrices: their step is 1/m of SP on the same gradient', async () => {
    await selectBackend('cpu');
    const config = gpt2Config({ depth: 1, channels: 16, heads: 2, vocabSize: 64, maxSeqLen: 8 });
    const flat = initParametersLlmc(config);
    const sp = new GPT2(config, flat);
    const mup = new GPT2(config, flat, { mup: { baseWidth: 4 } }); // m = 4
    const step = (model: GPT2) => {
      const opt = new AdamW(model.parameters);
      const grads = model.parameters.map((p) => tf.fill(p.shape, 0.5));
      opt.apply(grads, { learningRate: 1e-3, weightDecay: 0, t: 1, gradScale: 1 });
      tf.dispose(grads);
      opt.dispose();
      return model.parameters.map((p, i) => {
        const after = p.variable.dataSync();
        let delta = 0;
        for (let j = 0; j < p.size; j++) delta = Math.max(delta, Math.abs(after[j] - flat[p.offset + j]));
        return { name: p.name, delta, i };
      });
    };
    const a = step(sp);
    const b = step(mup);
    for (const { name, delta, i } of b) {
      const hidden = ['qkvw', 'attprojw', 'fcw', 'fcprojw'].includes(name);
      expect(delta / a[i].delta, name).toBeCloseTo(hidden ? 1 / 4 : 1, 4);
    }
    sp.dispose();
    mup.dispose();
  });
});

describe('muP settings on disk', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mup-train-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('run_parameters.txt gains base width and m rows for muP runs only (78-character lines)', () => {
    const facts = {
      config: gpt2Config({ depth: 2, channels: 256, heads: 4 }),
      numParameters: 1,
      weightInit: 'random',
      trainNumBatches: 1,
      valNumBatches: 1,
      runHellaswag: false,
      device: 'tfjs cpu',
      peakTflops: 1,
      precision: 'FP32',
    };
    const sp = parseTrainArgs(['-1c', '256', '-1h', '4'], {});
    const mup = parseTrainArgs(['-1c', '256', '-1h', '4', '--mup', '1', '--mup-base-width', '64'], {});
    expect(runParameterRows(sp, facts).some((r) => r !== 'rule' && r.name.startsWith('muP'))).toBe(false);
    appendRunParameters(dir, runParameterRows(mup, facts));
    const lines = readFileSync(join(dir, 'run_parameters.txt'), 'utf8').trim().split('\n');
    for (const line of lines) expect(line).toHaveLength(78);
    const value = (name: string) =>
      lines.map((l) => l.split('|').map((p) => p.trim())).find((p) => p[1] === name)?.[2];
    expect(value('muP base width')).toBe('64');
    expect(value('muP multiplier m')).toBe('4.000000');
  });

  it('checkMupMatches: a checkpoint is loaded only with the muP settings its run.json records', () => {
    const ckpt = join(dir, 'model_00000020.bin');
    checkMupMatches(ckpt, '-e', { baseWidth: 64 }); // no run.json: an llm.c checkpoint
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ config: { mup: true, mupBaseWidth: 64 } }));
    checkMupMatches(ckpt, '-e', { baseWidth: 64 });
    expect(() => checkMupMatches(ckpt, '-e', undefined)).toThrow(
      /-e .*model_00000020\.bin: found SP for this run, expected muP \(base width 64\) .*pass --mup 1 --mup-base-width 64/,
    );
    expect(() => checkMupMatches(ckpt, '-y 1:', { baseWidth: 32 })).toThrow(InputError);
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ config: { mup: false, mupBaseWidth: null } }));
    checkMupMatches(ckpt, '-e', undefined);
    expect(() => checkMupMatches(ckpt, '-e', { baseWidth: 64 })).toThrow(/expected SP .*pass no --mup flags/);
  });
});

describe('train_gpt2cu --mup 1', () => {
  const quiet = { log: () => {}, warn: () => {} };
  const data = tinyDataDir();
  /** The tiny GPT-2 of train.test.ts (d1 c16 h1 from -e, vocab 64) on cpu, B 2 T 32. */
  const args = (out: string, extra: string[]) => [
    ...['-o', out, '-e', data.initCheckpoint, '-b', '2', '-t', '32', '-d', '64'],
    ...['-id', data.trainPattern, '-iv', data.valPattern, '-h', '0'],
    ...['-l', '0.01', '-u', '2', '-v', '5', '-m', '2', '-s', '0', '-n', '5', '--backend', 'cpu'],
    ...['--ledger', join(out, 'budget.json'), '-x', '10'],
    ...extra,
  ];
  const MUP = ['--mup', '1', '--mup-base-width', '4']; // m = 4

  it('trains another model than SP, records it, and resumes bit for bit only with the same flags', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mup-run-'));
    const [sp, straight, resumed] = ['sp', 'straight', 'resumed'].map((d) => join(root, d));
    await train(parseTrainArgs(args(sp, [])), quiet);
    await train(parseTrainArgs(args(straight, MUP)), quiet);
    await train(parseTrainArgs(args(resumed, [...MUP, '-es', '5'])), quiet);
    await expect(train(parseTrainArgs(args(resumed, ['-y', '1'])), quiet)).rejects.toThrow(
      /found SP for this run, expected muP \(base width 4\).*pass --mup 1 --mup-base-width 4/,
    );
    await train(parseTrainArgs(args(resumed, [...MUP, '-y', '1'])), quiet);

    const log = (dir: string) => parseMainLog(readFileSync(join(dir, 'main.log'), 'utf8')).train;
    expect(log(resumed).map((e) => [e.loss, e.norm])).toEqual(log(straight).map((e) => [e.loss, e.norm]));
    for (const name of [checkpointFileName(10), stateFileName(10)])
      expect(readFileSync(join(resumed, name)).equals(readFileSync(join(straight, name))), name).toBe(true);
    // step 0 starts from the same weights; from step 1 on, the updates (and logits) differ
    expect(log(straight)[0].loss).not.toBe(log(sp)[0].loss); // logits ÷ 4
    expect(log(straight)[9].loss).not.toBe(log(sp)[9].loss);

    const run = JSON.parse(readFileSync(join(straight, 'run.json'), 'utf8'));
    expect(run.config.mup).toBe(true);
    expect(run.config.mupBaseWidth).toBe(4);
    expect(run.parametrisation).toMatchObject({ kind: 'muP', widthMultiplier: 4, hiddenLrMultiplier: 0.25 });
    expect(JSON.parse(readFileSync(join(sp, 'run.json'), 'utf8')).parametrisation).toEqual({ kind: 'SP' });
    expect(readFileSync(join(straight, 'run_parameters.txt'), 'utf8')).toMatch(/\| muP base width +\| 4 +\|/);
    rmSync(root, { recursive: true, force: true });
  });
});
