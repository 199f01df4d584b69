/**
 * The muP figure and table from finished sweeps (sweeps/sp.json, sweeps/mup.json,
 * run by `course sweep`): final val loss against the LR, one curve per width,
 * one panel per parametrisation; and the measured optimum per width.
 *
 *   npx vite-node -c vitest.config.ts assignments/gpt2-tuning/mup/plot.ts -- OUT_DIR SWEEP_DIR...
 *
 * Every run folder under each SWEEP_DIR is read: its width (-1c), LR (-l) and
 * parametrisation (--mup) from run.json, its final val loss from the last
 * val_loss in metrics.jsonl. A width with no muP runs but SP runs at its own
 * base width (m = 1) takes those for the muP panel too: there muP is SP bit
 * for bit (packages/models/test/gpt2-mup.test.ts). Writes OUT_DIR/lr-transfer.svg,
 * results.csv and results.json.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LineChart, writeLineCharts } from '@course/trainer';

interface Trial {
  width: number;
  lr: number;
  mup: boolean;
  baseWidth: number | null;
  valLoss: number;
  dir: string;
}

function readTrial(dir: string): Trial | null {
  const runJson = join(dir, 'run.json');
  const metrics = join(dir, 'metrics.jsonl');
  if (!existsSync(runJson) || !existsSync(metrics)) return null;
  const run = JSON.parse(readFileSync(runJson, 'utf8'));
  if (run.status !== 'finished') return null;
  const rows = readFileSync(metrics, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { val_loss?: number });
  const vals = rows.filter((r) => r.val_loss !== undefined);
  if (vals.length === 0) return null;
  return {
    width: run.model.channels,
    lr: run.config.learningRate,
    mup: run.config.mup === true,
    baseWidth: run.config.mupBaseWidth ?? null,
    valLoss: vals[vals.length - 1].val_loss as number,
    dir,
  };
}

function trialsIn(sweepDir: string): Trial[] {
  if (!existsSync(sweepDir)) throw new Error(`${sweepDir}: no such sweep folder`);
  return readdirSync(sweepDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => readTrial(join(sweepDir, e.name)))
    .filter((t): t is Trial => t !== null);
}

/** The lowest final val loss per width. */
function optima(trials: Trial[]): { width: number; lr: number; valLoss: number }[] {
  const widths = [...new Set(trials.map((t) => t.width))].sort((a, b) => a - b);
  return widths.map((width) => {
    const best = trials.filter((t) => t.width === width).reduce((a, b) => (b.valLoss < a.valLoss ? b : a));
    return { width, lr: best.lr, valLoss: best.valLoss };
  });
}

function chart(title: string, trials: Trial[]): LineChart {
  const widths = [...new Set(trials.map((t) => t.width))].sort((a, b) => a - b);
  return {
    title,
    xTitle: 'log2(LR)',
    yTitle: 'final val loss',
    series: widths.map((width) => ({
      name: `width ${width}`,
      points: trials
        .filter((t) => t.width === width)
        .sort((a, b) => a.lr - b.lr)
        .map((t) => ({ x: Math.log2(t.lr), y: t.valLoss })),
    })),
  };
}

async function main(outDir: string, sweepDirs: string[]): Promise<void> {
  const all = sweepDirs.flatMap(trialsIn);
  const sp = all.filter((t) => !t.mup);
  const mup = all.filter((t) => t.mup);
  const baseWidth = mup[0]?.baseWidth ?? null;
  // m = 1: muP is SP bit for bit, so the SP runs at the base width stand in for muP's
  const borrowed =
    baseWidth !== null && !mup.some((t) => t.width === baseWidth)
      ? sp.filter((t) => t.width === baseWidth)
      : [];
  const mupPanel = [...mup, ...borrowed.map((t) => ({ ...t, mup: true, baseWidth }))];
  await writeLineCharts(
    [chart('standard parametrisation (SP)', sp), chart(`muP, base width ${baseWidth}`, mupPanel)],
    join(outDir, 'lr-transfer.svg'),
  );
  const csv = ['parametrisation,width,lr,log2_lr,final_val_loss'];
  for (const [name, trials] of [
    ['SP', sp],
    ['muP', mupPanel],
  ] as const) {
    for (const t of [...trials].sort((a, b) => a.width - b.width || a.lr - b.lr))
      csv.push(`${name},${t.width},${t.lr},${Math.log2(t.lr)},${t.valLoss}`);
  }
  writeFileSync(join(outDir, 'results.csv'), `${csv.join('\n')}\n`);
  const results = {
    baseWidth,
    borrowedFromSp: borrowed.length > 0 ? baseWidth : null,
    optima: { SP: optima(sp), muP: optima(mupPanel) },
  };
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(results.optima)}\n`);
}

const [outDir, ...sweepDirs] = process.argv.slice(2).filter((a) => a !== '--');
if (!outDir || sweepDirs.length === 0) {
  process.stderr.write('usage: plot.ts OUT_DIR SWEEP_DIR...\n');
  process.exit(2);
}
main(outDir, sweepDirs).catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
