import { InputError } from '@course/models';
import { describe, expect, it } from 'vitest';
import {
  bracketSteps,
  bracketStepsFromScratch,
  floorDiv,
  formatSweepPlan,
  hyperbandBrackets,
  maxBracket,
  planSweep,
  successiveHalving,
  sweepPlanJson,
  usdPerStep,
  validateSweepConfig,
} from '../src/index.js';

/** The HW5 handout's Hyperband table for R = 555, η = 3: [s, n_i, r_i]. */
const HANDOUT: [number, number[], number[]][] = [
  [5, [243, 81, 27, 9, 3, 1], [2, 6, 20, 61, 185, 555]],
  [4, [98, 32, 10, 3, 1], [6, 20, 61, 185, 555]],
  [3, [41, 13, 4, 1], [20, 61, 185, 555]],
  [2, [18, 6, 2], [61, 185, 555]],
  [1, [9, 3], [185, 555]],
  [0, [6], [555]],
];

describe('Hyperband brackets', () => {
  const brackets = hyperbandBrackets(555, 3);
  it("R = 555, η = 3 has the handout's six brackets, s = 5 … 0", () => {
    expect(brackets.map((b) => b.s)).toEqual([5, 4, 3, 2, 1, 0]);
  });
  for (const [s, n, r] of HANDOUT) {
    it(`R = 555, η = 3, bracket s = ${s}: n ${n.join(', ')} with r ${r.join(', ')}`, () => {
      const b = brackets.find((x) => x.s === s);
      expect(b?.rungs.map((x) => x.n)).toEqual(n);
      expect(b?.rungs.map((x) => x.r)).toEqual(r);
    });
  }

  it("R = 81, η = 3 is the Hyperband paper's Table 1 (where every r_i is a whole number)", () => {
    expect(hyperbandBrackets(81, 3).map((b) => b.rungs.map((x) => [x.n, x.r]))).toEqual([
      [
        [81, 1],
        [27, 3],
        [9, 9],
        [3, 27],
        [1, 81],
      ],
      [
        [34, 3],
        [11, 9],
        [3, 27],
        [1, 81],
      ],
      [
        [15, 9],
        [5, 27],
        [1, 81],
      ],
      [
        [8, 27],
        [2, 81],
      ],
      [[5, 81]],
    ]);
  });

  it('s_max = ⌊log_η R⌋ without floating-point log (243 = 3^5 exactly)', () => {
    expect(maxBracket(555, 3)).toBe(5);
    expect(maxBracket(243, 3)).toBe(5);
    expect(maxBracket(242, 3)).toBe(4);
    expect(maxBracket(2, 3)).toBe(0);
    expect(floorDiv(555, 3)).toBe(185);
    expect(floorDiv(554, 3)).toBe(184);
  });

  it('the plan counts 415 configurations; steps continue from checkpoints (s = 1: 9·185 + 3·370)', () => {
    const plan = planSweep({ strategy: 'hyperband', max_r: 555, eta: 3 });
    expect(plan.trials).toBe(243 + 98 + 41 + 18 + 9 + 6);
    const s1 = brackets.find((b) => b.s === 1);
    const s0 = brackets.find((b) => b.s === 0);
    if (!s1 || !s0) throw new Error('missing bracket');
    expect(bracketSteps(s1)).toBe(9 * 185 + 3 * (555 - 185));
    expect(bracketStepsFromScratch(s1)).toBe(9 * 185 + 3 * 555);
    expect(bracketSteps(s0)).toBe(6 * 555);
    expect(plan.projectedUsd).toBeNull();
  });

  it('rejects η < 2 and R < 1, naming the field', () => {
    expect(() => hyperbandBrackets(555, 1)).toThrow('hyperband: eta: found 1, expected an integer ≥ 2');
    expect(() => hyperbandBrackets(0, 3)).toThrow('hyperband: max_r: found 0, expected an integer ≥ 1');
  });
});

