/**
 * main.log and run_parameters.txt now live in @course/models (llmc/mainlog.ts,
 * llmc/run-parameters.ts). This re-export remains only for sweep/run.ts, which
 * still imports '../mainlog.js'; delete it once that import reads @course/models.
 */
export { parseMainLog } from '@course/models';
