/**
 * `course params KIND …`: the parameter count of a described model.
 * Each model kind is one entry of MODEL_KINDS (its flags and how to count);
 * adding a kind (mlp, lstm, alexnet, …) is adding an entry.
 */
import { gpt2Config, InputError, numParameters } from '@course/models';
import type { Command } from 'commander';
import { integerIn } from '../flags.js';
import { type CourseIO, println } from '../io.js';

interface Flag {
  /** commander flags, e.g. '--depth <D>'; the value arrives under its camelCase long name. */
  flags: string;
  description: string;
  /** Undefined: the flag is required. */
  default?: number;
}

interface ModelKind {
  name: string;
  summary: string;
  flags: Flag[];
  /** Short description of the chosen size, e.g. "d6 c384 h6". */
  describe(values: Record<string, number>): string;
  /** Parameters of the model; InputError for a combination of flags that describes no model. */
  count(values: Record<string, number>): number;
}

const MODEL_KINDS: ModelKind[] = [
  {
    name: 'gpt2',
    summary: 'GPT-2 as llm.c lays it out (padded vocabulary rows included, tied output head)',
    flags: [
      { flags: '--depth <D>', description: 'transformer layers (llm.c -1d)' },
      { flags: '--channels <C>', description: 'channels (llm.c -1c)' },
      { flags: '--heads <H>', description: 'attention heads; must divide channels (llm.c -1h)' },
      { flags: '--max-seq-len <T>', description: 'positions in wpe (maxT)', default: 1024 },
      {
        flags: '--vocab-size <V>',
        description: 'vocabulary (padded up to a multiple of 128)',
        default: 50257,
      },
    ],
    describe: (v) => `d${v.depth} c${v.channels} h${v.heads}`,
    count: (v) => {
      if (v.channels % v.heads !== 0) {
        throw new InputError(`--heads: found ${v.heads}, expected a divisor of --channels ${v.channels}`);
      }
      return numParameters(
        gpt2Config({
          depth: v.depth,
          channels: v.channels,
          heads: v.heads,
          maxSeqLen: v.maxSeqLen,
          vocabSize: v.vocabSize,
        }),
      );
    },
  },
];

export function registerParams(program: Command, io: CourseIO): void {
  const params = program
    .command('params')
    .summary('parameter count of a described model')
    .description('Count the parameters of a model described by its sizes.');
  for (const kind of MODEL_KINDS) {
    const command = params.command(kind.name).summary(kind.summary).description(kind.summary);
    for (const flag of kind.flags) {
      if (flag.default === undefined) command.requiredOption(flag.flags, flag.description, integerIn(1));
      else command.option(flag.flags, flag.description, integerIn(1), flag.default);
    }
    command
      .option('--json', 'print {"model", "params"} as JSON')
      .action((flags: Record<string, number> & { json?: boolean }) => {
        const n = kind.count(flags);
        if (flags.json) println(io.stdout, JSON.stringify({ model: kind.name, params: n }));
        else
          println(io.stdout, `${kind.name} ${kind.describe(flags)}: ${n.toLocaleString('en-US')} parameters`);
      });
  }
}
