/**
 * The ledger shared by real processes: several node processes recording runs
 * into one budget.json at the same moment lose none of them. Runs the compiled
 * ledger (`npm test` builds first); fails, saying so, without it, like bin.test.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { requireBuilt } from '../../../scripts/require-built.js';
import { parseLedger } from '../src/ledger.js';

const LEDGER_JS = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'ledger.js');

/**
 * A child that waits for GO to exist (so all children write at once), then
 * records RUNS runs (start, projection, progress, finish: four writes each).
 */
const CHILD = `
const [ledgerJs, path, name, runs, ready, go] = process.argv.slice(1);
const { openLedger, startRun, setProjection, recordProgress, finishRun } = await import(ledgerJs);
const fs = await import('node:fs');
fs.writeFileSync(ready, '');
while (!fs.existsSync(go)) await new Promise((r) => setTimeout(r, 5));
const ledger = openLedger(path);
for (let i = 0; i < Number(runs); i++) {
  const runId = name + '-' + i;
  startRun(ledger, { runId, outputDir: name, ratePerHour: 3600 });
  setProjection(ledger, runId, 1);
  recordProgress(ledger, runId, 0.5, { force: true });
  finishRun(ledger, runId, { wallSeconds: 1 });
}
`;

function child(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', CHILD, ...args]);
    let stderr = '';
    p.stderr.on('data', (c) => (stderr += c));
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stderr }));
  });
}

async function until(what: string, ok: () => boolean): Promise<void> {
  const end = Date.now() + 120_000;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('one ledger, several processes', () => {
  beforeAll(() => requireBuilt(LEDGER_JS));
  test('4 processes recording 20 runs each at once: all 80 runs are in the file, each finished', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-procs-'));
    const path = join(dir, 'budget.json');
    const go = join(dir, 'go');
    const names = ['a', 'b', 'c', 'd'];
    const ready = names.map((n) => join(dir, `ready-${n}`));
    const url = pathToFileURL(LEDGER_JS).href;
    const done = names.map((n, i) => child([url, path, n, '20', ready[i], go]));
    await until('the children to load the ledger module', () => ready.every((r) => existsSync(r)));
    writeFileSync(go, '');
    const results = await Promise.all(done);
    for (const r of results) expect(r.stderr).toBe('');
    expect(results.map((r) => r.status)).toEqual([0, 0, 0, 0]);

    const { runs } = parseLedger(readFileSync(path, 'utf8'), path);
    const expected = names.flatMap((n) => Array.from({ length: 20 }, (_, i) => `${n}-${i}`));
    expect(runs.map((r) => r.runId).sort()).toEqual(expected.sort());
    // Each run: 1 s at $3600/h = $1, projected $1, finished.
    for (const r of runs)
      expect([r.status, r.wallSeconds, r.actualUsd, r.projectedUsd]).toEqual(['finished', 1, 1, 1]);
  });
});
