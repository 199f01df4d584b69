import { describe, expect, it } from 'vitest';
import { formatExponential, formatFixed, padRight } from '../src/llmc/cformat.js';

// Expected strings are what glibc's printf prints for the same doubles
// (checked with gcc: printf("%e|%.2f|%.4f|%.6f", x, x, x, x)).

describe('formatExponential (%e)', () => {
  it('prints one digit, six decimals and a signed exponent of at least two digits', () => {
    expect(formatExponential(6e-4)).toBe('6.000000e-04');
    expect(formatExponential(Math.fround(3e-4))).toBe('3.000000e-04');
    expect(formatExponential(Math.fround(0.1))).toBe('1.000000e-01');
    expect(formatExponential(1)).toBe('1.000000e+00');
    expect(formatExponential(0)).toBe('0.000000e+00');
    expect(formatExponential(-0)).toBe('-0.000000e+00');
    expect(formatExponential(123456789)).toBe('1.234568e+08');
    expect(formatExponential(1e-300)).toBe('1.000000e-300');
    expect(formatExponential(5e-324)).toBe('4.940656e-324');
    expect(formatExponential(-1e-5)).toBe('-1.000000e-05');
  });
  it('rounds exact ties to even, and carries into the exponent', () => {
    expect(formatExponential(1.2890625)).toBe('1.289062e+00'); // JS toExponential(6) gives 1.289063e+0
    expect(formatExponential(999999.5)).toBe('9.999995e+05');
    expect(formatExponential(9.9999995)).toBe('9.999999e+00'); // the double is just below the tie
    expect(formatExponential(9.99999951)).toBe('1.000000e+01');
  });
});

describe('formatFixed (%.Nf)', () => {
  it('rounds exact ties to even like glibc, unlike toFixed', () => {
    expect(formatFixed(0.125, 2)).toBe('0.12');
    expect(formatFixed(0.375, 2)).toBe('0.38');
    expect(formatFixed(12.625, 2)).toBe('12.62');
    expect(formatFixed(0.03125, 4)).toBe('0.0312');
    expect(formatFixed(2.5, 0)).toBe('2');
    expect(formatFixed(999999.5, 0)).toBe('1000000');
  });
  it('pads, carries and keeps the sign of negative zero', () => {
    expect(formatFixed(6e-4, 6)).toBe('0.000600');
    expect(formatFixed(9.9999995, 2)).toBe('10.00');
    expect(formatFixed(-1e-5, 4)).toBe('-0.0000');
    expect(formatFixed(-0, 2)).toBe('-0.00');
    expect(formatFixed(123456789, 2)).toBe('123456789.00');
    expect(formatFixed(1e21, 1)).toBe('1000000000000000000000.0');
    expect(formatFixed(1.2890625)).toBe('1.289062'); // default precision 6, like %f
  });
  it('spells non-finite values as glibc does', () => {
    expect(formatFixed(Number.NaN, 4)).toBe('nan');
    expect(formatFixed(-Infinity, 4)).toBe('-inf');
    expect(formatExponential(Infinity)).toBe('inf');
  });
});

describe('padRight (%-Ns)', () => {
  it('pads on the right and never truncates', () => {
    expect(padRight('ab', 5)).toBe('ab   ');
    expect(padRight('abcdef', 3)).toBe('abcdef');
  });
});
