/**
 * Scoring one submission: the checkpoint on each side of the held-out split,
 * with evaluateModel, the function `course eval` runs (llm.c's val loss and
 * HellaSwag acc_norm). Used by local and remote workers alike.
 */
import { GPT2, readCheckpoint } from '@course/models';
import { evaluateModel } from '@course/trainer';
import type { EvaluationSettings } from './config.js';
import { type HeldoutManifest, SIDES, sha256File, sideFiles } from './heldout.js';
import type { ScoreInput, SplitMetrics } from './store.js';

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
  const { config, params } = readCheckpoint(checkpointPath);
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
      const result = evaluateModel(model, {
        valPattern: files.valPattern ?? undefined,
        hellaswagPath: files.hellaswagPath ?? undefined,
        hellaswagLimit: settings.hellaswagLimit,
        batches,
        B: settings.B,
        T: settings.T,
        onProgress: () => onProgress(),
      });
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
