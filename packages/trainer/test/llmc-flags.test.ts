import { InputError } from '@course/models';
import { describe, expect, it } from 'vitest';
import {
  gradAccumSteps,
  LONG_FLAGS,
  parseTrainArgs,
  SHORT_FLAGS,
  scheduleWarning,
  trainUsage,
} from '../src/llmc-flags.js';

const noEnv = {};
const parse = (line: string) => parseTrainArgs(line === '' ? [] : line.split(/\s+/), noEnv);

/** Expects an InputError whose message contains every fragment. */
function rejects(line: string, ...fragments: string[]) {
  let error: unknown;
  try {
    parse(line);
  } catch (e) {
    error = e;
  }
  expect(error, `"${line}" should be rejected`).toBeInstanceOf(InputError);
  for (const fragment of fragments) expect((error as Error).message).toContain(fragment);
}

describe('defaults', () => {
  it("are the fork's code defaults (not its help text's)", () => {
    const o = parse('');
    expect(o).toMatchObject({
      batchSize: 64,
      seqLen: 1024,
      totalBatchSize: 524288,
      maxSteps: 4725,
      learningRate: 6e-4,
      warmupSteps: 470,
      finalLrFraction: 0,
      weightDecay: 0.1,
      valEvery: 250,
      valMaxSteps: 20,
      sampleEvery: 20000,
      genTokens: 64,
      hellaswag: true,
      checkpointEvery: 1000,
      keepCheckpoints: 0,
      majorCheckpointEvery: 0,
      resume: false,
      outputDir: 'log',
      scheduler: 'cosine',
      earlyStopStep: -1,
      startStep: 0,
      skipLossZ: 0,
      skipGradZ: 0,
      overfitSingleBatch: false,
      initFrom: null,
      depth: 12,
      channels: 768,
      heads: 12,
      trainPattern: 'data/fineweb_train_*.bin',
      valPattern: 'data/fineweb_val_*.bin',
      tokenizerPath: null,
      hellaswagPath: 'data/hellaswag_val.bin',
      ignoredFlags: [],
      backend: 'auto',
      seed: undefined,
      rateUsdPerHour: 1.5,
      ledgerPath: './budget.json',
      budgetUsd: null,
      allowOverBudget: false,
      fp32Checkpoints: false,
      init: 'llmc',
      help: false,
    });
    // 524288 / (64 · 1024) = 8 micro-batches per update
    expect(gradAccumSteps(o)).toBe(8);
  });
});

describe('command lines from the course', () => {
  it("parses the fork's example script line", () => {
    const o = parse('-o log_q1 -b 128 -1d 1 -1c 64 -1h 1 -l 0.01 -u 70 -x 1000');
    expect(o).toMatchObject({ outputDir: 'log_q1', batchSize: 128, depth: 1, channels: 64, heads: 1 });
    expect(o).toMatchObject({ learningRate: 0.01, warmupSteps: 70, maxSteps: 1000 });
    expect(gradAccumSteps(o)).toBe(4); // 524288 / (128 · 1024)
  });
  it("accepts the handout's -ld/-lc/-lh as -1d/-1c/-1h and upstream's -i/-j as -id/-iv", () => {
    const handout = parse('-ld 2 -lc 128 -lh 4 -i tr_*.bin -j va_*.bin');
    const fork = parse('-1d 2 -1c 128 -1h 4 -id tr_*.bin -iv va_*.bin');
    expect(handout).toEqual(fork);
    expect(fork).toMatchObject({
      depth: 2,
      channels: 128,
      heads: 4,
      trainPattern: 'tr_*.bin',
      valPattern: 'va_*.bin',
    });
  });
  it('takes negative values as values: -x -1, -es -1, -d -1 (= B·T)', () => {
    const o = parse('-b 4 -t 256 -d -1 -x -1 -es -1');
    expect(o).toMatchObject({ maxSteps: -1, earlyStopStep: -1, totalBatchSize: 1024 });
    expect(gradAccumSteps(o)).toBe(1);
  });
  it('lets the last of repeated flags win, as llm.c does', () => {
    expect(parse('-b 8 -b 16').batchSize).toBe(16);
    expect(parse('-1d 3 -ld 5').depth).toBe(5);
  });
  it('reads -h as HellaSwag and only --help as help', () => {
    expect(parse('-h 0')).toMatchObject({ hellaswag: false, help: false });
    expect(parse('--help').help).toBe(true);
    expect(parse('-b nonsense --help').help).toBe(true); // help wins over errors
    expect(parse('-o --help')).toMatchObject({ help: false, outputDir: '--help' }); // a value, not a flag
  });
  it('loads -e X.bin and ignores a descriptor, like the fork', () => {
    expect(parse('-e gpt2_124M_bf16.bin').initFrom).toBe('gpt2_124M_bf16.bin');
    const o = parse('-e d12');
    expect(o.initFrom).toBeNull();
    expect(o.ignoredFlags.map((f) => [f.flag, f.value])).toEqual([['-e', 'd12']]);
  });
  it('sets every other short flag', () => {
    const o = parse(
      '-it tok.bin -ih hs.bin -t 512 -d 65536 -b 8 -es 100 -ss 5 -k wsd -q 0.1 -c 0 -sl 3 -sg 2.5 -v 50 -m -1 -s 0 -g 32 -n 0 -nk 2 -nm 500 -y 1 -a 1',
    );
    expect(o).toMatchObject({
      tokenizerPath: 'tok.bin',
      hellaswagPath: 'hs.bin',
      seqLen: 512,
      totalBatchSize: 65536,
      earlyStopStep: 100,
      startStep: 5,
      scheduler: 'wsd',
      finalLrFraction: 0.1,
      weightDecay: 0,
      skipLossZ: 3,
      skipGradZ: 2.5,
      valEvery: 50,
      valMaxSteps: -1,
      sampleEvery: 0,
      genTokens: 32,
      checkpointEvery: 0,
      keepCheckpoints: 2,
      majorCheckpointEvery: 500,
      resume: true,
      overfitSingleBatch: true,
    });
    expect(gradAccumSteps(o)).toBe(16); // 65536 / (8 · 512)
  });
});

