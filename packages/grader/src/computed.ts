/**
 * References computed by the toolkit, never typed by hand: a spec question
 * `{"kind": "computed", "fn": NAME, "args": {…}}` takes its key from
 * `COMPUTED[NAME].compute(args)`. One entry per function; adding a reference is
 * adding an entry that calls the function in @course/models or @course/trainer
 * (args arrive as JSON: check them with the helpers below, which name the bad arg).
 */
import {
  bertConfig,
  bertParameterCount,
  CLASSIC_CNNS,
  classicCnnParameterCount,
  gpt2Config,
  lstmParameterCount,
  mlpParameterCount,
  numParameters,
  rnnParameterCount,
} from '@course/models';
import {
  averagePrecision,
  DEFAULT_RATE_USD_PER_HOUR,
  type FcLayerRoofline,
  fcLayerRoofline,
  learningRate,
  overallScore,
  PROBE_FIRST_STEP,
  PROBE_LAST_STEP,
  pcgradVectors,
  pearson,
  precisionRecallAt,
  probeCost,
  SCHEDULERS,
  type ScoredLabel,
  type SigmoidNetSpec,
  sigmoidNet64,
  sigmoidNetFiniteDifference,
} from '@course/trainer';

type Args = Record<string, unknown>;

export interface ComputedReference {
  /** One line for the README and for feedback. */
  summary: string;
  compute(args: Args): number;
}

function arg(
  args: Args,
  name: string,
  opts: { integer?: boolean; min?: number; default?: number } = {},
): number {
  const v = args[name] ?? opts.default;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`args.${name}: expected a number`);
  if (opts.integer && !Number.isInteger(v)) throw new Error(`args.${name}: expected an integer, found ${v}`);
  if (opts.min !== undefined && v < opts.min)
    throw new Error(`args.${name}: expected ≥ ${opts.min}, found ${v}`);
  return v;
}

/**
 * The handout's projection through the trainer's own cost module (the same
 * code that prints "projected cost" after step 19): slowest probe ms × steps / 3.6e6 hours.
 */
function handoutProbe(args: Args) {
  const ms = arg(args, 'ms', { min: 0 });
  const stepMs: number[] = [];
  for (let s = PROBE_FIRST_STEP; s <= PROBE_LAST_STEP; s++) stepMs[s] = ms;
  return probeCost(stepMs, {
    steps: arg(args, 'steps', { integer: true, min: 1 }),
    ratePerHour: arg(args, 'rate', { min: 0, default: DEFAULT_RATE_USD_PER_HOUR }),
  });
}

/** args.NAME as an array of numbers (optionally of a given length). */
function numbers(args: Args, name: string, length?: number): number[] {
  const v = args[name];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new Error(`args.${name}: expected an array of numbers`);
  }
  if (length !== undefined && v.length !== length) {
    throw new Error(`args.${name}: expected ${length} numbers, found ${v.length}`);
  }
  return v as number[];
}

/** args.NAME as a matrix: a non-empty array of number rows of one length. */
function matrix(args: Args, name: string): number[][] {
  const v = args[name];
  if (!Array.isArray(v) || v.length === 0) throw new Error(`args.${name}: expected an array of rows`);
  const width = Array.isArray(v[0]) ? v[0].length : undefined;
  return v.map((row, i) => numbers({ [`${name}[${i}]`]: row }, `${name}[${i}]`, width));
}

/** args.pairs: [{confidence, label}] with label 0/1 (the toolkit validates the values). */
function scoredPairs(args: Args): ScoredLabel[] {
  const v = args.pairs;
  if (
    !Array.isArray(v) ||
    v.some((p) => typeof p !== 'object' || p === null || !('confidence' in p) || !('label' in p))
  ) {
    throw new Error('args.pairs: expected an array of {"confidence": number, "label": 0|1}');
  }
  return v as ScoredLabel[];
}

/** args.NAME, one of `choices`. */
function choice<T extends string>(args: Args, name: string, choices: readonly T[], fallback?: T): T {
  const v = args[name] ?? fallback;
  if (typeof v !== 'string' || !choices.includes(v as T)) {
    throw new Error(`args.${name}: expected one of ${choices.join(', ')}, found ${JSON.stringify(v)}`);
  }
  return v as T;
}

function sigmoidNetArgs(a: Args): SigmoidNetSpec {
  return {
    x: numbers(a, 'x'),
    W1: matrix(a, 'W1'),
    b1: arg(a, 'b1'),
    W2: matrix(a, 'W2'),
    b2: arg(a, 'b2'),
    targets: numbers(a, 'targets'),
  };
}

