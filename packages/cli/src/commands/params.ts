/**
 * `course params KIND …`: the parameter count of a described model.
 * Each model kind is one entry of MODEL_KINDS (its flags and how to count);
 * adding a kind is adding an entry.
 */
import {
  bertConfig,
  bertParameterCount,
  CLASSIC_CNN_NOTES,
  CLASSIC_CNNS,
  classicCnnParameterCounts,
  gpt2Config,
  InputError,
  lstmParameterCount,
  mlpParameterCount,
  numParameters,
  rnnParameterCount,
  selectBackend,
} from '@course/models';
import { type CourseIO, integerIn, integerList, println } from '@course/trainer';
import type { Command } from 'commander';

/** What a flag's value can be: an integer, a list of integers, or a switch's on/off. */
type FlagValue = number | number[] | boolean;

interface Flag {
  /** commander flags, e.g. '--depth <D>'; the value arrives under its camelCase long name. A flag
   * without '<…>' is a switch; '--no-bias' arrives as `bias`, true unless given. */
  flags: string;
  description: string;
  /** Reads the flag's text (default: an integer ≥ 1). Unused for switches. */
  parse?: (text: string) => FlagValue;
  /** Undefined: the flag is required (switches never are). */
  default?: FlagValue;
}

interface ModelKind<V = Record<string, FlagValue>> {
  name: string;
  summary: string;
  flags: Flag[];
  /** Short description of the chosen size, e.g. "d6 c384 h6". */
  describe(values: V): string;
  /** Parameters of the model; InputError for a combination of flags that describes no model. */
  count(values: V): number | Promise<number>;
}

/** Declares a kind with the types its flags' parsers produce (checked by the entry, trusted by the table). */
function kind<V>(k: ModelKind<V>): ModelKind {
  return k as unknown as ModelKind;
}

const sequenceFlags: Flag[] = [
  { flags: '--vocab <V>', description: 'vocabulary size (embedding rows)' },
  { flags: '--embed <E>', description: 'embedding width' },
  { flags: '--hidden <H>', description: 'hidden state width' },
  { flags: '--out <K>', description: 'outputs of the dense head (classes)' },
];
type SequenceSizes = { vocab: number; embed: number; hidden: number; out: number };
const describeSequence = (v: SequenceSizes) =>
  `vocab ${v.vocab} embed ${v.embed} hidden ${v.hidden} out ${v.out}`;

const MODEL_KINDS: ModelKind[] = [
  kind<{ depth: number; channels: number; heads: number; maxSeqLen: number; vocabSize: number }>({
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
  }),
  kind<{
    layers: number;
    channels: number;
    heads: number;
    vocab: number;
    intermediate: number;
    maxPositions: number;
    typeVocab: number;
    pooler: boolean;
  }>({
    name: 'bert',
    summary: "BERT encoder as Hugging Face's BertModel (embeddings, post-LN layers, pooler)",
    flags: [
      { flags: '--layers <L>', description: 'encoder layers (num_hidden_layers)' },
      { flags: '--channels <C>', description: 'channels (hidden_size)' },
      { flags: '--heads <H>', description: 'attention heads; must divide channels' },
      { flags: '--vocab <V>', description: 'vocabulary rows (vocab_size)' },
      {
        flags: '--intermediate <I>',
        description: 'feed-forward width (intermediate_size); 0 = 4 × channels',
        parse: integerIn(0),
        default: 0,
      },
      {
        flags: '--max-positions <P>',
        description: 'learned positions (max_position_embeddings)',
        default: 512,
      },
      { flags: '--type-vocab <S>', description: 'segment types (type_vocab_size)', default: 2 },
      { flags: '--no-pooler', description: 'without the pooler (dense + tanh on [CLS])' },
    ],
    describe: (v) =>
      `L${v.layers} C${v.channels} H${v.heads} FFN ${v.intermediate || 4 * v.channels} vocab ${v.vocab}${v.pooler ? '' : ' without pooler'}`,
    count: (v) => {
      if (v.channels % v.heads !== 0) {
        throw new InputError(`--heads: found ${v.heads}, expected a divisor of --channels ${v.channels}`);
      }
      const config = bertConfig({
        layers: v.layers,
        hidden: v.channels,
        heads: v.heads,
        vocabSize: v.vocab,
        intermediate: v.intermediate || 4 * v.channels,
        maxPositions: v.maxPositions,
        typeVocab: v.typeVocab,
      });
      return bertParameterCount(config, { pooler: v.pooler });
    },
  }),
  kind<{ layers: number[]; bias: boolean }>({
    name: 'mlp',
    summary: 'multi-layer perceptron: dense layers between the given widths',
    flags: [
      {
        flags: '--layers <widths>',
        description: 'widths from input to output, comma-separated (e.g. 33,512,10)',
        parse: integerList(1, 2),
      },
      { flags: '--no-bias', description: 'dense layers without bias vectors' },
    ],
    describe: (v) => `${v.layers.join('-')}${v.bias ? '' : ' without biases'}`,
    count: (v) => mlpParameterCount(v.layers, { bias: v.bias }),
  }),
  kind<SequenceSizes>({
    name: 'rnn',
    summary: 'embedding -> Elman RNN -> dense head',
    flags: sequenceFlags,
    describe: describeSequence,
    count: (v) => rnnParameterCount(v),
  }),
  kind<SequenceSizes>({
    name: 'lstm',
    summary: 'embedding -> LSTM (four gates) -> dense head',
    flags: sequenceFlags,
    describe: describeSequence,
    count: (v) => lstmParameterCount(v),
  }),
  ...CLASSIC_CNNS.map((name) =>
    kind<{ classes: number }>({
      name,
      summary: `${CLASSIC_CNN_NOTES[name]}; counted from the built tfjs graph`,
      flags: [{ flags: '--classes <K>', description: 'classifier outputs', default: 1000 }],
      describe: (v) =>
        `${v.classes} classes${name.startsWith('resnet') ? ' (BatchNorm gamma and beta; moving statistics are buffers, as in torchvision)' : ''}`,
      count: async (v) => {
        // counting only allocates weights: cpu gives the same count anywhere, and selecting
        // it through selectBackend keeps tfjs' "install our node backend" banner off stderr
        await selectBackend('cpu');
        return classicCnnParameterCounts(name, { classes: v.classes }).trainable;
      },
    }),
  ),
];

export function registerParams(program: Command, io: CourseIO): void {
  const params = program
    .command('params')
    .summary('parameter count of a described model')
    .description('Count the parameters of a model described by its sizes.');
  for (const kind of MODEL_KINDS) {
    const command = params.command(kind.name).summary(kind.summary).description(kind.summary);
    for (const flag of kind.flags) {
      const isSwitch = !flag.flags.includes('<');
      const parse = flag.parse ?? integerIn(1);
      if (isSwitch) command.option(flag.flags, flag.description);
      else if (flag.default === undefined) command.requiredOption(flag.flags, flag.description, parse);
      else command.option(flag.flags, flag.description, parse, flag.default);
    }
    command
      .option('--json', 'print {"model", "params"} as JSON')
      .action(async (flags: Record<string, FlagValue> & { json?: boolean }) => {
        const n = await kind.count(flags);
        if (flags.json) println(io.stdout, JSON.stringify({ model: kind.name, params: n }));
        else
          println(io.stdout, `${kind.name} ${kind.describe(flags)}: ${n.toLocaleString('en-US')} parameters`);
      });
  }
}
