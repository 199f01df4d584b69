import { existsSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processAlive, withFileLock } from '../src/file-lock.js';
import { openLedger, startRun } from '../src/ledger.js';

const folder = () => mkdtempSync(join(tmpdir(), 'lock-'));
/** Beyond Linux's largest pid (2^22), so no process has it. */
const DEAD_PID = 99_999_999;

describe('withFileLock', () => {
  it('holds the lock while fn runs and removes it after, also when fn throws', () => {
    const lock = join(folder(), 'f.lock');
    expect(withFileLock(lock, () => existsSync(lock))).toBe(true);
    expect(existsSync(lock)).toBe(false);
    expect(() =>
      withFileLock(lock, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(existsSync(lock)).toBe(false);
  });

  it('waits for a live holder and then names it', () => {
    const lock = join(folder(), 'f.lock');
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname() }));
    expect(() => withFileLock(lock, () => 1, { waitMs: 30 })).toThrow(
      `${lock}: locked by process ${process.pid} on ${hostname()}`,
    );
    expect(existsSync(lock)).toBe(true);
  });

  it('breaks the lock of a process that is gone, and one older than staleMs from another host', () => {
    expect(processAlive(DEAD_PID)).toBe(false);
    expect(processAlive(process.pid)).toBe(true);
    const dir = folder();
    const lock = join(dir, 'f.lock');
    writeFileSync(lock, JSON.stringify({ pid: DEAD_PID, host: hostname() }));
    expect(withFileLock(lock, () => 'ran', { waitMs: 0 })).toBe('ran');
    writeFileSync(lock, JSON.stringify({ pid: 1, host: 'another-host' }));
    const old = (Date.now() - 60_000) / 1000;
    utimesSync(lock, old, old);
    expect(withFileLock(lock, () => 'ran', { waitMs: 0, staleMs: 30_000 })).toBe('ran');
    expect(readdirSync(dir)).toEqual([]); // no lock, nothing left aside
  });
});

describe('the ledger under its lock', () => {
  it('records a run past a lock left by a killed process', () => {
    const path = join(folder(), 'budget.json');
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: DEAD_PID, host: hostname() }));
    startRun(openLedger(path), { runId: 'r', outputDir: 'log', ratePerHour: 1.5 });
    expect(openLedger(path).runs.map((r) => r.runId)).toEqual(['r']);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});
