/**
 * The JSON Schema (draft 2020-12) of an assignment spec, `assignments/<id>/spec.json`.
 * `packages/grader/spec.schema.json` is this object written out (a test keeps the two equal),
 * so a spec can name it in `"$schema"` and an editor completes and checks it.
 *
 * What the schema cannot say (ids unique, follow-through formulas naming earlier
 * questions, computed functions that exist, answer keys among the options) is
 * checked after it by `loadSpec` in spec.ts.
 */

const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.]*$';

const tolerance = {
  description:
    "PrairieLearn's numeric comparisons (t = reference, s = answer): relabs |s−t| ≤ atol + rtol·|t|; sigfig and decdig accept t−eps < s < t+eps with eps = 0.51·10^−n",
  type: 'object',
  required: ['rule'],
  discriminator: { propertyName: 'rule' },
  oneOf: [
    {
      type: 'object',
      properties: {
        rule: { const: 'relabs' },
        rtol: { type: 'number', minimum: 0, default: 0.01 },
        atol: { type: 'number', minimum: 0, default: 1e-8 },
      },
      required: ['rule'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: {
        rule: { enum: ['sigfig', 'decdig'] },
        digits: { type: 'integer', minimum: 0, maximum: 15, default: 2 },
      },
      required: ['rule'],
      additionalProperties: false,
    },
  ],
} as const;

const normalize = {
  description: 'How strings are compared: trimmed, case folded, whitespace collapsed, Unicode form',
  type: 'object',
  properties: {
    trim: { type: 'boolean', default: true },
    caseSensitive: { type: 'boolean', default: false },
    whitespace: { enum: ['keep', 'collapse', 'remove'], default: 'collapse' },
    unicode: { enum: ['none', 'NFC', 'NFKC'], default: 'NFKC' },
  },
  additionalProperties: false,
} as const;

const options = {
  type: 'array',
  minItems: 2,
  items: {
    type: 'object',
    properties: { id: { type: 'string', pattern: ID_PATTERN }, text: { type: 'string' } },
    required: ['id', 'text'],
    additionalProperties: false,
  },
} as const;

const units = {
  description:
    'Units the answer may carry ("3.5 h", or {"value": 3.5, "unit": "h"}): factor converts to the reference unit',
  type: 'object',
  properties: {
    reference: { type: 'string', minLength: 1 },
    accept: { type: 'object', additionalProperties: { type: 'number', exclusiveMinimum: 0 } },
    required: { type: 'boolean', default: false },
  },
  required: ['reference'],
  additionalProperties: false,
} as const;

/** One entry per checker kind; `kind` selects it. */
const checks = [
  {
    type: 'object',
    properties: {
      kind: { const: 'exact' },
      answer: {
        description: 'Accepted string(s)',
        oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
      },
      normalize,
    },
    required: ['kind', 'answer'],
    additionalProperties: false,
  },
  {
    type: 'object',
    properties: { kind: { const: 'integer' }, answer: { type: 'integer' } },
    required: ['kind', 'answer'],
    additionalProperties: false,
  },
  {
    type: 'object',
    properties: { kind: { const: 'numeric' }, answer: { type: 'number' }, tolerance, units },
    required: ['kind', 'answer', 'tolerance'],
    additionalProperties: false,
  },
  {
    type: 'object',
    properties: { kind: { const: 'choice' }, options, answer: { type: 'string' } },
    required: ['kind', 'options', 'answer'],
    additionalProperties: false,
  },
  {
    type: 'object',
    properties: {
      kind: { const: 'multiple' },
      options,
      answer: { type: 'array', items: { type: 'string' }, uniqueItems: true },
      credit: {
        description:
          'PrairieLearn pl-checkbox methods: pc (right picks − wrong picks)/#right, cov coverage × precision, edc every decision counts; all = all or nothing',
        enum: ['pc', 'cov', 'edc', 'all'],
        default: 'pc',
      },
    },
    required: ['kind', 'options', 'answer'],
    additionalProperties: false,
  },
  {
    type: 'object',
    properties: {
      kind: { const: 'set' },
      answer: {
        type: 'array',
        items: { type: ['string', 'number'] },
        minItems: 1,
        uniqueItems: true,
      },
      normalize,
      credit: {
        description: 'all = all or nothing; partial = max(0, (hits − extras) / size of the key)',
        enum: ['all', 'partial'],
        default: 'all',
      },
    },
    required: ['kind', 'answer'],
    additionalProperties: false,
  },
  {
    type: 'object',
    properties: {
      kind: { const: 'computed' },
      fn: { description: 'A name in the registry of computed.ts, e.g. gpt2_params', type: 'string' },
      args: { type: 'object', default: {} },
      compare: {
        description: '"integer" (exact) or a numeric tolerance',
        oneOf: [{ const: 'integer' }, tolerance],
      },
    },
    required: ['kind', 'fn', 'compare'],
    additionalProperties: false,
  },
  {
    type: 'object',
    properties: {
      kind: { const: 'follow-through' },
      formula: {
        description:
          'Arithmetic (+ − × / ^, parentheses, numbers) over earlier answers written {id}, e.g. "{1a} * 4725 / 3.6e6"',
        type: 'string',
        minLength: 1,
      },
      tolerance,
      units,
    },
    required: ['kind', 'formula', 'tolerance'],
    additionalProperties: false,
  },
  {
    type: 'object',
    properties: {
      kind: { const: 'log' },
      metric: {
        description:
          'What the submitted run shows: min_train_loss, min_val_loss, slowest_probe_ms (slowest of steps 10..19), hellaswag_final, hellaswag_max (fractions 0..1), max_lr, num_parameters, projected_cost_usd (RUN/run.json); ledger_spend_usd (sum of actualUsd in RUN/budget.json, the --ledger file); sweep_plan_usd, sweep_plan_trials (RUN is a course sweep config file: its plan, as `course sweep --plan --json` prints projected_usd and trials); sweep_trials (trials with a result), sweep_spend_usd, sweep_best_lr, sweep_best_val_loss (the lowest final val loss of any scale) from RUN/sweep.json, a course sweep folder',
        enum: [
          'min_train_loss',
          'min_val_loss',
          'slowest_probe_ms',
          'hellaswag_final',
          'hellaswag_max',
          'max_lr',
          'num_parameters',
          'projected_cost_usd',
          'ledger_spend_usd',
          'sweep_plan_usd',
          'sweep_plan_trials',
          'sweep_trials',
          'sweep_spend_usd',
          'sweep_best_lr',
          'sweep_best_val_loss',
        ],
      },
      run: {
        description:
          'Default run folder inside the submission (a train_gpt2cu -o folder; a course sweep folder, or its config file, for the sweep metrics); the answer may name another as {"value", "run"}',
        type: 'string',
        minLength: 1,
      },
      tolerance,
      min: {
        description:
          'The run must show at least this (e.g. 10 experiments): below it the answer earns nothing, however well it matches',
        type: 'number',
      },
    },
    required: ['kind', 'metric', 'run', 'tolerance'],
    additionalProperties: false,
  },
  {
    type: 'object',
    properties: {
      kind: { const: 'manual' },
      rubric: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          properties: { points: { type: 'number' }, text: { type: 'string', minLength: 1 } },
          required: ['points', 'text'],
          additionalProperties: false,
        },
      },
    },
    required: ['kind', 'rubric'],
    additionalProperties: false,
  },
] as const;

