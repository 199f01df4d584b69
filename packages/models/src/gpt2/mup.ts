/**
 * The maximal-update parametrisation (muP; Yang et al., "Tensor Programs V",
 * 2022) for this GPT-2, relative to a base model of width C₀ (the base width):
 * with m = C / C₀ the width multiplier, the best hyperparameters (the LR
 * first) of the base model transfer to the wide one. The base model is this
 * model with C = C₀ and the same number of heads NH and layers L.
 *
 * Parameter groups and their rules (Adam; the muP paper's Table 3, with the
 * tied embedding treated as in muP's GPT-2 examples, `MuSharedReadout`):
 *
 *   group                              init std            Adam LR     forward
 *   hidden matrices: qkvw, attprojw,   σ_SP / √m           η / m       unchanged
 *     fcw, fcprojw (fan_in ∝ C)
 *   wte (input and tied output), wpe   σ_SP (0.02)         η           logits = (h / m)·wteᵀ
 *   biases, LayerNorm weights/biases   σ_SP (0, 1)         η           unchanged
 *   attention scores                   -                   -           q·kᵀ · √d₀ / d   (SP: q·kᵀ / √d)
 *
 * where σ_SP is llm.c's std (0.02, and 0.02/√(2L) for the residual
 * projections), d = C / NH the head size and d₀ = C₀ / NH the base model's.
 *
 * - Hidden matrices: fan_in ∝ C, so their std ∝ 1/√fan_in keeps each
 *   pre-activation O(1); Adam's update has entries of size ~η whatever the
 *   gradient's scale, so a matrix's change of its output grows like η·fan_in:
 *   η / m keeps it O(1). The draws are llm.c's (same MT19937 stream and order),
 *   multiplied by 1/√m.
 * - Tied wte/lm_head: as an input matrix (fan_in = vocabulary, fixed) wte keeps
 *   its init and LR; as the readout its fan_in is C, so muP wants the logits
 *   O(1/m) smaller than SP makes them: MuSharedReadout divides the logits by
 *   the width multiplier, the standard choice, because it keeps the tie
 *   (one tensor, one init, one LR, as llm.c's checkpoint stores it) where the
 *   alternatives (readout init ∝ 1/C, or LR ∝ 1/m for the readout only) need
 *   the two uses to be separate tensors.
 * - Attention: q and k are correlated after training, so q·k grows like d,
 *   not √d; muP's 1/d keeps the scores O(1). √d₀ / d = (1/√d)·√(d₀/d) equals
 *   SP's 1/√d at d = d₀.
 * - Weight decay stays coupled to the LR (p ← p − lr·wd·p), so it too is
 *   divided by m on the hidden matrices (as muP's MuAdamW with torch's AdamW).
 *
 * At m = 1 every multiplier above is exactly 1 and is skipped, so a muP model
 * at its base width is the SP model bit for bit (init, forward, updates).
 * Nothing here changes the parameter tensors, so checkpoints stay llm.c's
 * format; but a muP model's forward needs (muP, C₀), which the checkpoint
 * does not hold: the trainer records them in run_parameters.txt and run.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../errors.js';
import { type GPT2Config, type ParameterName, parameterTensors } from './config.js';
import { initParametersLlmc } from './init.js';

/** muP settings; the SP model has none. */
export interface MupSettings {
  /** C₀: the width the LR was tuned at (m = C / C₀). */
  baseWidth: number;
}

/** The four weight matrices per layer whose fan_in grows with C. */
export const MUP_HIDDEN_MATRICES: ReadonlySet<ParameterName> = new Set<ParameterName>([
  'qkvw',
  'attprojw',
  'fcw',
  'fcprojw',
]);

/** m = C / C₀, after checking that the base model exists (C₀ > 0 and divisible by NH). */
export function widthMultiplier(config: GPT2Config, mup: MupSettings): number {
  const C0 = mup.baseWidth;
  if (!Number.isInteger(C0) || C0 < 1 || C0 % config.numHeads !== 0) {
    throw new InputError(
      `muP base width: found ${C0}, expected a positive multiple of the ${config.numHeads} heads (the base model has the same heads)`,
    );
  }
  return config.channels / C0;
}

