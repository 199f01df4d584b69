/**
 * assignments/gpt2-tuning: the shipped examples get the scores worked out in the
 * assignment README, and the log checks and follow-through questions work on a
 * run that train_gpt2cu makes here (a tiny GPT-2 on the cpu backend). The
 * answers a student would report are taken from the run's metrics.jsonl and
 * run.json, which the trainer writes separately from main.log, the file the
 * grader checks them against.
 */
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTrainArgs, train } from '@course/trainer';
import { beforeAll, describe, expect, test } from 'vitest';
import { tinyDataDir } from '../../trainer/test/helpers/tiny-data.js';
import { type Grade, gradeSubmission, loadSpec } from '../src/index.js';
import { gradescopeErrors } from './helpers/gradescope-schema.js';
import { courseGrade } from './helpers/run.js';
import { tempDir, writeSubmission } from './helpers/submissions.js';

const ASSIGNMENT = fileURLToPath(new URL('../../../assignments/gpt2-tuning/', import.meta.url));
const SPEC_PATH = join(ASSIGNMENT, 'spec.json');
const spec = loadSpec(SPEC_PATH);

const scores = (g: Grade) => Object.fromEntries(g.questions.map((q) => [q.id, q.score]));

describe('gpt2-tuning shipped examples', () => {
  test('correct: full marks on every automatic question; 2c, 3f, 7c and 8a-8c wait for a TA', async () => {
    const r = await courseGrade(SPEC_PATH, join(ASSIGNMENT, 'examples/correct'));
    expect(r.code).toBe(0);
    const results = JSON.parse(r.stdout);
    expect(gradescopeErrors(results)).toEqual([]);
    expect(
      Object.fromEntries(results.tests.map((t: { number: string; score: number }) => [t.number, t.score])),
    ).toEqual({
      '1a': 2,
      '1b': 2,
      '1c': 2,
      '1d': 2,
      '1e': 2,
      '1f': 1,
      '1g': 1,
      '1h': 1,
      '1i': 2,
      '2a': 2,
      '2b': 2,
      '2c': 0,
      '3a': 2,
      '3b': 2,
      '3c': 2,
      '3d': 1,
      '3e': 2,
      '3f': 0,
      '7a': 2,
      '7b': 2,
      '7d': 1,
      '7e': 1,
      '7c': 0,
      '7f': 1,
      '8a': 0,
      '8b': 0,
      '8c': 0,
    });
    expect(results.score).toBe(35);
    // Gradescope leaderboard columns: what question_7/main.log shows
    expect(results.leaderboard).toEqual([
      { name: 'HellaSwag', value: 0.225, order: 'desc' },
      { name: 'Val loss', value: 8.9277, order: 'asc' },
    ]);
  });

  test('mistakes: the slip in 1a costs 1a only (1b, 1c follow through); each planted mistake scores as the README says', () => {
    const g = gradeSubmission(spec, join(ASSIGNMENT, 'examples/mistakes'));
    expect(scores(g)).toEqual({
      '1a': 0, // step 10 (1581.91 ms), not the slowest (step 11, 1975.04 ms)
      '1b': 2, // 1581.91 × 4725 / 3.6e6 = 2.0763 → 2.08 within 3 significant figures
      '1c': 2, // 2.08 × 1.5 = 3.12
      '1d': 0, // 3,332,096: unpadded vocabulary 50257 instead of 50304 (3·64 × 64 fewer)
      '1e': 0, // 0.01 ignores warmup: 0.01 · 20 / 470 = 4.26e-4
      '1f': 1, // 10.628 is within 0.00051 of 10.6284
      '1g': 0, // 10.844 is the first val loss, the minimum is 10.5976
      '1h': 0, // 25 is a percentage
      '1i': 1, // picks {b} of {b, t}: pc credit (1 − 0) / 2
      '2a': 0, // 13, the trials that ran, not the plan's 15 (13 doublings at most and 2 fractions)
      '2b': 2, // 0.21 is within 1% + $0.005 of the plan's $0.20625
      '2c': 0, // manual
      '3a': 0, // 15, the plan's trials, not the 13 with a result
      '3b': 0, // 0.37, the whole ledger, not the sweep's $0.284
      '3c': 2, // 0.032
      '3d': 0, // 9.559, the first trial's val loss, not the best 7.4052
      '3e': 2, // follows through: its own 0.37 / 0.21 = 1.762
      '3f': 0, // manual
      '7a': 0, // question_7 ran at 0.003
      '7b': 0, // missing
      '7d': 1, // 8.928 is within 0.00051 of 8.9277
      '7e': 1,
      '7c': 0, // manual
      '7f': 1, // its own 3b over 7b's reference (7b is missing): 0.37 / 0.37489 = 0.987
      '8a': 0, // manual
      '8b': 0,
      '8c': 0,
    });
    expect(g.questions.find((q) => q.id === '7b')?.status).toBe('missing');
    // the expected-scores.json shipped beside each example say the same
    for (const name of ['correct', 'mistakes']) {
      const expected = JSON.parse(
        readFileSync(join(ASSIGNMENT, 'examples', name, 'expected-scores.json'), 'utf8'),
      );
      expect(scores(gradeSubmission(spec, join(ASSIGNMENT, 'examples', name))), name).toEqual(expected);
    }
  });
});

