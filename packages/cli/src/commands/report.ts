/**
 * `course plot` and `course table`: the loss curves and the hyperparameter
 * tuning table of several run folders (each a `-o DIR` of train_gpt2cu,
 * ours or llm.c's; only main.log is required).
 */
import {
  type CourseIO,
  loadRun,
  type PlotOptions,
  println,
  type TableFormat,
  tuningTable,
  writePlot,
} from '@course/trainer';
import { type Command, Option } from 'commander';

interface PlotFlags {
  metric: PlotOptions['metric'];
  label: PlotOptions['label'];
  out: string;
  title?: string;
  logY?: boolean;
}

export function registerReport(program: Command, io: CourseIO): void {
  program
    .command('plot')
    .summary('plot the loss curves of run folders into one SVG or PNG')
    .description('Plot the train and/or val loss of several run folders (their main.log) in one chart.')
    .argument('<run-dir...>', 'run folders (train_gpt2cu -o DIR)')
    .requiredOption('--out <file>', 'output image: .svg or .png')
    .addOption(new Option('--metric <which>', 'which loss').choices(['train', 'val', 'both']).default('both'))
    .addOption(
      new Option('--label <what>', 'legend label per run: its max learning rate, or its folder name')
        .choices(['lr', 'name'])
        .default('lr'),
    )
    .option('--title <text>', 'chart title (default: names the metric)')
    .option('--log-y', 'log-scale loss axis')
    .action(async (dirs: string[], flags: PlotFlags) => {
      const runs = dirs.map(loadRun);
      await writePlot(
        runs,
        { metric: flags.metric, label: flags.label, title: flags.title, logY: flags.logY },
        flags.out,
      );
      println(io.stdout, `wrote ${flags.out} (${runs.length} run${runs.length === 1 ? '' : 's'})`);
    });

  program
    .command('table')
    .summary('the hyperparameter tuning table of run folders (Markdown or CSV)')
    .description(
      'One row per run folder: max LR, steps, model size, projected and actual cost, minimum train and ' +
        'val loss, final HellaSwag accuracy.',
    )
    .argument('<run-dir...>', 'run folders (train_gpt2cu -o DIR)')
    .addOption(
      new Option('--format <format>', 'md (to paste into a write-up) or csv')
        .choices(['md', 'csv'])
        .default('md'),
    )
    .action((dirs: string[], flags: { format: TableFormat }) => {
      io.stdout.write(tuningTable(dirs.map(loadRun), flags.format));
    });
}
