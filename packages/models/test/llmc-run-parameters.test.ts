import { describe, expect, it } from 'vitest';
import { formatRunParameters } from '../src/llmc/run-parameters.js';

describe('run_parameters.txt', () => {
  it("lays rows out as llm.c's table: 21-character names, values %-50…", () => {
    const table = formatRunParameters([
      { name: 'learning rate (LR)', value: 6e-4, format: 'e' },
      'rule',
      { name: 'num_parameters', value: 3335104, format: 'zu' },
      { name: 'skip update lossz', value: 0, format: 'f' },
      { name: 'peak TFlops', value: -1, format: '.1f' },
    ]);
    const rule = `+${'-'.repeat(23)}+${'-'.repeat(52)}+`;
    const cells = (name: string, value: string) => `| ${name.padEnd(21)} | ${value.padEnd(50)} |`;
    expect(table).toBe(
      [
        rule,
        cells('Parameter', 'Value'),
        rule,
        cells('learning rate (LR)', '6.000000e-04'),
        rule,
        cells('num_parameters', '3335104'),
        cells('skip update lossz', '0.000000'),
        cells('peak TFlops', '-1.0'),
        '',
      ].join('\n'),
    );
    expect(table).toContain('| learning rate (LR)    | 6.000000e-04                                       |');
  });
});
