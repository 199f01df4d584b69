/**
 * PrairieLearn's numeric rules on the worked examples of its documentation:
 * sigfig t = 1.234, 3 digits: n = 2, eps = 0.51·10^-2 = 0.0051, open window (1.2289, 1.2391);
 * MLP parameters t = 22538 (handout key 22018): sigfig 3 → n = −2, eps = 51, window (22487, 22589);
 * relabs rtol 1e-2 → ±225.38.
 */
import { describe, expect, test } from 'vitest';
import { acceptWindow, evaluateFormula, formulaIds, inWindow, parseFormula } from '../src/index.js';

describe('PrairieLearn tolerance rules', () => {
  test('sigfig 3 around 1.234 accepts (1.2289, 1.2391), wider than "rounds to 1.23"', () => {
    const w = acceptWindow(1.234, { rule: 'sigfig', digits: 3 });
    expect(w.lo).toBeCloseTo(1.2289, 12);
    expect(w.hi).toBeCloseTo(1.2391, 12);
    expect(w.open).toBe(true);
    expect(inWindow(1.23, w)).toBe(true);
    expect(inWindow(1.2249, w)).toBe(false); // rounds to 1.22
    expect(inWindow(1.229, w)).toBe(true); // just inside, though it rounds to 1.23 only at 3 sig figs
    expect(inWindow(1.2288, w)).toBe(false);
    expect(inWindow(1.2392, w)).toBe(false);
    expect(w.text).toBe(
      'accepted: 1.234 ± 0.0051, 3 significant figures, eps = 0.51·10^-2, i.e. (1.2289, 1.2391) exclusive',
    );
  });

  test('22538 vs the handout key 22018: sigfig 3 window (22487, 22589) and relabs ±225.38 both reject it', () => {
    const sig = acceptWindow(22538, { rule: 'sigfig', digits: 3 });
    expect([sig.lo, sig.hi]).toEqual([22487, 22589]);
    expect(inWindow(22018, sig)).toBe(false);
    expect(inWindow(22500, sig)).toBe(true);
    const rel = acceptWindow(22538, { rule: 'relabs' });
    expect(rel.hi - 22538).toBeCloseTo(225.38 + 1e-8, 9);
    expect(inWindow(22018, rel)).toBe(false);
    expect(inWindow(22538 + 225.38, rel)).toBe(true); // closed window
  });

  test('relabs states rule and interval the way the issue asks: "accepted: 4.4 ± 0.044, relative 1%"', () => {
    const w = acceptWindow(4.4, { rule: 'relabs', rtol: 0.01 });
    expect(w.text).toBe('accepted: 4.4 ± 0.044, relative 1%, i.e. [4.356, 4.444]');
    const abs = acceptWindow(0, { rule: 'relabs', rtol: 0.01, atol: 0.001 });
    expect(abs.text).toBe('accepted: 0 ± 0.001, relative 1% + absolute 0.001, i.e. [-0.001, 0.001]');
    // the tolerance scales with |t|, not with |s| (numpy allclose): 100 vs t = 99 fails at 1%
    expect(inWindow(100, acceptWindow(99, { rule: 'relabs', rtol: 0.01, atol: 0 }))).toBe(false);
    expect(inWindow(99, acceptWindow(100, { rule: 'relabs', rtol: 0.01, atol: 0 }))).toBe(true);
  });

  test("relabs on the float64 edge: PrairieLearn's |s − t| ≤ atol + rtol·|t| (numpy allclose), not t ± half", () => {
    // Expected verdicts worked out with that formula in float64 (Python: abs(s - t) <= atol + rtol * abs(t),
    // the same as numpy.isclose(s, t, rtol, atol)); comparing s with t − half and t + half accepts the first five.
    const cases: [t: number, rtol: number, atol: number, s: number, pl: boolean][] = [
      [3.3, 0.1, 0, 3.63, false], // |s − t| = 0.33000000000000007 > 0.33
      [2.5, 0, 1e-4, 2.5001, false], // 0.00010000000000021103 > 0.0001
      [2.5, 0, 1e-4, 2.4999, false], // 0.00010000000000021103 > 0.0001
      [0.01, 0.05, 0, 0.0105, false],
      [0.01, 0.05, 0, 0.0095, false],
      [3.3, 0.1, 0, 2.97, true], // 0.3299999999999996 ≤ 0.33
      [0.3, 0.1, 0, 0.27, true], // 0.02999999999999997 ≤ 0.03
      [4.4, 0.01, 0, 4.444, true], // 0.043999999999999595 ≤ 0.044000000000000004
      [4.4, 0.01, 0, 4.356, false], // 0.04400000000000048 > 0.044000000000000004
      [0.7, 0.1, 0, 0.63, true],
      [0.7, 0.1, 0, 0.77, false],
    ];
    const verdicts = cases.map(([t, rtol, atol, s]) =>
      inWindow(s, acceptWindow(t, { rule: 'relabs', rtol, atol })),
    );
    expect(verdicts).toEqual(cases.map((c) => c[4]));
  });

  test('an exact-match window (rtol 0, atol 0) shows its reference in full, not rounded', () => {
    const w = acceptWindow(89.57602497, { rule: 'relabs', rtol: 0, atol: 0 });
    expect(w.text).toBe('accepted: exactly 89.57602497');
    expect(inWindow(89.57602497, w)).toBe(true);
    expect(inWindow(89.576, w)).toBe(false);
  });

  test('decdig 2 uses eps = 0.0051 whatever the magnitude; sigfig at t = 0 uses n = digits − 1', () => {
    const d = acceptWindow(123.456, { rule: 'decdig', digits: 2 });
    expect(d.hi - 123.456).toBeCloseTo(0.0051, 12);
    expect(inWindow(123.46, d)).toBe(true);
    expect(inWindow(123.47, d)).toBe(false);
    const z = acceptWindow(0, { rule: 'sigfig', digits: 2 });
    expect(z.hi).toBeCloseTo(0.051, 12);
  });

  test('NaN never passes; an infinite reference needs the same infinity', () => {
    expect(inWindow(Number.NaN, acceptWindow(1, { rule: 'relabs' }))).toBe(false);
    expect(
      inWindow(Number.POSITIVE_INFINITY, acceptWindow(Number.POSITIVE_INFINITY, { rule: 'relabs' })),
    ).toBe(true);
    expect(inWindow(1e300, acceptWindow(Number.POSITIVE_INFINITY, { rule: 'relabs' }))).toBe(false);
  });
});

