/**
 * `course bert encode --model DIR --text "…" [--text-b "…"] [--json]`: the
 * WordPiece tokens and ids of a text (or a pair) and the pooled [CLS] vector
 * of a Hugging Face BERT folder (config.json, vocab.txt, model.safetensors),
 * so a checkpoint loaded here can be compared with another implementation.
 *
 *   text:   tokens: [CLS] hello world [SEP]
 *           ids: 101 7592 2088 102
 *           pooled (768): 0.123 -0.456 …
 *   --json: {"tokens": [...], "ids": [...], "pooled": [...]}
 *
 * Buffers the loader skips (Hugging Face's integer `embeddings.position_ids`)
 * are named on stderr, one line each; stdout stays the result alone.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, loadBertFolder, resolveBackendChoice, selectBackend } from '@course/models';
import { backendOption, type CourseIO, integerIn, println } from '@course/trainer';
import * as tf from '@tensorflow/tfjs';
import type { Command } from 'commander';

interface EncodeFlags {
  model: string;
  text: string;
  textB?: string;
  maxLength: number;
  json?: boolean;
  backend?: string;
}

const FOLDER_FILES = ['config.json', 'vocab.txt', 'model.safetensors'];

/** A missing folder or file is named before any backend starts. */
function checkFolder(dir: string): void {
  for (const file of FOLDER_FILES) {
    if (!existsSync(join(dir, file))) {
      throw new InputError(
        `--model: ${join(dir, file)}: not found, expected a Hugging Face BERT folder (${FOLDER_FILES.join(', ')})`,
      );
    }
  }
}

export function registerBert(program: Command, io: CourseIO): void {
  const bert = program
    .command('bert')
    .summary('BERT: tokens and pooled output of a Hugging Face model folder')
    .description('BERT tools for Hugging Face model folders (config.json, vocab.txt, model.safetensors).');
  bert
    .command('encode')
    .summary('WordPiece tokens, ids and the pooled [CLS] output of a text or a pair')
    .description(
      "Tokenize a text (or a pair, as [CLS] a [SEP] b [SEP]) with the folder's vocab.txt, run the encoder " +
        'and print the tokens, their ids and the pooled [CLS] vector (tanh of the pooler dense layer).',
    )
    .requiredOption('--model <dir>', 'Hugging Face BERT folder: config.json, vocab.txt, model.safetensors')
    .requiredOption('--text <text>', 'the (first) sentence')
    .option('--text-b <text>', 'a second sentence: encode the pair with segment ids 0 and 1')
    .option(
      '--max-length <n>',
      "truncate to this many tokens (capped at the model's positions)",
      integerIn(3),
      512,
    )
    .option('--json', 'print {"tokens", "ids", "pooled"} as JSON')
    .addOption(backendOption())
    .action(async (flags: EncodeFlags) => {
      checkFolder(flags.model);
      await selectBackend(resolveBackendChoice(flags.backend), { log: (line) => println(io.stderr, line) });
      const { model, tokenizer, config, notes } = loadBertFolder(flags.model);
      for (const note of notes) println(io.stderr, note);
      try {
        if (!model.hasPooler) {
          throw new InputError(
            `--model: ${join(flags.model, 'model.safetensors')}: pooler.dense: found missing, expected BertModel's pooler`,
          );
        }
        const enc = tokenizer.encode(flags.text, flags.textB, {
          maxLength: Math.min(flags.maxLength, config.maxPositions),
        });
        const T = enc.ids.length;
        const pooled = tf.tidy(() => {
          const out = model.forward({
            inputIds: tf.tensor2d(enc.ids, [1, T], 'int32'),
            tokenTypeIds: tf.tensor2d(enc.tokenTypeIds, [1, T], 'int32'),
          });
          return out.pooled!;
        });
        const values = Array.from(pooled.dataSync());
        pooled.dispose();
        if (flags.json) {
          println(io.stdout, JSON.stringify({ tokens: enc.tokens, ids: enc.ids, pooled: values }));
        } else {
          println(io.stdout, `tokens: ${enc.tokens.join(' ')}`);
          println(io.stdout, `ids: ${enc.ids.join(' ')}`);
          println(io.stdout, `pooled (${values.length}): ${values.map((v) => v.toFixed(6)).join(' ')}`);
        }
      } finally {
        model.dispose();
      }
    });
}
