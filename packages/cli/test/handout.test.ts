/**
 * The acceptance checks of the foundation and trainer issues, end to end on the
 * bundled data: the HW5 handout's Question 1 command line, then `course eval`
 * on the checkpoint it wrote; and `course eval` on a random-init d6 c384 h6
 * (the HW5 model) checkpoint.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  gpt2Config,
  initParametersLlmc,
  parseMainLog,
  readCheckpointHeader,
  readHellaSwag,
  writeCheckpoint,
  writeHellaSwag,
} from '@course/models';
import { ensureDefaultData, parseTrainArgs, train } from '@course/trainer';
import { describe, expect, test } from 'vitest';
import { course } from './run-course.js';

describe('HW5 handout on the bundled data', () => {
  test('Question 1 (train_gpt2cu -o question_1_experiment_one -1d 1 -1c 64 -1h 1 -l 0.01 -x 20) writes main.log, run.json with the cost analysis, and a checkpoint course eval reads', async () => {
    const data = ensureDefaultData();
    const root = mkdtempSync(join(tmpdir(), 'course-q1-'));
    const out = join(root, 'question_1_experiment_one');
    const hellaswag = join(root, 'hellaswag_20.bin');
    writeHellaSwag(hellaswag, readHellaSwag(data.hellaswagPath).examples.slice(0, 20));
    const handout = ['-o', out, '-1d', '1', '-1c', '64', '-1h', '1', '-l', '0.01', '-x', '20'];
    const local = [
      '-id',
      data.trainPattern,
      '-iv',
      data.valPattern,
      '-ih',
      hellaswag,
      '-b',
      '4',
      '-t',
      '64',
      '-d',
      '256',
    ];
    const lines: string[] = [];
    await train(parseTrainArgs([...handout, ...local, '--ledger', join(root, 'budget.json')]), {
      log: (l) => lines.push(l),
      warn: () => {},
    });

    const log = parseMainLog(readFileSync(join(out, 'main.log'), 'utf8'));
    expect(log.train.map((e) => e.step)).toEqual([...Array(20).keys()]);
    expect(log.val.map((e) => e.step)).toEqual([0, 20]);
    expect(log.eval.map((e) => e.step)).toEqual([20]);
    // -u 470 (the fork's default) outlasts -x 20: the LR climbs as 0.01·(s+1)/470
    expect(log.train[19].lr).toBeCloseTo((0.01 * 20) / 470, 6);

    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.numParameters).toBe(3_335_104);
    expect(run.cost.probe.slowestStep).toBeGreaterThanOrEqual(10);
    expect(run.cost.probe.slowestStep).toBeLessThanOrEqual(19);
    const slowest = Math.max(...log.train.slice(10, 20).map((e) => e.ms ?? Number.NaN));
    expect(run.cost.probe.slowestMs).toBeCloseTo(slowest, 1); // main.log keeps 2 decimals
    expect(run.cost.probe.runtimeHours).toBeCloseTo((run.cost.probe.slowestMs * 20) / 3.6e6, 12);
    expect(run.cost.projectedUsd).toBeCloseTo(run.cost.probe.runtimeHours * 1.5, 12);
    expect(lines.some((l) => l.startsWith('projected cost:'))).toBe(true);

    const checkpoint = join(out, 'model_00000020.bin');
    expect(readCheckpointHeader(checkpoint).version).toBe(5);
    const r = await course(
      'eval',
      '--checkpoint',
      checkpoint,
      '--val',
      data.valPattern,
      '-b',
      '4',
      '-t',
      '64',
      '--json',
    );
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    // The trainer's s:20 tel is the same evaluation on the fp32 weights; the checkpoint holds them in bf16.
    expect(result.val_loss).toBeCloseTo(log.val[1].loss, 1);
    expect(Math.abs(result.val_loss - log.val[1].loss)).toBeLessThan(0.02);
  });

  test('course eval on a random-init d6 c384 h6 checkpoint reports a loss near ln(50257)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'course-d6-'));
    const config = gpt2Config({ depth: 6, channels: 384, heads: 6 });
    const checkpoint = join(dir, 'd6.bin');
    writeCheckpoint(checkpoint, config, initParametersLlmc(config), { version: 5 });
    const data = ensureDefaultData();
    const r = await course(
      'eval',
      '--checkpoint',
      checkpoint,
      '--val',
      data.valPattern,
      '-b',
      '2',
      '-t',
      '64',
      '--batches',
      '2',
      '--json',
    );
    expect(r.code).toBe(0);
    const { val_loss } = JSON.parse(r.stdout);
    expect(Math.abs(val_loss - Math.log(50257))).toBeLessThan(0.3);
  });
});
