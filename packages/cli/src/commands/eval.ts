/**
 * `course eval`: validation loss and/or HellaSwag accuracy of a checkpoint,
 * computed by evaluateModel, the same function the trainer, the grader and the
 * leaderboard call (llm.c semantics: the val loader is reset, N consecutive
 * batches of B×T are run, the loss is the mean of the per-batch mean losses).
 */
import { InputError } from '@course/models';
import {
  backendOption,
  batchCount,
  type CourseIO,
  evaluateModel,
  formatHellaSwag,
  integerIn,
  println,
} from '@course/trainer';
import type { Command } from 'commander';
import { loadGPT2 } from '../model.js';
import { startProgress } from '../progress.js';

interface EvalFlags {
  checkpoint: string;
  val?: string;
  hellaswag?: string;
  hellaswagLimit?: number;
  batches: number;
  b: number;
  t?: number;
  json?: boolean;
  backend?: string;
}

export function registerEval(program: Command, io: CourseIO): void {
  program
    .command('eval')
    .summary('validation loss and HellaSwag accuracy of a checkpoint')
    .description(
      'Evaluate an llm.c checkpoint as llm.c does: the val loader is reset, N consecutive batches of B×T ' +
        'are run and the loss is the mean of the per-batch means; HellaSwag accuracy is acc_norm. ' +
        'At least one of --val and --hellaswag is needed.',
    )
    .requiredOption('--checkpoint <file>', 'llm.c model checkpoint (model_*.bin, version 3 or 5)')
    .option('--val <glob>', "validation shards, e.g. 'data/*_val_*.bin' (quote it)")
    .option('--hellaswag <file>', 'llm.c HellaSwag eval file (.bin)')
    .option('--hellaswag-limit <n>', 'score only the first n HellaSwag examples', integerIn(1))
    .option('--batches <n>', 'validation batches; -1 = the whole split', batchCount, 20)
    .option('-b <B>', 'batch size', integerIn(1), 4)
    .option('-t <T>', "sequence length (default: 1024, or the model's maxT if smaller)", integerIn(1))
    .option('--json', 'print one JSON object on stdout instead of text')
    .addOption(backendOption())
    .action(async (flags: EvalFlags) => {
      if (flags.val === undefined && flags.hellaswag === undefined) {
        throw new InputError('--val / --hellaswag: found neither, expected at least one');
      }
      const { model, backend } = await loadGPT2(flags.checkpoint, flags.backend, io.stderr);
      const progress = startProgress(io.stderr, 'HellaSwag');
      try {
        const result = evaluateModel(model, {
          valPattern: flags.val,
          hellaswagPath: flags.hellaswag,
          hellaswagLimit: flags.hellaswagLimit,
          batches: flags.batches,
          B: flags.b,
          T: flags.t,
          onProgress: (what, done, total) => {
            if (what === 'hellaswag') progress.update(done, total, `${done}/${total} examples`);
          },
        });
        progress.stop();
        if (flags.json) {
          const { val_loss, val_batches, hellaswag_acc, hellaswag_n, hellaswag_ci95, seconds } = result;
          const report = {
            val_loss,
            val_batches,
            hellaswag_acc,
            hellaswag_n,
            hellaswag_ci95,
            backend: backend.name,
            seconds,
            checkpoint: flags.checkpoint,
          };
          println(io.stdout, JSON.stringify(report));
          return;
        }
        if (result.val_loss !== null) {
          println(
            io.stdout,
            `val loss ${result.val_loss.toFixed(4)} (${result.val_batches} batches of ${result.B}×${result.T})`,
          );
        }
        if (result.hellaswag_acc !== null && result.hellaswag_ci95 !== null) {
          println(io.stdout, `HellaSwag ${formatHellaSwag(result.hellaswag_acc, result.hellaswag_n)}`);
        }
      } finally {
        progress.stop();
        model.dispose();
      }
    });
}
