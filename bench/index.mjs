#!/usr/bin/env node
/**
 * `npm run bench [-- CASE...] [--backend NAME] [--steps N] [--warmup N] [--profile]
 *                [--reference torch [--reference-config as-is|tuned|best]]`
 *
 * Training and evaluation speed of the built packages, timed the way the
 * PyTorch anchors are: W warm-up steps, then N timed steps, the median ms/step
 * reported. Every case runs the trainer's own code (trainStep, fit,
 * valLoss, evaluateModel), so what is timed is what runs. Cases: cases.mjs.
 *
 * stdout: one JSON line per case, nothing else (a case that fails prints a line
 * with "error" and the exit code is 1). stderr: backend choice and progress.
 * Under `npm run bench` turbo's build log goes to stderr; `node bench/index.mjs`
 * runs without building.
 * Without --steps, each case times enough steps for ~10 s, at least 3.
 * Each line carries peak_rss_mb (the case's process) and, for timed cases,
 * tensors_start / tensors_end (tf.memory().numTensors after warm-up and after
 * the timed steps; unequal = a leak, also warned about on stderr).
 * --profile: instead of timing, one step under tf.profile per case; prints one
 * JSON line with kernel time grouped by kernel name and the costliest calls.
 * --reference torch: after each case, bench/torch_reference.py times the same
 * case in /usr/bin/python3 (see reference.mjs); the line adds "torch" (its line,
 * or null when it could not run), "torch_config" and "ratio_vs_torch", and a
 * markdown table (case | backend | ours | torch | ratio) ends stderr.
 * `--backend cpu` works but is ~30× slower than wasm: use it with a case name
 * and `--warmup 1 --steps 2`.
 *
 * Exit codes: 0 all cases ran, 1 a case failed, 2 bad arguments.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BACKEND_NAMES, InputError, parseBackendChoice, reportError, selectBackend } from '@course/models';
import { CASES } from './cases.mjs';
import { DEFAULT_WARMUP, progress, round, versions } from './common.mjs';
import { REFERENCES, TORCH_CONFIGS, torchReference } from './reference.mjs';
import { markdownTable, referenceLine } from './report.mjs';

/** Internal: runs one case in this process (see runChild). */
const CHILD_FLAG = '--child';

const USAGE = `usage: npm run bench -- [CASE...] [--backend auto|${BACKEND_NAMES.join('|')}]
                         [--steps N] [--warmup N] [--profile]
                         [--reference torch [--reference-config ${TORCH_CONFIGS.join('|')}]]
cases (default: all):
${Object.entries(CASES)
  .map(([name, c]) => `  ${name.padEnd(15)}${c.what}`)
  .join('\n')}`;

// ---------------------------------------------------------------------------- arguments

function intAtLeast(flag, value, min) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new InputError(`${flag}: found "${value}", expected an integer ≥ ${min}`);
  }
  return n;
}

function oneOf(flag, value, allowed) {
  if (!allowed.includes(value)) {
    throw new InputError(`${flag}: found "${value}", expected one of ${allowed.join(', ')}`);
  }
  return value;
}

/** The options of a bench invocation; InputError (exit 2) names the flag at fault. */
function parseArgs(argv) {
  const opts = {
    cases: [],
    backend: 'auto',
    steps: undefined,
    warmup: DEFAULT_WARMUP,
    profile: false,
    reference: undefined,
    referenceConfig: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new InputError(`${arg}: expected a value after it`);
      return argv[++i];
    };
    if (arg === '--help' || arg === '-h') opts.help = true;
    else if (arg === '--backend') opts.backend = parseBackendChoice(value());
    else if (arg === '--steps') opts.steps = intAtLeast('--steps', value(), 1);
    else if (arg === '--warmup') opts.warmup = intAtLeast('--warmup', value(), 0);
    else if (arg === '--profile') opts.profile = true;
    else if (arg === '--reference') opts.reference = oneOf('--reference', value(), REFERENCES);
    else if (arg === '--reference-config')
      opts.referenceConfig = oneOf('--reference-config', value(), TORCH_CONFIGS);
    else if (arg.startsWith('-')) throw new InputError(`unknown flag "${arg}"`);
    else if (!(arg in CASES)) {
      throw new InputError(`case: found "${arg}", expected one of ${Object.keys(CASES).join(', ')}`);
    } else opts.cases.push(arg);
  }
  if (opts.referenceConfig && !opts.reference) {
    throw new InputError(
      `--reference-config: found "${opts.referenceConfig}" without --reference, expected --reference torch`,
    );
  }
  if (opts.reference && opts.profile) {
    throw new InputError('--profile: found with --reference, expected one of the two');
  }
  opts.referenceConfig ??= 'as-is';
  if (opts.cases.length === 0) opts.cases = Object.keys(CASES);
  return opts;
}

