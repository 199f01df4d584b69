/**
 * How a sweep runs a trial: in this process (`inProcessTrial`, one at a time),
 * or as a process of its own (`processTrial`, for `--parallel N`): node running
 * trial-child.js with the trial's train_gpt2cu command line.
 *
 * A process trial ends as train_gpt2cu's own exit code says: 0 done, 3 the
 * budget stopped it (BudgetError), 2 bad input (InputError), 130/143 or
 * SIGINT/SIGTERM interrupted (RunInterrupted), anything else a failed trial
 * (Error with the end of its stderr). While children run, SIGINT and SIGTERM
 * sent to the sweep are passed on to them, so every running trial finishes its
 * ledger entry as "interrupted" and the sweep can save its state and exit; a
 * sweep killed outright (kill -9) leaves orphans that stop themselves
 * (trial-child.ts).
 *
 * How many at once: N capped at the cores (availableParallelism) and at the
 * free memory / TRIAL_PROCESS_BYTES, at least 1. Every process loads its own
 * TensorFlow.js and data; a sweep of d1 c64 trials (strategy 1) running in one
 * process (vite-node included) held 0.54 GB resident, so 1 GiB per trial leaves room.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, freemem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BudgetError, InputError } from '@course/models';
import { parseTrainArgs } from '../llmc-flags.js';
import { RunInterrupted, STOP_SIGNALS, type StopSignal, type TrainIO, train } from '../train.js';

/** Runs one trial's train_gpt2cu command line to its end; rejects as train() does. */
export type TrialRunner = (args: string[], opts: { budgetUsd?: number; io: TrainIO }) => Promise<void>;

/** The trial in this process (the sweep's own backend and memory). */
export const inProcessTrial: TrialRunner = async (args, { budgetUsd, io }) => {
  const options = parseTrainArgs(args);
  if (budgetUsd !== undefined) options.budgetUsd = budgetUsd;
  await train(options, io);
};

/** Memory set aside per trial process (file comment). */
export const TRIAL_PROCESS_BYTES = 2 ** 30;

export interface ParallelCap {
  /** Trials to run at once. */
  n: number;
  /** Why fewer than asked, or undefined when N fits. */
  message?: string;
}

/** `requested` trials at once, capped by cores and free memory (file comment). */
export function parallelCap(
  requested: number,
  machine: { cores?: number; freeBytes?: number } = {},
): ParallelCap {
  const cores = machine.cores ?? availableParallelism();
  const freeBytes = machine.freeBytes ?? freemem();
  const byMemory = Math.floor(freeBytes / TRIAL_PROCESS_BYTES);
  const n = Math.max(1, Math.min(requested, cores, byMemory));
  if (n >= requested) return { n };
  const gib = (b: number) => (b / 2 ** 30).toFixed(1);
  return {
    n,
    message:
      `--parallel ${requested}: running ${n} trial${n === 1 ? '' : 's'} at once: this machine has ${cores} ` +
      `core${cores === 1 ? '' : 's'} and ${gib(freeBytes)} GiB free memory (${gib(TRIAL_PROCESS_BYTES)} GiB per trial process)`,
  };
}

/** trial-child.js beside this module (built), or the built trainer's when running from sources. */
export function trialChildScript(): string {
  const candidates = [
    fileURLToPath(new URL('./trial-child.js', import.meta.url)),
    fileURLToPath(new URL('../../dist/sweep/trial-child.js', import.meta.url)),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new InputError(
      `--parallel: ${candidates[1]}: not found, expected the built trainer (run \`npm run build\`)`,
    );
  }
  return found;
}

/** The environment variable that tells a trial process its sweep's pid (trial-child.ts). */
export const SWEEP_PID_ENV = 'COURSE_SWEEP_PID';

const live = new Set<ReturnType<typeof spawn>>();
let forwarding: { signal: StopSignal; handler: () => void }[] = [];

/** While children run, SIGINT/SIGTERM to the sweep go to them (they end "interrupted"). */
function forwardSignals(): void {
  if (forwarding.length > 0) return;
  forwarding = (Object.keys(STOP_SIGNALS) as StopSignal[]).map((signal) => {
    const handler = () => {
      for (const child of live) child.kill(signal);
    };
    process.on(signal, handler);
    return { signal, handler };
  });
}

function stopForwarding(): void {
  if (live.size > 0) return;
  for (const { signal, handler } of forwarding) process.off(signal, handler);
  forwarding = [];
}

const STDERR_TAIL = 4000;

/**
 * Trials as processes of their own: node trial-child.js ARGS [--budget-usd X];
 * their stdout and stderr go to `io` line by line (the sweep passes a quiet io unless --verbose).
 */
export function processTrial(script = trialChildScript()): TrialRunner {
  return (args, { budgetUsd, io }) =>
    new Promise<void>((resolve, reject) => {
      const argv = [...args, ...(budgetUsd === undefined ? [] : ['--budget-usd', String(budgetUsd)])];
      const child = spawn(process.execPath, [script, ...argv], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, [SWEEP_PID_ENV]: String(process.pid) },
      });
      live.add(child);
      forwardSignals();
      let stderr = '';
      const lines = (each: (line: string) => void) => {
        let rest = '';
        return (chunk: Buffer) => {
          const text = rest + chunk.toString('utf8');
          const parts = text.split('\n');
          rest = parts.pop() ?? '';
          for (const line of parts) each(line);
        };
      };
      child.stdout.on(
        'data',
        lines((l) => io.log(l)),
      );
      child.stderr.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
      });
      child.stderr.on(
        'data',
        lines((l) => io.warn(l)),
      );
      child.on('error', (err) => {
        live.delete(child);
        stopForwarding();
        reject(err);
      });
      child.on('close', (code, signal) => {
        live.delete(child);
        stopForwarding();
        const said = stderr.trim().replace(/^error: /, '') || `train_gpt2cu ${argv.join(' ')}`;
        if (code === 0) resolve();
        else if (code === 3) reject(new BudgetError(said));
        else if (code === 2) reject(new InputError(said));
        else if (code === STOP_SIGNALS.SIGINT || signal === 'SIGINT')
          reject(new RunInterrupted('SIGINT', said));
        else if (code === STOP_SIGNALS.SIGTERM || signal === 'SIGTERM')
          reject(new RunInterrupted('SIGTERM', said));
        else reject(new Error(`exit ${code ?? signal}: ${said}`));
      });
    });
}
