/** `course budget`: what the runs recorded in a budget ledger have spent. */
import { existsSync } from 'node:fs';
import { type CourseIO, formatBudgetReport, openLedger, println } from '@course/trainer';
import type { Command } from 'commander';

export function registerBudget(program: Command, io: CourseIO): void {
  program
    .command('budget')
    .summary('spend of the training runs recorded in a budget ledger')
    .description('Print every run in the budget ledger (projected and actual cost) and the totals.')
    .option('--ledger <file>', 'budget ledger written by training runs', './budget.json')
    .action((flags: { ledger: string }) => {
      if (!existsSync(flags.ledger)) {
        println(io.stdout, `ledger ${flags.ledger}: no runs recorded yet (training runs create it)`);
        return;
      }
      println(io.stdout, formatBudgetReport(openLedger(flags.ledger)));
    });
}
