/**
 * GPT-2 cases, through the trainer's own code paths:
 *   gpt-q1 / gpt-tiny  one training step = forward + backward + AdamW (trainer's trainStep)
 *   gpt-eval           the val loss of one B×T batch (trainer's valLoss, forward only)
 *   hellaswag-eval     one step = evaluateModel over a generated HellaSwag file of
 *                      HELLASWAG.examples examples (the leaderboard's and `course eval`'s path)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { GPT2, gpt2Config, initParametersLlmc, MT19937, numParameters, writeHellaSwag } from '@course/models';
import { AdamW, evaluateModel, trainStep, valLoss } from '@course/trainer';
import { progress, randomTokens, round, TOKEN_SEED, tensorFields, timeSteps, versions } from './common.mjs';
import { profileCase } from './profile.mjs';
import { anchorFields } from './report.mjs';

export const GPT_SHAPES = {
  'gpt-q1': { depth: 1, channels: 64, heads: 1, B: 8, T: 256 },
  'gpt-tiny': { depth: 6, channels: 384, heads: 6, B: 4, T: 256 },
  // the handout's batch for GPT-2 Tiny (llm.c's -b 8 -t 1024): memory as much as speed
  'gpt-tiny-t1024': { depth: 6, channels: 384, heads: 6, B: 8, T: 1024 },
  'gpt-eval': { depth: 6, channels: 384, heads: 6, B: 4, T: 256 },
};

/**
 * hellaswag-eval's fixed shapes: 32 examples of a 24-token context and four
 * 12-token endings. evaluateModel scores 8 examples (32 rows of 36 tokens,
 * 35 positions) per forward pass, logits only at the 4·8·12 ending positions.
 */
export const HELLASWAG = { depth: 6, channels: 384, heads: 6, examples: 32, context: 24, ending: 12 };

/** The model at llm.c's initialisation; params is llm.c's count (wte with its padded rows). */
function buildGpt(name, arch) {
  const config = gpt2Config({ depth: arch.depth, channels: arch.channels, heads: arch.heads });
  progress(`${name}: building GPT-2 d${arch.depth} c${arch.channels} h${arch.heads}`);
  return { config, model: new GPT2(config, initParametersLlmc(config)), params: numParameters(config) };
}

/** The model and one fixed synthetic batch (inputs, targets). */
function setupGpt(name) {
  const shape = GPT_SHAPES[name];
  const { config, model, params } = buildGpt(name, shape);
  const rng = new MT19937(TOKEN_SEED);
  const batch = {
    inputs: randomTokens(shape.B * shape.T, rng, config.vocabSize),
    targets: randomTokens(shape.B * shape.T, rng, config.vocabSize),
  };
  return { shape, config, model, batch, params };
}

/** A forward+backward+AdamW step closure, as the trainer runs it (lr and wd as the torch anchor). */
function trainStepFn(model, batch, shape) {
  const optimizer = new AdamW(model.parameters);
  let t = 0;
  const step = () => {
    t++;
    trainStep(model, optimizer, () => batch, {
      B: shape.B,
      T: shape.T,
      gradAccum: 1,
      learningRate: 3e-4,
      weightDecay: 0.1,
      t,
    });
  };
  return { step, dispose: () => optimizer.dispose() };
}

export async function benchTrain(name, opts) {
  const { shape, model, batch, params } = setupGpt(name);
  const { step, dispose } = trainStepFn(model, batch, shape);
  try {
    if (opts.profile) return await profileCase(name, opts, step, params);
    const timing = await timeSteps(name, step, opts);
    const tokensPerS = (shape.B * shape.T * 1000) / timing.msPerStep;
    return {
      case: name,
      backend: opts.backendName,
      B: shape.B,
      T: shape.T,
      params,
      ms_per_step: round(timing.msPerStep, 1),
      tokens_per_s: round(tokensPerS, 1),
      steps: timing.steps,
      warmup: opts.warmup,
      ...anchorFields(name, tokensPerS),
      ...tensorFields(timing),
      ...versions(),
    };
  } finally {
    dispose();
    model.dispose();
  }
}

export async function benchEval(name, opts) {
  const { shape, model, batch, params } = setupGpt(name);
  // valLoss reads batches from a loader; this one always returns the same batch.
  const loader = { B: shape.B, T: shape.T, reset() {}, nextBatch: () => batch };
  const step = () => valLoss(model, loader, 1);
  try {
    if (opts.profile) return await profileCase(name, opts, step, params);
    const timing = await timeSteps(name, step, opts);
    return {
      case: name,
      backend: opts.backendName,
      B: shape.B,
      T: shape.T,
      params,
      ms_per_step: round(timing.msPerStep, 1),
      tokens_per_s: round((shape.B * shape.T * 1000) / timing.msPerStep, 1),
      steps: timing.steps,
      warmup: opts.warmup,
      ...tensorFields(timing),
      ...versions(),
    };
  } finally {
    model.dispose();
  }
}

/** Random HellaSwag examples of the fixed shapes, written as llm.c's .bin; returns its path. */
function syntheticHellaSwag(dir, vocabSize) {
  const rng = new MT19937(TOKEN_SEED);
  const tokens = (n) => Array.from(randomTokens(n, rng, vocabSize));
  const examples = Array.from({ length: HELLASWAG.examples }, (_, i) => ({
    label: i % 4,
    context: tokens(HELLASWAG.context),
    endings: [0, 1, 2, 3].map(() => tokens(HELLASWAG.ending)),
  }));
  const path = join(dir, 'hellaswag_val.bin');
  writeHellaSwag(path, examples);
  return path;
}

export async function benchHellaSwag(name, opts) {
  const { config, model, params } = buildGpt(name, HELLASWAG);
  const dir = mkdtempSync(join(os.tmpdir(), 'bench-hellaswag-'));
  const hellaswagPath = syntheticHellaSwag(dir, config.vocabSize);
  const step = () => {
    const result = evaluateModel(model, { hellaswagPath });
    if (result.hellaswag_n !== HELLASWAG.examples) {
      throw new Error(`${name}: scored ${result.hellaswag_n} examples, expected ${HELLASWAG.examples}`);
    }
  };
  try {
    if (opts.profile) return await profileCase(name, opts, step, params);
    const timing = await timeSteps(name, step, opts);
    return {
      case: name,
      backend: opts.backendName,
      examples: HELLASWAG.examples,
      context_tokens: HELLASWAG.context,
      ending_tokens: HELLASWAG.ending,
      params,
      ms_per_step: round(timing.msPerStep, 1),
      examples_per_s: round((HELLASWAG.examples * 1000) / timing.msPerStep, 2),
      steps: timing.steps,
      warmup: opts.warmup,
      ...tensorFields(timing),
      ...versions(),
    };
  } finally {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
