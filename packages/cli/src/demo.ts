/**
 * `npm start`: the HW5 workflow end to end on the bundled data.
 *
 * 1. prepare the bundled State of the Union shards and HellaSwag-style file;
 * 2. train the handout's Question 1 model (d1 c64 h1) at two max learning
 *    rates with `train_gpt2cu`'s own code path, cost probe and ledger included;
 * 3. evaluate the final checkpoints with `course eval`'s function;
 * 4. write the loss plot (SVG + PNG), the tuning table and the budget report;
 * 5. start the class leaderboard on localhost, submit both checkpoints as two
 *    demo students over HTTP, let a worker score them on the held-out split,
 *    print the board and keep serving it (until Ctrl-C; with CI=true or
 *    `--once` it exits after printing).
 *
 * Everything lands in ./demo-output (override with DEMO_OUT). Steps: DEMO_STEPS (default 200).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runLeaderboardDemo } from '@course/leaderboard';
import { checkpointFileName, GPT2, readCheckpoint, readHellaSwag, writeHellaSwag } from '@course/models';
import {
  ensureDefaultData,
  evaluateModel,
  formatBudgetReport,
  formatHellaSwag,
  formatValLoss,
  loadRun,
  openLedger,
  parseTrainArgs,
  processIO,
  reportCommandError,
  train,
  tuningTable,
  writePlot,
} from '@course/trainer';

const HANDOUT_BUDGET_USD = 20;
/**
 * Val loss is an average over batches, so each place says over how many: the
 * training runs' -m, step 3's course eval, and the leaderboard's quick scoring.
 */
const TRAIN_VAL_BATCHES = 10;
const EVAL_VAL_BATCHES = 20;
const BOARD_VAL_BATCHES = 10;
const B = 4;
const T = 64;
const LEARNING_RATES = ['1e-2', '1e-3'];
const DEMO_STUDENTS = ['ada', 'grace'];

async function main(): Promise<number> {
  const out = resolve(process.env.DEMO_OUT ?? 'demo-output');
  const steps = process.env.DEMO_STEPS ?? '200';
  mkdirSync(out, { recursive: true });
  const say = (line: string) => console.log(line);

  say('== 1. bundled data (State of the Union addresses, tokenized with GPT-2 BPE)');
  const data = ensureDefaultData();
  say(`train ${data.trainPattern}\nval   ${data.valPattern}\nHellaSwag-style eval ${data.hellaswagPath}`);
  // A 200-example slice keeps the periodic HellaSwag evals quick on a CPU.
  const hellaswag = join(out, 'hellaswag_demo.bin');
  writeHellaSwag(hellaswag, readHellaSwag(data.hellaswagPath).examples.slice(0, 200));

  const ledger = join(out, 'budget.json');
  const runs: string[] = [];
  for (const lr of LEARNING_RATES) {
    const dir = join(out, `q1_lr${lr}`);
    const argv = [
      ...['-o', dir, '-1d', '1', '-1c', '64', '-1h', '1', '-l', lr, '-x', steps, '-u', '20'],
      ...['-b', String(B), '-t', String(T), '-d', '256', '-v', '50', '-m', String(TRAIN_VAL_BATCHES)],
      ...['-s', '0', '-n', steps],
      ...['-id', data.trainPattern, '-iv', data.valPattern, '-ih', hellaswag],
      ...['--ledger', ledger, '--budget-usd', String(HANDOUT_BUDGET_USD)],
    ];
    say(`\n== 2. train_gpt2cu ${argv.join(' ')}`);
    await train(parseTrainArgs(argv));
    runs.push(dir);
  }

  say('\n== 3. course eval on the final checkpoints');
  for (const dir of runs) {
    const { config, params } = readCheckpoint(join(dir, checkpointFileName(Number(steps))));
    const model = new GPT2(config, params);
    const r = evaluateModel(model, {
      valPattern: data.valPattern,
      hellaswagPath: hellaswag,
      batches: EVAL_VAL_BATCHES,
      B,
      T,
    });
    model.dispose();
    const val = formatValLoss(r.val_loss ?? Number.NaN, { batches: r.val_batches, B: r.B, T: r.T });
    say(`${dir}: ${val} | HellaSwag ${formatHellaSwag(r.hellaswag_acc ?? 0, r.hellaswag_n)}`);
  }

  say('\n== 4. plots, tuning table, budget');
  const summaries = runs.map(loadRun);
  await writePlot(summaries, { metric: 'both', label: 'lr' }, join(out, 'loss.svg'));
  await writePlot(summaries, { metric: 'both', label: 'lr' }, join(out, 'loss.png'));
  const table = tuningTable(summaries, 'md');
  writeFileSync(join(out, 'tuning_table.md'), table);
  writeFileSync(join(out, 'tuning_table.csv'), tuningTable(summaries, 'csv'));
  say(table);
  say(formatBudgetReport(openLedger(ledger)));
  say(`\nwritten to ${out}:`);
  for (const f of ['loss.svg', 'loss.png', 'tuning_table.md', 'tuning_table.csv', 'budget.json'])
    say(`  ${join(out, f)}`);
  for (const dir of runs)
    say(`  ${dir}/ (main.log, metrics.jsonl, run.json, ${checkpointFileName(Number(steps))})`);

  say('\n== 5. class leaderboard: submit both checkpoints, score them on the held-out split');
  say(
    `(the board's val loss averages ${BOARD_VAL_BATCHES} batches of ${B}×${T} per split, step 3's ${EVAL_VAL_BATCHES} batches: so the two differ)`,
  );
  const once = process.argv.includes('--once') || process.env.CI === 'true';
  // A fresh class each time: the demo students are added anew.
  rmSync(join(out, 'leaderboard'), { recursive: true, force: true });
  const demo = await runLeaderboardDemo({
    checkpoints: runs.map((dir, i) => ({
      student: DEMO_STUDENTS[i],
      path: join(dir, checkpointFileName(Number(steps))),
      maxLr: Number(LEARNING_RATES[i]),
      spendUsd: actualSpend(dir),
    })),
    val: data.valPattern,
    hellaswag: data.hellaswagPath,
    arch: { depth: 1, channels: 64, heads: 1 },
    evaluation: { valBatches: BOARD_VAL_BATCHES, B, T, hellaswagLimit: 100 },
    dir: join(out, 'leaderboard'),
    once,
    log: say,
  });
  if (!once) {
    await new Promise<void>((done) => process.once('SIGINT', done));
    await demo.close();
  }
  return 0;
}

/** What a run cost (wall time × rate), as its run.json records it. */
function actualSpend(dir: string): number {
  const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { cost?: { actualUsd?: number } };
  return run.cost?.actualUsd ?? 0;
}

main().then(
  (code) => process.exit(code),
  (err) => process.exit(reportCommandError(err, processIO.stderr)),
);