/** args.vocab, embed, hidden, out of a recurrent sequence model. */
function sequenceSizes(a: Args) {
  const size = (name: string) => arg(a, name, { integer: true, min: 1 });
  return { vocab: size('vocab'), embed: size('embed'), hidden: size('hidden'), out: size('out') };
}

const ROOFLINE_FIELDS = [
  'seconds',
  'computeSeconds',
  'memorySeconds',
  'macs',
  'bytes',
  'arithmeticIntensity',
  'ridgePoint',
] as const satisfies readonly (keyof FcLayerRoofline)[];

export const COMPUTED: Record<string, ComputedReference> = {
  gpt2_params: {
    summary:
      'GPT-2 parameters as llm.c lays them out (args: depth, channels, heads, maxSeqLen=1024, vocabSize=50257)',
    compute: (a) =>
      numParameters(
        gpt2Config({
          depth: arg(a, 'depth', { integer: true, min: 1 }),
          channels: arg(a, 'channels', { integer: true, min: 1 }),
          heads: arg(a, 'heads', { integer: true, min: 1 }),
          maxSeqLen: arg(a, 'maxSeqLen', { integer: true, min: 1, default: 1024 }),
          vocabSize: arg(a, 'vocabSize', { integer: true, min: 1, default: 50257 }),
        }),
      ),
  },
  hw5_runtime_hours: {
    summary: 'HW5 projected runtime in hours = ms × steps / 3.6e6 (args: ms, steps)',
    compute: (a) => handoutProbe(a).runtimeHours,
  },
  hw5_cost_usd: {
    summary: 'HW5 projected cost in USD = ms × steps / 3.6e6 × rate (args: ms, steps, rate=1.5)',
    compute: (a) => handoutProbe(a).costUsd,
  },
  mlp_params: {
    summary: 'MLP parameters, weights and a bias per unit (args: layers [in, hidden…, out], bias=true)',
    compute: (a) => {
      if (a.bias !== undefined && typeof a.bias !== 'boolean')
        throw new Error('args.bias: expected true or false');
      return mlpParameterCount(numbers(a, 'layers'), { bias: a.bias ?? true });
    },
  },
  cnn_params: {
    summary: `Trainable parameters of a classic CNN, counted from its built tfjs graph (args: model ${CLASSIC_CNNS.join('|')}, classes=1000)`,
    compute: (a) =>
      classicCnnParameterCount(choice(a, 'model', CLASSIC_CNNS), {
        classes: arg(a, 'classes', { integer: true, min: 1, default: 1000 }),
      }),
  },
  rnn_params: {
    summary: 'Embedding -> Elman RNN -> dense head parameters (args: vocab, embed, hidden, out)',
    compute: (a) => rnnParameterCount(sequenceSizes(a)),
  },
  lstm_params: {
    summary: 'Embedding -> LSTM (four gates) -> dense head parameters (args: vocab, embed, hidden, out)',
    compute: (a) => lstmParameterCount(sequenceSizes(a)),
  },
  sigmoid_net: {
    summary:
      'Two-layer sigmoid net with shared biases, L = ½Σ(y−t)², in float64 (args: x, W1, b1, W2, b2, targets, quantity hidden|output|loss|gradient, index (0-based) or weight "W1[i][j]"|"W2[j][k]"|"b1"|"b2")',
    compute: (a) => {
      const net = sigmoidNetArgs(a);
      const quantity = choice(a, 'quantity', ['hidden', 'output', 'loss', 'gradient'] as const);
      if (quantity === 'loss') return sigmoidNet64(net).loss;
      if (quantity === 'gradient') {
        if (typeof a.weight !== 'string')
          throw new Error('args.weight: expected a weight name such as "W2[0][0]"');
        return sigmoidNetFiniteDifference(net, a.weight);
      }
      const values = quantity === 'hidden' ? sigmoidNet64(net).hidden : sigmoidNet64(net).outputs;
      const index = arg(a, 'index', { integer: true, min: 0 });
      if (index >= values.length) throw new Error(`args.index: expected < ${values.length}, found ${index}`);
      return values[index];
    },
  },
  precision_at: {
    summary:
      'Precision when confidence ≥ threshold counts as positive (args: pairs [{confidence, label}], threshold)',
    compute: (a) => precisionRecallAt(scoredPairs(a), arg(a, 'threshold')).precision,
  },
  recall_at: {
    summary:
      'Recall when confidence ≥ threshold counts as positive (args: pairs [{confidence, label}], threshold)',
    compute: (a) => precisionRecallAt(scoredPairs(a), arg(a, 'threshold')).recall,
  },
  average_precision: {
    summary: 'All-point interpolated average precision, VOC 2010+ (args: pairs [{confidence, label}])',
    compute: (a) => averagePrecision(scoredPairs(a)),
  },
  llmc_lr: {
    summary:
      "The learning rate llm.c's schedule gives update `step` (0-based), in float32 like the C code (args: step, maxLr, warmup, totalSteps, finalFraction=0, scheduler cosine|linear|constant|wsd=cosine)",
    compute: (a) =>
      learningRate(choice(a, 'scheduler', SCHEDULERS, 'cosine'), arg(a, 'step', { integer: true, min: 0 }), {
        maxLr: arg(a, 'maxLr', { min: 0 }),
        warmup: arg(a, 'warmup', { integer: true, min: 0 }),
        totalSteps: arg(a, 'totalSteps', { integer: true, min: 1 }),
        finalFraction: arg(a, 'finalFraction', { min: 0, default: 0 }),
      }),
  },
  pearson: {
    summary: "Pearson's correlation coefficient r of two equally long series (args: x, y)",
    compute: (a) => pearson(numbers(a, 'x'), numbers(a, 'y', Array.isArray(a.x) ? a.x.length : undefined)),
  },
  bert_params: {
    summary:
      'BertModel parameters as Hugging Face counts them (args: layers, hidden, heads, vocab, intermediate=4·hidden, maxPositions=512, typeVocab=2, pooler=true)',
    compute: (a) => {
      if (a.pooler !== undefined && typeof a.pooler !== 'boolean')
        throw new Error('args.pooler: expected true or false');
      const hidden = arg(a, 'hidden', { integer: true, min: 1 });
      return bertParameterCount(
        bertConfig({
          layers: arg(a, 'layers', { integer: true, min: 1 }),
          hidden,
          heads: arg(a, 'heads', { integer: true, min: 1 }),
          vocabSize: arg(a, 'vocab', { integer: true, min: 1 }),
          intermediate: arg(a, 'intermediate', { integer: true, min: 1, default: 4 * hidden }),
          maxPositions: arg(a, 'maxPositions', { integer: true, min: 1, default: 512 }),
          typeVocab: arg(a, 'typeVocab', { integer: true, min: 1, default: 2 }),
        }),
        { pooler: a.pooler ?? true },
      );
    },
  },
  pcgrad: {
    summary:
      'PCGrad on task gradients, each task visiting the others in ascending order (args: vectors [[…], …], index (0-based component), task (0-based; default the summed update))',
    compute: (a) => {
      const vectors = matrix(a, 'vectors');
      const { sum, projected } = pcgradVectors(vectors, (_task, others) => others);
      const values = a.task === undefined ? sum : projected[arg(a, 'task', { integer: true, min: 0 })];
      if (values === undefined) throw new Error(`args.task: expected < ${vectors.length}`);
      const index = arg(a, 'index', { integer: true, min: 0 });
      if (index >= values.length) throw new Error(`args.index: expected < ${values.length}, found ${index}`);
      return values[index];
    },
  },
  multitask_overall: {
    summary:
      "The minBERT starter's overall score (a_s + a_p + (r + 1)/2) / 3 (args: sentimentAccuracy, paraphraseAccuracy, r)",
    compute: (a) =>
      overallScore({
        sentimentAccuracy: arg(a, 'sentimentAccuracy', { min: 0 }),
        paraphraseAccuracy: arg(a, 'paraphraseAccuracy', { min: 0 }),
        stsCorrelation: arg(a, 'r', { min: -1 }),
      }),
  },
  fc_roofline: {
    summary: `Roofline of a fully-connected layer (args: batch, inputs, outputs, bytesPerValue, macsPerCycle, clockHz, bandwidthBytesPerSecond, field ${ROOFLINE_FIELDS.join('|')}; default seconds)`,
    compute: (a) => {
      const r = fcLayerRoofline({
        batch: arg(a, 'batch', { integer: true, min: 1 }),
        inputs: arg(a, 'inputs', { integer: true, min: 1 }),
        outputs: arg(a, 'outputs', { integer: true, min: 1 }),
        bytesPerValue: arg(a, 'bytesPerValue', { min: 0 }),
        macsPerCycle: arg(a, 'macsPerCycle', { min: 0 }),
        clockHz: arg(a, 'clockHz', { min: 0 }),
        bandwidthBytesPerSecond: arg(a, 'bandwidthBytesPerSecond', { min: 0 }),
      });
      return r[choice(a, 'field', ROOFLINE_FIELDS, 'seconds')];
    },
  },
};
