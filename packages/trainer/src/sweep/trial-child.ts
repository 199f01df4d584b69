/**
 * One trial of a parallel sweep (`course sweep --parallel N`, processes.ts):
 * train_gpt2cu's command line, the arguments after this script, in a process
 * of its own. It ends as Ctrl-C ends a run (SIGTERM: the ledger entry is
 * finished "interrupted" with its spend, the last checkpoint stays) when the
 * sweep that started it is gone, e.g. killed with kill -9: its parent process
 * id is no longer the sweep's (COURSE_SWEEP_PID) once it is orphaned. Without that, a rerun of the sweep would
 * resume the trial in a folder the orphan still writes to.
 */
import { parseTrainArgs, reportTrainError, train } from '../index.js';
import { SWEEP_PID_ENV } from './processes.js';

const ORPHAN_CHECK_MS = 1000;

// The sweep's pid, from the sweep (processTrial): a trial orphaned before this line runs has
// another parent already. Started by hand, the parent it started with.
const parent = Number(process.env[SWEEP_PID_ENV]) || process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
}, ORPHAN_CHECK_MS).unref();

Promise.resolve()
  .then(() => train(parseTrainArgs(process.argv.slice(2))))
  .then(
    () => process.exit(0),
    (err) => process.exit(reportTrainError(err)),
  );
