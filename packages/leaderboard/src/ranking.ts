/**
 * Ranking: pure functions from scored submissions to board rows.
 *
 * - One row per student: their latest scored submission, or their best one
 *   by the ranking keys on the public split (config.selection); the private
 *   board ranks the same submissions by their private scores.
 * - Sorted by the configured keys (default HellaSwag accuracy desc, then val
 *   loss asc); a missing metric sorts last. Rows equal on every key share a
 *   rank (1, 1, 3: standard competition ranking) and the earlier submission is
 *   listed first.
 * - Spend above the tuning budget: such submissions are ranked on a separate
 *   board, or left off; the main board picks among a student's submissions
 *   within budget.
 * - HellaSwag accuracy comes with a 95% Wilson score interval for a binomial
 *   proportion, and each row says whether its interval overlaps the row
 *   above (the difference may be chance); the order stays the ranking rule's.
 */
import { accuracyInterval } from '@course/trainer';
import type { LeaderboardConfig, RankKey } from './config.js';
import type { Side } from './heldout.js';
import type { ScoreRow, SubmissionRow } from './store.js';

export type ScoredSubmission = SubmissionRow & ScoreRow;

export interface BoardRow {
  rank: number;
  student: string;
  submission_id: number;
  hellaswag_acc: number | null;
  hellaswag_n: number;
  /** 95% Wilson interval of hellaswag_acc. */
  hellaswag_ci95: [number, number] | null;
  /** This row's HellaSwag interval overlaps the one of the row ranked just above it. */
  hellaswag_overlaps_above: boolean;
  val_loss: number | null;
  max_lr: number;
  spend_usd: number;
  over_budget: boolean;
  /** Every submission the student made (any status). */
  submissions: number;
  /** ISO time of the student's latest submission. */
  last_submitted: string;
  /** ISO time of the submission shown. */
  submitted_at: string;
}

export interface Board {
  side: Side;
  rows: BoardRow[];
  /** Over-budget entries (config.overBudget = 'separate'), ranked among themselves. */
  over_budget: BoardRow[];
}

interface Metrics {
  hellaswag_acc: number | null;
  hellaswag_n: number;
  val_loss: number | null;
}

export function metricsOn(s: ScoredSubmission, side: Side): Metrics {
  return side === 'public'
    ? {
        hellaswag_acc: s.public_hellaswag_acc,
        hellaswag_n: s.public_hellaswag_n,
        val_loss: s.public_val_loss,
      }
    : {
        hellaswag_acc: s.private_hellaswag_acc,
        hellaswag_n: s.private_hellaswag_n,
        val_loss: s.private_val_loss,
      };
}

/** <0 when a ranks above b on the keys alone (0 = an exact tie). Missing values rank last. */
export function compareOnKeys(a: Metrics, b: Metrics, keys: RankKey[]): number {
  for (const { metric, order } of keys) {
    const x = a[metric];
    const y = b[metric];
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    return order === 'desc' ? y - x : x - y;
  }
  return 0;
}

/** Ranked rows: sorted by keys, ties by the earlier submission; equal keys share a rank. */
function rankRows(
  entries: { sub: ScoredSubmission; metrics: Metrics }[],
  keys: RankKey[],
  toRow: (sub: ScoredSubmission, metrics: Metrics, rank: number) => BoardRow,
): BoardRow[] {
  const sorted = [...entries].sort(
    (a, b) =>
      compareOnKeys(a.metrics, b.metrics, keys) || a.sub.created_at - b.sub.created_at || a.sub.id - b.sub.id,
  );
  let rank = 0;
  const rows = sorted.map((e, i) => {
    if (i === 0 || compareOnKeys(sorted[i - 1].metrics, e.metrics, keys) !== 0) rank = i + 1;
    return toRow(e.sub, e.metrics, rank);
  });
  rows.forEach((row, i) => {
    row.hellaswag_overlaps_above = i > 0 && intervalsOverlap(rows[i - 1].hellaswag_ci95, row.hellaswag_ci95);
  });
  return rows;
}

/** [a0, a1] and [b0, b1] share a point: a0 ≤ b1 and b0 ≤ a1. */
export function intervalsOverlap(a: [number, number] | null, b: [number, number] | null): boolean {
  return a !== null && b !== null && a[0] <= b[1] && b[0] <= a[1];
}

export function buildBoard(
  scored: ScoredSubmission[],
  counts: Map<number, { count: number; last: number }>,
  config: Pick<LeaderboardConfig, 'ranking' | 'selection' | 'overBudget' | 'tuningBudgetUsd'>,
  side: Side,
): Board {
  // The submission that represents each student, chosen on the public split for both boards (as on
  // Kaggle): picking the best by private scores would reward many submissions on the very data meant
  // to catch tuning against the board.
  const choose = (subs: ScoredSubmission[]) => {
    const chosen = new Map<number, { sub: ScoredSubmission; publicMetrics: Metrics }>();
    for (const sub of subs) {
      const publicMetrics = metricsOn(sub, 'public');
      const current = chosen.get(sub.student_id);
      const better =
        current === undefined ||
        (config.selection === 'latest'
          ? sub.created_at > current.sub.created_at ||
            (sub.created_at === current.sub.created_at && sub.id > current.sub.id)
          : compareOnKeys(publicMetrics, current.publicMetrics, config.ranking) < 0);
      if (better) chosen.set(sub.student_id, { sub, publicMetrics });
    }
    return [...chosen.values()].map(({ sub }) => ({ sub, metrics: metricsOn(sub, side) }));
  };
  const isOver = (s: ScoredSubmission) => s.spend_usd > config.tuningBudgetUsd;
  const toRow = (sub: ScoredSubmission, m: Metrics, rank: number): BoardRow => {
    const c = counts.get(sub.student_id);
    return {
      rank,
      student: sub.student,
      submission_id: sub.id,
      hellaswag_acc: m.hellaswag_acc,
      hellaswag_n: m.hellaswag_n,
      hellaswag_ci95:
        m.hellaswag_acc === null
          ? null
          : accuracyInterval(Math.round(m.hellaswag_acc * m.hellaswag_n), m.hellaswag_n),
      hellaswag_overlaps_above: false, // set by rankRows
      val_loss: m.val_loss,
      max_lr: sub.max_lr,
      spend_usd: sub.spend_usd,
      over_budget: isOver(sub),
      submissions: c?.count ?? 1,
      last_submitted: new Date(c?.last ?? sub.created_at).toISOString(),
      submitted_at: new Date(sub.created_at).toISOString(),
    };
  };
  // Over-budget submissions never stand for a student on the main board: there the student's
  // submissions within budget compete (one over-budget upload must not push them off the board).
  const within = choose(scored.filter((s) => !isOver(s)));
  const over = config.overBudget === 'separate' ? choose(scored.filter(isOver)) : [];
  return {
    side,
    rows: rankRows(within, config.ranking, toRow),
    over_budget: rankRows(over, config.ranking, toRow),
  };
}