describe('successive halving', () => {
  it('R = 20, η = 2, n = 8, s = 3 (by hand: r = ⌊20/8⌋, ⌊20/4⌋, 20/2, 20 = 2, 5, 10, 20; n = 8, 4, 2, 1)', () => {
    const b = successiveHalving(20, 2, { n: 8, s: 3 });
    expect(b.rungs).toEqual([
      { n: 8, r: 2 },
      { n: 4, r: 5 },
      { n: 2, r: 10 },
      { n: 1, r: 20 },
    ]);
    // 8·2 + 4·(5−2) + 2·(10−5) + 1·(20−10) = 16 + 12 + 10 + 10
    expect(bracketSteps(b)).toBe(48);
    // 8·2 + 4·5 + 2·10 + 1·20
    expect(bracketStepsFromScratch(b)).toBe(76);
  });

  it('n = 10 halves by floor: 10, 5, 2, 1; the defaults are s = ⌊log_2 20⌋ = 4 and n = 2^4', () => {
    expect(successiveHalving(20, 2, { n: 10, s: 3 }).rungs.map((r) => r.n)).toEqual([10, 5, 2, 1]);
    const d = successiveHalving(20, 2);
    expect(d.s).toBe(4);
    expect(d.rungs).toEqual([
      { n: 16, r: 1 },
      { n: 8, r: 2 },
      { n: 4, r: 5 },
      { n: 2, r: 10 },
      { n: 1, r: 20 },
    ]);
  });

  it('too many halvings or too few trials are input errors', () => {
    expect(() => successiveHalving(20, 2, { s: 5 })).toThrow(/s: found 5, expected an integer from 0 to 4/);
    expect(() => successiveHalving(20, 2, { s: 3, n: 7 })).toThrow(
      /n: found 7, expected an integer ≥ 2\^3 = 8/,
    );
  });

  it('the plan prices the continued steps: 48 steps × 360 ms at $1.50/h', () => {
    const plan = planSweep({
      strategy: 'successive-halving',
      max_r: 20,
      eta: 2,
      n: 8,
      s: 3,
      ms_per_step: 360,
    });
    expect(plan.steps).toBe(48);
    expect(plan.trials).toBe(8);
    // 360 ms / 3.6e6 ms/h × $1.50/h = $0.00015 per step
    expect(plan.usdPerStep).toBeCloseTo(1.5e-4, 15);
    expect(plan.projectedUsd).toBeCloseTo(48 * 1.5e-4, 15);
    expect(usdPerStep({ usd_per_step: 0.01, ms_per_step: 360 })).toBe(0.01);
  });
});

