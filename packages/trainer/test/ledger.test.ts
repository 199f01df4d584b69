import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BudgetError, InputError } from '@course/models';
import { describe, expect, it } from 'vitest';
import { sleepSync } from '../src/file-lock.js';
import {
  checkProjection,
  finishRun,
  formatBudgetReport,
  openLedger,
  parseLedger,
  recordProgress,
  remainingUsd,
  STALE_RUN_MS,
  setProjection,
  startHeartbeat,
  startRun,
} from '../src/ledger.js';

const ledgerPath = () => join(mkdtempSync(join(tmpdir(), 'ledger-')), 'budget.json');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

/** A clock the test moves by hand. */
function fakeClock(start = Date.UTC(2025, 0, 31, 12)) {
  let now = start;
  return { clock: () => now, advance: (ms: number) => (now += ms) };
}

describe('recording runs', () => {
  it('writes nothing until a run starts, then the documented JSON', () => {
    const path = ledgerPath();
    const { clock } = fakeClock();
    const ledger = openLedger(path, { clock });
    expect(existsSync(path)).toBe(false);
    startRun(ledger, { runId: 'q1-a', outputDir: 'log_q1', ratePerHour: 1.5 });
    expect(readJson(path)).toEqual({
      version: 1,
      budgetUsd: null,
      runs: [
        {
          runId: 'q1-a',
          outputDir: 'log_q1',
          ratePerHour: 1.5,
          projectedUsd: null,
          wallSeconds: 0,
          actualUsd: 0,
          status: 'running',
          startedAt: '2025-01-31T12:00:00.000Z',
          updatedAt: '2025-01-31T12:00:00.000Z',
          pid: process.pid,
          host: hostname(),
        },
      ],
    });
  });

  it('writes progress at most every few seconds, so a killed run keeps its last record', () => {
    const path = ledgerPath();
    const t = fakeClock();
    const ledger = openLedger(path, { clock: t.clock });
    startRun(ledger, { runId: 'r', outputDir: 'log', ratePerHour: 1.5 });
    t.advance(1000);
    recordProgress(ledger, 'r', 60);
    expect(readJson(path).runs[0].wallSeconds).toBe(0); // too soon after the last write
    t.advance(5000);
    recordProgress(ledger, 'r', 120);
    // The process is now "killed": no finishRun. A new reader sees 120 s × $1.50/h = $0.05.
    const after = openLedger(path);
    expect(after.runs[0]).toMatchObject({ wallSeconds: 120, status: 'running' });
    expect(after.runs[0].actualUsd).toBeCloseTo(0.05, 12);
    t.advance(10);
    recordProgress(ledger, 'r', 121, { force: true });
    expect(readJson(path).runs[0].wallSeconds).toBe(121);
  });

  it('records the projection and the end of a run', () => {
    const path = ledgerPath();
    const ledger = openLedger(path);
    startRun(ledger, { runId: 'r', outputDir: 'log', ratePerHour: 2 });
    setProjection(ledger, 'r', 0.75);
    finishRun(ledger, 'r', { wallSeconds: 900 });
    // 900 s = 0.25 h × $2/h = $0.50
    expect(readJson(path).runs[0]).toMatchObject({
      projectedUsd: 0.75,
      wallSeconds: 900,
      actualUsd: 0.5,
      status: 'finished',
    });
    startRun(ledger, { runId: 's', outputDir: 'log2', ratePerHour: 2 });
    finishRun(ledger, 's', { wallSeconds: 10, status: 'stopped' });
    expect(readJson(path).runs[1].status).toBe('stopped');
  });

  it('refuses a run id already in the ledger', () => {
    const path = ledgerPath();
    startRun(openLedger(path), { runId: 'r', outputDir: 'log', ratePerHour: 1.5 });
    expect(() => startRun(openLedger(path), { runId: 'r', outputDir: 'x', ratePerHour: 1.5 })).toThrow(
      InputError,
    );
  });

  it('keeps the runs of another process sharing the file', () => {
    const path = ledgerPath();
    const a = openLedger(path);
    const b = openLedger(path);
    startRun(a, { runId: 'a', outputDir: 'la', ratePerHour: 1.5 });
    startRun(b, { runId: 'b', outputDir: 'lb', ratePerHour: 1.5 });
    recordProgress(a, 'a', 3600, { force: true });
    finishRun(b, 'b', { wallSeconds: 7200 });
    const runs = readJson(path).runs;
    expect(runs.map((r: { runId: string; actualUsd: number }) => [r.runId, r.actualUsd])).toEqual([
      ['a', 1.5],
      ['b', 3],
    ]);
  });
});

