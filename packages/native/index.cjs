'use strict';
/**
 * Loads the addon built at install (scripts/build.cjs). Exports
 * { addon, reason }: addon is null where it was not built or does not load,
 * and reason then says why (for `--backend auto`'s one line).
 */
const path = require('node:path');
const { readFileSync } = require('node:fs');

const BINARY = path.join(__dirname, 'build', 'Release', 'course_native.node');

function buildStatus() {
  try {
    return JSON.parse(readFileSync(path.join(__dirname, 'build', 'status.json'), 'utf8'));
  } catch {
    return null;
  }
}

/**
 * OpenBLAS picks its kernels from the CPU's model number, and 0.3.21 falls back
 * to its slowest generic one ("Prescott", ~15 GFLOP/s on 2 cores) on CPUs newer
 * than it knows or whose model a VM hides. Where OPENBLAS_CORETYPE is not set,
 * name the kernel the CPU's features support instead (AVX-512 -> SkylakeX,
 * AVX2 + FMA -> Haswell). A value the user set is never changed, and the
 * variable is removed again after loading so child processes see the
 * environment they were given. COURSE_NATIVE_CORETYPE=off keeps OpenBLAS's own choice.
 */
function chooseCoretype() {
  if (process.platform !== 'linux' || process.env.OPENBLAS_CORETYPE) return null;
  const wanted = process.env.COURSE_NATIVE_CORETYPE;
  if (wanted === 'off') return null;
  if (wanted) return wanted;
  let flags;
  try {
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    flags = new Set((/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? '').trim().split(/\s+/));
  } catch {
    return null;
  }
  if (['avx512f', 'avx512bw', 'avx512dq', 'avx512vl'].every((f) => flags.has(f))) return 'SkylakeX';
  if (flags.has('avx2') && flags.has('fma')) return 'Haswell';
  return null;
}

/**
 * OpenMP threads that spin while waiting for the next loop take the cores
 * OpenBLAS's threads need for the product that comes next (and any other
 * process's): on 2 cores with other work running, a 1.5M-element add took
 * 16 ms spinning and 2.6 ms with waiting threads asleep. Waking a sleeping
 * thread costs microseconds, against a few hundred loops per training step,
 * so threads sleep unless the user chose a policy.
 */
function chooseWaitPolicy() {
  if (process.env.OMP_WAIT_POLICY || process.env.GOMP_SPINCOUNT) return null;
  return 'passive';
}

function load() {
  const coretype = chooseCoretype();
  const waitPolicy = chooseWaitPolicy();
  if (coretype !== null) process.env.OPENBLAS_CORETYPE = coretype;
  if (waitPolicy !== null) process.env.OMP_WAIT_POLICY = waitPolicy;
  try {
    const addon = require(BINARY);
    return { addon, reason: 'loaded', coretype: coretype ?? process.env.OPENBLAS_CORETYPE ?? null };
  } catch (error) {
    const status = buildStatus();
    if (status && status.built === false) {
      return { addon: null, reason: `not built at install: ${status.reason}`, coretype: null };
    }
    const message = String(error?.message ?? error).split('\n')[0];
    return {
      addon: null,
      reason:
        status === null
          ? 'not built (run `npm run -w @course/native rebuild`)'
          : `failed to load: ${message}`,
      coretype: null,
    };
  } finally {
    if (coretype !== null) delete process.env.OPENBLAS_CORETYPE;
    if (waitPolicy !== null) delete process.env.OMP_WAIT_POLICY;
  }
}

module.exports = load();
