#!/usr/bin/env node
/**
 * `npm run bench [-- CASE...] [--backend NAME] [--steps N] [--warmup N] [--profile]`
 *
 * Training and evaluation speed of the built packages, timed the way the
 * PyTorch anchors are (torch_anchors.py): W warm-up steps, then N timed steps,
 * the median ms/step reported. One training step = forward + backward + AdamW
 * update, through the trainer's own `trainStep`, so what is timed is what runs.
 *
 * stdout: one JSON line per case, nothing else (a case that fails prints a line
 * with "error" and the exit code is 1). stderr: backend choice and progress.
 * Under `npm run bench` turbo's build log also goes to stdout: for clean JSON,
 * build, then run `node scripts/bench.mjs` (or keep the lines starting with `{`).
 * Without --steps, each case times enough steps for ~10 s, at least 3.
 * --profile: instead of timing, one step under tf.profile per case; prints one
 * JSON line with kernel time grouped by kernel name and the costliest calls.
 * `--backend cpu` works but is ~30× slower than wasm: use it with a case name
 * and `--warmup 1 --steps 2`.
 *
 * Cases (default: all):
 *   gpt-q1    GPT-2 d1 c64 h1, vocab 50257, B 8, T 256, AdamW (train step)
 *   gpt-tiny  GPT-2 d6 c384 h6, B 4, T 256, AdamW (train step)
 *   gpt-eval  the d6 model's loss, forward only, B 4, T 256 (the leaderboard's eval)
 *   matmul    fp32 1024×1024×1024 plain, with transposeB, and batched 8×512³ (same FLOPs)
 *   leaderboard  `course-leaderboard serve` with one local worker process evaluating d1 c64 h1
 *             submissions while autocannon (10 connections, in a worker thread) loads
 *             GET /api/leaderboard, then GET / (40-row board), 10 s each: requests/s and
 *             p50/p99 latency; worker_busy says the worker was evaluating throughout.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GPT2,
  gpt2Config,
  InputError,
  initParametersLlmc,
  MT19937,
  numParameters,
  parseBackendChoice,
  reportError,
  selectBackend,
  writeCheckpoint,
  writeHellaSwag,
  writeShard,
} from '@course/models';
import { AdamW, trainStep, valLoss } from '@course/trainer';
import * as tf from '@tensorflow/tfjs';

/**
 * PyTorch-CPU tokens/s on this machine kind (2-core EPYC Zen 5, torch 1.13, fp32,
 * 2 threads), from the project's anchors spec (shared/specs/anchors.md, measured
 * with shared/anchors/torch_anchors.py). as-is: the machine as it comes; tuned:
 * OpenMP OpenBLAS + tcmalloc.
 */
const ANCHORS = {
  'gpt-q1': { asIs: 1860, tuned: 5070 },
  'gpt-tiny': { asIs: 440, tuned: 1420 },
};

/** Without --steps, time enough steps to last about this long (seconds)... */
const TARGET_TIMED_SECONDS = 10;
/** ...but never fewer than this many, nor more than MAX_AUTO_STEPS. */
const MIN_STEPS = 3;
const MAX_AUTO_STEPS = 50;
const DEFAULT_WARMUP = 3;
/** Synthetic tokens: the values do not change the work, a fixed seed keeps runs identical. */
const TOKEN_SEED = 1337;
/** Internal: runs one case in this process (see runChild). */
const CHILD_FLAG = '--child';

const GPT_SHAPES = {
  'gpt-q1': { depth: 1, channels: 64, heads: 1, B: 8, T: 256 },
  'gpt-tiny': { depth: 6, channels: 384, heads: 6, B: 4, T: 256 },
  'gpt-eval': { depth: 6, channels: 384, heads: 6, B: 4, T: 256 },
};

const CASES = {
  'gpt-q1': (opts) => benchTrain('gpt-q1', opts),
  'gpt-tiny': (opts) => benchTrain('gpt-tiny', opts),
  'gpt-eval': (opts) => benchEval('gpt-eval', opts),
  matmul: (opts) => benchMatMul('matmul', opts),
  leaderboard: (opts) => benchLeaderboard('leaderboard', opts),
};

