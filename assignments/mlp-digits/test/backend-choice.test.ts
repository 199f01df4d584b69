/**
 * mlp-digits picks its backend as every bin does (issue #13 item 23): --backend,
 * else env COURSE_BACKEND, else its documented default wasm (the README's numbers).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { main, mlpDigitsOptions } from '../src/bin/mlp-digits.js';

function capture() {
  let text = '';
  const write = (s: string) => {
    text += s;
    return true;
  };
  return { write, text: () => text };
}

describe('mlp-digits backend choice', () => {
  const saved = process.env.COURSE_BACKEND;
  afterEach(() => {
    if (saved === undefined) delete process.env.COURSE_BACKEND;
    else process.env.COURSE_BACKEND = saved;
  });

  test('--backend beats COURSE_BACKEND, which beats the default wasm', () => {
    const backend = (argv: string[], env: Record<string, string>) => {
      const o = mlpDigitsOptions(argv, env);
      return 'help' in o ? 'help' : o.backend;
    };
    expect(backend([], {})).toBe('wasm');
    expect(backend([], { COURSE_BACKEND: '' })).toBe('wasm');
    expect(backend([], { COURSE_BACKEND: 'cpu' })).toBe('cpu');
    expect(backend(['--backend', 'native'], { COURSE_BACKEND: 'cpu' })).toBe('native');
    expect(() => mlpDigitsOptions([], { COURSE_BACKEND: 'gpu' })).toThrow(/^COURSE_BACKEND: found "gpu"/);
  });

  test('a run with COURSE_BACKEND=cpu and no --backend trains on cpu', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mlp-digits-env-'));
    try {
      process.env.COURSE_BACKEND = 'cpu';
      const stdout = capture();
      const stderr = capture();
      const args = ['--nets', 'mlp1', '--epochs', '1', '--limit', '100', '--out', out];
      expect(await main(args, { stdout, stderr } as never), stderr.text()).toBe(0);
      expect(stdout.text()).toMatch(/; backend cpu\n/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  test('a bad COURSE_BACKEND is bad input (exit 2) naming the variable', async () => {
    process.env.COURSE_BACKEND = 'gpu';
    const stderr = capture();
    expect(await main(['--nets', 'mlp1'], { stdout: capture(), stderr } as never)).toBe(2);
    expect(stderr.text()).toMatch(/^error: COURSE_BACKEND: found "gpu", expected one of auto, /);
  });
});
