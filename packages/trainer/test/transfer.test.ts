import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, MT19937 } from '@course/models';
import { describe, expect, it } from 'vitest';
import {
  fitTransfer,
  parseTransferCsv,
  quantile,
  type TransferPoint,
  transferJson,
  writeTransferPlot,
} from '../src/index.js';

const XS = [1, 2, 4, 8, 16, 32];

/** Exact points of y = law(x). */
function exact(law: (x: number) => number, xs = XS): TransferPoint[] {
  return xs.map((x) => ({ x, y: law(x) }));
}

/** Standard normal draws (Box–Muller) from a seeded MT19937. */
function normals(seed: number, count: number): number[] {
  const rng = new MT19937(seed);
  const out: number[] = [];
  while (out.length < count) {
    const u1 = (rng.randInt32() + 1) / 4294967297;
    const u2 = rng.randInt32() / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u1));
    out.push(r * Math.cos(2 * Math.PI * u2), r * Math.sin(2 * Math.PI * u2));
  }
  return out.slice(0, count);
}

const within1pct = (found: number, expected: number) =>
  expect(Math.abs(found - expected)).toBeLessThanOrEqual(0.01 * Math.abs(expected));

describe('fitTransfer on exact points of known laws', () => {
  const laws = [
    { family: 'constant', law: () => 6e-4, params: { a: 6e-4 }, target: 100 },
    { family: 'linear', law: (x: number) => 3 + 0.25 * x, params: { a: 3, b: 0.25 }, target: 64 },
    { family: 'power', law: (x: number) => 0.006 * x ** -0.5, params: { a: 0.006, b: -0.5 }, target: 256 },
    {
      family: 'exponential',
      law: (x: number) => 2e-3 * Math.exp(-0.05 * x),
      params: { a: 2e-3, b: -0.05 },
      target: 48,
    },
    { family: 'log', law: (x: number) => 5 - 0.7 * Math.log(x), params: { a: 5, b: -0.7 }, target: 128 },
  ] as const;

  for (const { family, law, params, target } of laws) {
    it(`${family}: --family ${family} recovers the coefficients and the prediction within 1%`, () => {
      const r = fitTransfer(exact(law), { family, target, resamples: 50 });
      expect(r.chosen.family).toBe(family);
      for (const [k, v] of Object.entries(params)) within1pct(r.chosen.params[k], v);
      expect(Object.keys(r.chosen.params).sort()).toEqual(Object.keys(params).sort());
      within1pct(r.chosen.prediction, law(target));
    });

    it(`${family}: auto picks ${family} by leave-one-out error`, () => {
      const r = fitTransfer(exact(law), { family: 'auto', target, resamples: 50 });
      expect(r.chosen.family).toBe(family);
      for (const [k, v] of Object.entries(params)) within1pct(r.chosen.params[k], v);
      expect(r.families.map((f) => f.family)).toEqual(['constant', 'linear', 'power', 'exponential', 'log']);
    });
  }

  it('auto skips families whose log is undefined (negative y) and says why', () => {
    const r = fitTransfer(
      exact((x) => 1 - x),
      { family: 'auto', target: 10, resamples: 20 },
    );
    expect(r.chosen.family).toBe('linear');
    expect(r.skipped.map((s) => s.family)).toEqual(['power', 'exponential']);
    expect(r.skipped[0].reason).toMatch(/found 0, expected > 0: the power family takes ln y/);
  });
});

