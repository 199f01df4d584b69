import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { course } from './run-course.js';

let root: string;
const write = (name: string, data: unknown) => {
  const file = join(root, name);
  writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
  return file;
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'course-sweep-'));
});

describe('course sweep --plan', () => {
  it('course --help lists sweep and transfer', async () => {
    const { code, stdout } = await course('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\s+sweep \[options\]/m);
    expect(stdout).toMatch(/^\s+transfer \[options\]/m);
  });

  it("--strategy hyperband --max-r 555 --eta 3 --json: the handout's brackets, no config needed", async () => {
    const { code, stdout, stderr } = await course(
      'sweep',
      '--plan',
      '--strategy',
      'hyperband',
      '--max-r',
      '555',
      '--eta',
      '3',
      '--json',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const plan = JSON.parse(stdout);
    expect(plan.strategy).toBe('hyperband');
    expect(plan.brackets.map((b: { s: number }) => b.s)).toEqual([5, 4, 3, 2, 1, 0]);
    expect(plan.brackets[1]).toEqual({
      s: 4,
      rungs: [
        { n: 98, r: 6 },
        { n: 32, r: 20 },
        { n: 10, r: 61 },
        { n: 3, r: 185 },
        { n: 1, r: 555 },
      ],
    });
    expect(plan.trials).toBe(415);
    expect(plan.projected_usd).toBeNull();
  });

  it('text plan with --ms-per-step prices the steps at $1.50/h', async () => {
    const { code, stdout } = await course(
      'sweep',
      '--plan',
      '--strategy',
      'successive-halving',
      '--max-r',
      '27',
      '--ms-per-step',
      '360',
    );
    expect(code).toBe(0);
    // s = 3: 27 × 1, 9 × 3, 3 × 9, 1 × 27; continued: 27 + 9·2 + 3·6 + 1·18 = 81 steps
    expect(stdout).toContain(
      'bracket s = 3: trials × steps per rung: 27 × 1, 9 × 3, 3 × 9, 1 × 27 (81 steps)',
    );
    expect(stdout).toContain('projected cost: 81 steps × $0.00015/step = $0.01'); // 81 × 0.00015 = 0.01215
  });

  it('--config with a grid lists its trials; flags override the config', async () => {
    const config = write('grid.json', {
      strategy: 'grid',
      base: { '-e': 'd4', '-u': 0 },
      space: { lr: { values: [3e-4, 6e-4, 1.2e-3] } },
      steps: 200,
      usd_per_step: 0.0001,
    });
    const { code, stdout } = await course('sweep', '--plan', '--config', config, '--json');
    expect(code).toBe(0);
    const plan = JSON.parse(stdout);
    expect(plan.trials).toBe(3);
    expect(plan.trial_list.map((t: { params: { lr: number } }) => t.params.lr)).toEqual([3e-4, 6e-4, 1.2e-3]);
    expect(plan.projected_usd).toBeCloseTo(0.06, 12);

    const hb = await course(
      'sweep',
      '--plan',
      '--config',
      config,
      '--strategy',
      'hyperband',
      '--max-r',
      '9',
      '--json',
    );
    expect(hb.code).toBe(0);
    expect(JSON.parse(hb.stdout).brackets).toHaveLength(3);
  });

  it('a bad config is exit 2 naming each field', async () => {
    const config = write('bad.json', {
      strategy: 'random',
      space: { lr: { log_uniform: [0, 1] } },
      steps: 10,
    });
    const { code, stderr } = await course('sweep', '--plan', '--config', config);
    expect(code).toBe(2);
    expect(stderr).toContain(`${config}: /space/lr/log_uniform/0: found 0, expected > 0`);
    expect(stderr).toContain(`${config}: /samples: missing, expected trials drawn (random)`);
  });

  it('running without a config, or a grid without a config, is exit 2 saying what is missing', async () => {
    const run = await course('sweep', '--strategy', 'hyperband', '--max-r', '9');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--config: missing, expected a sweep config file to run/);
    const grid = await course('sweep', '--plan', '--strategy', 'grid');
    expect(grid.code).toBe(2);
    expect(grid.stderr).toMatch(/--strategy grid: found no --config, expected one/);
    const noR = await course('sweep', '--plan', '--strategy', 'hyperband');
    expect(noR.code).toBe(2);
    expect(noR.stderr).toMatch(/max_r: missing/);
  });
});
