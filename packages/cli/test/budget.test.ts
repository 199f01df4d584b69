import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finishRun, openLedger, startRun } from '@course/trainer';
import { describe, expect, it } from 'vitest';
import { course } from './run-course.js';

describe('course budget', () => {
  it('reports the runs of a ledger and what they spent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'course-budget-'));
    const path = join(dir, 'budget.json');
    let now = Date.parse('2025-01-31T12:00:00Z');
    const ledger = openLedger(path, { budgetUsd: 10, clock: () => now });
    startRun(ledger, { runId: 'run-a', outputDir: 'log_a', ratePerHour: 1.5, projectedUsd: 0.75 });
    now += 3_600_000;
    // 2 h at $1.50/h = $3.00; 10 - 3 = $7.00 left
    finishRun(ledger, 'run-a', { wallSeconds: 7200 });

    const { code, stdout } = await course('budget', '--ledger', path);
    expect(code).toBe(0);
    expect(stdout).toMatch(/run-a\s+log_a\s+\$0\.75\s+\$3\.00\s+finished/);
    expect(stdout).toContain('$7.00');
  });

  it('a missing ledger says no runs are recorded yet (exit 0)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'course-budget-')), 'budget.json');
    const { code, stdout } = await course('budget', '--ledger', path);
    expect(code).toBe(0);
    expect(stdout).toContain('no runs recorded yet');
  });

  it('a ledger that is not JSON is exit 2 naming the file', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'course-budget-')), 'budget.json');
    writeFileSync(path, '{ not json');
    const { code, stderr } = await course('budget', '--ledger', path);
    expect(code).toBe(2);
    expect(stderr).toContain(path);
  });
});
