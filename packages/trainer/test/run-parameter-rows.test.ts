import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendRunParameters, gpt2Config } from '@course/models';
import { describe, expect, it } from 'vitest';
import { parseTrainArgs } from '../src/llmc-flags.js';
import { runParameterRows } from '../src/run-parameter-rows.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'mainlog-'));

describe('run_parameters.txt', () => {
  it("is appended, and the notebook's '|' split reads LR and num_parameters", () => {
    const dir = tempDir();
    const o = parseTrainArgs('-o log_q1 -b 128 -1d 1 -1c 64 -1h 1 -l 0.01 -u 70 -x 1000'.split(' '), {});
    const config = gpt2Config({ depth: 1, channels: 64, heads: 1 });
    const facts = {
      config,
      numParameters: 3335104, // the spec's count for d1 c64 h1
      weightInit: 'random',
      trainNumBatches: 1000,
      valNumBatches: 20,
      runHellaswag: false,
      device: 'cpu',
      peakTflops: -1,
      precision: 'FP32',
    };
    appendRunParameters(dir, runParameterRows(o, facts));
    appendRunParameters(dir, runParameterRows({ ...o, learningRate: 3e-4 }, facts));
    const text = readFileSync(join(dir, 'run_parameters.txt'), 'utf8');
    const lines = text.trim().split('\n');
    for (const line of lines) expect(line).toHaveLength(78);
    // vislog: for line in f: parts = [p.strip() for p in line.split('|')]
    const values = (name: string) =>
      lines
        .map((line) => line.split('|').map((p) => p.trim()))
        .filter((parts) => parts[1] === name)
        .map((parts) => parts[2]);
    expect(values('learning rate (LR)')).toEqual(['1.000000e-02', '3.000000e-04']);
    expect(values('num_parameters').map(Number)).toEqual([3335104, 3335104]);
    expect(values('micro batch size B')).toEqual(['128', '128']);
    expect(values('total batch size')).toEqual(['524288', '524288']);
    expect(values('num_layers L')).toEqual(['1', '1']);
    expect(values('weight decay')).toEqual(['1.000000e-01', '1.000000e-01']);
    expect(values('output log dir')).toEqual(['log_q1', 'log_q1']);
    expect(values('gelu_fusion')).toEqual(['0', '0']); // -1 means 0
    expect(existsSync(join(dir, 'main.log'))).toBe(false);
  });
});
