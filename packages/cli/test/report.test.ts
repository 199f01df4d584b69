import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { course } from './run-course.js';

/** Two run folders with llm.c main.logs written by hand (upstream format: no time field). */
let root: string;
let runA: string;
let runB: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'course-report-'));
  runA = join(root, 'lr_a');
  runB = join(root, 'lr_b');
  const logs: [string, string][] = [
    [
      runA,
      's:0 tel:10.9000\ns:0 trl:10.9500 lr:0.000300 norm:1.00\ns:1 trl:9.5000 lr:0.000600 norm:1.00\ns:2 tel:9.2000\n',
    ],
    [
      runB,
      's:0 tel:10.8000\ns:0 trl:10.8500 lr:0.000500 norm:1.00\ns:1 trl:8.2500 lr:0.001000 norm:1.00\ns:2 tel:8.7500\n',
    ],
  ];
  for (const [dir, log] of logs) {
    mkdirSync(dir);
    writeFileSync(join(dir, 'main.log'), log);
  }
});

describe('course table', () => {
  it('--format csv: one row per run with its minimum train and val loss', async () => {
    const { code, stdout } = await course('table', runA, runB, '--format', 'csv');
    expect(code).toBe(0);
    const [header, ...rows] = stdout
      .trimEnd()
      .split('\r\n')
      .map((line) => line.split(','));
    const column = (name: string) => header.indexOf(name);
    expect(rows.map((r) => r[column('run')])).toEqual(['lr_a', 'lr_b']);
    expect(rows.map((r) => r[column('min train loss')])).toEqual(['9.5000', '8.2500']);
    expect(rows.map((r) => r[column('min val loss')])).toEqual(['9.2000', '8.7500']);
  });

  it('Markdown by default', async () => {
    const { code, stdout } = await course('table', runA);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/^\| run \|/);
    expect(stdout).toContain('| lr_a |');
  });

  it('a folder without main.log is exit 2 naming it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'course-report-empty-'));
    const { code, stderr } = await course('table', runA, empty);
    expect(code).toBe(2);
    expect(stderr).toContain(empty);
  });
});

describe('course plot', () => {
  it('writes an SVG with one legend entry per run', async () => {
    const out = join(root, 'loss.svg');
    const { code } = await course('plot', runA, runB, '--metric', 'train', '--label', 'name', '--out', out);
    expect(code).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('lr_a');
    expect(svg).toContain('lr_b');
  });

  it('an output that is neither .svg nor .png is exit 2 naming it, and nothing is written', async () => {
    const out = join(root, 'loss.jpg');
    const { code, stderr } = await course('plot', runA, '--out', out);
    expect(code).toBe(2);
    expect(stderr).toContain(out);
    expect(existsSync(out)).toBe(false);
  });

  it('an unknown --metric is a usage error', async () => {
    const { code, stderr } = await course('plot', runA, '--metric', 'test', '--out', join(root, 'x.svg'));
    expect(code).toBe(2);
    expect(stderr).toContain('--metric');
  });
});