describe('GPU-only flags', () => {
  it('are accepted, kept and listed as having no effect', () => {
    const o = parse('-f 0 -w 1 -ge 2 -z 1 -r 0 -pn 1 -pr 0 -pg 8 -pi mpi -pf /tmp -ps 10.0.0.1 -lg 10');
    expect(o.ignoredFlags.map((f) => f.flag)).toEqual([
      '-f',
      '-w',
      '-ge',
      '-z',
      '-r',
      '-pn',
      '-pr',
      '-pg',
      '-pi',
      '-pf',
      '-ps',
      '-lg',
    ]);
    expect(o.gpu).toMatchObject({
      tf32: 0,
      geluFusion: 2,
      recompute: 0,
      fsPath: '/tmp',
      serverIp: '10.0.0.1',
      gpuLogEvery: 10,
    });
    for (const f of o.ignoredFlags) expect(f.reason.length).toBeGreaterThan(10);
  });
  it('are checked for type and range', () => {
    rejects('-f x', '-f', '"x"', '0 or 1');
    rejects('-ge 3', '-ge', '"3"');
    rejects('-z 4', '-z', '"4"');
    rejects('-pn 0', '-pn', '"0"', '≥ 1');
  });
});

describe('strict parsing', () => {
  it('rejects unknown flags, including ones llm.c would match by prefix', () => {
    rejects('-bx 8', 'unknown flag -bx');
    rejects('-p 1', 'unknown flag -p');
    rejects('--bogus 1', 'unknown flag --bogus');
    rejects('b 8', 'unexpected argument "b"');
  });
  it('rejects a missing value', () => {
    rejects('-b', '-b needs a value');
    rejects('-o log -x', '-x needs a value');
    rejects('--seed', '--seed needs a value');
  });
  it('rejects non-numeric values', () => {
    rejects('-b abc', '-b', '"abc"', 'integer');
    rejects('-b 8.5', '-b', '"8.5"');
    rejects('-l fast', '-l', '"fast"', 'number');
    rejects('-l 1e-3x', '-l', '"1e-3x"');
  });
  it('rejects out-of-range values', () => {
    rejects('-b 0', '-b', '"0"', '≥ 1');
    rejects('-b -4', '-b', '"-4"');
    rejects('-t 0', '-t', '"0"', '1 to 1024');
    rejects('-t 2048', '-t', '"2048"', '1 to 1024');
    rejects('-h 2', '-h', '"2"', '0 or 1');
    rejects('-y 5', '-y', '"5"', '0 or 1');
    rejects('-k step', '-k', '"step"', 'cosine, linear, constant, wsd');
    rejects('-q 1.5', '-q', '"1.5"', '0 to 1');
    rejects('-l -0.1', '-l', '"-0.1"', '≥ 0');
    rejects('-v 0', '-v', '"0"');
    rejects('-x 0', '-x', '"0"', '-1 for one epoch');
    rejects('-o ', '-o', 'non-empty');
  });
  it('rejects -d that is not a multiple of B·T, naming B·T', () => {
    rejects('-b 4 -t 64 -d 1000', '-d', '1000', '4·64 = 256');
    rejects('-b 48', '-d', '524288', 'the default', '48·1024 = 49152');
    expect(parse('-b 4 -t 64 -d 1024').totalBatchSize).toBe(1024);
  });
  it('rejects -es beyond -x, and -ss beyond the last step', () => {
    rejects('-x 100 -u 10 -es 101', '-es', '101', '-x = 100');
    expect(parse('-x 100 -u 10 -es 100').earlyStopStep).toBe(100);
    expect(parse('-x -1 -es 5000').earlyStopStep).toBe(5000); // -x -1: the epoch length is not known yet
    rejects('-x 100 -u 10 -ss 101', '-ss', '101');
  });
  it('rejects channels not divisible by heads', () => {
    rejects('-1c 100 -1h 12', '-1c', '100', '12');
    expect(parse('-1c 96 -1h 12').heads).toBe(12);
  });
  it('accepts warmup that outlasts the run, as llm.c does, and warns about it', () => {
    // The handout's Question 1: -x 20 with the fork's default -u 470.
    const o = parse('-1d 1 -1c 64 -1h 1 -l 0.01 -x 20');
    expect(o.warmupSteps).toBe(470);
    const warning = scheduleWarning(o, 20);
    expect(warning).toMatch(/-u 470 warmup steps ≥ 20 training steps/);
    expect(warning).toMatch(/4\.26e-4/); // 0.01 · 20 / 470
    expect(scheduleWarning({ ...o, scheduler: 'constant' }, 20)).toBeNull();
    expect(scheduleWarning({ ...o, warmupSteps: 19 }, 20)).toBeNull();
  });
});

