/**
 * The class's rules: required architecture, evaluation settings, limits,
 * ranking. Defaults are the handout's (d6 c384 h6, $20 tuning budget); a
 * `--config FILE` (JSON, checked with ajv) overrides any of them, and flags
 * override the file.
 */
import { readFileSync } from 'node:fs';
import { InputError, type RequiredArchitecture } from '@course/models';
import { Ajv } from 'ajv';

export type RankMetric = 'hellaswag_acc' | 'val_loss';
export interface RankKey {
  metric: RankMetric;
  order: 'asc' | 'desc';
}

export interface EvaluationSettings {
  /** Val batches per split (llm.c -m); -1 = the whole split. */
  valBatches: number;
  B: number;
  T: number;
  /** Score only the first n HellaSwag examples of each split (default all). */
  hellaswagLimit?: number;
}

export interface LeaderboardConfig {
  architecture: RequiredArchitecture;
  evaluation: EvaluationSettings;
  /** Share of the held-out data on the public board (the rest is the private board). */
  publicFraction: number;
  /** Accepted (not failed) submissions per student per UTC day. */
  dailyLimit: number;
  tuningBudgetUsd: number;
  /** Students whose selected submission reports more spend than the budget. */
  overBudget: 'separate' | 'exclude';
  /** Which scored submission represents a student. */
  selection: 'latest' | 'best';
  /** Sort keys in order; the default: HellaSwag accuracy desc, then val loss asc. */
  ranking: RankKey[];
  /** ISO time after which the private board is shown and submissions close (an admin can reveal it earlier). */
  deadline?: string;
  /** A running job's lease: a worker silent for this long loses its job to another. */
  leaseSeconds: number;
  /** A job whose lease expired this many times is marked failed (it keeps killing workers). */
  maxAttempts: number;
  /** Course name shown on the pages. */
  title: string;
}

export const DEFAULT_CONFIG: LeaderboardConfig = {
  architecture: { depth: 6, channels: 384, heads: 6 },
  evaluation: { valBatches: 20, B: 4, T: 1024 },
  publicFraction: 0.5,
  dailyLimit: 5,
  tuningBudgetUsd: 20,
  overBudget: 'separate',
  selection: 'best',
  ranking: [
    { metric: 'hellaswag_acc', order: 'desc' },
    { metric: 'val_loss', order: 'asc' },
  ],
  leaseSeconds: 900,
  maxAttempts: 3,
  title: 'Class leaderboard',
};

const positiveInt = { type: 'integer', minimum: 1 } as const;
const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    architecture: {
      type: 'object',
      additionalProperties: false,
      required: ['depth', 'channels', 'heads'],
      properties: {
        depth: positiveInt,
        channels: positiveInt,
        heads: positiveInt,
        maxSeqLen: positiveInt,
        vocabSize: positiveInt,
      },
    },
    evaluation: {
      type: 'object',
      additionalProperties: false,
      properties: {
        valBatches: { type: 'integer', minimum: -1, not: { const: 0 } },
        B: positiveInt,
        T: positiveInt,
        hellaswagLimit: positiveInt,
      },
    },
    publicFraction: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
    dailyLimit: positiveInt,
    tuningBudgetUsd: { type: 'number', minimum: 0 },
    overBudget: { enum: ['separate', 'exclude'] },
    selection: { enum: ['latest', 'best'] },
    ranking: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['metric', 'order'],
        properties: { metric: { enum: ['hellaswag_acc', 'val_loss'] }, order: { enum: ['asc', 'desc'] } },
      },
    },
    deadline: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}' },
    leaseSeconds: { type: 'number', exclusiveMinimum: 0 },
    maxAttempts: positiveInt,
    title: { type: 'string' },
  },
} as const;

const validateConfig = new Ajv({ allErrors: true }).compile(CONFIG_SCHEMA);

export type ConfigOverrides = Partial<Omit<LeaderboardConfig, 'evaluation'>> & {
  evaluation?: Partial<EvaluationSettings>;
};

/** Defaults, then `overrides` (a parsed config file, flags), checked against the schema. */
export function resolveConfig(overrides: ConfigOverrides = {}, source = 'config'): LeaderboardConfig {
  if (!validateConfig(overrides)) {
    const problems = (validateConfig.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new InputError(`${source}: ${problems.join('; ')}`);
  }
  const config: LeaderboardConfig = {
    ...DEFAULT_CONFIG,
    ...overrides,
    evaluation: { ...DEFAULT_CONFIG.evaluation, ...overrides.evaluation },
  };
  if (config.deadline !== undefined && Number.isNaN(Date.parse(config.deadline))) {
    throw new InputError(`${source}: /deadline: found "${config.deadline}", expected an ISO date-time`);
  }
  return config;
}

/** A JSON config file's overrides. */
export function readConfigFile(path: string): ConfigOverrides {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`--config ${path}: cannot read file (${(err as NodeJS.ErrnoException).code})`);
  }
  try {
    return JSON.parse(text) as ConfigOverrides;
  } catch (err) {
    throw new InputError(`--config ${path}: not JSON (${(err as Error).message})`);
  }
}
