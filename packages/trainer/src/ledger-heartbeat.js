// @ts-check
/**
 * The ledger's heartbeat thread (started by startHeartbeat in ledger.ts): every
 * intervalMs, under the ledger's lock, it sets the run's
 *   wallSeconds = (now − startedAtMs) / 1000,  actualUsd = wallSeconds / 3600 × ratePerHour,
 *   updatedAt   = now
 * while the entry is "running" (or "interrupted" by a start that took this live
 * run for dead: it is set back to "running"). Nothing is written once the
 * shared `stopped` flag is set; the message 'stop' ends the thread between beats.
 * A beat that fails (a ledger that no longer parses, say) is skipped: the
 * training thread's own writes report such files.
 *
 * Plain JavaScript, like file-lock.js: a worker thread has no TypeScript loader.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { withFileLock } from './file-lock.js';

/** @type {{ ledgerPath: string, runId: string, startedAtMs: number, intervalMs: number, stopped: Int32Array }} */
const { ledgerPath, runId, startedAtMs, intervalMs, stopped } = workerData;

function beat() {
  withFileLock(`${ledgerPath}.lock`, () => {
    if (Atomics.load(stopped, 0) !== 0) return;
    const file = JSON.parse(readFileSync(ledgerPath, 'utf8'));
    const run = Array.isArray(file?.runs)
      ? file.runs.find((/** @type {any} */ r) => r?.runId === runId)
      : null;
    if (!run || !(run.status === 'running' || run.status === 'interrupted')) return;
    const now = Date.now();
    run.wallSeconds = (now - startedAtMs) / 1000;
    run.actualUsd = (run.wallSeconds / 3600) * run.ratePerHour;
    run.updatedAt = new Date(now).toISOString();
    if (run.status === 'interrupted') {
      run.status = 'running';
      delete run.note;
    }
    replaceFile(ledgerPath, `${JSON.stringify(file, null, 2)}\n`);
  });
}

/**
 * Writes a temporary file beside `path` and renames it over `path` (as
 * writeFileAtomic in @course/models), so readers never see half a file.
 * @param {string} path
 * @param {string} text
 */
function replaceFile(path, text) {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${threadId}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

const timer = setInterval(() => {
  try {
    beat();
  } catch {
    // skipped; see above
  }
}, intervalMs);

parentPort?.on('message', () => {
  clearInterval(timer);
  parentPort?.close();
});
