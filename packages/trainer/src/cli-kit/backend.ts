/**
 * `--backend NAME` for every command that runs a model. It has no default of its own:
 * the command passes the flag's value (undefined when not given) to
 * resolveBackendChoice (@course/models), the one reader of COURSE_BACKEND, so the
 * flag beats the environment and the environment beats the default.
 */
import { BACKEND_ENV, BACKEND_NAMES } from '@course/models';
import { Option } from 'commander';

export function backendOption(
  description = 'TensorFlow.js backend; auto takes the fastest that runs here',
  fallback = 'auto',
): Option {
  return new Option(
    '--backend <name>',
    `${description} (default: env ${BACKEND_ENV}, else ${fallback})`,
  ).choices(['auto', ...BACKEND_NAMES]);
}
