/** A tiny class for tests: d1 c16 h1 GPT-2 (vocab 64, maxT 64), small held-out files, a server on port 0. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CheckpointVersion,
  gpt2Config,
  type HellaSwagExample,
  initParametersLlmc,
  writeCheckpoint,
  writeHellaSwag,
  writeShard,
} from '@course/models';
import { pino } from 'pino';
import { createApp, dataDirFor, listen } from '../../src/app.js';
import { type ConfigOverrides, type LeaderboardConfig, resolveConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db.js';
import { prepareHeldout } from '../../src/heldout.js';
import { Store } from '../../src/store.js';
import { publishWorkerSetup } from '../../src/worker.js';

export const TINY_ARCH = { depth: 1, channels: 16, heads: 1, vocabSize: 64, maxSeqLen: 64 };
export const TINY_MODEL = gpt2Config(TINY_ARCH);

/** The class rules of the tests: the tiny architecture, 4 val batches of 2×16 per split. */
export function tinyConfig(overrides: ConfigOverrides = {}): LeaderboardConfig {
  return resolveConfig({
    architecture: TINY_ARCH,
    evaluation: { valBatches: 4, B: 2, T: 16 },
    dailyLimit: 3,
    leaseSeconds: 60,
    ...overrides,
  });
}

export function tempDir(prefix = 'leaderboard-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Tokens with structure (a cycle over 37 symbols, "EOT" 0 every 50), all < 64. */
export function cyclicTokens(n: number, offset = 0): Uint16Array {
  const tokens = new Uint16Array(n);
  for (let i = 0; i < n; i++) tokens[i] = i % 50 === 0 ? 0 : 10 + ((i * 7 + offset) % 37);
  return tokens;
}

/** Held-out files: one val shard of 2000 tokens (62 batches of 2×16) and 16 HellaSwag examples. */
export function tinyHeldout(dir: string): {
  valPattern: string;
  hellaswagPath: string;
  examples: HellaSwagExample[];
} {
  writeShard(join(dir, 'heldout_val_000000.bin'), cyclicTokens(2000, 5));
  const examples: HellaSwagExample[] = Array.from({ length: 16 }, (_, i) => ({
    label: i % 4,
    context: [10 + (i % 20), 11 + (i % 20), 12 + (i % 20)],
    endings: [0, 1, 2, 3].map((e) => [20 + e + (i % 20), 30 + ((e * i) % 7)]),
  }));
  const hellaswagPath = join(dir, 'heldout_hellaswag.bin');
  writeHellaSwag(hellaswagPath, examples);
  return { valPattern: join(dir, 'heldout_val_*.bin'), hellaswagPath, examples };
}

/** A random-init checkpoint of the tiny architecture (the seed makes different models). */
export function tinyCheckpoint(
  dir: string,
  seed: number,
  version: CheckpointVersion = 3,
  config = TINY_MODEL,
): string {
  const path = join(dir, `model_seed${seed}_v${version}.bin`);
  writeCheckpoint(path, config, initParametersLlmc(config, seed), { version });
  return path;
}

export interface TestServer {
  url: string;
  store: Store;
  dbPath: string;
  dataDir: string;
  config: LeaderboardConfig;
  adminToken: string;
  workerToken: string;
  /** Moves the server's clock (ms). */
  advance(ms: number): void;
  close(): Promise<void>;
}

/** The app over real HTTP on a free port, with a clock the test controls. */
export async function startTestServer(config: LeaderboardConfig, dir = tempDir()): Promise<TestServer> {
  const held = tinyHeldout(dir);
  const dbPath = join(dir, 'class.db');
  let offset = 0;
  const store = new Store(openDatabase(dbPath), () => Date.now() + offset);
  const dataDir = dataDirFor(dbPath);
  const heldout = prepareHeldout({
    dir: join(dataDir, 'heldout'),
    valPattern: held.valPattern,
    hellaswagPath: held.hellaswagPath,
    publicFraction: config.publicFraction,
    chunkTokens: config.evaluation.B * config.evaluation.T,
  });
  publishWorkerSetup(store, config, heldout);
  const app = createApp({ store, config, dataDir, heldout, logger: pino({ level: 'silent' }) });
  const http = await listen(app, 0);
  return {
    url: http.url,
    store,
    dbPath,
    dataDir,
    config,
    adminToken: store.addServiceToken('ta', 'admin'),
    workerToken: store.addServiceToken('gpu-box', 'worker'),
    advance: (ms) => {
      offset += ms;
    },
    close: async () => {
      await http.close();
      store.db.close();
    },
  };
}

/** POSTs a submission as multipart over real HTTP; `file` bytes or a path-less Blob. */
export async function submit(
  url: string,
  token: string | null,
  fields: { checkpoint?: Uint8Array; name?: string; max_lr?: string; spend_usd?: string },
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const form = new FormData();
  if (fields.max_lr !== undefined) form.set('max_lr', fields.max_lr);
  if (fields.spend_usd !== undefined) form.set('spend_usd', fields.spend_usd);
  if (fields.checkpoint) form.set('checkpoint', new Blob([fields.checkpoint]), fields.name ?? 'model.bin');
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const res = await fetch(`${url}/api/submissions`, { method: 'POST', body: form, headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}
