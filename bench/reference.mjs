/**
 * `--reference torch`: the project's PyTorch reference (bench/torch_reference.py)
 * for the same case, in a child process of Debian's python3, after ours.
 *
 * Configurations (the anchors' two): 'as-is' runs torch in the machine's own
 * environment; 'tuned' runs it with OpenMP OpenBLAS and tcmalloc, set only in
 * that child's environment:
 *   LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp   (libblas.so.3 from libopenblas0-openmp)
 *   LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4   (libtcmalloc-minimal4)
 *   OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset
 * 'best' is 'tuned' plus OPENBLAS_CORETYPE set to the kernel family our native
 * addon runs (packages/native chooses it from the CPU flags where OpenBLAS
 * does not recognise the CPU and would fall back to its slowest kernel):
 * PyTorch at its fastest on this machine, with the same BLAS kernel as ours.
 * A missing python3, torch or tuned library skips the reference (null) with a
 * message on stderr; it never fails the bench.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { progress } from './common.mjs';

export const REFERENCES = ['torch'];
export const TORCH_CONFIGS = ['as-is', 'tuned', 'best'];
/** Debian's python3 (python3-torch is a Debian package); BENCH_PYTHON overrides it. */
export const DEFAULT_PYTHON = '/usr/bin/python3';
export const TORCH_SCRIPT = fileURLToPath(new URL('./torch_reference.py', import.meta.url));
/** The anchors' thread count: this machine kind's 2 cores. */
export const TORCH_THREADS = 2;

const TUNED_LIBRARIES = [
  { path: '/usr/lib/x86_64-linux-gnu/openblas-openmp', pkg: 'libopenblas0-openmp' },
  { path: '/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4', pkg: 'libtcmalloc-minimal4' },
];

/**
 * The torch child's environment for a configuration, or `missing`: what the
 * tuned configuration needs and this machine lacks ("path (package)").
 */
export function torchEnv(config, env = process.env, exists = existsSync, coretype = nativeCoretype(env)) {
  if (config === 'as-is') return { env: { ...env } };
  const missing = TUNED_LIBRARIES.filter((lib) => !exists(lib.path)).map((lib) => `${lib.path} (${lib.pkg})`);
  if (missing.length > 0) return { missing };
  const tuned = {
    ...env,
    LD_LIBRARY_PATH: TUNED_LIBRARIES[0].path,
    LD_PRELOAD: TUNED_LIBRARIES[1].path,
  };
  delete tuned.OPENBLAS_CORETYPE;
  delete tuned.OPENBLAS_L2_SIZE;
  if (config === 'best' && coretype) tuned.OPENBLAS_CORETYPE = coretype;
  return { env: tuned };
}

/** The OpenBLAS kernel family the native addon runs: the user's OPENBLAS_CORETYPE, else its own choice, else null. */
export function nativeCoretype(env = process.env) {
  if (env.OPENBLAS_CORETYPE) return env.OPENBLAS_CORETYPE;
  try {
    return createRequire(import.meta.url)('@course/native').coretype ?? null;
  } catch {
    return null;
  }
}

/** The python3 the reference runs under. */
export function torchPython(env = process.env) {
  return env.BENCH_PYTHON || DEFAULT_PYTHON;
}

/**
 * Runs the torch reference for one case; resolves to { line } (its parsed
 * JSON line) or { line: null, reason } when it could not run. --warmup
 * passes through (3 on both sides by default), and --steps when given (a
 * quick check stays quick); otherwise torch times ≥ 10 steps, ~2 s.
 */
export function runTorch(name, opts) {
  const python = torchPython();
  if (!existsSync(python)) return Promise.resolve({ line: null, reason: `${python} not found` });
  const { env, missing } = torchEnv(opts.referenceConfig);
  if (missing) {
    return Promise.resolve({
      line: null,
      reason: `the tuned configuration needs ${missing.join(' and ')}, missing here`,
    });
  }
  const args = [TORCH_SCRIPT, '--case', name, '--threads', String(TORCH_THREADS)];
  args.push('--warmup', String(opts.warmup));
  if (opts.steps !== undefined) args.push('--steps', String(opts.steps));
  return new Promise((resolve) => {
    const child = spawn(python, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderrTail = [];
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      stderrTail = [...stderrTail, ...String(chunk).split('\n')].filter(Boolean).slice(-10);
    });
    child.on('error', (error) => resolve({ line: null, reason: `${python}: ${error.message}` }));
    child.on('close', (code, signal) => {
      const text = stdout.split('\n').find((l) => l.startsWith('{'));
      if (code === 0 && text) {
        try {
          resolve({ line: JSON.parse(text) });
          return;
        } catch {
          // falls through to the failure below
        }
      }
      const how = signal ? `killed by ${signal}` : `exit code ${code}`;
      resolve({ line: null, reason: `${how}${stderrTail.length ? `: ${stderrTail.at(-1)}` : ''}` });
    });
  });
}

/** runTorch, saying on stderr why a reference was skipped. */
export async function torchReference(name, opts) {
  const result = await runTorch(name, opts);
  if (!result.line) progress(`torch reference for ${name} skipped: ${result.reason}`);
  return result.line;
}
