/**
 * `course-leaderboard`: serve, add-student, add-token, submit, worker. This
 * file parses flags and calls the library; runLeaderboardCli takes an io
 * object so tests can run commands in-process and read what they printed.
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InputError, resolveBackendChoice } from '@course/models';
import {
  backendOption,
  batchCount,
  type CourseIO,
  courseProgram,
  integerIn,
  numberIn,
  println,
  processIO,
  runProgram,
} from '@course/trainer';
import { type Command, Option } from 'commander';
import { type ConfigOverrides, DEFAULT_CONFIG, readConfigFile, resolveConfig } from './config.js';
import { openDatabase } from './db.js';
import { Store } from './store.js';
import {
  describeLinks,
  describeReply,
  describeScored,
  submitCheckpoint,
  waitForSubmission,
} from './submit-client.js';
import { runLocalWorker, runRemoteWorker } from './worker.js';

/** Where course-leaderboard writes: the kit's CourseIO (tests pass their own). */
export type LeaderboardIO = CourseIO;

interface ServeFlags {
  db: string;
  port: number;
  host: string;
  val?: string;
  hellaswag?: string;
  valBatches?: number;
  hellaswagLimit?: number;
  b?: number;
  t?: number;
  depth?: number;
  channels?: number;
  heads?: number;
  maxSeqLen?: number;
  vocabSize?: number;
  publicFraction?: number;
  dailyLimit?: number;
  budgetUsd?: number;
  deadline?: string;
  workers: number;
  config?: string;
  backend?: string;
}

const D = DEFAULT_CONFIG;

/**
 * "(default: 6)" in an option's description. The class rules' defaults are not commander defaults:
 * a --config file must be able to set what a flag left unset.
 */
function shown(value: number | string): string {
  return `(default: ${value})`;
}

/** Config file, then flags given on the command line. */
function serveConfig(flags: ServeFlags) {
  const overrides: ConfigOverrides = flags.config ? readConfigFile(flags.config) : {};
  const arch = overrides.architecture ?? DEFAULT_CONFIG.architecture;
  const archFlags = { depth: flags.depth, channels: flags.channels, heads: flags.heads };
  const extra = { maxSeqLen: flags.maxSeqLen, vocabSize: flags.vocabSize };
  const architecture = { ...arch };
  for (const [k, v] of Object.entries({ ...archFlags, ...extra })) {
    if (v !== undefined) (architecture as Record<string, number>)[k] = v;
  }
  const evaluation = { ...overrides.evaluation };
  if (flags.valBatches !== undefined) evaluation.valBatches = flags.valBatches;
  if (flags.b !== undefined) evaluation.B = flags.b;
  if (flags.t !== undefined) evaluation.T = flags.t;
  if (flags.hellaswagLimit !== undefined) evaluation.hellaswagLimit = flags.hellaswagLimit;
  const merged: ConfigOverrides = { ...overrides, architecture, evaluation };
  if (flags.publicFraction !== undefined) merged.publicFraction = flags.publicFraction;
  if (flags.dailyLimit !== undefined) merged.dailyLimit = flags.dailyLimit;
  if (flags.budgetUsd !== undefined) merged.tuningBudgetUsd = flags.budgetUsd;
  if (flags.deadline !== undefined) merged.deadline = flags.deadline;
  return resolveConfig(merged, flags.config ?? 'flags');
}

/**
 * For a worker started by `serve --workers` (it has the IPC channel): a check that its server is
 * still there, asked between evaluation batches (an evaluation never yields to the event loop, so
 * the channel closing is noticed only when idle). The server gone, the worker's parent becomes
 * another process (init or a subreaper).
 */
function serverGone(): (() => string | null) | undefined {
  if (!process.send) return undefined;
  const server = process.ppid;
  process.on('disconnect', () => process.exit(0));
  process.channel?.unref();
  return () => (process.ppid !== server ? `its server (pid ${server}) is gone` : null);
}

function buildProgram(io: LeaderboardIO, running: { stop?: () => Promise<void> }): Command {
  const program = courseProgram('course-leaderboard', io).description(
    'Class leaderboard: students submit llm.c checkpoints; workers score them on held-out data.',
  );
  program.addHelpText(
    'after',
    `
Examples:
  course-leaderboard add-student alice --db class.db      prints alice's token (last line)
  course-leaderboard serve --db class.db --port 8080 --val 'data/*_val_*.bin' --hellaswag data/hellaswag_val.bin --workers 1
  course-leaderboard submit --server http://host:8080 --token T --checkpoint log/model_00005000.bin --max-lr 6e-4 --spend-usd 12.5 --wait
  course-leaderboard add-token gpu-box --role worker --db class.db
  course-leaderboard worker --server http://host:8080 --token WORKER_TOKEN      (on a GPU machine)

Exit codes: 0 ok, 2 bad usage or input, 1 internal error.`,
  );

  registerServe(program, io, running);
  registerAddStudent(program, io);
  registerAddToken(program, io);
  registerSubmit(program, io);
  registerWorker(program, io);
  return program;
}