describe('follow-through formulas (our own parser, no eval)', () => {
  test('precedence, right-associative power, unary minus, references', () => {
    const v = { '1a': 51.2, '1b': 2 };
    expect(evaluateFormula(parseFormula('{1a} * 4725 / 3.6e6'), v)).toBeCloseTo((51.2 * 4725) / 3.6e6, 15);
    expect(evaluateFormula(parseFormula('2 ^ 3 ^ 2'), v)).toBe(512);
    expect(evaluateFormula(parseFormula('-{1b} ^ 2'), v)).toBe(-4);
    expect(evaluateFormula(parseFormula('(1 + 2) * -3 - .5'), v)).toBe(-9.5);
    expect(formulaIds(parseFormula('{1b} * ({1a} + {1b})'))).toEqual(['1b', '1a']);
  });

  test('anything but arithmetic is refused with the position', () => {
    expect(() => parseFormula('process.exit(1)')).toThrow(/unexpected "p" at character 1/);
    expect(() => parseFormula('{1a} * ')).toThrow(/unexpected end/);
    expect(() => parseFormula('{1a}; {1b}')).toThrow(/unexpected ";" at character 5/);
    expect(() => parseFormula('{../x}')).toThrow(/unexpected "\{"/);
    expect(() => evaluateFormula(parseFormula('{zz} + 1'), {})).toThrow(/no value for \{zz\}/);
  });
});