/** Adam LR multiplier of a tensor: 1/m on the hidden matrices, 1 elsewhere (1 everywhere without muP). */
export function mupLrMultiplier(
  name: ParameterName,
  config: GPT2Config,
  mup: MupSettings | undefined,
): number {
  if (!mup || !MUP_HIDDEN_MATRICES.has(name)) return 1;
  return 1 / widthMultiplier(config, mup);
}

/** Init std multiplier of a tensor: 1/√m on the hidden matrices, 1 elsewhere. */
export function mupInitMultiplier(
  name: ParameterName,
  config: GPT2Config,
  mup: MupSettings | undefined,
): number {
  if (!mup || !MUP_HIDDEN_MATRICES.has(name)) return 1;
  return 1 / Math.sqrt(widthMultiplier(config, mup));
}

/** SP's softmax scale 1/√d as a C float, the value llm.c's kernels compute (1.0f / sqrtf(d)). */
export function standardAttentionScale(headSize: number): number {
  return Math.fround(1 / Math.fround(Math.sqrt(headSize)));
}

/** The attention softmax scale: SP 1/√d; muP √d₀ / d = (1/√d)·√(d₀/d), d₀ = C₀/NH. */
export function attentionScale(config: GPT2Config, mup: MupSettings | undefined): number {
  const d = config.channels / config.numHeads;
  const sp = standardAttentionScale(d);
  if (!mup) return sp;
  const d0 = mup.baseWidth / config.numHeads;
  widthMultiplier(config, mup); // checks C₀
  return d0 === d ? sp : Math.fround(sp * Math.sqrt(d0 / d));
}

/** The logit multiplier of the tied head: 1/m under muP, 1 without. */
export function outputMultiplier(config: GPT2Config, mup: MupSettings | undefined): number {
  return mup ? 1 / widthMultiplier(config, mup) : 1;
}

/**
 * muP's init from llm.c's: the same draws (so the SP init is untouched and a
 * muP run at m = 1 starts from llm.c's numbers), each hidden matrix
 * multiplied by 1/√m in place. Returns `params`.
 */
export function applyMupInit(params: Float32Array, config: GPT2Config, mup: MupSettings): Float32Array {
  for (const t of parameterTensors(config)) {
    const s = mupInitMultiplier(t.name, config, mup);
    if (s === 1) continue;
    const view = params.subarray(t.offset, t.offset + t.size);
    for (let i = 0; i < view.length; i++) view[i] *= s;
  }
  return params;
}

/** llm.c's random init (seed as initParametersLlmc), then muP's 1/√m on the hidden matrices. */
export function initParametersMup(config: GPT2Config, mup: MupSettings, seed = 42): Float32Array {
  return applyMupInit(initParametersLlmc(config, seed), config, mup);
}

/**
 * The muP settings a train_gpt2cu run recorded in the run.json beside a
 * checkpoint (its `config.mup` and `config.mupBaseWidth`), for the commands
 * that load the checkpoint and must run the same forward. undefined when
 * there is no run.json (an llm.c checkpoint: SP) or it records SP.
 */
export function recordedMup(checkpointPath: string): MupSettings | undefined {
  const path = join(dirname(checkpointPath), 'run.json');
  if (!existsSync(path)) return undefined;
  let config: { mup?: unknown; mupBaseWidth?: unknown } | undefined;
  try {
    config = JSON.parse(readFileSync(path, 'utf8'))?.config;
  } catch (err) {
    throw new InputError(
      `${path}: not JSON (${(err as Error).message}); it should record the run's muP settings`,
    );
  }
  if (config?.mup !== true) return undefined;
  const C0 = config.mupBaseWidth;
  if (typeof C0 !== 'number' || !Number.isInteger(C0) || C0 < 1) {
    throw new InputError(
      `${path}: config.mupBaseWidth: found ${JSON.stringify(C0)}, expected a positive integer`,
    );
  }
  return { baseWidth: C0 };
}

/** "SP" or "muP (base width C₀)", for messages. */
export function describeMup(mup: MupSettings | undefined): string {
  return mup ? `muP (base width ${mup.baseWidth})` : 'SP';
}