const USAGE = `usage: npm run bench -- [CASE...] [--backend auto|tensorflow-gpu|tensorflow|wasm|cpu]
                         [--steps N] [--warmup N] [--profile]
cases: ${Object.keys(CASES).join(', ')} (default: all)`;

// ---------------------------------------------------------------------------- arguments

function intAtLeast(flag, value, min) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new InputError(`${flag}: found "${value}", expected an integer ≥ ${min}`);
  }
  return n;
}

function parseArgs(argv) {
  const opts = { cases: [], backend: 'auto', steps: undefined, warmup: DEFAULT_WARMUP, profile: false };
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
    else if (arg.startsWith('-')) throw new InputError(`unknown flag "${arg}"`);
    else if (!(arg in CASES)) {
      throw new InputError(`case: found "${arg}", expected one of ${Object.keys(CASES).join(', ')}`);
    } else opts.cases.push(arg);
  }
  if (opts.cases.length === 0) opts.cases = Object.keys(CASES);
  return opts;
}

// ---------------------------------------------------------------------------- timing

function progress(line) {
  process.stderr.write(`${line}\n`);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs `step` warmup times, then the timed steps: `steps` if given, else as
 * many as fill TARGET_TIMED_SECONDS at the last warm-up step's pace (at least
 * MIN_STEPS). `step` must finish its work before returning (every case reads a
 * value back, which waits for the backend).
 */
function timeSteps(label, step, { warmup, steps, targetSeconds = TARGET_TIMED_SECONDS }) {
  let lastMs = 0;
  for (let i = 0; i < warmup; i++) {
    const start = performance.now();
    step();
    lastMs = performance.now() - start;
    progress(`${label}: warm-up ${i + 1}/${warmup} ${lastMs.toFixed(0)} ms`);
  }
  const count =
    steps ??
    (lastMs > 0
      ? Math.min(MAX_AUTO_STEPS, Math.max(MIN_STEPS, Math.ceil((targetSeconds * 1000) / lastMs)))
      : MIN_STEPS);
  const times = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    step();
    times.push(performance.now() - start);
    progress(`${label}: step ${i + 1}/${count} ${times[i].toFixed(0)} ms`);
  }
  return { msPerStep: median(times), steps: count };
}

const round = (x, digits) => Number(x.toFixed(digits));

/** Closing fields of every line; the load average says how shared the machine was. */
function versions() {
  return { node: process.version, tfjs: tf.version.tfjs, loadavg_1m: round(os.loadavg()[0], 2) };
}

// ---------------------------------------------------------------------------- GPT cases

function randomTokens(count, rng, vocabSize) {
  const tokens = new Int32Array(count);
  for (let i = 0; i < count; i++) tokens[i] = rng.randInt32() % vocabSize;
  return tokens;
}

/** The model at llm.c's initialisation and one fixed synthetic batch (inputs, targets). */
function setupGpt(name) {
  const shape = GPT_SHAPES[name];
  const config = gpt2Config({ depth: shape.depth, channels: shape.channels, heads: shape.heads });
  progress(`${name}: building GPT-2 d${shape.depth} c${shape.channels} h${shape.heads}`);
  const model = new GPT2(config, initParametersLlmc(config));
  const rng = new MT19937(TOKEN_SEED);
  const batch = {
    inputs: randomTokens(shape.B * shape.T, rng, config.vocabSize),
    targets: randomTokens(shape.B * shape.T, rng, config.vocabSize),
  };
  // params: llm.c's count (wte with its padded rows), the number the trainer prints.
  return { shape, config, model, batch, params: numParameters(config) };
}

/** A forward+backward+AdamW step closure, as the trainer runs it (lr and wd as the torch anchor). */
function trainStepFn(model, batch, shape) {
  const optimizer = new AdamW(model.parameters);
  let t = 0;
  const step = () => {
    t++;
    trainStep(model, optimizer, () => batch, {
      B: shape.B,
      T: shape.T,
      gradAccum: 1,
      learningRate: 3e-4,
      weightDecay: 0.1,
      t,
    });
  };
  return { step, dispose: () => optimizer.dispose() };
}

