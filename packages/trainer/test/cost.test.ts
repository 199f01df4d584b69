import { describe, expect, it } from 'vitest';
import { costBreakdown, formatCostBreakdown, formatProbeCost, formatUsd, probeCost } from '../src/cost.js';

/** Step times: slow warm-up steps 0..9, then 10..19 as given. */
function times(probe: number[]): number[] {
  return [...Array(10).fill(5000), ...probe];
}

describe('probeCost', () => {
  it('takes the slowest of steps 10..19, ignoring slower warm-up steps', () => {
    const c = probeCost(times([100, 101, 99, 120, 100, 100, 100, 100, 100, 118]), { steps: 4725 });
    expect(c.slowestStep).toBe(13);
    // the 14th update: the console's "step 14/4725" line, main.log's s:13
    expect(c.slowestConsoleStep).toBe(14);
    expect(c.slowestMs).toBe(120);
    // 120 ms × 4725 steps = 567,000 ms = 0.1575 h; × $1.50 = $0.23625
    expect(c.runtimeHours).toBeCloseTo(0.1575, 12);
    expect(c.costUsd).toBeCloseTo(0.23625, 12);
    expect(c.ratePerHour).toBe(1.5);
  });
  it('uses the given rate and ignores steps after 19', () => {
    const stepMs = [...times(Array(10).fill(200)), 9999];
    const c = probeCost(stepMs, { steps: 1000, ratePerHour: 4 });
    expect(c.slowestMs).toBe(200);
    expect(c.slowestStep).toBe(10); // ties: the first
    // 200 × 1000 / 3.6e6 = 0.0555… h; × $4 = $0.2222…
    expect(c.runtimeHours).toBeCloseTo(1 / 18, 12);
    expect(c.costUsd).toBeCloseTo(2 / 9, 12);
  });
  it('needs every step of 10..19', () => {
    expect(() => probeCost(times([1, 2, 3]), { steps: 10 })).toThrow(/step 13/);
    expect(() => probeCost([], { steps: 10 })).toThrow(/step 10/);
  });
});

describe('formatProbeCost', () => {
  it('prints the handout arithmetic', () => {
    const lines = formatProbeCost(probeCost(times(Array(10).fill(1234.5)), { steps: 4725 }));
    // 1234.5 × 4725 / 3.6e6 = 1.62028125 h; × 1.5 = 2.430421875
    expect(lines).toEqual([
      'cost probe: slowest of steps 11-20 is step 11 at 1234.50 ms (numbered as the console\'s "step 11/…" line; main.log writes it as s:10)',
      'projected runtime: 1234.50 ms × 4725 steps / 3.6e6 = 1.6203 h',
      'projected cost: 1.6203 h × $1.50/h = $2.43',
    ]);
  });
  it('shows amounts under a cent with two significant digits', () => {
    expect(formatUsd(0.0012345)).toBe('$0.0012');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(12.345)).toBe('$12.35'); // the double is just above 12.345
  });
});

describe('costBreakdown', () => {
  it('splits the wall time into phases, the rest as other, each priced at the rate', () => {
    // 100 s at $36/h = $1: training 60 s, eval 25 s, start-up 10 s, checkpoints 3 s, other 2 s
    const b = costBreakdown({ trainingSteps: 60, evaluation: 25, startup: 10, checkpoints: 3 }, 100, 36);
    const expected = {
      trainingSteps: [60, 0.6],
      evaluation: [25, 0.25],
      startup: [10, 0.1],
      checkpoints: [3, 0.03],
      other: [2, 0.02],
    };
    expect(Object.keys(b)).toEqual(Object.keys(expected));
    for (const [phase, [seconds, usd]] of Object.entries(expected)) {
      expect(b[phase as keyof typeof b].seconds).toBeCloseTo(seconds, 12);
      expect(b[phase as keyof typeof b].usd).toBeCloseTo(usd, 12);
    }
    expect(formatCostBreakdown(b, 0.5)).toBe(
      'actual cost $1.00 = training steps $0.60 + evaluation $0.25 + start-up $0.10 + checkpoints $0.03 + other $0.02' +
        ' (the $0.50 projection covers training steps only)',
    );
    expect(formatCostBreakdown(b, null)).not.toContain('projection');
  });
});