describe('our long flags', () => {
  it('are parsed with a separate or an = value', () => {
    const o = parse(
      '--backend wasm --seed 7 --rate-usd-per-hour 2.25 --ledger b.json --budget-usd 10 --allow-over-budget --fp32-checkpoints --init llmc',
    );
    expect(o).toMatchObject({
      backend: 'wasm',
      seed: 7,
      rateUsdPerHour: 2.25,
      ledgerPath: 'b.json',
      budgetUsd: 10,
      allowOverBudget: true,
      fp32Checkpoints: true,
      init: 'llmc',
    });
    expect(parse('--backend=cpu --budget-usd=0').backend).toBe('cpu');
  });
  it('are checked', () => {
    rejects('--backend cuda', '--backend', '"cuda"', 'tensorflow-gpu');
    rejects('--rate-usd-per-hour 0', '--rate-usd-per-hour', '"0"');
    rejects('--budget-usd -1', '--budget-usd', '"-1"');
    rejects('--seed -3', '--seed', '"-3"');
    rejects('--init xavier', '--init', '"xavier"', 'llmc');
    rejects('--allow-over-budget=1', '--allow-over-budget takes no value');
  });
  it('takes the backend from COURSE_BACKEND unless --backend is given', () => {
    expect(parseTrainArgs([], { COURSE_BACKEND: 'cpu' }).backend).toBe('cpu');
    expect(parseTrainArgs(['--backend', 'wasm'], { COURSE_BACKEND: 'cpu' }).backend).toBe('wasm');
    expect(() => parseTrainArgs([], { COURSE_BACKEND: 'gpu' })).toThrow(/COURSE_BACKEND.*"gpu"/);
  });
});

describe('trainUsage', () => {
  const usage = trainUsage();
  it('documents every flag and alias', () => {
    for (const spec of SHORT_FLAGS) {
      for (const name of [spec.flag, ...spec.aliases])
        expect(usage).toMatch(new RegExp(`(^|[\\s/])${name}[\\s/]`, 'm'));
    }
    for (const spec of LONG_FLAGS) expect(usage).toContain(spec.flag);
  });
  it("shows the code's defaults and where the fork's help text differs", () => {
    expect(usage).toMatch(/-l X\s+max learning rate \[6e-4\]/);
    expect(usage).toMatch(/-u N\s+warmup steps \[470\]/);
    expect(usage).toContain('-l 6e-4 (not 3e-4)');
    expect(usage).toContain('-h 1 (not 0)');
    expect(usage).toContain('-v 250 (not 20)');
    expect(usage).toContain('gpt2_124M_bf16.bin');
    expect(usage).toContain('-u 470, -x 4725, -n 1000');
  });
});