async function benchTrain(name, opts) {
  const { shape, model, batch, params } = setupGpt(name);
  const { step, dispose } = trainStepFn(model, batch, shape);
  if (opts.profile) {
    const record = await profileCase(name, opts, step, params);
    dispose();
    model.dispose();
    return record;
  }
  const { msPerStep, steps } = timeSteps(name, step, opts);
  dispose();
  model.dispose();
  const tokensPerS = (shape.B * shape.T * 1000) / msPerStep;
  const anchor = ANCHORS[name];
  return {
    case: name,
    backend: opts.backendName,
    B: shape.B,
    T: shape.T,
    params,
    ms_per_step: round(msPerStep, 1),
    tokens_per_s: round(tokensPerS, 1),
    steps,
    warmup: opts.warmup,
    anchor_as_is_tokens_per_s: anchor.asIs,
    ratio_vs_as_is: round(tokensPerS / anchor.asIs, 3),
    anchor_tuned_tokens_per_s: anchor.tuned,
    ratio_vs_tuned: round(tokensPerS / anchor.tuned, 3),
    ...versions(),
  };
}

async function benchEval(name, opts) {
  const { shape, model, batch, params } = setupGpt(name);
  // valLoss reads batches from a loader; this one always returns the same batch.
  const loader = { B: shape.B, T: shape.T, reset() {}, nextBatch: () => batch };
  const step = () => valLoss(model, loader, 1);
  if (opts.profile) {
    const record = await profileCase(name, opts, step, params);
    model.dispose();
    return record;
  }
  const { msPerStep, steps } = timeSteps(name, step, opts);
  model.dispose();
  return {
    case: name,
    backend: opts.backendName,
    B: shape.B,
    T: shape.T,
    params,
    ms_per_step: round(msPerStep, 1),
    tokens_per_s: round((shape.B * shape.T * 1000) / msPerStep, 1),
    steps,
    warmup: opts.warmup,
    ...versions(),
  };
}

// ---------------------------------------------------------------------------- matMul

/**
 * The same 2·1024³ FLOPs three ways: plain a·b, a·bᵀ (transposeB), and a batch
 * of 8 products of 512³. On wasm only the first reaches XNNPACK's fast path.
 */
const MATMUL_VARIANTS = [
  { key: 'plain', aShape: [1024, 1024], bShape: [1024, 1024], transposeB: false },
  { key: 'transpose_b', aShape: [1024, 1024], bShape: [1024, 1024], transposeB: true },
  { key: 'batched_8x512', aShape: [8, 512, 512], bShape: [8, 512, 512], transposeB: false },
];
const MATMUL_FLOP = 2 * 1024 ** 3;

async function benchMatMul(name, opts) {
  const record = { case: name, backend: opts.backendName, M: 1024, K: 1024, N: 1024 };
  const rng = new MT19937(TOKEN_SEED);
  for (const variant of MATMUL_VARIANTS) {
    const size = (shape) => shape.reduce((p, d) => p * d, 1);
    const a = tf.tensor(rng.uniform(new Float32Array(size(variant.aShape)), -1, 1), variant.aShape);
    const b = tf.tensor(rng.uniform(new Float32Array(size(variant.bShape)), -1, 1), variant.bShape);
    const step = () => {
      const c = tf.matMul(a, b, false, variant.transposeB);
      c.dataSync();
      c.dispose();
    };
    // The slow variants take ~1 s each on wasm: a shorter target keeps the run short.
    const { msPerStep, steps } = timeSteps(`${name} ${variant.key}`, step, { ...opts, targetSeconds: 3 });
    tf.dispose([a, b]);
    record[`gflop_per_s_${variant.key}`] = round(MATMUL_FLOP / (msPerStep * 1e6), 2);
    record[`ms_${variant.key}`] = round(msPerStep, 1);
    record.steps = Math.min(record.steps ?? steps, steps);
  }
  record.warmup = opts.warmup;
  return { ...record, ...versions() };
}

// ---------------------------------------------------------------------------- leaderboard

const LOAD_SECONDS = 10;
const LOAD_CONNECTIONS = 10;
const BOARD_STUDENTS = 40;

