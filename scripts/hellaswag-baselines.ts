/**
 * Measures the bundled generated HellaSwag set (`course data default`) with four
 * reference models, each scored as llm.c scores HellaSwag (lowest mean loss over
 * the ending's tokens; first wins ties), with its Wilson 95% interval:
 *   untrained  llm.c's random init, d1 c64 h1 (seed 42), through the trainer's evaluateModel
 *   unigram    token counts of the train shard, add-1 smoothing (no context)
 *   bigram     the train shard's bigram counts interpolated with the unigram model
 *   d2         `train_gpt2cu -1d 2 -1c 128 -1h 2 -b 8 -t 64 -d 512 -l LR -u 20 -x STEPS`
 *              on the train shard, via the trainer's train() (STEPS: the first argument, default 600),
 *              scored every EVERY steps (the second, default 200) and at the end; LR the third
 *              argument, default 1e-3 (the test of the bundled set trains 300 steps at 4e-3)
 * Run from the repository root: npx vite-node --config vitest.config.ts scripts/hellaswag-baselines.ts [STEPS] [EVERY] [LR]
 * (COURSE_BACKEND picks the backend; auto takes native when built).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  expandShardPattern,
  GPT2,
  gpt2Config,
  type HellaSwagExample,
  initParametersLlmc,
  parseMainLog,
  readHellaSwag,
  readShard,
  selectBackend,
} from '@course/models';
import { accuracyInterval, ensureDefaultData, evaluateModel, parseTrainArgs, train } from '@course/trainer';

const V = 50257;

function line(name: string, correct: number, n: number, extra = ''): void {
  const [lo, hi] = accuracyInterval(correct, n);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  console.log(
    `${name.padEnd(10)} ${correct}/${n} = ${pct(correct / n)} (95% CI ${pct(lo)}–${pct(hi)})${extra}`,
  );
}

/** Correct answers of a context-window-1 model p(next | prev) under llm.c's acc_norm. */
function countCorrect(examples: HellaSwagExample[], p: (prev: number, next: number) => number): number {
  let correct = 0;
  for (const ex of examples) {
    const losses = ex.endings.map((ending) => {
      const seq = [...ex.context, ...ending];
      let loss = 0;
      for (let j = ex.context.length; j < seq.length; j++) loss -= Math.log(p(seq[j - 1], seq[j]));
      return loss / ending.length;
    });
    if (losses.indexOf(Math.min(...losses)) === ex.label) correct++;
  }
  return correct;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'hellaswag-baselines-'));
  const data = ensureDefaultData(join(root, 'sotu'));
  const { examples } = readHellaSwag(data.hellaswagPath);
  const n = examples.length;

  const unigram = new Float64Array(V);
  const bigram = new Map<number, number>();
  let total = 0;
  for (const path of expandShardPattern(data.trainPattern)) {
    const tokens = readShard(path);
    for (let i = 0; i < tokens.length; i++) {
      unigram[tokens[i]]++;
      total++;
      if (i > 0)
        bigram.set(tokens[i - 1] * V + tokens[i], (bigram.get(tokens[i - 1] * V + tokens[i]) ?? 0) + 1);
    }
  }
  const pUnigram = (t: number) => (unigram[t] + 1) / (total + V);
  const pBigram = (prev: number, t: number) => {
    const seen = unigram[prev];
    const weight = seen / (seen + 5);
    return weight * (seen ? (bigram.get(prev * V + t) ?? 0) / seen : 0) + (1 - weight) * pUnigram(t);
  };

  const backend = await selectBackend(undefined, { log: () => {} });
  console.log(`${n} examples, backend ${backend.name}`);
  const config = gpt2Config({ depth: 1, channels: 64, heads: 1 });
  const untrained = new GPT2(config, initParametersLlmc(config, 42));
  const r = evaluateModel(untrained, { hellaswagPath: data.hellaswagPath });
  line('untrained', Math.round((r.hellaswag_acc as number) * n), n);
  untrained.dispose();
  line(
    'unigram',
    countCorrect(examples, (_, t) => pUnigram(t)),
    n,
  );
  line('bigram', countCorrect(examples, pBigram), n);

  const steps = process.argv[2] ?? '600';
  const every = process.argv[3] ?? '200';
  const lr = process.argv[4] ?? '1e-3';
  const out = join(root, 'd2');
  const started = performance.now();
  const args = [
    ...['-o', out, '-id', data.trainPattern, '-iv', data.valPattern, '-ih', data.hellaswagPath],
    ...['-1d', '2', '-1c', '128', '-1h', '2', '-b', '8', '-t', '64', '-d', '512'],
    ...['-l', lr, '-u', '20', '-x', steps, '-v', every, '-m', '20', '-s', '0', '-n', '0'],
    ...['--ledger', join(root, 'budget.json')],
  ];
  await train(parseTrainArgs(args), { log: () => {}, warn: () => {} });
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  const log = parseMainLog(readFileSync(join(out, 'main.log'), 'utf8'));
  for (const { step, acc } of log.eval) {
    const val = log.val.find((v) => v.step === step)?.loss;
    line(`d2 s${step}`, Math.round(acc * n), n, ` val loss ${val?.toFixed(3)}`);
  }
  console.log(`d2: ${steps} steps in ${seconds} s`);
}

await main();
