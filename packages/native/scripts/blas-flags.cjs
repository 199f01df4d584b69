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

function flags(kind) {
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

module.exports = { findCblas };
