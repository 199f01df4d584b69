/**
 * The leaderboard part of `npm start`: a class on localhost with a few demo
 * students, their checkpoints submitted over HTTP as a student's `submit`
 * would, scored by a local worker process, the board printed. With `once` it
 * shuts down after printing; otherwise it keeps serving until `close()`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequiredArchitecture } from '@course/models';
import { pino } from 'pino';
import { type EvaluationSettings, resolveConfig } from './config.js';
import type { Board, BoardRow } from './ranking.js';
import { startLeaderboard } from './server.js';
import { submitCheckpoint } from './submit-client.js';

export interface DemoCheckpoint {
  student: string;
  path: string;
  maxLr: number;
  spendUsd: number;
}

export interface LeaderboardDemoOptions {
  checkpoints: DemoCheckpoint[];
  /** Held-out validation shards (a glob) and HellaSwag file. */
  val?: string;
  hellaswag?: string;
  /** The architecture every submission must have (the demo's d1 c64 h1). */
  arch: RequiredArchitecture;
  /** Bounded evaluation so the demo stays quick (default per split: 5 val batches of 4×64 and the first 40 HellaSwag examples). */
  evaluation?: Partial<EvaluationSettings>;
  /** Exit after printing the board. */
  once?: boolean;
  /** Where the database lives (default a fresh temp folder). */
  dir?: string;
  port?: number;
  backend?: string;
  /** Give up waiting for scores after this long (default 900 s). */
  timeoutSeconds?: number;
  log?: (line: string) => void;
}

export interface LeaderboardDemo {
  url: string;
  board: Board;
  close(): Promise<void>;
}

/** The board as fixed-width text for a terminal; ≈ marks a HellaSwag interval overlapping the row above. */
export function formatBoardText(board: Board): string {
  const line = (r: BoardRow) =>
    [
      String(r.rank).padStart(4),
      r.student.padEnd(12),
      r.hellaswag_acc === null
        ? '–'.padEnd(26)
        : `${r.hellaswag_acc.toFixed(4)} [${r.hellaswag_ci95![0].toFixed(3)}, ${r.hellaswag_ci95![1].toFixed(3)}]${r.hellaswag_overlaps_above ? ' ≈' : ''}`.padEnd(
            26,
          ),
      (r.val_loss === null ? '–' : r.val_loss.toFixed(4)).padStart(8),
      r.max_lr.toExponential(1).padStart(8),
      `$${r.spend_usd.toFixed(2)}`.padStart(8),
      r.over_budget ? ' over budget' : '',
    ].join('  ');
  const header = `${'rank'.padStart(4)}  ${'student'.padEnd(12)}  ${'HellaSwag [95% CI]'.padEnd(26)}  ${'val loss'.padStart(8)}  ${'max LR'.padStart(8)}  ${'spend'.padStart(8)}`;
  const over = board.over_budget.length
    ? ['over the tuning budget (ranked separately):', ...board.over_budget.map(line)]
    : [];
  const marked = [...board.rows, ...board.over_budget].some((r) => r.hellaswag_overlaps_above);
  const legend = marked
    ? ['≈ HellaSwag interval overlaps the row above: the gap may be chance (the order stays)']
    : [];
  return [header, ...board.rows.map(line), ...over, ...legend].join('\n');
}

export async function runLeaderboardDemo(opts: LeaderboardDemoOptions): Promise<LeaderboardDemo> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'course-leaderboard-demo-'));
  const config = resolveConfig({
    title: 'Demo class leaderboard',
    architecture: opts.arch,
    evaluation: { valBatches: 5, B: 4, T: 64, hellaswagLimit: 40, ...opts.evaluation },
    dailyLimit: 10,
  });
  const lb = await startLeaderboard({
    dbPath: join(dir, 'leaderboard.db'),
    config,
    valPattern: opts.val,
    hellaswagPath: opts.hellaswag,
    port: opts.port ?? 0,
    workers: 1,
    backend: opts.backend,
    logger: pino({ level: 'warn' }, pino.destination(2)),
    log,
  });
  try {
    const ids: number[] = [];
    for (const c of opts.checkpoints) {
      const token = lb.store.studentByName(c.student) ? null : lb.store.addStudent(c.student).token;
      if (!token) throw new Error(`demo: student ${c.student} listed twice`);
      // Uploaded as a student's `course-leaderboard submit` would.
      const reply = await submitCheckpoint({
        server: lb.url,
        token,
        checkpoint: c.path,
        maxLr: c.maxLr,
        spendUsd: c.spendUsd,
      });
      log(`submitted ${c.path} as ${c.student} (submission ${reply.id})`);
      ids.push(reply.id);
    }
    log(`evaluating ${ids.length} submission(s) on the held-out split (a local worker process)...`);
    const giveUp = Date.now() + (opts.timeoutSeconds ?? 900) * 1000;
    for (;;) {
      const statuses = ids.map((id) => lb.store.submission(id)!.status);
      if (statuses.every((s) => s === 'scored' || s === 'failed')) break;
      if (Date.now() > giveUp) {
        throw new Error(
          `demo: submissions still ${statuses.join(', ')} after ${opts.timeoutSeconds ?? 900} s`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const id of ids) {
      const sub = lb.store.submission(id)!;
      if (sub.status === 'failed') log(`submission ${id} (${sub.student}) failed: ${sub.error}`);
    }
    const board = (await (await fetch(`${lb.url}/api/leaderboard`)).json()) as Board;
    log(`\nleaderboard: ${lb.url}/`);
    log(formatBoardText(board));
    if (opts.once) await lb.close();
    else log('(serving; stop with Ctrl-C)');
    return { url: lb.url, board, close: () => (opts.once ? Promise.resolve() : lb.close()) };
  } catch (err) {
    await lb.close();
    throw err;
  }
}