/** Random held-out data for the GPT-2 vocabulary: one val shard and 200 HellaSwag-shaped examples. */
function syntheticHeldout(dir, rng) {
  const vocab = 50257;
  const valPattern = join(dir, 'heldout_val_*.bin');
  writeShard(join(dir, 'heldout_val_000000.bin'), Uint16Array.from(randomTokens(100_000, rng, vocab)));
  const examples = Array.from({ length: 200 }, (_, i) => ({
    label: i % 4,
    context: Array.from(randomTokens(20, rng, vocab)),
    endings: [0, 1, 2, 3].map(() => Array.from(randomTokens(6, rng, vocab))),
  }));
  const hellaswagPath = join(dir, 'heldout_hellaswag.bin');
  writeHellaSwag(hellaswagPath, examples);
  return { valPattern, hellaswagPath };
}

async function benchLeaderboard(name, opts) {
  const { openDatabase, resolveConfig, startLeaderboard, Store } = await import('@course/leaderboard');
  const { default: autocannon } = await import('autocannon');
  const { pino } = await import('pino');
  const dir = mkdtempSync(join(os.tmpdir(), 'bench-leaderboard-'));
  const dbPath = join(dir, 'class.db');
  const rng = new MT19937(TOKEN_SEED);
  const heldout = syntheticHeldout(dir, rng);
  const arch = { depth: 1, channels: 64, heads: 1 };
  const config = resolveConfig({
    architecture: arch,
    evaluation: { valBatches: 20, B: 4, T: 64, hellaswagLimit: 100 },
    dailyLimit: 1000,
  });
  // A full board to render: students with one scored submission each (synthetic scores).
  const seed = new Store(openDatabase(dbPath));
  for (let i = 0; i < BOARD_STUDENTS; i++) {
    const { student } = seed.addStudent(`student${String(i).padStart(2, '0')}`);
    seed.addSubmission({
      studentId: student.id,
      sha256: 'f'.repeat(64),
      bytes: 0,
      version: 3,
      originalName: 'x.bin',
      maxLr: 1e-3,
      spendUsd: i,
    });
    const job = seed.claimJob('bench-seed', 60_000, 3);
    const metrics = (k) => ({ val_loss: 10 - k / 100, hellaswag_acc: (k % 30) / 100, hellaswag_n: 100 });
    seed.finishJob(job.job_id, job.lease_id, 'bench-seed', {
      evaluator_version: 'bench',
      checkpoint_sha256: 'f'.repeat(64),
      heldout_sha256: {},
      public: metrics(i),
      private: metrics(i + 7),
      seconds: 0,
    });
  }
  const submitter = seed.addStudent('submitter').token;
  seed.db.close();

  progress(`${name}: starting serve with 1 local worker (${opts.backendName})`);
  const lb = await startLeaderboard({
    dbPath,
    config,
    ...heldout,
    workers: 1,
    backend: opts.backendName,
    logger: pino({ level: 'warn' }, pino.destination(2)),
    log: progress,
  });
  const modelConfig = gpt2Config(arch);
  let queued = 0;
  const submitOne = async () => {
    const path = join(dir, `model_${queued}.bin`);
    writeCheckpoint(path, modelConfig, initParametersLlmc(modelConfig, 1000 + queued), { version: 3 });
    queued++;
    const form = new FormData();
    form.set('max_lr', '1e-3');
    form.set('spend_usd', '5');
    form.set('checkpoint', new Blob([readFileSync(path)]), 'model.bin');
    const res = await fetch(`${lb.url}/api/submissions`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${submitter}` },
    });
    if (res.status !== 202) throw new Error(`submission: HTTP ${res.status} ${await res.text()}`);
  };
  try {
    for (let i = 0; i < 8; i++) await submitOne();
    while (lb.store.queueCounts().running === 0) await new Promise((r) => setTimeout(r, 100));
    const record = {
      case: name,
      backend: opts.backendName,
      board_rows: BOARD_STUDENTS,
      connections: LOAD_CONNECTIONS,
      seconds_each: LOAD_SECONDS,
    };
    let busy = true;
    for (const [key, path] of [
      ['api', '/api/leaderboard'],
      ['html', '/'],
    ]) {
      const before = lb.store.queueCounts();
      busy &&= before.running > 0;
      progress(`${name}: GET ${path} for ${LOAD_SECONDS} s while the worker evaluates`);
      const result = await autocannon({
        url: `${lb.url}${path}`,
        connections: LOAD_CONNECTIONS,
        duration: LOAD_SECONDS,
        workers: 1,
      });
      const after = lb.store.queueCounts();
      busy &&= after.running > 0 || after.done > before.done;
      record[`${key}_requests_per_s`] = round(result.requests.average, 1);
      record[`${key}_p50_ms`] = result.latency.p50;
      record[`${key}_p99_ms`] = result.latency.p99;
      record[`${key}_non_2xx`] = result.non2xx;
      record[`${key}_errors`] = result.errors;
    }
    const counts = lb.store.queueCounts();
    record.worker_busy = busy;
    record.jobs_scored = counts.done - BOARD_STUDENTS;
    return { ...record, ...versions() };
  } finally {
    await lb.close();
  }
}

// ---------------------------------------------------------------------------- profile

/** The name tf.profile gives a tf.customGrad function (a wrapper, not a kernel). */
const CUSTOM_GRAD_SCOPE = 'unnamed scope';

/** A call's input shapes as one key, e.g. "[2048,64]x[50257,64]". */
function shapesKey(shapes) {
  return shapes.map((s) => `[${s.join(',')}]`).join('x');
}

/**
 * Warm-up, then one step under tf.profile: kernel time grouped by kernel name
 * (with call counts) and grouped by (kernel, input shapes), the heaviest first.
 * wall_ms - kernel_ms is time spent outside kernels (tape, JS glue, readbacks).
 */
async function profileCase(name, opts, step, params) {
  for (let i = 0; i < opts.warmup; i++) {
    step();
    progress(`${name}: warm-up ${i + 1}/${opts.warmup}`);
  }
  progress(`${name}: profiling one step`);
  const start = performance.now();
  const info = await tf.profile(() => {
    step();
  });
  const wallMs = performance.now() - start;
  const byName = new Map();
  const byCall = new Map();
  let kernelMs = 0;
  for (const k of info.kernels) {
    // tf.customGrad's forward shows up as an 'unnamed scope' entry whose time
    // includes the kernels inside it, which are listed on their own: skip it.
    if (k.name === CUSTOM_GRAD_SCOPE) continue;
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    kernelMs += ms;
    const n = byName.get(k.name) ?? { kernel: k.name, ms: 0, calls: 0 };
    n.ms += ms;
    n.calls++;
    byName.set(k.name, n);
    const key = `${k.name} ${shapesKey(k.inputShapes)}`;
    const c = byCall.get(key) ?? { call: key, ms: 0, calls: 0 };
    c.ms += ms;
    c.calls++;
    byCall.set(key, c);
  }
  const top = (map, count) =>
    [...map.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, count)
      .map((e) => ({ ...e, ms: round(e.ms, 1), share: round(e.ms / kernelMs, 3) }));
  return {
    case: name,
    backend: opts.backendName,
    profile: true,
    params,
    wall_ms: round(wallMs, 1),
    kernel_ms: round(kernelMs, 1),
    kernel_calls: [...byName.values()].reduce((sum, n) => sum + n.calls, 0),
    peak_mb: round(info.peakBytes / 2 ** 20, 1),
    by_kernel: top(byName, 15),
    by_call: top(byCall, 25),
    ...versions(),
  };
}

// ---------------------------------------------------------------------------- main

/**
 * Each case runs in its own Node process: the wasm heap only ever grows (one
 * gpt-q1 step leaves it at ~2.5 GB, gpt-tiny needs ~3.9 GB of the 4 GB it may
 * reach), so cases sharing a process would measure, or crash on, each other's
 * leftovers; and a case that aborts the wasm module does not take the rest down.
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
  if (isChild) {
    const record = await CASES[opts.cases[0]](opts);
    process.stdout.write(`${JSON.stringify(record)}\n`);
    return;
  }
  let failed = 0;
  for (const name of opts.cases) {
    progress(`== ${name} on ${selected.name}`);
    const result = await runChild(name, opts);
    if (result.code === 0) process.stdout.write(result.stdout);
    else {
      failed++;
      const record = { case: name, backend: selected.name, error: failureReason(result), ...versions() };
      process.stdout.write(`${JSON.stringify(record)}\n`);
    }
  }
  if (failed > 0) process.exitCode = 1;
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
