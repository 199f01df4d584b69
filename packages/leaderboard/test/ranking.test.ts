/** Ranking rules and the Wilson interval, against values worked out by hand. */

import { accuracyInterval as wilsonInterval } from '@course/trainer';
import { describe, expect, test } from 'vitest';
import { DEFAULT_CONFIG } from '../src/config.js';
import { formatBoardText } from '../src/demo.js';
import { renderBoardPage } from '../src/html.js';
import { buildBoard, type ScoredSubmission } from '../src/ranking.js';

describe('wilsonInterval (95%)', () => {
  test('matches hand-computed values', () => {
    // p = 0.5, n = 100, z = 1.96: centre 0.5, half-width 1.96·sqrt(0.0025 + 0.00009604)/1.038416 = 0.09617
    const [lo, hi] = wilsonInterval(50, 100);
    expect(lo).toBeCloseTo(0.40383, 4);
    expect(hi).toBeCloseTo(0.59617, 4);
    // 0 of 10: [0, z²/(n+z²)] = [0, 3.8415/13.8415] = [0, 0.27753]
    const [lo0, hi0] = wilsonInterval(0, 10);
    expect(lo0).toBe(0);
    expect(hi0).toBeCloseTo(0.27753, 4);
    // 8 of 8: symmetric to 0 of 8 → [8/(8+3.8415), 1] = [0.67558, 1]
    const [lo8, hi8] = wilsonInterval(8, 8);
    expect(lo8).toBeCloseTo(0.67558, 4);
    expect(hi8).toBe(1);
  });
});

let nextId = 1;
function scored(
  student: string,
  acc: number | null,
  loss: number | null,
  opts: Partial<ScoredSubmission> = {},
): ScoredSubmission {
  const id = nextId++;
  return {
    id,
    student_id: student.charCodeAt(0),
    student,
    checkpoint_sha256: 'x',
    checkpoint_bytes: 1,
    checkpoint_version: 3,
    original_name: 'm.bin',
    max_lr: 1e-3,
    spend_usd: 5,
    status: 'scored',
    error: null,
    created_at: 1_000 * id,
    submission_id: id,
    evaluator_version: 'v',
    heldout_sha256: '{}',
    public_val_loss: loss,
    public_hellaswag_acc: acc,
    public_hellaswag_n: 100,
    private_val_loss: loss === null ? null : loss + 1,
    private_hellaswag_acc: acc,
    private_hellaswag_n: 100,
    seconds: 1,
    worker: 'w',
    ...opts,
  };
}

const counts = new Map<number, { count: number; last: number }>();
const rules = { ...DEFAULT_CONFIG };

describe('buildBoard', () => {
  test('HellaSwag desc, then val loss asc; exact ties share a rank, earlier first; next rank skips', () => {
    const subs = [
      scored('a', 0.3, 3.0),
      scored('b', 0.4, 3.5),
      scored('c', 0.3, 2.9),
      scored('d', 0.3, 3.0), // exact tie with a, submitted later
      scored('e', null, 2.0), // no HellaSwag: last
    ];
    const board = buildBoard(subs, counts, rules, 'public');
    expect(board.rows.map((r) => [r.student, r.rank])).toEqual([
      ['b', 1],
      ['c', 2],
      ['a', 3],
      ['d', 3],
      ['e', 5],
    ]);
    expect(board.rows[0].hellaswag_ci95![0]).toBeCloseTo(wilsonInterval(40, 100)[0], 12);
  });

  test('ranking by val loss alone (configurable)', () => {
    const subs = [scored('a', 0.9, 3.0), scored('b', 0.1, 2.0)];
    const board = buildBoard(
      subs,
      counts,
      { ...rules, ranking: [{ metric: 'val_loss', order: 'asc' }] },
      'public',
    );
    expect(board.rows.map((r) => r.student)).toEqual(['b', 'a']);
  });

  test('selection: latest or best of a student’s scored submissions', () => {
    const subs = [scored('a', 0.5, 3.0), scored('a', 0.2, 3.0), scored('b', 0.3, 3.0)];
    const best = buildBoard(subs, counts, { ...rules, selection: 'best' }, 'public');
    expect(best.rows.map((r) => [r.student, r.hellaswag_acc])).toEqual([
      ['a', 0.5],
      ['b', 0.3],
    ]);
    const latest = buildBoard(subs, counts, { ...rules, selection: 'latest' }, 'public');
    expect(latest.rows.map((r) => [r.student, r.hellaswag_acc])).toEqual([
      ['b', 0.3],
      ['a', 0.2],
    ]);
  });

  test('over budget: ranked separately, or excluded', () => {
    const subs = [scored('a', 0.5, 3.0, { spend_usd: 25 }), scored('b', 0.3, 3.0, { spend_usd: 20 })];
    const separate = buildBoard(subs, counts, { ...rules, overBudget: 'separate' }, 'public');
    expect(separate.rows.map((r) => [r.student, r.rank, r.over_budget])).toEqual([['b', 1, false]]);
    expect(separate.over_budget.map((r) => [r.student, r.rank, r.over_budget])).toEqual([['a', 1, true]]);
    const excluded = buildBoard(subs, counts, { ...rules, overBudget: 'exclude' }, 'public');
    expect(excluded.rows.map((r) => r.student)).toEqual(['b']);
    expect(excluded.over_budget).toEqual([]);
  });

  test('best selection is made on the public split; the private board shows that submission', () => {
    // a's second submission is worse on the public split but better on the private one.
    const subs = [
      scored('a', 0.5, 3.0, { private_hellaswag_acc: 0.2 }),
      scored('a', 0.3, 3.0, { private_hellaswag_acc: 0.6 }),
      scored('b', 0.4, 3.0, { private_hellaswag_acc: 0.4 }),
    ];
    const pub = buildBoard(subs, counts, { ...rules, selection: 'best' }, 'public');
    const priv = buildBoard(subs, counts, { ...rules, selection: 'best' }, 'private');
    expect(pub.rows.map((r) => [r.student, r.submission_id])).toEqual([
      ['a', subs[0].id],
      ['b', subs[2].id],
    ]);
    // Not a's private-best (0.6): the publicly best one, ranked by its private score.
    expect(priv.rows.map((r) => [r.student, r.submission_id, r.hellaswag_acc])).toEqual([
      ['b', subs[2].id, 0.4],
      ['a', subs[0].id, 0.2],
    ]);
  });

  test('over budget: a student’s within-budget submission still stands on the main board', () => {
    // a's better submission reports $25 (over the $20 budget); the $10 one is within it.
    const subs = [scored('a', 0.3, 3.0, { spend_usd: 10 }), scored('a', 0.5, 3.0, { spend_usd: 25 })];
    for (const selection of ['best', 'latest'] as const) {
      const excluded = buildBoard(subs, counts, { ...rules, selection, overBudget: 'exclude' }, 'public');
      expect(excluded.rows.map((r) => [r.student, r.hellaswag_acc, r.over_budget])).toEqual([
        ['a', 0.3, false],
      ]);
      const separate = buildBoard(subs, counts, { ...rules, selection, overBudget: 'separate' }, 'public');
      expect(separate.rows.map((r) => [r.student, r.hellaswag_acc])).toEqual([['a', 0.3]]);
      expect(separate.over_budget.map((r) => [r.student, r.hellaswag_acc, r.over_budget])).toEqual([
        ['a', 0.5, true],
      ]);
    }
  });

  test('the private side ranks on the private metrics', () => {
    const subs = [scored('a', 0.3, 3.0, { private_hellaswag_acc: 0.1 }), scored('b', 0.2, 3.0)];
    expect(buildBoard(subs, counts, rules, 'public').rows[0].student).toBe('a');
    expect(buildBoard(subs, counts, rules, 'private').rows[0].student).toBe('b');
    expect(buildBoard(subs, counts, rules, 'private').rows[0].val_loss).toBe(4.0);
  });
});

