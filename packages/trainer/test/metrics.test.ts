import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@course/models';
import { describe, expect, it } from 'vitest';
import { MetricsWriter, parseMetrics, writeRunJson } from '../src/metrics.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'metrics-'));

describe('MetricsWriter', () => {
  it('appends one JSON object per step in a fixed key order, on disk at once', () => {
    const dir = join(tempDir(), 'run');
    const metrics = new MetricsWriter(dir, { resume: false });
    metrics.write({
      cost_usd: 0.01,
      step: 0,
      train_loss: 10.5,
      val_loss: 10.9,
      lr: 1e-6,
      grad_norm: 3,
      ms: 250,
      tokens_per_s: 4096,
    });
    metrics.write({
      step: 1,
      train_loss: Number.NaN,
      lr: 2e-6,
      grad_norm: Infinity,
      ms: 240,
      tokens_per_s: 4200,
      cost_usd: 0.02,
    });
    metrics.write({ step: 2, val_loss: 9.75, hellaswag_acc: 0.25, cost_usd: 0.03 }); // final step: evaluation only
    expect(readFileSync(metrics.path, 'utf8')).toBe(
      [
        '{"step":0,"train_loss":10.5,"val_loss":10.9,"lr":0.000001,"grad_norm":3,"ms":250,"tokens_per_s":4096,"cost_usd":0.01}',
        '{"step":1,"train_loss":null,"lr":0.000002,"grad_norm":null,"ms":240,"tokens_per_s":4200,"cost_usd":0.02}',
        '{"step":2,"val_loss":9.75,"hellaswag_acc":0.25,"cost_usd":0.03}',
        '',
      ].join('\n'),
    );
  });

  it('wipes the file at start unless resuming', () => {
    const dir = tempDir();
    new MetricsWriter(dir, { resume: false }).write({ step: 0, cost_usd: 0 });
    new MetricsWriter(dir, { resume: true }).write({ step: 1, cost_usd: 0 });
    expect(parseMetrics(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')).map((r) => r.step)).toEqual([0, 1]);
    new MetricsWriter(dir, { resume: false });
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')).toBe('');
  });
});

describe('parseMetrics', () => {
  it('reads lines back, null as NaN', () => {
    const records = parseMetrics(
      '{"step":3,"train_loss":null,"cost_usd":0.5}\n\n{"step":4,"cost_usd":0.6}\n',
    );
    expect(records).toHaveLength(2);
    expect(records[0].train_loss).toBeNaN();
    expect(records[1]).toEqual({ step: 4, cost_usd: 0.6 });
  });
  it('names the file and line of a bad line', () => {
    expect(() => parseMetrics('{"step":1,"cost_usd":0}\n{oops', 'run/metrics.jsonl')).toThrow(InputError);
    expect(() => parseMetrics('{"step":1,"cost_usd":0}\n{oops', 'run/metrics.jsonl')).toThrow(
      'run/metrics.jsonl:2',
    );
    expect(() => parseMetrics('[1,2]')).toThrow('metrics.jsonl:1');
  });
});

describe('writeRunJson', () => {
  it('replaces run.json whole and leaves no temp file', () => {
    const dir = join(tempDir(), 'new-run');
    writeRunJson(dir, { config: { depth: 1 }, cost: null });
    writeRunJson(dir, { config: { depth: 2 }, numParameters: 3335104 });
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))).toEqual({
      config: { depth: 2 },
      numParameters: 3335104,
    });
    expect(readdirSync(dir)).toEqual(['run.json']);
  });
});
