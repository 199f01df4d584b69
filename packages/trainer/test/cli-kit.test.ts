/**
 * The command-line kit (src/cli-kit/): value parsers, the exit code of every kind
 * of error, a program run end to end, and how --backend / COURSE_BACKEND combine.
 */
import { BudgetError, InputError, resolveBackendChoice } from '@course/models';
import { type Command, CommanderError, InvalidArgumentError } from 'commander';
import { describe, expect, test } from 'vitest';
import {
  backendOption,
  batchCount,
  courseProgram,
  EXIT_BUDGET,
  EXIT_INTERNAL,
  EXIT_OK,
  EXIT_USAGE,
  finiteNumber,
  integerIn,
  integerList,
  numberAtLeast,
  numberIn,
  reportCommandError,
  runProgram,
  scriptFlag,
} from '../src/index.js';
import { RunInterrupted } from '../src/train.js';

function capture() {
  let text = '';
  return { write: (s: string) => (text += s), text: () => text };
}

/** The message a parser throws for `value` (commander prints it after the flag). */
function rejection(parse: (v: string) => unknown, value: string): string {
  try {
    parse(value);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${value}`);
}

describe('value parsers', () => {
  test('integerIn: integers in [min, max]; blanks, fractions and out-of-range values rejected', () => {
    expect(integerIn(1)('12')).toBe(12);
    expect(integerIn(0, 3)('3')).toBe(3);
    for (const bad of ['', ' ', '0', '2.5', 'x', '1e400'])
      expect(rejection(integerIn(1), bad)).toBe('expected an integer ≥ 1');
    expect(rejection(integerIn(0, 3), '4')).toBe('expected an integer from 0 to 3');
  });

  test('integerList: comma-separated integers ≥ min, at least minCount of them', () => {
    expect(integerList(1)('33, 512,10')).toEqual([33, 512, 10]);
    expect(rejection(integerList(1, 2), '5')).toBe(
      'expected 2 or more comma-separated integers ≥ 1, e.g. 33,512,10',
    );
    expect(() => integerList(1)('3,,4')).toThrow(InvalidArgumentError);
    expect(() => integerList(1)('3,0')).toThrow(InvalidArgumentError);
  });

  test('numberIn / numberAtLeast / finiteNumber: finite numbers in range', () => {
    expect(numberAtLeast(0)('0')).toBe(0);
    expect(numberAtLeast(0)('6e-4')).toBe(6e-4);
    expect(rejection(numberAtLeast(0), '-0.5')).toBe('expected a number ≥ 0');
    expect(rejection(numberAtLeast(0), 'Infinity')).toBe('expected a number ≥ 0');
    expect(numberIn(0, 1, true)('1')).toBe(1);
    expect(rejection(numberIn(0, 1, true), '0')).toBe('expected a number > 0 and ≤ 1');
    expect(rejection(numberIn(0, 1, true), '1.5')).toBe('expected a number > 0 and ≤ 1');
    expect(finiteNumber('-3.5')).toBe(-3.5);
    expect(rejection(finiteNumber, 'NaN')).toBe('expected a finite number');
  });

  test('batchCount: -1 (the whole split) or a count ≥ 1', () => {
    expect(batchCount('-1')).toBe(-1);
    expect(batchCount('20')).toBe(20);
    expect(rejection(batchCount, '0')).toBe('expected an integer ≥ 1');
    expect(rejection(batchCount, '-2')).toBe('expected an integer ≥ 1');
  });

  test('scriptFlag: a parser for parseArgs values, its error an InputError naming the flag', () => {
    expect(scriptFlag('--seed', undefined, integerIn(0))).toBeUndefined();
    expect(scriptFlag('--seed', '7', integerIn(0))).toBe(7);
    expect(() => scriptFlag('--seed', '-1', integerIn(0))).toThrow(InputError);
    expect(() => scriptFlag('--seed', '-1', integerIn(0))).toThrow(
      '--seed: found "-1", expected an integer ≥ 0',
    );
  });
});

describe('reportCommandError: exit codes 0 ok / 1 internal / 2 usage or input / 3 budget', () => {
  test('the code of each kind of error, and what is printed', () => {
    expect([EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_BUDGET]).toEqual([0, 1, 2, 3]);
    const usage = capture();
    expect(reportCommandError(new CommanderError(1, 'commander.unknownOption', 'x'), usage)).toBe(2);
    expect(reportCommandError(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), usage)).toBe(
      0,
    );
    expect(usage.text()).toBe(''); // commander printed its own message already

    const input = capture();
    expect(reportCommandError(new InputError('a.json: lr: found -1, expected a number ≥ 0'), input)).toBe(2);
    expect(input.text()).toBe('error: a.json: lr: found -1, expected a number ≥ 0\n');

    const budget = capture();
    expect(reportCommandError(new BudgetError('over by $1.20'), budget)).toBe(3);
    expect(budget.text()).toBe('error: over by $1.20\n');

    const bug = capture();
    expect(reportCommandError(new TypeError('x is undefined'), bug)).toBe(1);
    expect(bug.text()).toMatch(
      /^internal error \(please report it with the command line you ran\): TypeError/,
    );

    const stopped = capture();
    expect(reportCommandError(new RunInterrupted('SIGINT', 'interrupted at step 3'), stopped)).toBe(130);
    expect(stopped.text()).toBe('interrupted at step 3\n');
  });

  test('runProgram: a program built with courseProgram, run to its exit code', async () => {
    const run = async (argv: string[]) => {
      const io = { stdout: capture(), stderr: capture() };
      const build = (): Command =>
        courseProgram('demo', io)
          .option('-n <n>', 'count', integerIn(1), 1)
          .option('--fail <kind>', 'input, budget or bug')
          .action((flags: { n: number; fail?: string }) => {
            if (flags.fail === 'input') throw new InputError('--fail: found input');
            if (flags.fail === 'budget') throw new BudgetError('spent');
            if (flags.fail === 'bug') throw new Error('bug');
            io.stdout.write(`n=${flags.n}\n`);
          });
      const code = await runProgram(build, argv, io);
      return { code, stdout: io.stdout.text(), stderr: io.stderr.text() };
    };
    expect(await run(['-n', '3'])).toEqual({ code: 0, stdout: 'n=3\n', stderr: '' });
    const help = await run(['--help']);
    expect([help.code, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toContain('Usage: demo [options]');
    const bad = await run(['-n', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("error: option '-n <n>' argument '0' is invalid. expected an integer ≥ 1");
    expect(bad.stderr).toContain('(add --help for usage)');
    expect((await run(['--nope'])).code).toBe(2);
    expect(await run(['--fail', 'input'])).toMatchObject({ code: 2, stderr: 'error: --fail: found input\n' });
    expect((await run(['--fail', 'budget'])).code).toBe(3);
    expect((await run(['--fail', 'bug'])).code).toBe(1);
  });
});

describe('--backend and COURSE_BACKEND', () => {
  test('resolveBackendChoice: the flag beats the env, the env beats the fallback', () => {
    expect(resolveBackendChoice(undefined, 'auto', {})).toBe('auto');
    expect(resolveBackendChoice(undefined, 'wasm', { COURSE_BACKEND: '' })).toBe('wasm');
    expect(resolveBackendChoice(undefined, 'wasm', { COURSE_BACKEND: 'cpu' })).toBe('cpu');
    expect(resolveBackendChoice('native', 'wasm', { COURSE_BACKEND: 'cpu' })).toBe('native');
    expect(() => resolveBackendChoice(undefined, 'auto', { COURSE_BACKEND: 'gpu' })).toThrow(
      /^COURSE_BACKEND: found "gpu", expected one of auto, tensorflow-gpu, /,
    );
    expect(() => resolveBackendChoice('gpu', 'auto', {})).toThrow(/^--backend: found "gpu"/);
  });

  test('backendOption: the choices, no default of its own (undefined unless given)', async () => {
    const parse = async (argv: string[]) => {
      const io = { stdout: capture(), stderr: capture() };
      let seen: unknown = 'not run';
      const code = await runProgram(
        () =>
          courseProgram('demo', io)
            .addOption(backendOption())
            .action((flags: { backend?: string }) => {
              seen = flags.backend;
            }),
        argv,
        io,
      );
      return { code, seen, stderr: io.stderr.text() };
    };
    expect(await parse([])).toMatchObject({ code: 0, seen: undefined });
    expect(await parse(['--backend', 'cpu'])).toMatchObject({ code: 0, seen: 'cpu' });
    const bad = await parse(['--backend', 'gpu']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("argument 'gpu' is invalid. Allowed choices are auto, tensorflow-gpu,");
    expect(backendOption().description).toContain('(default: env COURSE_BACKEND, else auto)');
  });
});
