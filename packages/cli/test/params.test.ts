import { describe, expect, it } from 'vitest';
import { course } from './run-course.js';

/**
 * Expected counts by hand from llm.c's layout, with Vp = 50304 and maxT = 1024:
 * N = Vp·C + maxT·C + L·(12C² + 13C) + 2C.
 */
function byHand(L: number, C: number): number {
  return 50304 * C + 1024 * C + L * (12 * C * C + 13 * C) + 2 * C;
}

describe('course params gpt2', () => {
  it.each([
    [12, 768, 12, 124_475_904],
    [6, 384, 6, 30_357_504],
    [1, 64, 1, 3_335_104],
  ])('d%i c%i h%i has %i parameters, printed with thousands separators', async (d, c, h, expected) => {
    expect(byHand(d, c)).toBe(expected);
    const { code, stdout } = await course(
      'params',
      'gpt2',
      '--depth',
      String(d),
      '--channels',
      String(c),
      '--heads',
      String(h),
    );
    expect(code).toBe(0);
    expect(stdout).toContain(expected.toLocaleString('en-US'));
  });

  it('--json prints exactly one object', async () => {
    const { code, stdout } = await course(
      'params',
      'gpt2',
      '--depth',
      '6',
      '--channels',
      '384',
      '--heads',
      '6',
      '--json',
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ model: 'gpt2', params: 30_357_504 });
  });

  it('--max-seq-len and --vocab-size change the count as the formula says', async () => {
    const { stdout } = await course(
      'params',
      'gpt2',
      '--depth',
      '1',
      '--channels',
      '64',
      '--heads',
      '1',
      '--max-seq-len',
      '256',
      '--vocab-size',
      '129',
      '--json',
    );
    // Vp = 256 (129 rounded up to a multiple of 128)
    expect(JSON.parse(stdout).params).toBe(256 * 64 + 256 * 64 + (12 * 64 * 64 + 13 * 64) + 2 * 64);
  });

  it('heads that do not divide channels, or a missing size flag, are exit 2 naming the flag', async () => {
    const bad = await course('params', 'gpt2', '--depth', '1', '--channels', '64', '--heads', '5');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--heads');
    const missing = await course('params', 'gpt2', '--depth', '1', '--channels', '64');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--heads');
  });
});
