/**
 * leaderboard: `course-leaderboard serve` with one local worker process
 * evaluating d1 c64 h1 submissions while autocannon (10 connections, in a
 * worker thread) loads GET /api/leaderboard, then GET / (40-row board), 10 s
 * each: requests/s and p50/p99 latency; worker_busy says the worker was
 * evaluating throughout.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import {
  gpt2Config,
  initParametersLlmc,
  MT19937,
  writeCheckpoint,
  writeHellaSwag,
  writeShard,
} from '@course/models';
import { progress, randomTokens, round, TOKEN_SEED, versions } from './common.mjs';

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

export async function benchLeaderboard(name, opts) {
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
