/**
 * The rows of llm.c's run_parameters.txt table (train_gpt2.cu's order) for one
 * of our runs; @course/models lays them out (formatRunParameters) and appends
 * them (appendRunParameters).
 */
import type { GPT2Config, RunParameterFormat, RunParameterLine, RunParameterRow } from '@course/models';
import type { TrainOptions } from './llmc-flags.js';

/** Facts known once the model and data are set up. */
export interface RunFacts {
  config: GPT2Config;
  numParameters: number;
  /** "intermediate checkpoint" when resuming, else the -e file or a random-init description. */
  weightInit: string;
  trainNumBatches: number;
  valNumBatches: number;
  runHellaswag: boolean;
  device: string;
  /** llm.c prints -1 for devices it does not know. */
  peakTflops: number;
  precision: string;
}

/** The rows of train_gpt2.cu's table, in its order, from our options and the run's facts. */
export function runParameterRows(o: TrainOptions, run: RunFacts): RunParameterLine[] {
  const f = Math.fround; // these are C floats in llm.c
  const row = (name: string, value: string | number, format: RunParameterFormat): RunParameterRow => ({
    name,
    value,
    format,
  });
  return [
    row('train data pattern', o.overfitSingleBatch ? o.valPattern : o.trainPattern, 's'),
    row('val data pattern', o.valPattern, 's'),
    row('output log dir', o.outputDir, 's'),
    row('checkpoint_every', o.checkpointEvery, 'd'),
    row('resume', o.resume ? 1 : 0, 'd'),
    row('micro batch size B', o.batchSize, 'd'),
    row('sequence length T', o.seqLen, 'd'),
    row('total batch size', o.totalBatchSize, 'd'),
    row('LR scheduler', o.scheduler, 's'),
    row('learning rate (LR)', f(o.learningRate), 'e'),
    row('warmup iterations', o.warmupSteps, 'd'),
    row('final LR fraction', f(o.finalLrFraction), 'e'),
    row('weight decay', f(o.weightDecay), 'e'),
    row('skip update lossz', f(o.skipLossZ), 'f'),
    row('skip update gradz', f(o.skipGradZ), 'f'),
    row('max_steps', o.maxSteps, 'd'),
    row('val_loss_every', o.valEvery, 'd'),
    row('val_max_steps', o.valMaxSteps, 'd'),
    row('sample_every', o.sampleEvery, 'd'),
    row('genT', o.genTokens, 'd'),
    row('overfit_single_batch', o.overfitSingleBatch ? 1 : 0, 'd'),
    row('use_master_weights', o.gpu.masterWeights ? 'enabled' : 'disabled', 's'),
    row('gelu_fusion', Math.max(o.gpu.geluFusion, 0), 'd'),
    row('recompute', o.gpu.recompute, 'd'),
    'rule',
    row('device', run.device, 's'),
    row('peak TFlops', run.peakTflops, '.1f'),
    row('precision', run.precision, 's'),
    'rule',
    row('weight init method', run.weightInit, 's'),
    row('max_sequence_length T', run.config.maxSeqLen, 'd'),
    row('vocab_size V', run.config.vocabSize, 'd'),
    row('padded_vocab_size Vp', run.config.paddedVocabSize, 'd'),
    row('num_layers L', run.config.numLayers, 'd'),
    row('num_heads NH', run.config.numHeads, 'd'),
    row('channels C', run.config.channels, 'd'),
    // ours, muP runs only (llm.c's table has no such rows; an SP table stays llm.c's)
    ...(o.mup && o.mupBaseWidth !== null
      ? [
          row('muP base width', o.mupBaseWidth, 'd'),
          row('muP multiplier m', f(run.config.channels / o.mupBaseWidth), 'f'),
        ]
      : []),
    row('num_parameters', run.numParameters, 'zu'),
    'rule',
    row('train_num_batches', run.trainNumBatches, 'd'),
    row('val_num_batches', run.valNumBatches, 'd'),
    'rule',
    row('run hellaswag', run.runHellaswag ? 'yes' : 'no', 's'),
    'rule',
    row('num_processes', 1, 'd'),
    row('zero_stage', o.gpu.zeroStage, 'd'),
    'rule',
  ];
}
