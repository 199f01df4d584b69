/**
 * `npm run bench` as a user runs it (a real subprocess: JSON lines, exit codes,
 * flag messages) and the pure line/table helpers on given numbers. No timing
 * is asserted: only that the numbers are there and finite. The subprocess
 * tests need the build of models and trainer (`npm test` builds first) and fail,
 * saying so, without it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { requireBuilt } from '../../scripts/require-built.js';
import { torchEnv } from '../reference.mjs';
import { anchorFields, formatNumber, markdownTable, ratioVsTorch, referenceLine } from '../report.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BENCH = join(ROOT, 'bench', 'index.mjs');
const TORCH_SCRIPT = join(ROOT, 'bench', 'torch_reference.py');
const PYTHON = '/usr/bin/python3';
const BUILT = ['models', 'trainer'].map((p) => join(ROOT, 'packages', p, 'dist', 'index.js'));

function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

describe.concurrent('npm run bench (subprocess)', () => {
  beforeAll(() => requireBuilt(...BUILT));
  test('mlp-digits on cpu, --reference torch without python: one line, finite fields, torch null', async () => {
    const { status, stdout, stderr } = await run(
      process.execPath,
      [BENCH, 'mlp-digits', '--backend', 'cpu', '--steps', '1', '--warmup', '1', '--reference', 'torch'],
      { BENCH_PYTHON: '/nonexistent/python3' },
    );
    expect(status, stderr).toBe(0);
    const lines = jsonLines(stdout);
    expect(lines).toHaveLength(1);
    const line = lines[0];
    expect(line).toMatchObject({ case: 'mlp-digits', backend: 'cpu', B: 32, steps: 8, warmup: 1 });
    expect(line.params).toBe(
      784 * 500 + 500 + 500 * 200 + 200 + 200 * 200 + 200 + 200 * 50 + 50 + 50 * 10 + 10,
    );
    for (const key of [
      'ms_per_step',
      'samples_per_s',
      'ratio_vs_as_is',
      'ratio_vs_tuned',
      'peak_rss_mb',
      'tensors_start',
      'tensors_end',
    ]) {
      expect(Number.isFinite(line[key]), `${key}: ${line[key]}`).toBe(true);
    }
    // 32 samples per step
    expect(line.samples_per_s as number).toBeCloseTo((32 * 1000) / (line.ms_per_step as number), -1);
    expect(line.tensors_end).toBe(line.tensors_start);
    expect(line).toMatchObject({ torch: null, torch_config: 'as-is', ratio_vs_torch: null });
    expect(stderr).toContain('torch reference for mlp-digits skipped: /nonexistent/python3 not found');
    expect(stderr).toContain('| mlp-digits | cpu |');
  });

  test.each([
    [['--steps', '0'], '--steps: found "0"'],
    [['--reference', 'pytorch'], '--reference: found "pytorch"'],
    [['--reference-config', 'tuned'], '--reference-config: found "tuned" without --reference'],
  ])('%j exits 2 naming the flag', async (args, message) => {
    const { status, stdout, stderr } = await run(process.execPath, [BENCH, ...args]);
    expect(status).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain('usage: npm run bench');
    expect(stdout).toBe('');
  });
});

describe.skipIf(!existsSync(PYTHON))('torch_reference.py arguments', () => {
  test('--steps 0 exits 2 naming the flag', async () => {
    const { status, stderr } = await run(PYTHON, [TORCH_SCRIPT, '--steps', '0']);
    expect(status).toBe(2);
    expect(stderr).toContain('argument --steps: found "0", expected an integer ≥ 1');
  });
});

describe('bench lines and the --reference table', () => {
  test('anchor ratios: 753 tokens/s on gpt-q1 is 753/1860 and 753/5070 of PyTorch', () => {
    expect(anchorFields('gpt-q1', 753)).toEqual({
      anchor_as_is_tokens_per_s: 1860,
      ratio_vs_as_is: 0.405, // 0.40484
      anchor_tuned_tokens_per_s: 5070,
      ratio_vs_tuned: 0.149, // 0.14852
    });
    expect(anchorFields('mlp-digits', 3800)).toMatchObject({
      anchor_as_is_samples_per_s: 7600,
      ratio_vs_as_is: 0.5,
    });
    expect(anchorFields('matmul', 100)).toEqual({});
  });

  test('ratio_vs_torch divides under the key both lines carry, null when torch is missing', () => {
    const ours = { case: 'mlp-digits', backend: 'wasm', samples_per_s: 81.8 };
    const torch = { case: 'mlp-digits', impl: 'torch', samples_per_s: 118.42 };
    expect(ratioVsTorch(ours, torch)).toBe(0.691); // 0.69076
    expect(ratioVsTorch(ours, null)).toBeNull();
    expect(ratioVsTorch({ case: 'matmul', gflop_per_s_plain: 37 }, torch)).toBeNull();
    expect(ratioVsTorch(ours, { samples_per_s: 0 })).toBeNull();
    expect(referenceLine(ours, torch, 'tuned')).toEqual({
      ...ours,
      torch,
      torch_config: 'tuned',
      ratio_vs_torch: 0.691,
    });
  });

  test('numbers: integers with separators from 100 up, else 3 significant digits', () => {
    expect(formatNumber(5070)).toBe('5,070');
    expect(formatNumber(753.4)).toBe('753');
    expect(formatNumber(19.24)).toBe('19.2');
    expect(formatNumber(0.97)).toBe('0.97');
  });

  test('markdown table: one row per case, skipped torch and errors spelled out', () => {
    const lines = [
      referenceLine({ case: 'gpt-q1', backend: 'wasm', tokens_per_s: 753 }, { tokens_per_s: 1860 }, 'as-is'),
      referenceLine({ case: 'hellaswag-eval', backend: 'wasm', examples_per_s: 0.97 }, null, 'as-is'),
      referenceLine({ case: 'lstm-sentiment', backend: 'wasm', error: 'exit code 1' }, null, 'as-is'),
    ];
    expect(markdownTable(lines)).toBe(
      [
        '| case | backend | ours | torch (as-is) | ratio |',
        '|---|---|---|---|---|',
        '| gpt-q1 | wasm | 753 tokens/s | 1,860 tokens/s | 0.405× |',
        '| hellaswag-eval | wasm | 0.97 examples/s | skipped | — |',
        '| lstm-sentiment | wasm | error | skipped | — |',
        '',
      ].join('\n'),
    );
  });

  test('tuned torch environment: OpenMP OpenBLAS and tcmalloc, OPENBLAS_* unset; missing libraries named', () => {
    const env = { PATH: '/bin', OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '1048576' };
    const tuned = torchEnv('tuned', env, () => true).env!;
    expect(tuned).toEqual({
      PATH: '/bin',
      LD_LIBRARY_PATH: '/usr/lib/x86_64-linux-gnu/openblas-openmp',
      LD_PRELOAD: '/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4',
    });
    expect(env.OPENBLAS_CORETYPE).toBe('Haswell'); // only the child's copy changes
    expect(torchEnv('as-is', env, () => false).env).toEqual(env);
    const missing = torchEnv('tuned', env, (p) => !String(p).endsWith('openblas-openmp')).missing;
    expect(missing).toEqual(['/usr/lib/x86_64-linux-gnu/openblas-openmp (libopenblas0-openmp)']);
  });

  test("best torch environment: tuned, with the native addon's OpenBLAS kernel family", () => {
    const env = { PATH: '/bin', OPENBLAS_L2_SIZE: '1048576' };
    expect(torchEnv('best', env, () => true, 'SkylakeX').env).toEqual({
      PATH: '/bin',
      LD_LIBRARY_PATH: '/usr/lib/x86_64-linux-gnu/openblas-openmp',
      LD_PRELOAD: '/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4',
      OPENBLAS_CORETYPE: 'SkylakeX',
    });
    // where OpenBLAS picked the kernel itself (no family chosen), best is tuned
    expect(torchEnv('best', env, () => true, null).env).toEqual(torchEnv('tuned', env, () => true).env);
  });
});
