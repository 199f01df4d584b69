import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { course } from './run-course.js';

/** Best LR per width, exactly lr = 0.02·width^-0.5 (a power law). */
let root: string;
let powerCsv: string;
const write = (name: string, text: string) => {
  const file = join(root, name);
  writeFileSync(file, text);
  return file;
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'course-transfer-'));
  const rows = [32, 64, 128, 256].map((w) => `${w},${0.02 * w ** -0.5}`);
  powerCsv = write('lr.csv', `width,lr\n${rows.join('\n')}\n`);
});

describe('course transfer', () => {
  it('--json: the chosen family, named params, prediction, interval and every family with loo_error', async () => {
    const { code, stdout, stderr } = await course(
      'transfer',
      '--csv',
      powerCsv,
      '--x',
      'width',
      '--y',
      'lr',
      '--target',
      '768',
      '--json',
      '--resamples',
      '100',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.family).toBe('power');
    expect(json.params.a).toBeCloseTo(0.02, 10);
    expect(json.params.b).toBeCloseTo(-0.5, 10);
    expect(json.prediction).toBeCloseTo(0.02 / Math.sqrt(768), 10);
    expect(json.interval).toHaveLength(2);
    expect(json.families.map((f: { family: string }) => f.family)).toEqual([
      'constant',
      'linear',
      'power',
      'exponential',
      'log',
    ]);
    for (const f of json.families) expect(typeof f.loo_error).toBe('number');
  });

  it('text output names the law and the prediction; --plot writes a PNG', async () => {
    const png = join(root, 'fit.png');
    const { code, stdout } = await course(
      'transfer',
      '--csv',
      powerCsv,
      '--x',
      'width',
      '--y',
      'lr',
      '--target',
      '768',
      '--family',
      'power',
      '--plot',
      png,
      '--resamples',
      '50',
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/^family: power \(y = a·x\^b\), a = 0\.02 .*, b = -0\.5 /m);
    expect(stdout).toMatch(/prediction: lr at width = 768 is 0\.0007217, 95% interval/);
    expect([...readFileSync(png).subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
  });

  const degenerate: [string, string, string[], RegExp][] = [
    ['one point', 'width,lr\n64,0.001\n', [], /found 1 point, expected at least 2/],
    ['constant x', 'width,lr\n64,0.001\n64,0.002\n64,0.003\n', [], /every point has width = 64/],
    [
      'a negative LR for the power family',
      'width,lr\n32,0.002\n64,-0.001\n128,0.0005\n',
      ['--family', 'power'],
      /lr \(point 2\): found -0\.001, expected > 0: the power family takes ln y/,
    ],
    [
      'a missing column',
      'w,lr\n1,2\n',
      [],
      /--x column: found "width" not in the header, expected one of w, lr/,
    ],
  ];
  for (const [name, csv, extra, message] of degenerate) {
    it(`${name}: exit 2 with one clear line`, async () => {
      const file = write(`${name.replace(/\W+/g, '_')}.csv`, csv);
      const { code, stderr, stdout } = await course(
        'transfer',
        '--csv',
        file,
        '--x',
        'width',
        '--y',
        'lr',
        '--target',
        '768',
        ...extra,
      );
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    });
  }

  it('a non-numeric --target is a usage error naming the flag (exit 2)', async () => {
    const { code, stderr } = await course(
      'transfer',
      '--csv',
      powerCsv,
      '--x',
      'width',
      '--y',
      'lr',
      '--target',
      'big',
    );
    expect(code).toBe(2);
    expect(stderr).toContain('--target');
  });
});