export const SPEC_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://courseware.invalid/grader/spec.schema.json',
  title: 'courseware assignment spec',
  type: 'object',
  properties: {
    $schema: { type: 'string' },
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' },
    title: { type: 'string', minLength: 1 },
    late: {
      description:
        'Late policy: after deadline + grace, penalty per started day (fraction of the total), 0 points after maxDaysLate',
      type: 'object',
      properties: {
        deadline: { type: 'string', format: 'date-time' },
        graceMinutes: { type: 'number', minimum: 0, default: 0 },
        penaltyPerDay: { type: 'number', minimum: 0, maximum: 1 },
        maxDaysLate: { type: 'integer', minimum: 0 },
      },
      required: ['deadline', 'penaltyPerDay'],
      additionalProperties: false,
    },
    hiddenScoring: {
      description:
        'Questions not visible to students: "withhold-total" counts them (Gradescope then hides the total from students); "zero-until-published" scores them 0 until grading runs with --published',
      enum: ['withhold-total', 'zero-until-published'],
      default: 'withhold-total',
    },
    leaderboard: {
      description:
        "Gradescope leaderboard columns: each shows what the student's run verifiably shows for a log question (or their answer to another numeric question)",
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string', minLength: 1 },
          question: { type: 'string', pattern: ID_PATTERN },
          order: { enum: ['asc', 'desc'], default: 'desc' },
        },
        required: ['name', 'question'],
        additionalProperties: false,
      },
    },
    limits: {
      type: 'object',
      properties: {
        answersBytes: { type: 'integer', minimum: 1, default: 1048576 },
        artifactBytes: { type: 'integer', minimum: 1, default: 67108864 },
      },
      additionalProperties: false,
    },
    questions: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          id: { type: 'string', pattern: ID_PATTERN },
          title: { type: 'string', minLength: 1 },
          points: { type: 'number', minimum: 0 },
          visibility: {
            enum: ['visible', 'hidden', 'after_due_date', 'after_published'],
            default: 'visible',
          },
          feedback: {
            type: 'object',
            properties: {
              right: { type: 'string' },
              wrong: { type: 'string' },
              missing: { type: 'string' },
            },
            additionalProperties: false,
          },
          check: {
            type: 'object',
            required: ['kind'],
            // Errors then come from the branch `kind` names, not from every branch.
            discriminator: { propertyName: 'kind' },
            oneOf: checks,
          },
        },
        required: ['id', 'title', 'points', 'check'],
        additionalProperties: false,
      },
    },
  },
  required: ['id', 'title', 'questions'],
  additionalProperties: false,
} as const;
