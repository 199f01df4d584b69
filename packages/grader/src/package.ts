/**
 * `course-grade package SPEC --out autograder.zip`: Gradescope's autograder zip.
 *
 *   spec.json         the spec, byte for byte
 *   setup.sh          run once by Gradescope (as root, Ubuntu) to build the image: installs
 *                     Node.js 20 and the grader from toolkit/ (`npm ci` of the grader's
 *                     workspace only, from the lockfile, no dev tools, no install scripts)
 *   run_autograder    run per submission (Gradescope copies it to /autograder/run_autograder):
 *                     course-grade spec.json /autograder/submission > /autograder/results/results.json
 *   toolkit/          the root package.json and package-lock.json; the grader and the workspaces
 *                     it imports (@course/models, @course/trainer, @course/native, …) as built
 *                     here (package.json, bin/, dist/*.js; a package that lists `files` ships
 *                     those); every other workspace as its package.json alone, so that the
 *                     lockfile still matches the workspaces it names.
 *
 * Left out on purpose: sources and tests of built packages, source maps and type declarations,
 * node_modules, and every build output of a native addon (built for this machine, not
 * Gradescope's). `--ignore-scripts` keeps the training stack's native parts unbuilt there:
 * tfjs-node(-gpu) download libtensorflow and @course/native compiles C++ in install scripts,
 * and grading runs tfjs on its cpu backend without them.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, writeFileAtomic } from '@course/models';
import { loadSpec } from './spec.js';
import { type ZipEntry, zipStore } from './zip.js';

/** The repository root: this file is packages/grader/{src,dist}/package.{ts,js}. */
export const TOOLKIT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const GRADER = '@course/grader';

export const SETUP_SH = `#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu).
# Installs Node.js 20 and this toolkit's grader into /autograder/source/toolkit.
set -euo pipefail
cd "$(dirname "$0")"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 20 ]; then
  apt-get update
  apt-get install -y ca-certificates curl gnupg
  curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
  apt-get install -y nodejs
fi

# Only the grader's workspace and what it imports, at the lockfile's versions; no dev tools.
# --ignore-scripts: the training stack's optional native parts (tfjs-node and tfjs-node-gpu,
# which download libtensorflow; @course/native, which compiles C++) stay unbuilt. Grading
# runs TensorFlow.js on its pure-JavaScript cpu backend and never loads them.
cd toolkit
npm ci --workspace ${GRADER} --omit=dev --ignore-scripts --no-audit --no-fund
node packages/grader/bin/course-grade.js --help > /dev/null
echo "course-grade installed in $(pwd)"
`;

export const RUN_AUTOGRADER = `#!/usr/bin/env bash
# Gradescope runs this (copied to /autograder/run_autograder) once per submission: grades
# /autograder/submission against source/spec.json into /autograder/results/results.json.
# Gradescope's /autograder/submission_metadata.json sets the submission time (late policy).
# COURSE_AUTOGRADER_ROOT: another folder laid out as /autograder (to try this elsewhere);
# COURSE_TOOLKIT: another built copy of the toolkit (default: the one setup.sh installed).
set -euo pipefail
export COURSE_AUTOGRADER_ROOT="\${COURSE_AUTOGRADER_ROOT:-/autograder}"
source_dir="$COURSE_AUTOGRADER_ROOT/source"
toolkit="\${COURSE_TOOLKIT:-$source_dir/toolkit}"
results="$COURSE_AUTOGRADER_ROOT/results"
mkdir -p "$results"
# Written whole or not at all: Gradescope reports a missing results.json as a failed run.
if node "$toolkit/packages/grader/bin/course-grade.js" "$source_dir/spec.json" \\
  "$COURSE_AUTOGRADER_ROOT/submission" > "$results/results.json.partial"; then
  mv "$results/results.json.partial" "$results/results.json"
else
  status=$?
  rm -f "$results/results.json.partial"
  echo "course-grade failed (exit $status): no results.json" >&2
  exit "$status"
fi
`;

