#!/usr/bin/env node
/**
 * Builds the addon with node-gyp at `npm ci` / `npm install`. The native
 * backend is optional: where it cannot build (no C++ compiler, no BLAS
 * headers, node-gyp failing) the install still succeeds, and
 * build/status.json says why, which `--backend auto` then prints.
 *
 *   node scripts/build.cjs [--force]     (npm run -w @course/native rebuild)
 */
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, rmSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { findCblas } = require('./blas-flags.cjs');

const root = path.join(__dirname, '..');
const statusFile = path.join(root, 'build', 'status.json');
const LINUX_HINT =
  "install Debian/Ubuntu libopenblas-dev (or your distribution's OpenBLAS development package) and g++";

function writeStatus(status) {
  mkdirSync(path.dirname(statusFile), { recursive: true });
  writeFileSync(statusFile, `${JSON.stringify({ ...status, at: new Date().toISOString() }, null, 2)}\n`);
}

function skip(reason) {
  writeStatus({ built: false, reason });
  console.warn(
    `@course/native: not built (${reason}); the native backend is unavailable, wasm is used instead`,
  );
  process.exit(0);
}

function hasCompiler() {
  const cxx = process.env.CXX || (process.platform === 'darwin' ? 'clang++' : 'g++');
  return spawnSync(cxx, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** npm sets npm_config_node_gyp for install scripts; outside npm, use the node-gyp npm ships with. */
function nodeGypScript() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) {
    return process.env.npm_config_node_gyp;
  }
  const candidates = [
    path.join(
      path.dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ];
  try {
    candidates.unshift(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {}
  return candidates.find((p) => existsSync(p)) ?? null;
}

/**
 * Node's headers: npm's nodedir setting, else the ones a system Node install
 * ships (PREFIX/include/node), so node-gyp never tries to download them.
 */
function nodeHeadersDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.join(path.dirname(process.execPath), '..');
  return existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? path.resolve(prefix) : null;
}

function main() {
  if (process.env.COURSE_NATIVE_SKIP === '1') skip('COURSE_NATIVE_SKIP=1 was set');
  if (process.platform === 'win32') skip('Windows builds are not supported yet');
  if (!hasCompiler())
    skip(
      `no C++ compiler found; ${process.platform === 'darwin' ? 'run xcode-select --install' : LINUX_HINT}`,
    );
  if (process.platform !== 'darwin' && findCblas() === null) skip(`cblas.h not found; ${LINUX_HINT}`);
  const gyp = nodeGypScript();
  if (gyp === null) skip('node-gyp not found (it ships with npm)');
  const args = [gyp, 'rebuild', '--release', '-j', 'max'];
  const nodedir = nodeHeadersDir();
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  const started = Date.now();
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) {
    const log = `${result.stdout ?? ''}\n${result.stderr ?? ''}`;
    const firstError =
      log.split('\n').find((line) => /error:|ERR!.*error/i.test(line)) ?? `exit ${result.status}`;
    writeFileSync(path.join(root, 'build-error.log'), log);
    skip(`node-gyp failed: ${firstError.trim()} (full log: packages/native/build-error.log)`);
  }
  rmSync(path.join(root, 'build-error.log'), { force: true });
  writeStatus({ built: true, reason: 'built', seconds: Math.round((Date.now() - started) / 1000) });
}

main();