describe('overlapping HellaSwag intervals (the ranking rule stays; the board says when a gap may be chance)', () => {
  // Wilson 95% at n = 100, by hand (centre (p + z²/2n)/(1 + z²/n), half z·sqrt(p(1-p)/n + z²/4n²)/(1 + z²/n)):
  //   80/100 → [0.711, 0.867]   78/100 → [0.689, 0.850]   30/100 → [0.219, 0.396]   29/100 → [0.210, 0.386]
  // 78 overlaps 80 (0.689 ≤ 0.867); 30 does not overlap 78 (0.396 < 0.689); 29 overlaps 30.
  const subs = () => [
    scored('p', 0.8, 3.0),
    scored('q', 0.78, 3.0),
    scored('r', 0.3, 3.0),
    scored('s', 0.29, 3.0),
    scored('t', null, 2.0),
  ];

  test('each row says whether its interval overlaps the row above; the order is the ranking rule’s', () => {
    const board = buildBoard(subs(), counts, rules, 'public');
    expect(board.rows.map((r) => [r.student, r.rank, r.hellaswag_overlaps_above])).toEqual([
      ['p', 1, false],
      ['q', 2, true],
      ['r', 3, false],
      ['s', 4, true],
      ['t', 5, false], // no HellaSwag score: nothing to compare
    ]);
    expect(board.rows[1].hellaswag_ci95![0]).toBeCloseTo(0.6893, 3);
    expect(board.rows[2].hellaswag_ci95![1]).toBeCloseTo(0.3958, 3);
  });

  test('the page marks those rows and explains the mark once, under the table; the terminal board too', () => {
    const board = buildBoard(subs(), counts, rules, 'public');
    const html = renderBoardPage({ config: rules, public: board, private: null, queue: {}, now: 0 });
    const row = (student: string) => html.split(`data-student="${student}"`)[1].split('</tr>')[0];
    expect(row('q')).toContain('class="overlap"');
    expect(row('s')).toContain('class="overlap"');
    for (const student of ['p', 'r', 't']) expect(row(student)).not.toContain('class="overlap"');
    expect(html.match(/overlap-legend/g)).toHaveLength(1);
    expect(html).toContain('≈ this entry’s HellaSwag 95% interval overlaps the one above it');
    const text = formatBoardText(board).split('\n');
    const rows = text.filter((l) => /^\s*\d+ /.test(l));
    expect(rows.filter((l) => l.includes('≈')).map((l) => l.trim().split(/\s+/)[1])).toEqual(['q', 's']);
    expect(text.at(-1)).toMatch(/^≈ HellaSwag interval overlaps the row above/);
    // Well separated scores: no mark, no legend.
    const apart = buildBoard([scored('p', 0.8, 3.0), scored('r', 0.3, 3.0)], counts, rules, 'public');
    const plain = renderBoardPage({ config: rules, public: apart, private: null, queue: {}, now: 0 });
    expect(plain).not.toMatch(/class="[^"]*overlap/);
  });
});
