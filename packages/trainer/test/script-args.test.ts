import { join } from 'node:path';
import { InputError } from '@course/models';
import { describe, expect, test } from 'vitest';
import { fromInvocationDir, parseScriptArgs, positiveIntegerFlag } from '../src/cli-kit/script.js';

describe('assignment script flags', () => {
  const options = { out: { type: 'string', short: 'o' }, help: { type: 'boolean' } } as const;

  test('parseScriptArgs: values by name; an unknown flag or a positional is an InputError with the usage', () => {
    expect(parseScriptArgs(['-o', 'x', '--help'], options, 'usage: s')).toEqual({ out: 'x', help: true });
    expect(() => parseScriptArgs(['--nope'], options, 'usage: s')).toThrow(InputError);
    expect(() => parseScriptArgs(['--nope'], options, 'usage: s')).toThrow(/'--nope'[\s\S]*\nusage: s$/);
    expect(() => parseScriptArgs(['stray'], options, 'usage: s')).toThrow(InputError);
  });

  test('positiveIntegerFlag: integers ≥ 1 only, naming the flag', () => {
    expect(positiveIntegerFlag('--epochs', undefined)).toBeUndefined();
    expect(positiveIntegerFlag('--epochs', '3')).toBe(3);
    for (const bad of ['0', '-1', '2.5', 'x', ''])
      expect(() => positiveIntegerFlag('--epochs', bad)).toThrow(
        `--epochs: found "${bad}", expected an integer ≥ 1`,
      );
  });

  test('fromInvocationDir: relative to where npm was started (INIT_CWD); absolute paths stay as given', () => {
    const saved = process.env.INIT_CWD;
    process.env.INIT_CWD = '/home/student/course';
    try {
      expect(fromInvocationDir('my-run')).toBe('/home/student/course/my-run');
      expect(fromInvocationDir('/tmp/run')).toBe('/tmp/run');
      delete process.env.INIT_CWD;
      expect(fromInvocationDir('my-run')).toBe(join(process.cwd(), 'my-run'));
    } finally {
      if (saved === undefined) delete process.env.INIT_CWD;
      else process.env.INIT_CWD = saved;
    }
  });
});
