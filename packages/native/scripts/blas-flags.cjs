#!/usr/bin/env node
// Prints the compiler (--cflags) or linker (--libs) flags for the system's
// OpenBLAS, for binding.gyp. pkg-config knows Debian's multiarch layout
// (libopenblas-dev); without it, the usual include folders are tried.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');

const CANDIDATE_INCLUDES = [
  '/usr/include/openblas',
  '/usr/include/x86_64-linux-gnu/openblas-pthread',
  '/usr/include/aarch64-linux-gnu/openblas-pthread',
  '/usr/local/include',
  '/usr/include',
  '/opt/homebrew/opt/openblas/include',
];

function pkgConfig(flag) {
  try {
    return execFileSync('pkg-config', [flag, 'openblas'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

/**
 * Debian/Ubuntu ship OpenBLAS in a pthread and an OpenMP build side by side
 * (libopenblas0-pthread, libopenblas0-openmp); the dev package links the
 * pthread one. Our loops use OpenMP, and one OpenMP thread pool for both is
 * faster than two pools taking turns on the same cores (d6 training: 866 vs
 * 695 tokens/s on 2 cores), so the OpenMP build is linked, by full name with
 * an rpath, wherever it is installed.
 */
const OPENMP_BUILDS = [
  '/usr/lib/x86_64-linux-gnu/openblas-openmp',
  '/usr/lib/aarch64-linux-gnu/openblas-openmp',
  '/usr/lib64/openblas-openmp',
];

function openmpBuild() {
  if (process.env.COURSE_NATIVE_BLAS === 'pthread') return null;
  return OPENMP_BUILDS.find((dir) => existsSync(`${dir}/libopenblas.so.0`)) ?? null;
}

function flags(kind) {
  const openmp = openmpBuild();
  if (kind === '--libs' && openmp !== null) return `-L${openmp} -Wl,-rpath,${openmp} -l:libopenblas.so.0`;
  const fromPkgConfig = pkgConfig(kind === '--cflags' ? '--cflags' : '--libs');
  if (fromPkgConfig !== null) return `${fromPkgConfig} -DCOURSE_OPENBLAS`.trim();
  const include = CANDIDATE_INCLUDES.find((dir) => existsSync(`${dir}/cblas.h`));
  if (kind === '--cflags') return include ? `-I${include} -DCOURSE_OPENBLAS` : '';
  return '-lopenblas';
}

/** Where cblas.h is, or null (used by build.cjs to explain a skipped build). */
function findCblas() {
  const fromPkgConfig = pkgConfig('--cflags');
  if (fromPkgConfig !== null) return 'pkg-config openblas';
  return CANDIDATE_INCLUDES.find((dir) => existsSync(`${dir}/cblas.h`)) ?? null;
}

if (require.main === module) {
  const kind = process.argv[2];
  if (kind !== '--cflags' && kind !== '--libs') {
    console.error('usage: blas-flags.cjs --cflags|--libs');
    process.exit(2);
  }
  process.stdout.write(`${flags(kind)}\n`);
}

module.exports = { findCblas, openmpBuild };