describe('fitTransfer intervals', () => {
  it('the 95% interval of the prediction and of b covers the truth at about 95% over 200 noisy seeds', () => {
    // y = 0.01·x^-0.5 · e^(0.15·ε), ε ~ N(0, 1): normal errors in log-log, the power family's model.
    const a = 0.01;
    const b = -0.5;
    const target = 1024;
    const truth = a * target ** b;
    const seeds = 200;
    let predictionCovered = 0;
    let bCovered = 0;
    for (let seed = 0; seed < seeds; seed++) {
      const eps = normals(1000 + seed, 8);
      const points = [1, 2, 4, 8, 16, 32, 64, 128].map((x, i) => ({
        x,
        y: a * x ** b * Math.exp(0.15 * eps[i]),
      }));
      const r = fitTransfer(points, { family: 'power', target, resamples: 200, seed });
      const [lo, hi] = r.chosen.interval;
      if (lo <= truth && truth <= hi) predictionCovered++;
      const [blo, bhi] = r.chosen.paramsInterval.b;
      if (blo <= b && b <= bhi) bCovered++;
    }
    // Binomial(200, 0.95) has sd 1.5%; the band allows the bootstrap's own Monte-Carlo error.
    expect(predictionCovered / seeds).toBeGreaterThanOrEqual(0.89);
    expect(predictionCovered / seeds).toBeLessThanOrEqual(0.99);
    expect(bCovered / seeds).toBeGreaterThanOrEqual(0.89);
    expect(bCovered / seeds).toBeLessThanOrEqual(0.99);
  });

  it('is reproducible for a seed and brackets the prediction', () => {
    const eps = normals(7, 6);
    const points = XS.map((x, i) => ({ x, y: 2 + 0.5 * x + 0.3 * eps[i] }));
    const one = fitTransfer(points, { family: 'linear', target: 100, resamples: 300, seed: 3 });
    const two = fitTransfer(points, { family: 'linear', target: 100, resamples: 300, seed: 3 });
    expect(one.chosen.interval).toEqual(two.chosen.interval);
    expect(one.chosen.interval[0]).toBeLessThan(one.chosen.prediction);
    expect(one.chosen.interval[1]).toBeGreaterThan(one.chosen.prediction);
  });

  it('quantile interpolates linearly (R type 7)', () => {
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(quantile([Number.NEGATIVE_INFINITY, 1, 2], 0.25)).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('fitTransfer on degenerate input', () => {
  const cases: [string, TransferPoint[], Parameters<typeof fitTransfer>[1], RegExp][] = [
    ['one point', [{ x: 1, y: 1 }], { family: 'auto', target: 2 }, /found 1 point, expected at least 2/],
    [
      'constant x',
      [
        { x: 4, y: 1 },
        { x: 4, y: 2 },
        { x: 4, y: 3 },
      ],
      { family: 'linear', target: 8 },
      /every point has x = 4, expected at least two different values/,
    ],
    [
      'a negative y for the power family',
      [
        { x: 1, y: 1 },
        { x: 2, y: -2 },
        { x: 3, y: 3 },
      ],
      { family: 'power', target: 8, yName: 'lr' },
      /lr \(point 2\): found -2, expected > 0: the power family takes ln y/,
    ],
    [
      'x = 0 for the log family',
      [
        { x: 0, y: 1 },
        { x: 2, y: 2 },
        { x: 3, y: 3 },
      ],
      { family: 'log', target: 8 },
      /x \(point 1\): found 0, expected > 0: the log family takes ln x/,
    ],
    [
      'a target ≤ 0 for the power family',
      exact((x) => x ** 2),
      { family: 'power', target: -1 },
      /target: found -1, expected > 0/,
    ],
    [
      'two points under auto',
      exact((x) => x, [1, 2]),
      { family: 'auto', target: 3 },
      /found 2 points, expected at least 3 for --family auto/,
    ],
    [
      'two points for a two-coefficient family',
      exact((x) => x, [1, 2]),
      { family: 'linear', target: 3 },
      /the linear family needs at least 3 points/,
    ],
  ];
  for (const [name, points, opts, message] of cases) {
    it(`${name}: InputError naming the problem`, () => {
      expect(() => fitTransfer(points, opts)).toThrow(InputError);
      expect(() => fitTransfer(points, opts)).toThrow(message);
    });
  }
});

describe('transfer CSV, JSON and plot', () => {
  it('parseTransferCsv reads two named columns (quoted fields, blank lines) and names a bad cell', () => {
    const csv = 'width,"max lr",note\n64,0.002,a\n\n128,1e-3,"b, c"\n';
    expect(parseTransferCsv(csv, 'f.csv', 'width', 'max lr')).toEqual([
      { x: 64, y: 0.002 },
      { x: 128, y: 0.001 },
    ]);
    expect(() => parseTransferCsv(csv, 'f.csv', 'depth', 'max lr')).toThrow(
      'f.csv: --x column: found "depth" not in the header, expected one of width, max lr, note',
    );
    expect(() => parseTransferCsv('x,y\n1,abc\n', 'f.csv', 'x', 'y')).toThrow(
      'f.csv: line 2, column y: found "abc", expected a finite number',
    );
  });

  it("transferJson has the issue's fields for the chosen family and loo_error for each family", () => {
    const r = fitTransfer(
      exact((x) => 0.006 * x ** -0.5),
      { family: 'auto', target: 256, resamples: 20 },
    );
    const json = JSON.parse(JSON.stringify(transferJson(r)));
    expect(Object.keys(json)).toEqual([
      'family',
      'params',
      'params_interval',
      'prediction',
      'interval',
      'families',
    ]);
    expect(json.family).toBe('power');
    expect(json.families).toHaveLength(5);
    expect(Object.keys(json.families[0])).toEqual([
      'family',
      'params',
      'params_interval',
      'prediction',
      'interval',
      'loo_error',
    ]);
  });

  it('writeTransferPlot writes an SVG with the points, the fits and the target', async () => {
    const points = exact((x) => 0.006 * x ** -0.5);
    const r = fitTransfer(points, { family: 'auto', target: 256, resamples: 20 });
    const out = join(mkdtempSync(join(tmpdir(), 'transfer-plot-')), 'fit.svg');
    await writeTransferPlot(points, r, out, { xTitle: 'width', yTitle: 'max lr' });
    const svg = readFileSync(out, 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('power (y = a·x^b)');
    expect(svg).toContain('width');
    expect((svg.match(/<path[^>]*role="graphics-symbol"/g) ?? []).length).toBeGreaterThan(points.length);
  });
});
