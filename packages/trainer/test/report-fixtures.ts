/**
 * Run folders written by hand for the report tests, in the formats llm.c and
 * the course fork write (main.log lines, the fork's run_parameters.txt table)
 * and our run.json. The expected summaries in the tests are read off these texts.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The fork's main.log: train lines end with ` time (ms):%.2f`. Ends `s:6 tel`, `s:6 eval`. */
export const FORK_LOG = `s:0 tel:10.9876
s:0 trl:10.9912 lr:0.000200 norm:15.23 time (ms):812.50
s:1 trl:9.8123 lr:0.000400 norm:9.87 time (ms):301.25
s:2 trl:8.7001 lr:0.000600 norm:6.54 time (ms):300.75
s:3 trl:8.9000 lr:0.000550 norm:5.01 time (ms):299.00
s:4 tel:8.6500
s:4 eval:0.2500
s:4 trl:8.1000 lr:0.000450 norm:4.00 time (ms):301.00
s:5 trl:8.2000 lr:0.000300 norm:3.00 time (ms):300.00
s:6 tel:8.0500
s:6 eval:0.2600
`;

/** Upstream llm.c's main.log: no time field, and no HellaSwag (run with -h 0). Ends `s:4 tel`. */
export const UPSTREAM_LOG = `s:0 tel:11.0100
s:0 trl:11.0050 lr:0.000100 norm:12.50
s:1 trl:10.2000 lr:0.000200 norm:8.25
s:2 tel:9.9000
s:2 trl:9.5000 lr:0.000300 norm:6.00
s:3 trl:9.6000 lr:0.000300 norm:5.00
s:4 tel:9.2500
`;

/** The fork's startup table as it appends it to run_parameters.txt (`%-50e` LR, `%-50zu` parameters). */
export function forkParameterTable(lr: string): string {
  const row = (name: string, value: string) => `| ${name.padEnd(21)} | ${value.padEnd(50)} |\n`;
  const rule = `+${'-'.repeat(23)}+${'-'.repeat(52)}+\n`;
  return (
    rule +
    row('Parameter', 'Value') +
    rule +
    row('learning rate (LR)', lr) +
    row('max_steps', '6') +
    rule +
    row('num_layers L', '6') +
    row('num_heads NH', '6') +
    row('channels C', '384') +
    row('num_parameters', '30357504') +
    rule
  );
}

/** A fresh temp folder holding one subfolder per entry of `runs`: file name -> text. */
export function writeRuns(runs: Record<string, Record<string, string>>): string {
  const root = mkdtempSync(join(tmpdir(), 'report-test-'));
  for (const [name, files] of Object.entries(runs)) {
    mkdirSync(join(root, name));
    for (const [file, text] of Object.entries(files)) writeFileSync(join(root, name, file), text);
  }
  return root;
}

/** Our run.json for a d6 run at LR 1e-3 with its cost estimate and spend. */
export const OURS_RUN_JSON = JSON.stringify({
  config: { learningRate: 0.001, maxSteps: 6, depth: 6, channels: 384, heads: 6, batchSize: 4, seqLen: 1024 },
  numParameters: 30357504,
  backend: 'wasm',
  cost: {
    projectedUsd: 0.42,
    actualUsd: 0.37,
    slowestStepMs: 301.25,
    runtimeHours: 0.0005,
    // $1.50/h: 480 s = $0.20, 240 s = $0.10, 120 s = $0.05, 28.8 s = $0.012, 19.2 s = $0.008; $0.37 in all
    breakdown: {
      trainingSteps: { seconds: 480, usd: 0.2 },
      evaluation: { seconds: 240, usd: 0.1 },
      startup: { seconds: 120, usd: 0.05 },
      checkpoints: { seconds: 28.8, usd: 0.012 },
      other: { seconds: 19.2, usd: 0.008 },
    },
  },
});