interface Manifest {
  name?: string;
  files?: string[];
  workspaces?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** Workspace folders (relative, posix) by package name, from the root's "workspaces" globs (`dir/*` or `dir`). */
function workspaces(root: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const pattern of readManifest(root).workspaces ?? []) {
    const dirs = pattern.endsWith('/*')
      ? (existsSync(join(root, pattern.slice(0, -2)))
          ? readdirSync(join(root, pattern.slice(0, -2)), { withFileTypes: true })
          : []
        )
          .filter((e) => e.isDirectory())
          .map((e) => posix.join(pattern.slice(0, -2), e.name))
      : [pattern];
    for (const dir of dirs.sort()) {
      if (!existsSync(join(root, dir, 'package.json'))) continue;
      const name = readManifest(join(root, dir)).name;
      if (name) found.set(name, dir);
    }
  }
  return found;
}

/** The grader and every workspace it depends on, directly or not. */
function neededWorkspaces(all: ReadonlyMap<string, string>, root: string): Set<string> {
  const needed = new Set<string>();
  const visit = (name: string) => {
    if (needed.has(name) || !all.has(name)) return;
    needed.add(name);
    const m = readManifest(join(root, all.get(name)!));
    for (const dep of Object.keys({ ...m.dependencies, ...m.optionalDependencies })) visit(dep);
  };
  visit(GRADER);
  return needed;
}

/** Regular files under `dir` (relative posix paths), skipping node_modules and symlinks. */
function filesUnder(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  if (lstatSync(dir).isFile()) return [prefix.replace(/\/$/, '')];
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => {
      if (e.name === 'node_modules') return [];
      if (e.isDirectory()) return filesUnder(join(dir, e.name), `${prefix}${e.name}/`);
      return e.isFile() ? [`${prefix}${e.name}`] : [];
    });
}

/** What a needed workspace ships: its `files` list if it has one, else bin/ and dist/'s JavaScript. */
function workspaceFiles(root: string, dir: string): string[] {
  const full = join(root, dir);
  const m = readManifest(full);
  const files = m.files
    ? m.files.flatMap((f) => filesUnder(join(full, f), `${f.replace(/\/$/, '')}/`))
    : [
        ...filesUnder(join(full, 'bin'), 'bin/'),
        ...filesUnder(join(full, 'dist'), 'dist/').filter((f) => /\.(js|cjs|mjs|json)$/.test(f)),
      ];
  if (!m.files && !files.some((f) => f.startsWith('dist/')))
    throw new InputError(
      `${join(full, 'dist')}: not built; run \`npm run build\` in ${root} first (the zip ships the built grader)`,
    );
  return ['package.json', ...files.filter((f) => f !== 'package.json')];
}

export interface PackageResult {
  out: string;
  entries: string[];
  bytes: number;
}

/** Builds the autograder zip for `specPath` at `out` from the toolkit at `root`. */
export function packageAutograder(specPath: string, out: string, root = TOOLKIT_ROOT): PackageResult {
  loadSpec(specPath); // a bad spec is refused here, not on Gradescope
  const entries: ZipEntry[] = [
    { name: 'setup.sh', data: Buffer.from(SETUP_SH), mode: 0o755 },
    { name: 'run_autograder', data: Buffer.from(RUN_AUTOGRADER), mode: 0o755 },
    { name: 'spec.json', data: readFileSync(specPath) },
  ];
  const add = (rel: string) => {
    const file = join(root, ...rel.split('/'));
    // executable stays executable (bin shims); everything else 0644
    const mode = lstatSync(file).mode & 0o111 ? 0o755 : 0o644;
    entries.push({ name: `toolkit/${rel}`, data: readFileSync(file), mode });
  };
  add('package.json');
  add('package-lock.json');
  const all = workspaces(root);
  const needed = neededWorkspaces(all, root);
  if (!needed.has(GRADER)) throw new InputError(`${root}: no ${GRADER} workspace to package`);
  for (const [name, dir] of [...all.entries()].sort((a, b) => (a[1] < b[1] ? -1 : 1))) {
    const files = needed.has(name) ? workspaceFiles(root, dir) : ['package.json'];
    for (const f of files) add(`${dir}/${f}`);
  }
  const zip = zipStore(entries);
  writeFileAtomic(out, zip);
  return { out, entries: entries.map((e) => e.name), bytes: zip.length };
}