/** Beyond Linux's largest pid (2^22), so no process has it. */
const DEAD_PID = 99_999_999;

/** A ledger file as an earlier version wrote it (no pid or host, no "interrupted"). */
function oldLedger(runs: Record<string, unknown>[]): string {
  const base = {
    outputDir: 'log',
    ratePerHour: 1.5,
    projectedUsd: null,
    startedAt: '2025-01-31T12:00:00.000Z',
  };
  return JSON.stringify({ version: 1, budgetUsd: 20, runs: runs.map((r) => ({ ...base, ...r })) });
}

describe('runs that die', () => {
  it('an old ledger still loads, and a later start marks its stale running entry interrupted', () => {
    const path = ledgerPath();
    // 1200 s at $1.50/h = $0.50, last heartbeat 12:20
    const dead = {
      runId: 'old',
      wallSeconds: 1200,
      actualUsd: 0.5,
      status: 'running',
      updatedAt: '2025-01-31T12:20:00.000Z',
    };
    const done = { ...dead, runId: 'done', status: 'finished' };
    writeFileSync(path, oldLedger([dead, done]));
    expect(parseLedger(readFileSync(path, 'utf8'), path).runs.map((r) => r.status)).toEqual([
      'running',
      'finished',
    ]);
    // The next start, STALE_RUN_MS after that heartbeat and one ms more.
    const ledger = openLedger(path, { clock: () => Date.parse(dead.updatedAt) + STALE_RUN_MS + 1 });
    startRun(ledger, { runId: 'new', outputDir: 'log2', ratePerHour: 1.5 });
    const runs = readJson(path).runs;
    expect(runs[0]).toMatchObject({
      status: 'interrupted',
      wallSeconds: 1200,
      actualUsd: 0.5,
      updatedAt: dead.updatedAt,
    });
    expect(runs[0].note).toContain('last heartbeat 2025-01-31T12:20:00.000Z');
    expect(runs[1].status).toBe('finished');
    expect(runs[2]).toMatchObject({ runId: 'new', status: 'running' });
  });

  it('a start marks a running entry of a process that is gone on this host, however fresh', () => {
    const path = ledgerPath();
    const now = Date.UTC(2025, 0, 31, 12, 0, 10);
    const heartbeat = '2025-01-31T12:00:05.000Z'; // 5 s ago: fresh, but its process is gone
    const gone = {
      runId: 'gone',
      wallSeconds: 60,
      actualUsd: 0.025,
      status: 'running',
      updatedAt: heartbeat,
      pid: DEAD_PID,
      host: hostname(),
    };
    const alive = { ...gone, runId: 'alive', pid: process.pid };
    const elsewhere = { ...gone, runId: 'elsewhere', host: `not-${hostname()}` };
    writeFileSync(path, oldLedger([gone, alive, elsewhere]));
    startRun(openLedger(path, { clock: () => now }), { runId: 'new', outputDir: 'log2', ratePerHour: 1.5 });
    const runs = readJson(path).runs;
    expect(runs.map((r: { status: string }) => r.status)).toEqual([
      'interrupted',
      'running',
      'running',
      'running',
    ]);
    expect(runs[0]).toMatchObject({ wallSeconds: 60, actualUsd: 0.025, updatedAt: heartbeat });
    expect(runs[0].note).toContain(`process ${DEAD_PID} on ${hostname()} is gone`);
  });

  it('finishes with status interrupted and its spend', () => {
    const path = ledgerPath();
    const ledger = openLedger(path);
    startRun(ledger, { runId: 'r', outputDir: 'log', ratePerHour: 1.5 });
    finishRun(ledger, 'r', { wallSeconds: 30, status: 'interrupted', note: 'SIGINT' });
    // 30 s at $1.50/h = $0.0125
    expect(readJson(path).runs[0]).toMatchObject({
      status: 'interrupted',
      wallSeconds: 30,
      actualUsd: 0.0125,
      note: 'SIGINT',
    });
  });

  it('the heartbeat thread records the spend while this thread is busy (a long step)', async () => {
    const path = ledgerPath();
    const ledger = openLedger(path);
    startRun(ledger, { runId: 'r', outputDir: 'log', ratePerHour: 3600 });
    const startedAtMs = Date.now() - 100_000; // the run began 100 s ago: $100 at $3600/h
    const heartbeat = startHeartbeat({ ledgerPath: path, runId: 'r', startedAtMs, intervalMs: 20 });
    // Block this thread (no event loop turns) until the file shows a heartbeat, or 60 s.
    let run = readJson(path).runs[0];
    for (const end = Date.now() + 60_000; run.wallSeconds === 0 && Date.now() < end; sleepSync(10)) {
      run = readJson(path).runs[0];
    }
    await heartbeat.stop();
    expect(run.status).toBe('running');
    expect(run.wallSeconds).toBeGreaterThanOrEqual(100);
    expect(run.actualUsd).toBeCloseTo(run.wallSeconds, 9); // $1 per second
    expect(Date.parse(run.updatedAt)).toBeGreaterThanOrEqual(startedAtMs + run.wallSeconds * 1000 - 1);
    // Stopped: a finished run is not touched again.
    finishRun(ledger, 'r', { wallSeconds: 200 });
    sleepSync(100);
    expect(readJson(path).runs[0]).toMatchObject({ status: 'finished', wallSeconds: 200 });
  });
});

