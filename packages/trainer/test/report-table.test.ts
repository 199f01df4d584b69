import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRun, type RunSummary, tuningTable } from '../src/report/index.js';
import { FORK_LOG, OURS_RUN_JSON, UPSTREAM_LOG, writeRuns } from './report-fixtures.js';

function twoRuns(): RunSummary[] {
  const root = writeRuns({
    ours: { 'main.log': FORK_LOG, 'run.json': OURS_RUN_JSON },
    upstream: { 'main.log': UPSTREAM_LOG },
  });
  return [loadRun(join(root, 'ours')), loadRun(join(root, 'upstream'))];
}

describe('tuningTable', () => {
  it('writes Markdown with "–" for what a run folder does not tell', () => {
    expect(tuningTable(twoRuns(), 'md')).toBe(
      '| run | max LR | steps | depth | channels | heads | parameters | projected cost ($) | actual cost ($) | ' +
        'of which training steps ($) | evaluation ($) | start-up ($) | checkpoints ($) | other ($) | ' +
        'min train loss | min val loss | final HellaSwag accuracy |\n' +
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n' +
        '| ours | 1e-3 | 6 | 6 | 384 | 6 | 30357504 | 0.42 | 0.37 | 0.20 | 0.10 | 0.05 | 0.01 | 0.0080 | 8.1000 | 8.0500 | 0.2600 |\n' +
        '| upstream | 3e-4 | 4 | – | – | – | – | – | – | – | – | – | – | – | 9.5000 | 9.2500 | – |\n',
    );
  });

  it('writes RFC 4180 CSV with empty fields for missing values', () => {
    expect(tuningTable(twoRuns(), 'csv')).toBe(
      'run,max LR,steps,depth,channels,heads,parameters,projected cost ($),actual cost ($),' +
        'of which training steps ($),evaluation ($),start-up ($),checkpoints ($),other ($),' +
        'min train loss,min val loss,final HellaSwag accuracy\r\n' +
        'ours,1e-3,6,6,384,6,30357504,0.42,0.37,0.20,0.10,0.05,0.01,0.0080,8.1000,8.0500,0.2600\r\n' +
        'upstream,3e-4,4,,,,,,,,,,,,9.5000,9.2500,\r\n',
    );
  });

  it('shows the costs of a short run with two significant digits, not 0.00', () => {
    const run: RunSummary = {
      name: 'short',
      dir: '/x',
      train: [],
      val: [],
      projectedUsd: 0.000123,
      actualUsd: 0.0052,
      costBreakdown: {
        trainingSteps: 0.0011,
        evaluation: 0.0035,
        startup: 0.00049,
        checkpoints: 0,
        other: 0.0001,
      },
    };
    const cells = tuningTable([run], 'csv').split('\r\n')[1].split(',');
    expect(cells.slice(7, 14)).toEqual([
      '0.00012',
      '0.0052',
      '0.0011',
      '0.0035',
      '0.00049',
      '0.00',
      '0.00010',
    ]);
  });

  it('quotes CSV fields with commas or quotes and escapes "|" in Markdown', () => {
    const run: RunSummary = { name: 'lr 1e-3, "warm"', dir: '/x', train: [], val: [] };
    const csv = tuningTable([run], 'csv').split('\r\n')[1];
    expect(csv).toBe('"lr 1e-3, ""warm""",,,,,,,,,,,,,,,,');
    const md = tuningTable([{ ...run, name: 'a|b' }], 'md').split('\n')[2];
    expect(md.startsWith('| a\\|b | – |')).toBe(true);
  });
});
