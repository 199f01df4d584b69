/**
 * Scoring one submission: the checkpoint on each side of the held-out split,
 * with evaluateModel, the function `course eval` runs (llm.c's val loss and
 * HellaSwag acc_norm). Used by local and remote workers alike.
 *
 * A model whose weights or losses are not finite fails its evaluation (a
 * failed submission uses no quota) instead of being ranked: with NaN losses
 * the val loss is stored as null and HellaSwag's argmin picks ending 0 every
 * time. Each batch's loss is checked as evaluateModel computes it.
 */
import { GPT2, InputError, readCheckpoint } from '@course/models';
import { evaluateModel } from '@course/trainer';
import type { EvaluationSettings } from './config.js';
import { type HeldoutManifest, SIDES, sha256File, sideFiles } from './heldout.js';
import type { ScoreInput, SplitMetrics } from './store.js';
import { requireFiniteWeights } from './weights.js';

/** A loss that is NaN or infinite: the model's outputs overflow. */
class NonFiniteLoss extends InputError {}

function requireFinite(what: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new NonFiniteLoss(
        `${what}: found ${values[i]}, expected a finite number (the model's outputs overflow: its weights are too large or not numbers)`,
      );
    }
  }
}

/**
 * The model as evaluateModel sees it, with a hook before every batch and
 * every batch's losses checked: `loss` (a val batch) and `lossesAt` (a group
 * of HellaSwag endings) call `beforeBatch`, delegate to `model` and throw
 * NonFiniteLoss on a NaN or infinite value.
 */
function checkedModel(model: GPT2, beforeBatch: () => void): GPT2 {
  const checked = Object.create(model) as GPT2;
  checked.loss = (tokens, targets) => {
    beforeBatch();
    const out = model.loss(tokens, targets);
    requireFinite('val loss', out.dataSync());
    return out;
  };
  checked.lossesAt = (tokens, positions, targets) => {
    beforeBatch();
    const out = model.lossesAt(tokens, positions, targets);
    requireFinite('HellaSwag loss', out.dataSync());
    return out;
  };
  return checked;
}

/**
 * Names the evaluation code and its settings; stored with every score. Bump
 * the number when evaluateModel's results for the same inputs would change.
 */
export function evaluatorVersion(settings: EvaluationSettings): string {
  const limit = settings.hellaswagLimit === undefined ? 'all' : String(settings.hellaswagLimit);
  return `course-leaderboard/1 evaluateModel(llm.c val loss, HellaSwag acc_norm) B=${settings.B} T=${settings.T} val_batches=${settings.valBatches} hellaswag_limit=${limit}`;
}

/**
 * Evaluates `checkpointPath` on both sides of the split in `folder`. The
 * active tfjs backend is used (select it first). `onProgress` is called
 * between pieces of work (a worker renews its lease there).
 */
export function scoreCheckpoint(
  checkpointPath: string,
  manifest: HeldoutManifest,
  folder: string,
  settings: EvaluationSettings,
  onProgress: () => void = () => {},
): ScoreInput {
  const started = performance.now();
  const checkpointSha = sha256File(checkpointPath);
  const { header, config, params } = readCheckpoint(checkpointPath);
  requireFiniteWeights('checkpoint', config, params, header.version === 3 ? 4 : 2);
  const model = new GPT2(config, params);
  const metrics: Record<'public' | 'private', SplitMetrics> = {
    public: { val_loss: null, hellaswag_acc: null, hellaswag_n: 0 },
    private: { val_loss: null, hellaswag_acc: null, hellaswag_n: 0 },
  };
  try {
    for (const side of SIDES) {
      const files = sideFiles(manifest, folder, side);
      if (!files.valPattern && !files.hellaswagPath) continue;
      // Never more batches than the side holds (each split shard holds whole batches).
      const sideBatches = files.valPattern ? batchesIn(manifest, side) : 0;
      const batches = settings.valBatches < 0 ? sideBatches : Math.min(settings.valBatches, sideBatches);
      let result: ReturnType<typeof evaluateModel>;
      try {
        result = evaluateModel(checkedModel(model, onProgress), {
          valPattern: files.valPattern ?? undefined,
          hellaswagPath: files.hellaswagPath ?? undefined,
          hellaswagLimit: settings.hellaswagLimit,
          batches,
          B: settings.B,
          T: settings.T,
        });
      } catch (err) {
        if (err instanceof NonFiniteLoss) throw new NonFiniteLoss(`${side} split: ${err.message}`);
        throw err;
      }
      metrics[side] = {
        val_loss: result.val_loss,
        hellaswag_acc: result.hellaswag_acc,
        hellaswag_n: result.hellaswag_n,
      };
      onProgress();
    }
  } finally {
    model.dispose();
  }
  return {
    evaluator_version: evaluatorVersion(settings),
    checkpoint_sha256: checkpointSha,
    heldout_sha256: manifest.files,
    public: metrics.public,
    private: metrics.private,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Batches in a side's val shard: the split writes chunks·B·T + 1 tokens, recorded in the manifest. */
function batchesIn(manifest: HeldoutManifest, side: 'public' | 'private'): number {
  return manifest.valChunks[side];
}