describe('the budget', () => {
  it('is kept in the file and applies to later runs that do not repeat --budget-usd', () => {
    const path = ledgerPath();
    const first = openLedger(path, { budgetUsd: 5 });
    startRun(first, { runId: 'r1', outputDir: 'log', ratePerHour: 1.5 });
    finishRun(first, 'r1', { wallSeconds: 3600 }); // $1.50
    const later = openLedger(path);
    expect(later.budgetUsd).toBe(5);
    expect(remainingUsd(later)).toBeCloseTo(3.5, 12);
    expect(remainingUsd(openLedger(path, { budgetUsd: 10 }))).toBeCloseTo(8.5, 12);
    expect(remainingUsd(openLedger(ledgerPath()))).toBe(Infinity);
  });

  it('stops a run whose projection exceeds what is left, saying by how much', () => {
    const path = ledgerPath();
    const ledger = openLedger(path, { budgetUsd: 1 });
    startRun(ledger, { runId: 'old', outputDir: 'log', ratePerHour: 1.5 });
    finishRun(ledger, 'old', { wallSeconds: 1200 }); // $0.50 spent
    startRun(ledger, { runId: 'new', outputDir: 'log2', ratePerHour: 1.5 });
    recordProgress(ledger, 'new', 120, { force: true }); // $0.05: part of its own projection
    expect(checkProjection(ledger, 0.5, { allowOverBudget: false, runId: 'new' })).toMatchObject({
      withinBudget: true,
      overByUsd: 0,
    });
    let error: unknown;
    try {
      checkProjection(ledger, 0.8, { allowOverBudget: false, runId: 'new' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BudgetError);
    expect((error as BudgetError).exitCode).toBe(3);
    // left: $1.00 − $0.50 = $0.50; over by $0.80 − $0.50 = $0.30
    expect((error as Error).message).toContain('$0.80 exceeds the $0.50 left of the $1.00 budget');
    expect((error as Error).message).toContain('by $0.30');
    // Without runId the run's own $0.05 counts as spent elsewhere: left $0.45, over by $0.35.
    const allowed = checkProjection(ledger, 0.8, { allowOverBudget: true });
    expect(allowed.withinBudget).toBe(false);
    expect(allowed.overByUsd).toBeCloseTo(0.35, 12);
    expect(allowed.message).toContain('by $0.35');
  });

  it('never stops a run without a budget', () => {
    const ledger = openLedger(ledgerPath());
    expect(checkProjection(ledger, 1e6, { allowOverBudget: false }).withinBudget).toBe(true);
  });
});

describe('a bad ledger file', () => {
  it('is an InputError naming the file and field, and is never overwritten', () => {
    const path = ledgerPath();
    const cases: [string, string][] = [
      ['{not json', 'not valid JSON'],
      ['[]', '(top level)'],
      ['{"version": 2, "budgetUsd": null, "runs": []}', 'version'],
      ['{"version": 1, "budgetUsd": -5, "runs": []}', 'budgetUsd'],
      ['{"version": 1, "budgetUsd": null}', 'runs'],
      ['{"version": 1, "budgetUsd": null, "runs": [{"runId": "r"}]}', 'runs[0].outputDir'],
    ];
    for (const [text, field] of cases) {
      writeFileSync(path, text);
      expect(() => openLedger(path)).toThrow(InputError);
      expect(() => openLedger(path)).toThrow(path);
      expect(() => openLedger(path)).toThrow(field);
      expect(readFileSync(path, 'utf8')).toBe(text);
    }
  });

  it('a folder given as the ledger is an InputError naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-dir-'));
    expect(() => openLedger(dir)).toThrow(InputError);
    expect(() => openLedger(dir)).toThrow(`${dir}: found a folder, expected a ledger file`);
  });

  it('that goes bad while a run is going is not overwritten either', () => {
    const path = ledgerPath();
    const ledger = openLedger(path);
    startRun(ledger, { runId: 'r', outputDir: 'log', ratePerHour: 1.5 });
    writeFileSync(path, '{"version": 1, "budgetUsd": null, "runs": [{"runId": 3}]}');
    expect(() => recordProgress(ledger, 'r', 60, { force: true })).toThrow('runs[0].runId');
    expect(readJson(path).runs[0].runId).toBe(3);
  });
});