describe('sweep configs', () => {
  it('grid lists every combination, the last key fastest, each with its steps', () => {
    const plan = planSweep({
      strategy: 'grid',
      space: { lr: { values: [1e-3, 2e-3] }, depth: { values: [2, 4] } },
      steps: 100,
      usd_per_step: 0.001,
    });
    expect(plan.trialList.map((t) => t.params)).toEqual([
      { lr: 1e-3, depth: 2 },
      { lr: 1e-3, depth: 4 },
      { lr: 2e-3, depth: 2 },
      { lr: 2e-3, depth: 4 },
    ]);
    expect(plan.steps).toBe(400);
    expect(plan.projectedUsd).toBeCloseTo(0.4, 12);
    const json = sweepPlanJson(plan) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual([
      'strategy',
      'brackets',
      'trials',
      'projected_usd',
      'steps',
      'stages',
      'trial_list',
    ]);
    expect(json.brackets).toEqual([]);
  });

  it('ms_per_stage prices every trial run besides its steps: Hyperband R = 9, η = 3 has 22 runs', () => {
    // Brackets s = 2: 9, 3, 1 runs; s = 1: 5, 1; s = 0: 3 → 22 runs, 69 steps (21 + 21 + 27).
    const plan = planSweep({
      strategy: 'hyperband',
      max_r: 9,
      eta: 3,
      usd_per_step: 0.001,
      ms_per_stage: 3600,
    });
    expect(plan.stages).toBe(22);
    expect(plan.steps).toBe(69);
    // 3600 ms = 0.001 h at $1.50/h = $0.0015 per run
    expect(plan.usdPerStage).toBeCloseTo(0.0015, 15);
    expect(plan.projectedUsd).toBeCloseTo(69 * 0.001 + 22 * 0.0015, 15);
    expect(formatSweepPlan(plan).at(-1)).toBe(
      'projected cost: 69 steps × $0.0010/step + 22 trial runs × $0.0015/run = $0.10',
    );
  });

  it('random draws log-uniformly inside the range, reproducibly for a seed', () => {
    const config = {
      strategy: 'random' as const,
      space: { lr: { log_uniform: [1e-4, 1e-2] as [number, number] }, depth: { values: [2, 4, 6] } },
      steps: 50,
      samples: 200,
      seed: 7,
    };
    const a = planSweep(config).trialList;
    expect(a).toHaveLength(200);
    expect(planSweep(config).trialList).toEqual(a);
    const lrs = a.map((t) => t.params.lr);
    expect(Math.min(...lrs)).toBeGreaterThanOrEqual(1e-4);
    expect(Math.max(...lrs)).toBeLessThanOrEqual(1e-2);
    // log-uniform: about half below the geometric midpoint 1e-3
    const below = lrs.filter((lr) => lr < 1e-3).length;
    expect(below).toBeGreaterThan(70);
    expect(below).toBeLessThan(130);
    expect(new Set(a.map((t) => t.params.depth))).toEqual(new Set([2, 4, 6]));
    expect(planSweep({ ...config, seed: 8 }).trialList).not.toEqual(a);
  });

  it('greedy doubling prices the longest case: 1 + max_doublings doublings and the fractions', () => {
    const plan = planSweep({ strategy: 'greedy-doubling', start_lr: 1e-4, steps: 30, max_doublings: 3 });
    expect(plan.trialList.slice(0, 4).map((t) => t.params.lr)).toEqual([1e-4, 2e-4, 4e-4, 8e-4]);
    expect(plan.trialList.slice(4).map((t) => t.note)).toEqual([
      '0.5 × the first LR that diverges',
      '0.25 × the first LR that diverges',
    ]);
    expect(plan.steps).toBe(6 * 30);
    expect(plan.atMost).toBe(true);
  });

  it('the schema check names every bad field', () => {
    const bad = {
      strategy: 'grid',
      space: { lr: { log_uniform: [-1, 1] }, depth: { values: [2], log_uniform: [1, 2] } },
      steps: 0,
      bogus: 1,
    };
    let message = '';
    try {
      validateSweepConfig(bad, 'sweep.json');
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      message = (error as Error).message;
    }
    expect(message).toContain('sweep.json: /space/lr/log_uniform/0: found -1, expected > 0');
    expect(message).toContain(
      'sweep.json: /space/depth: found 2 properties (values, log_uniform), expected at most 1',
    );
    expect(message).toContain('sweep.json: /steps: found 0, expected ≥ 1');
    expect(message).toMatch(
      /sweep\.json: \/bogus: unknown property, expected one of \$schema, description, strategy/,
    );
  });

  it("the schema requires each strategy's fields and a known strategy", () => {
    expect(() =>
      validateSweepConfig({ strategy: 'random', space: { lr: { values: [1] } } }, 'f.json'),
    ).toThrow(/f\.json: \/steps: missing, expected steps per trial[\s\S]*f\.json: \/samples: missing/);
    expect(() => validateSweepConfig({ strategy: 'bayes' }, 'f.json')).toThrow(
      'f.json: /strategy: found "bayes", expected one of "grid", "random", "greedy-doubling", "successive-halving", "hyperband"',
    );
    expect(() => validateSweepConfig([], 'f.json')).toThrow('f.json: /: found an array, expected an object');
    expect(validateSweepConfig({ strategy: 'hyperband', max_r: 81 }, 'f.json')).toEqual({
      strategy: 'hyperband',
      max_r: 81,
    });
  });

  it('a grid over a log-uniform range, or a bracket strategy without R, is an input error', () => {
    expect(() =>
      planSweep({ strategy: 'grid', space: { lr: { log_uniform: [1e-4, 1e-3] } }, steps: 10 }, 'g.json'),
    ).toThrow('g.json: /space/lr: found log_uniform, expected a values list for a grid');
    expect(() => planSweep({ strategy: 'hyperband' }, 'h.json')).toThrow(/h\.json: max_r: missing/);
  });
});