/** `serve`: the web server and its local workers. */
function registerServe(program: Command, io: LeaderboardIO, running: { stop?: () => Promise<void> }): void {
  program
    .command('serve')
    .summary('run the web server (and local workers)')
    .requiredOption('--db <file>', 'SQLite database (created if missing)')
    .option('--port <n>', 'port (0 = any free port)', integerIn(0), 8080)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--val <glob>', "held-out validation shards, e.g. 'data/*_val_*.bin' (quote it) (default: none)")
    .option(
      '--hellaswag <file>',
      'held-out llm.c HellaSwag file (default: none; give --val, --hellaswag or both)',
    )
    .option(
      '--val-batches <n>',
      `val batches per split; -1 = the whole split ${shown(D.evaluation.valBatches)}`,
      batchCount,
    )
    .option(
      '--hellaswag-limit <n>',
      'score only the first n HellaSwag examples of each split (default: all)',
      integerIn(1),
    )
    .option('-b <B>', `evaluation batch size ${shown(D.evaluation.B)}`, integerIn(1))
    .option('-t <T>', `evaluation sequence length ${shown(D.evaluation.T)}`, integerIn(1))
    .option('--depth <n>', `required layers ${shown(D.architecture.depth)}`, integerIn(1))
    .option('--channels <n>', `required channels ${shown(D.architecture.channels)}`, integerIn(1))
    .option('--heads <n>', `required heads ${shown(D.architecture.heads)}`, integerIn(1))
    .option('--max-seq-len <n>', 'required max_seq_len (default: any ≥ -t)', integerIn(1))
    .option('--vocab-size <n>', 'required vocab_size (default: any)', integerIn(1))
    .option(
      '--public-fraction <x>',
      `share of held-out data on the public board ${shown(D.publicFraction)}`,
      numberIn(0, 1, true),
    )
    .option('--daily-limit <n>', `submissions per student per UTC day ${shown(D.dailyLimit)}`, integerIn(1))
    .option(
      '--budget-usd <x>',
      `tuning budget; spend above it is flagged ${shown(D.tuningBudgetUsd)}`,
      numberIn(0),
    )
    .option(
      '--deadline <iso>',
      'when the private board is revealed and submissions close (default: none; a TA reveals it)',
    )
    .option('--workers <n>', 'local worker processes to start', integerIn(0), 0)
    .option(
      '--config <file>',
      'JSON file with the class rules; it replaces the defaults, flags replace both (default: none)',
    )
    .addOption(backendOption('TensorFlow.js backend for evaluations'))
    .action(async (flags: ServeFlags) => {
      if (!flags.val && !flags.hellaswag)
        throw new InputError('--val / --hellaswag: found neither, expected at least one');
      const config = serveConfig(flags);
      // Loaded here: the other commands (a remote worker above all) need no web server.
      const { startLeaderboard } = await import('./server.js');
      const lb = await startLeaderboard({
        dbPath: flags.db,
        config,
        valPattern: flags.val,
        hellaswagPath: flags.hellaswag,
        port: flags.port,
        host: flags.host,
        workers: flags.workers,
        backend: resolveBackendChoice(flags.backend),
        log: (line) => println(io.stderr, line),
      });
      const a = config.architecture;
      println(
        io.stdout,
        `leaderboard: ${lb.url}/ (required d${a.depth} c${a.channels} h${a.heads}; ${flags.workers} local worker(s))`,
      );
      // Runs until a signal; `running.stop` lets an in-process caller end it.
      await new Promise<void>((done) => {
        const stop = async () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          await lb.close();
          done();
        };
        running.stop = stop;
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}

/** `add-student NAME`: a student and their token. */
function registerAddStudent(program: Command, io: LeaderboardIO): void {
  program
    .command('add-student')
    .summary('add a student; prints their token (last line; it is shown only once)')
    .argument('<name>', 'student name (letters, digits, . _ -)')
    .requiredOption('--db <file>', 'SQLite database (created if missing)')
    .action((name: string, flags: { db: string }) => {
      const store = new Store(openDatabase(flags.db));
      try {
        const { token } = store.addStudent(name);
        println(io.stdout, `added student ${name}; their token (give it to them, it is not shown again):`);
        println(io.stdout, token);
      } finally {
        store.db.close();
      }
    });
}

/** `add-token NAME --role admin|worker`: a TA's or an evaluation machine's token. */
function registerAddToken(program: Command, io: LeaderboardIO): void {
  program
    .command('add-token')
    .summary('a token for a TA (admin) or an evaluation machine (worker); printed last')
    .argument('<name>', 'who or what holds it')
    .requiredOption('--db <file>', 'SQLite database (created if missing)')
    .addOption(
      new Option('--role <role>', 'admin or worker').choices(['admin', 'worker']).makeOptionMandatory(),
    )
    .action((name: string, flags: { db: string; role: 'admin' | 'worker' }) => {
      const store = new Store(openDatabase(flags.db));
      try {
        const token = store.addServiceToken(name, flags.role);
        println(io.stdout, `added ${flags.role} token "${name}":`);
        println(io.stdout, token);
      } finally {
        store.db.close();
      }
    });
}

/** `submit`: upload a checkpoint (and with --wait, its score). */
function registerSubmit(program: Command, io: LeaderboardIO): void {
  program
    .command('submit')
    .summary('upload a checkpoint to a leaderboard server')
    .requiredOption('--server <url>', 'leaderboard URL, e.g. http://host:8080')
    .addOption(new Option('--token <token>', 'your token').env('LEADERBOARD_TOKEN').makeOptionMandatory())
    .requiredOption('--checkpoint <file>', 'llm.c checkpoint (model_*.bin)')
    .requiredOption(
      '--max-lr <x>',
      'the max learning rate you chose',
      numberIn(0, Number.POSITIVE_INFINITY, true),
    )
    .requiredOption('--spend-usd <x>', 'your tuning spend in USD', numberIn(0))
    .option('--wait', 'wait until the submission is scored or failed')
    .option('--json', "print the server's replies as JSON, one per line")
    .action(
      async (flags: {
        server: string;
        token: string;
        checkpoint: string;
        maxLr: number;
        spendUsd: number;
        wait?: boolean;
        json?: boolean;
      }) => {
        const reply = await submitCheckpoint(flags);
        println(io.stdout, flags.json ? JSON.stringify(reply) : describeReply(reply, flags, !!flags.wait));
        if (!flags.wait) {
          if (!flags.json && !reply.duplicate) println(io.stdout, describeLinks(flags.server, reply.student));
          return;
        }
        println(
          io.stderr,
          `waiting for submission ${reply.id} to be scored (Ctrl-C stops waiting; the submission stays queued)...`,
        );
        const state = await waitForSubmission(flags.server, flags.token, reply.id);
        if (flags.json) println(io.stdout, JSON.stringify(state));
        if (state.status === 'failed') throw new InputError(`submission ${state.id} failed: ${state.error}`);
        if (!flags.json) {
          println(io.stdout, describeScored(state));
          println(io.stdout, describeLinks(flags.server, state.student));
        }
      },
    );
}

/** `worker`: evaluate queued submissions, on the server's machine (--db) or another (--server). */
function registerWorker(program: Command, io: LeaderboardIO): void {
  program
    .command('worker')
    .summary('evaluate queued submissions (local: --db; remote: --server and --token)')
    .option('--db <file>', 'the server’s database (a worker on the same machine)')
    .option('--server <url>', 'leaderboard URL (a worker on another machine)')
    .addOption(
      new Option('--token <token>', 'worker token from `add-token --role worker`').env(
        'LEADERBOARD_WORKER_TOKEN',
      ),
    )
    .option('--name <name>', 'worker name in logs and scores')
    .option('--cache <dir>', 'remote: where downloads are kept', join(tmpdir(), 'course-leaderboard-worker'))
    .option('--once', 'stop when the queue is empty')
    .addOption(backendOption('TensorFlow.js backend for evaluations'))
    .action(
      async (flags: {
        db?: string;
        server?: string;
        token?: string;
        name?: string;
        cache: string;
        once?: boolean;
        backend?: string;
      }) => {
        const common = {
          name: flags.name,
          backend: resolveBackendChoice(flags.backend),
          once: flags.once,
          log: (line: string) => println(io.stderr, line),
        };
        const token = flags.token;
        if (flags.db && flags.server)
          throw new InputError('--db / --server: give one (local or remote worker), not both');
        if (flags.db) {
          const n = await runLocalWorker(resolve(flags.db), { ...common, stopWhen: serverGone() });
          println(io.stdout, `${n} job(s) processed`);
        } else if (flags.server) {
          if (!token) throw new InputError('--token: missing (a remote worker needs a worker token)');
          // SIGINT/SIGTERM: a job being downloaded is given back to the server at once; an evaluation
          // (one synchronous computation, which signals cannot interrupt) is finished and posted first.
          // Either way no attempt is burned, as it would be by a lease left to expire.
          const stop = new AbortController();
          const onSignal = (signal: string) => {
            common.log(`worker: ${signal}: stopping (a job in progress is finished or given back)`);
            stop.abort();
          };
          process.on('SIGINT', onSignal);
          process.on('SIGTERM', onSignal);
          try {
            const n = await runRemoteWorker({
              ...common,
              server: flags.server,
              token,
              cacheDir: flags.cache,
              signal: stop.signal,
            });
            println(io.stdout, `${n} job(s) processed`);
          } finally {
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
          }
        } else {
          throw new InputError('--db / --server: found neither, expected one');
        }
      },
    );
}

/** Runs `course-leaderboard` with `argv` (after the command name); resolves with the exit code. */
export function runLeaderboardCli(argv: string[], io: LeaderboardIO = processIO): Promise<number> {
  return runProgram(() => buildProgram(io, {}), argv, io);
}
