import { join } from 'node:path';
import { InputError } from '@course/models';
import { describe, expect, it } from 'vitest';
import { loadRun } from '../src/report/index.js';
import { FORK_LOG, forkParameterTable, OURS_RUN_JSON, UPSTREAM_LOG, writeRuns } from './report-fixtures.js';

describe('loadRun', () => {
  it('reads a fork run: main.log with times, facts from run_parameters.txt', () => {
    // The fork appends its table on every start: the second (6e-4) is the current one.
    const root = writeRuns({
      fork: {
        'main.log': FORK_LOG,
        'run_parameters.txt': forkParameterTable('3.000000e-04') + forkParameterTable('6.000000e-04'),
      },
    });
    const run = loadRun(join(root, 'fork'));
    expect(run.name).toBe('fork');
    expect(run.maxLr).toBe(6e-4);
    expect(run.numParameters).toBe(30357504);
    expect([run.depth, run.channels, run.heads]).toEqual([6, 384, 6]);
    // Train lines s:0..s:5 then `s:6 tel`: six updates done.
    expect(run.steps).toBe(6);
    expect(run.minTrainLoss).toEqual({ step: 4, loss: 8.1 });
    expect(run.minValLoss).toEqual({ step: 6, loss: 8.05 });
    expect(run.finalHellaswag).toEqual({ step: 6, acc: 0.26 });
    expect(run.train.map((p) => p.step)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(run.val).toEqual([
      { step: 0, loss: 10.9876 },
      { step: 4, loss: 8.65 },
      { step: 6, loss: 8.05 },
    ]);
    expect(run.projectedUsd).toBeUndefined();
    expect(run.actualUsd).toBeUndefined();
  });

  it('reads an upstream run (no time field, no other files): LR is the largest logged', () => {
    const root = writeRuns({ upstream: { 'main.log': UPSTREAM_LOG } });
    const run = loadRun(join(root, 'upstream'));
    expect(run.maxLr).toBe(3e-4);
    expect(run.steps).toBe(4);
    expect(run.minTrainLoss).toEqual({ step: 2, loss: 9.5 });
    expect(run.minValLoss).toEqual({ step: 4, loss: 9.25 });
    expect(run.train.map((p) => p.loss)).toEqual([11.005, 10.2, 9.5, 9.6]);
    expect(run.finalHellaswag).toBeUndefined();
    expect(run.depth).toBeUndefined();
    expect(run.numParameters).toBeUndefined();
  });

  it('prefers run.json over run_parameters.txt and takes costs from it', () => {
    const root = writeRuns({
      ours: {
        'main.log': FORK_LOG,
        'run.json': OURS_RUN_JSON,
        'run_parameters.txt': forkParameterTable('6.000000e-04'),
      },
    });
    const run = loadRun(join(root, 'ours'));
    expect(run.maxLr).toBe(1e-3);
    expect(run.projectedUsd).toBe(0.42);
    expect(run.actualUsd).toBe(0.37);
    expect(run.costBreakdown).toEqual({
      trainingSteps: 0.2,
      evaluation: 0.1,
      startup: 0.05,
      checkpoints: 0.012,
      other: 0.008,
    });
  });

  it('computes the parameter count from depth/channels/heads when no file states it', () => {
    const runJson = JSON.stringify({ config: { depth: 6, channels: 384, heads: 6 } });
    const root = writeRuns({ partial: { 'main.log': UPSTREAM_LOG, 'run.json': runJson } });
    // d6 c384 h6 with Vp = 50304, maxT = 1024: 30,357,504 (llm.c's count).
    expect(loadRun(join(root, 'partial')).numParameters).toBe(30357504);
  });

  it("keeps a resumed run's last value for a step logged twice", () => {
    // Crashed after s:3, resumed from the step-2 checkpoint with -y 1: s:2 and s:3 logged again.
    const log = `${FORK_LOG.split('s:4 tel')[0]}s:2 trl:8.8000 lr:0.000600 norm:6.00 time (ms):300.00
s:3 trl:8.7500 lr:0.000550 norm:5.00 time (ms):300.00
`;
    const root = writeRuns({ resumed: { 'main.log': log } });
    const run = loadRun(join(root, 'resumed'));
    expect(run.train.map((p) => p.loss)).toEqual([10.9912, 9.8123, 8.8, 8.75]);
    expect(run.minTrainLoss).toEqual({ step: 3, loss: 8.75 });
  });

  it('throws an InputError naming a folder without main.log', () => {
    const root = writeRuns({ empty: { 'run.json': OURS_RUN_JSON } });
    const dir = join(root, 'empty');
    expect(() => loadRun(dir)).toThrow(InputError);
    expect(() => loadRun(dir)).toThrow(dir);
    expect(() => loadRun(dir)).toThrow('main.log');
  });

  it('throws an InputError naming a run.json that is not JSON', () => {
    const root = writeRuns({ broken: { 'main.log': UPSTREAM_LOG, 'run.json': '{"config": ' } });
    expect(() => loadRun(join(root, 'broken'))).toThrow(join(root, 'broken', 'run.json'));
  });
});
