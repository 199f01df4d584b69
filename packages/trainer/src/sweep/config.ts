/** Reading and checking a sweep config file (schema.ts). */
import { readFileSync } from 'node:fs';
import { InputError } from '@course/models';
import type { SweepConfig } from './plan.js';
import { SWEEP_CONFIG_SCHEMA, schemaErrors } from './schema.js';

/** Checks parsed JSON against SWEEP_CONFIG_SCHEMA; one InputError lists every problem, each naming its field. */
export function validateSweepConfig(data: unknown, file: string): SweepConfig {
  const errors = schemaErrors(SWEEP_CONFIG_SCHEMA, data);
  if (errors.length > 0) {
    const lines = [...new Set(errors)].map((e) => `  ${file}: ${e}`);
    throw new InputError(`${file}: not a valid sweep config:\n${lines.join('\n')}`);
  }
  return data as SweepConfig;
}

export function loadSweepConfig(file: string): SweepConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(
      `${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: not JSON: ${(error as Error).message}`);
  }
  return validateSweepConfig(data, file);
}
