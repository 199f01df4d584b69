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

describe('course params mlp', () => {
  it('33-512-10 has 22,538 parameters (33·512 + 512 + 512·10 + 10), not the one-bias-per-layer 22,018', async () => {
    const { code, stdout } = await course('params', 'mlp', '--layers', '33,512,10');
    expect(code).toBe(0);
    expect(stdout).toBe('mlp 33-512-10: 22,538 parameters\n');
    const json = await course('params', 'mlp', '--layers', '33,512,10', '--json');
    expect(JSON.parse(json.stdout)).toEqual({ model: 'mlp', params: 33 * 512 + 512 + 512 * 10 + 10 });
  });

  it('--no-bias counts weights only', async () => {
    const { stdout } = await course('params', 'mlp', '--layers', '784,30,20,10', '--no-bias', '--json');
    expect(JSON.parse(stdout).params).toBe(784 * 30 + 30 * 20 + 20 * 10);
  });

  it.each(['33', '33,,10', '33,0,10', 'a,b', '33,5.5'])(
    '--layers %s is exit 2 naming the flag',
    async (bad) => {
      const { code, stderr } = await course('params', 'mlp', '--layers', bad);
      expect(code).toBe(2);
      expect(stderr).toContain('--layers');
    },
  );
});

describe('course params rnn / lstm', () => {
  const sizes = ['--vocab', '1000', '--embed', '32', '--hidden', '64', '--out', '2'];
  it('rnn: V·E + E·H + H·H + H + H·K + K', async () => {
    const { code, stdout } = await course('params', 'rnn', ...sizes, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ model: 'rnn', params: 32_000 + 2_048 + 4_096 + 64 + 128 + 2 });
  });

  it('lstm: four gates, each E·H + H·H + H', async () => {
    const { stdout } = await course('params', 'lstm', ...sizes);
    expect(stdout).toBe(
      `lstm vocab 1000 embed 32 hidden 64 out 2: ${(32_000 + 4 * (2_048 + 4_096 + 64) + 128 + 2).toLocaleString('en-US')} parameters\n`,
    );
  });

  it('a missing size is exit 2 naming the flag', async () => {
    const { code, stderr } = await course('params', 'lstm', '--vocab', '10', '--embed', '4', '--hidden', '4');
    expect(code).toBe(2);
    expect(stderr).toContain('--out');
  });
});

describe('course params for the classic CNNs (counted from built tfjs graphs)', () => {
  it.each([
    ['alexnet', 61_100_840],
    ['alexnet-grouped', 60_965_224],
    ['vgg19', 143_667_240],
    ['resnet152', 60_192_808],
  ])('%s: %i (the published figure)', async (name, expected) => {
    const { code, stdout } = await course('params', name, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ model: name, params: expected });
  });

  it('--classes changes only the last dense layer; text output names the classes', async () => {
    const { stdout } = await course('params', 'alexnet', '--classes', '10');
    // 61,100,840 − (4096·1000 + 1000) + (4096·10 + 10)
    expect(stdout).toBe(
      `alexnet 10 classes: ${(61_100_840 - 4_097_000 + 40_970).toLocaleString('en-US')} parameters\n`,
    );
  });
});