describe('gpt2-tuning log checks and follow-through on a run train_gpt2cu makes now', () => {
  const data = tinyDataDir();
  const root = tempDir('gpt2-tuning-run-');
  const run = join(root, 'run');
  const ledger = join(root, 'budget.json');
  const LR = 0.004;
  let metrics: Record<string, number>[];
  let runJson: { numParameters: number; cost: { actualUsd: number } };

  beforeAll(async () => {
    // tiny GPT-2 (d1 c16 h1, vocab 64) from the trainer's test data: 20 steps so the probe (steps 10..19) exists
    const args = [
      ...['-o', run, '-e', data.initCheckpoint, '-b', '2', '-t', '32', '-d', '64', '-x', '20'],
      ...['-id', data.trainPattern, '-iv', data.valPattern, '-ih', data.hellaswagPath],
      ...[
        '-l',
        String(LR),
        '-u',
        '4',
        '-v',
        '10',
        '-m',
        '2',
        '-s',
        '0',
        '-n',
        '0',
        '--backend',
        'cpu',
        '--ledger',
        ledger,
      ],
    ];
    await train(parseTrainArgs(args), { log: () => {}, warn: () => {} });
    metrics = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    runJson = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
  });

  /** A submission with the run as both question_1 and question_7, the ledger, and `answers`. */
  function submit(name: string, answers: Record<string, unknown>): string {
    const dir = writeSubmission(root, name, answers);
    for (const folder of ['question_1', 'question_7']) {
      mkdirSync(join(dir, folder));
      for (const f of ['main.log', 'run.json', 'run_parameters.txt'])
        copyFileSync(join(run, f), join(dir, folder, f));
    }
    copyFileSync(ledger, join(dir, 'budget.json'));
    return dir;
  }

  /** What a careful student reads off the run (main.log prints ms with 2 decimals, losses with 4). */
  function reported() {
    const train = metrics.filter((m) => m.train_loss !== undefined);
    const probe = train.filter((m) => m.step >= 10 && m.step <= 19);
    const slowest = probe.reduce((a, b) => (b.ms > a.ms ? b : a));
    const ms = Math.round(slowest.ms * 100) / 100;
    const hours = (ms * 4725) / 3.6e6;
    const vals = metrics.filter((m) => m.val_loss !== undefined).map((m) => m.val_loss);
    const evals = metrics.filter((m) => m.hellaswag_acc !== undefined);
    return {
      probe,
      slowest,
      answers: {
        '1a': ms,
        '1b': Number(hours.toPrecision(3)),
        '1c': Number((Number(hours.toPrecision(3)) * 1.5).toPrecision(3)),
        '1f': Number(Math.min(...train.map((m) => m.train_loss)).toFixed(4)),
        '1g': Number(Math.min(...vals).toFixed(4)),
        '1h': Number(evals[evals.length - 1].hellaswag_acc.toFixed(4)),
        '7a': LR,
        '7d': Number(Math.min(...vals).toFixed(4)),
        '7e': Number(evals[evals.length - 1].hellaswag_acc.toFixed(4)),
        '7b': Number(runJson.cost.actualUsd.toPrecision(4)),
      },
    };
  }

  test('a student who reads their run correctly gets every log check and follow-through question', () => {
    expect(runJson.numParameters).toBe(128 * 16 + 64 * 16 + 12 * 16 * 16 + 13 * 16 + 2 * 16);
    const { answers } = reported();
    const g = gradeSubmission(spec, submit('careful', answers), {
      submittedAt: new Date('2026-03-06T12:00:00Z'),
    });
    expect(g.notes).toEqual([]);
    const s = scores(g);
    for (const id of Object.keys(answers))
      expect([id, s[id]]).toEqual([id, spec.questions.find((q) => q.id === id)?.points]);
    const q1a = g.questions.find((q) => q.id === '1a')!;
    expect(q1a.lines[1]).toMatch(
      /^your run shows slowest of steps 10\.\.19 \(ms\) [\d.]+ \(question_1\/main\.log s:1\d time \(ms\)\)$/,
    );
  });

  test('a wrong step time costs 1a; hours and cost computed from it still earn their points', () => {
    const { probe, slowest, answers } = reported();
    // another probe step, at least 0.02 ms faster than the slowest (outside the ±0.01 window)
    const other = probe.find((m) => slowest.ms - m.ms > 0.02)!;
    const ms = Math.round(other.ms * 100) / 100;
    const hours = Number(((ms * 4725) / 3.6e6).toPrecision(3));
    const g = gradeSubmission(spec, submit('slip', { ...answers, '1a': ms, '1b': hours, '1c': hours * 1.5 }));
    const s = scores(g);
    expect([s['1a'], s['1b'], s['1c']]).toEqual([0, 2, 2]);
    expect(g.questions.find((q) => q.id === '1b')?.lines[0]).toBe(
      `follow-through: {1a} * 4725 / 3.6e6 on your answers = ${ms} * 4725 / 3.6e6 = ${Number(((ms * 4725) / 3.6e6).toPrecision(10))}`,
    );
    // hours inconsistent with both the student's 1a and the run: 1b wrong, 1c follows 1b
    const g2 = gradeSubmission(
      spec,
      submit('inconsistent', { ...answers, '1b': answers['1b'] * 2, '1c': answers['1b'] * 3 }),
    );
    expect([scores(g2)['1b'], scores(g2)['1c']]).toEqual([0, 2]);
  });

  test('reported losses, accuracy, LR and spend that the run does not show score 0', () => {
    const { answers } = reported();
    const g = gradeSubmission(
      spec,
      submit('tampered', {
        ...answers,
        '1f': answers['1f'] - 0.01,
        '1g': answers['1g'] + 0.002,
        '1h': answers['1h'] + 0.125,
        '7a': LR * 2,
        '7b': answers['7b'] + 0.02, // 2 cents off: more than the half cent + 1% allowed for rounding
      }),
    );
    const s = scores(g);
    expect([s['1f'], s['1g'], s['1h'], s['7a'], s['7b']]).toEqual([0, 0, 0, 0, 0]);
  });

  test('a run folder without main.log: its log questions score 0 with the reason, the rest are graded', () => {
    const { answers } = reported();
    const dir = writeSubmission(root, 'nolog', { ...answers, '1d': 3_335_104 });
    const g = gradeSubmission(spec, dir);
    const q = Object.fromEntries(g.questions.map((x) => [x.id, x]));
    expect(q['1a'].lines[0]).toBe('cannot check against your run: question_1/main.log is missing');
    expect(q['1a'].status).toBe('invalid');
    expect(q['1d'].score).toBe(2);
    // 1b has no reference for 1a then, but the student's own 1a still defines the follow-through
    expect(q['1b'].score).toBe(2);
  });
});

