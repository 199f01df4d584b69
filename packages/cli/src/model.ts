/** Loading a model for the commands that run one (eval, sample). */
import {
  GPT2,
  readCheckpoint,
  recordedMup,
  resolveBackendChoice,
  type SelectedBackend,
  selectBackend,
} from '@course/models';
import { type Output, println } from '@course/trainer';

/**
 * Reads an llm.c checkpoint (a missing or corrupt file is an InputError naming
 * it, reported before any backend starts), makes `backendFlag` (--backend; not
 * given: COURSE_BACKEND, else auto) the active backend (`auto` prints its one
 * line on stderr) and builds the model on it.
 * A checkpoint of a muP run is built with the muP settings its run's
 * run.json (beside it) records, so eval and sample run the forward it was
 * trained with; without a run.json it is an llm.c checkpoint (SP).
 * Dispose the model after use.
 */
export async function loadGPT2(
  checkpointPath: string,
  backendFlag: string | undefined,
  stderr: Output,
): Promise<{ model: GPT2; backend: SelectedBackend }> {
  const { config, params } = readCheckpoint(checkpointPath);
  const mup = recordedMup(checkpointPath);
  const backend = await selectBackend(resolveBackendChoice(backendFlag), {
    log: (line) => println(stderr, line),
  });
  return { model: new GPT2(config, params, { mup }), backend };
}
