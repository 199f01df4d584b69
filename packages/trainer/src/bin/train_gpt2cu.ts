#!/usr/bin/env node
/**
 * train_gpt2cu: the course fork's llm.c trainer, command line for command line,
 * on TensorFlow.js. `--help` lists every flag; `-h` is HellaSwag, as in llm.c.
 */
import { parseTrainArgs, processIO, reportCommandError, train, trainUsage } from '../index.js';

async function main(argv: string[]): Promise<number> {
  const opts = parseTrainArgs(argv);
  if (opts.help) {
    process.stdout.write(`${trainUsage()}\n`);
    return 0;
  }
  await train(opts);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => process.exit(reportCommandError(err, processIO.stderr)),
);