describe("gpt2-tuning strategy and experiments: graded from the student's own sweep files", () => {
  const root = tempDir('gpt2-tuning-sweep-');
  const example = join(ASSIGNMENT, 'examples', 'correct');
  const answers = JSON.parse(readFileSync(join(example, 'answers.json'), 'utf8'));

  /** The correct example's submission with its strategy.json and strategy/sweep.json changed by `edit`. */
  function submit(
    name: string,
    own: Record<string, unknown>,
    edit: { config?: (c: Record<string, unknown>) => unknown; sweep?: (s: SweepJson) => void } = {},
  ): string {
    const dir = writeSubmission(root, name, { ...answers, ...own });
    cpSync(join(example, 'strategy'), join(dir, 'strategy'), { recursive: true });
    for (const f of ['budget.json', 'question_1', 'question_7'])
      cpSync(join(example, f), join(dir, f), { recursive: true });
    const config = JSON.parse(readFileSync(join(example, 'strategy.json'), 'utf8'));
    writeFileSync(join(dir, 'strategy.json'), JSON.stringify(edit.config ? edit.config(config) : config));
    if (edit.sweep) {
      const path = join(dir, 'strategy', 'sweep.json');
      const state = JSON.parse(readFileSync(path, 'utf8'));
      edit.sweep(state);
      writeFileSync(path, JSON.stringify(state));
    }
    return dir;
  }

  test("the plan's trials and cost come from the submitted config: another config, other references", () => {
    // 4 doublings at most and one fraction: 6 trials; 240 steps at 700 ms and 6 runs at 5 s, at $1.50/h.
    const projected = ((240 * 700 + 6 * 5000) / 3.6e6) * 1.5;
    const dir = submit(
      'own-plan',
      { '2a': 6, '2b': Number(projected.toFixed(3)) },
      { config: (c) => ({ ...c, max_doublings: 4, fractions: [0.75] }) },
    );
    const g = gradeSubmission(spec, dir);
    expect(scores(g)['2a']).toBe(2);
    expect(scores(g)['2b']).toBe(2);
    expect(g.questions.find((q) => q.id === '2b')?.lines[1]).toBe(
      `your run shows projected cost of the sweep plan (USD) ${Number(projected.toPrecision(10))} (course sweep --plan --config strategy.json)`,
    );
  });

  test('fewer than 10 experiments: 3a earns nothing even when counted right', () => {
    // Trials t010-t013 without a result (as if the sweep had stopped after 9).
    const dir = submit(
      'nine',
      { '3a': 9 },
      {
        sweep: (s) => {
          for (const t of s.trials.slice(9)) t.stages = [];
        },
      },
    );
    const q = gradeSubmission(spec, dir).questions.find((x) => x.id === '3a')!;
    expect(q.score).toBe(0);
    expect(q.lines).toContain('at least 10 required: 9 earns no points');
    expect(q.lines[1]).toBe(
      'your run shows trials with a result 9 (strategy/sweep.json: 13 trials, 9 with a result)',
    );
  });

  test('a config that is not a sweep config, or no sweep folder: the questions on them are invalid, with the reason', () => {
    const dir = submit('broken', {}, { config: (c) => ({ ...c, strategy: 'bisection' }) });
    rmSync(join(dir, 'strategy'), { recursive: true });
    const q = Object.fromEntries(gradeSubmission(spec, dir).questions.map((x) => [x.id, x]));
    expect(q['2a'].status).toBe('invalid');
    expect(q['2a'].lines[0]).toMatch(
      /^cannot check against your run: strategy\.json: not a valid sweep config:[\s\S]*\/strategy: found "bisection", expected one of "grid"/,
    );
    expect(q['3a'].status).toBe('invalid');
    expect(q['3a'].lines[0]).toBe('cannot check against your run: strategy/sweep.json is missing');
    // 3e follows through from the student's own 3b and 2b, which stay usable numbers.
    expect(q['3e'].score).toBe(2);
  });
});

interface SweepJson {
  trials: { stages: unknown[] }[];
}