// ---------------------------------------------------------------------------- child processes

/**
 * Each case runs in its own Node process: the wasm heap only ever grows (one
 * gpt-q1 step leaves it at ~2.5 GB, gpt-tiny needs ~3.9 GB of the 4 GB it may
 * reach), so cases sharing a process would measure, or crash on, each other's
 * leftovers; a case that aborts the wasm module does not take the rest down;
 * and peak_rss_mb is the case's own.
 */
function runChild(name, opts) {
  const args = [fileURLToPath(import.meta.url), CHILD_FLAG, '--backend', opts.backendName, name];
  args.push('--warmup', String(opts.warmup));
  if (opts.steps !== undefined) args.push('--steps', String(opts.steps));
  if (opts.profile) args.push('--profile');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderrTail = [];
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      stderrTail = [...stderrTail, ...String(chunk).split('\n')].filter(Boolean).slice(-30);
    });
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderrTail }));
  });
}

/** The line of a failed child's stderr that says what went wrong. */
function failureReason({ code, signal, stderrTail }) {
  const said = stderrTail.find((line) => /^(internal error|error:)/.test(line)) ?? stderrTail.at(-1);
  const how = signal ? `killed by ${signal}` : `exit code ${code}`;
  return said ? `${how}: ${said}` : how;
}

/** Our line for one case (an "error" line when its process failed). */
async function oursFor(name, opts) {
  progress(`== ${name} on ${opts.backendName}`);
  const result = await runChild(name, opts);
  const text = result.stdout.split('\n').find((l) => l.startsWith('{'));
  if (result.code === 0 && text) return JSON.parse(text);
  return { case: name, backend: opts.backendName, error: failureReason(result), ...versions() };
}

/** The case's line plus the torch reference's (null where there is none or it could not run). */
async function withTorch(name, ours, opts) {
  let torch = null;
  if (!CASES[name].torch)
    progress(`torch reference for ${name} skipped: torch_reference.py has no such case`);
  else {
    progress(`== ${name} on torch (${opts.referenceConfig})`);
    torch = await torchReference(name, opts);
  }
  return referenceLine(ours, torch, opts.referenceConfig);
}

// ---------------------------------------------------------------------------- main

async function runCaseHere(opts) {
  const record = await CASES[opts.cases[0]].run(opts.cases[0], opts);
  // maxRSS is in KiB: the case process's peak resident memory, in MiB.
  record.peak_rss_mb = round(process.resourceUsage().maxRSS / 1024, 1);
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

async function main() {
  const argv = process.argv.slice(2);
  const isChild = argv.includes(CHILD_FLAG);
  const opts = parseArgs(argv.filter((arg) => arg !== CHILD_FLAG));
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const selected = await selectBackend(opts.backend);
  opts.backendName = selected.name;
  if (isChild) return runCaseHere(opts);
  const lines = [];
  for (const name of opts.cases) {
    let line = await oursFor(name, opts);
    if (opts.reference) line = await withTorch(name, line, opts);
    if (line.error) process.exitCode = 1;
    lines.push(line);
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
  if (opts.reference) progress(`\n${markdownTable(lines)}`);
}

main().then(
  // tfjs can leave handles open (wasm threads, timers): the result is out, so leave.
  () => process.exit(process.exitCode ?? 0),
  (error) => {
    const code = reportError(error);
    if (error instanceof InputError) process.stderr.write(`${USAGE}\n`);
    process.exit(code);
  },
);