describe('formatBudgetReport', () => {
  it('lists every run and the totals', () => {
    const path = ledgerPath();
    const t = fakeClock();
    const ledger = openLedger(path, { budgetUsd: 20, clock: t.clock });
    startRun(ledger, { runId: 'q1-a', outputDir: 'log_q1', ratePerHour: 1.5 });
    setProjection(ledger, 'q1-a', 2.43);
    finishRun(ledger, 'q1-a', { wallSeconds: 5400 }); // 1.5 h → $2.25
    startRun(ledger, { runId: 'q2-b', outputDir: 'log_q2', ratePerHour: 1.5 });
    recordProgress(ledger, 'q2-b', 48, { force: true }); // 48 s at $1.50/h = $0.02
    const report = formatBudgetReport(ledger).split('\n');
    expect(report[0]).toBe(`ledger ${path}`);
    expect(report[1].split(/\s{2,}/)).toEqual([
      'run',
      'output dir',
      'projected',
      'actual',
      'status',
      'last update',
    ]);
    expect(report[2].split(/\s+/)).toEqual([
      'q1-a',
      'log_q1',
      '$2.43',
      '$2.25',
      'finished',
      '2025-01-31T12:00:00.000Z',
    ]);
    expect(report[3].split(/\s+/).slice(0, 5)).toEqual(['q2-b', 'log_q2', '-', '$0.02', 'running']);
    // 2.25 + 0.02 = 2.27 spent, 17.73 left
    expect(report[4]).toBe('spent $2.27 of $20.00; left $17.73');
  });

  it('says when there is no budget or no run', () => {
    const report = formatBudgetReport(openLedger(ledgerPath()));
    expect(report).toContain('(no runs recorded)');
    expect(report).toContain('spent $0.00; no budget set (--budget-usd)');
  });
});
