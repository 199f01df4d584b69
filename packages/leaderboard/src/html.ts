/**
 * Server-rendered pages (no JavaScript; one small stylesheet inline) and the
 * TAs' CSV. On a phone (390 px) the page never scrolls sideways: rank, name
 * and HellaSwag fit the screen, the other columns scroll inside the table's
 * box. Each metric's header says which way is better.
 */
import type { LeaderboardConfig } from './config.js';
import type { Board, BoardRow } from './ranking.js';
import type { ScoreRow, Store, Student, SubmissionRow } from './store.js';

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 0.75rem; color: #111; }
  h1 { font-size: 1.35rem; margin: 0.25rem 0; overflow-wrap: anywhere; } h2 { font-size: 1.1rem; margin-top: 1.5rem; }
  .scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
  table { border-collapse: collapse; width: 100%; }
  caption { text-align: left; }
  th, td { padding: 0.35rem 0.5rem; border-bottom: 1px solid #ddd; text-align: right; white-space: nowrap; }
  th { background: #f4f4f4; position: sticky; top: 0; vertical-align: bottom; }
  td.name, th.name { text-align: left; }
  td.name { white-space: normal; overflow-wrap: anywhere; min-width: 5rem; }
  .ci { color: #666; font-size: 0.85em; }
  .legend { display: block; font-weight: normal; font-size: 0.8em; color: #555; }
  .flag { background: #fde2e1; color: #8a1c16; border-radius: 0.25rem; padding: 0 0.3rem; font-size: 0.8em; }
  .note { color: #555; font-size: 0.9em; }
  .overlap { color: #8a5a00; font-weight: bold; }
  a { color: #0645ad; }
  /* A phone: rank, name and HellaSwag fit the screen (the interval under the accuracy, long names
     wrapped); the other columns are a sideways scroll inside the table's box, never the page's. */
  @media (max-width: 40rem) {
    body { padding: 0.5rem; }
    th, td { padding: 0.3rem 0.35rem; }
    td.name { max-width: 8rem; }
    .ci { display: block; }
  }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${body}</body></html>
`;
}

const fixed = (x: number | null, digits: number) => (x === null ? '–' : x.toFixed(digits));
const usd = (x: number) => `$${x.toFixed(2)}`;
const lr = (x: number) => x.toExponential(1).replace('e+', 'e');
const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

const OVERLAP_MARK = '≈';
const OVERLAP_TITLE = 'HellaSwag 95% interval overlaps the row above: the difference may be chance';

function hellaswagCell(row: BoardRow): string {
  if (row.hellaswag_acc === null) return '–';
  const [lo, hi] = row.hellaswag_ci95!;
  const mark = row.hellaswag_overlaps_above
    ? `<span class="overlap" title="${OVERLAP_TITLE}">${OVERLAP_MARK}</span> `
    : '';
  return `${mark}${row.hellaswag_acc.toFixed(4)} <span class="ci">[${lo.toFixed(3)}, ${hi.toFixed(3)}] n=${row.hellaswag_n}</span>`;
}

/** The line under a table that has marked rows. */
function overlapLegend(rows: BoardRow[]): string {
  if (!rows.some((r) => r.hellaswag_overlaps_above)) return '';
  return `<p class="note overlap-legend">${OVERLAP_MARK} this entry’s HellaSwag 95% interval overlaps the one above it: the gap between them may be chance. The order is still the course’s ranking rule.</p>`;
}

function boardTable(rows: BoardRow[], caption: string): string {
  if (rows.length === 0) return `<p class="note">${escapeHtml(caption)}: no scored submissions yet.</p>`;
  const body = rows
    .map(
      (r) => `<tr data-student="${escapeHtml(r.student)}">
<td class="rank">${r.rank}</td>
<td class="name"><a href="/students/${encodeURIComponent(r.student)}">${escapeHtml(r.student)}</a>${r.over_budget ? ' <span class="flag">over budget</span>' : ''}</td>
<td class="hellaswag">${hellaswagCell(r)}</td>
<td class="val">${fixed(r.val_loss, 4)}</td>
<td>${lr(r.max_lr)}</td>
<td>${usd(r.spend_usd)}</td>
<td>${r.submissions}</td>
<td>${utc(r.last_submitted)}</td>
</tr>`,
    )
    .join('\n');
  return `<div class="scroll"><table>
<caption class="note">${escapeHtml(caption)}</caption>
<thead><tr><th>#</th><th class="name">Student</th><th>HellaSwag (95% CI)<span class="legend">higher is better</span></th><th>Val loss<span class="legend">lower is better</span></th><th>Max LR</th><th>Spend</th><th>Subs</th><th>Last submitted</th></tr></thead>
<tbody>
${body}
</tbody></table></div>${overlapLegend(rows)}`;
}

function rankingNote(config: LeaderboardConfig): string {
  const keys = config.ranking
    .map(
      (k) =>
        `${k.metric === 'hellaswag_acc' ? 'HellaSwag accuracy' : 'validation loss'} (${k.order === 'desc' ? 'highest' : 'lowest'} first)`,
    )
    .join(', then ');
  return `Ranked by ${keys}; equal scores share a rank, the earlier submission listed first. Each student's ${config.selection} scored submission counts. Tuning budget ${usd(config.tuningBudgetUsd)}: entries above it are ${config.overBudget === 'separate' ? 'ranked separately below' : 'not ranked'}. Overlapping HellaSwag intervals mean the difference may be chance. HellaSwag is the share of examples in which the model picks the true ending of a sentence out of four (chance 25%); in the bundled generated set the three wrong endings have the true one's token count and word frequencies, so it measures how well a model reads the context, and models that know only word frequencies score 25%.`;
}

export function renderBoardPage(opts: {
  config: LeaderboardConfig;
  public: Board;
  private: Board | null;
  queue: Record<string, number>;
  now: number;
}): string {
  const { config } = opts;
  const sections: string[] = [];
  sections.push(`<h1>${escapeHtml(config.title)}</h1>`);
  sections.push(`<p class="note">${escapeHtml(rankingNote(config))}</p>`);
  if (opts.private) {
    sections.push('<h2>Final board (private held-out split)</h2>');
    sections.push(boardTable(opts.private.rows, 'Private split'));
  }
  sections.push(`<h2>${opts.private ? 'Public board' : 'Board'} (public held-out split)</h2>`);
  sections.push(boardTable(opts.public.rows, 'Public split'));
  const over = [...(opts.private?.over_budget ?? []), ...opts.public.over_budget];
  if (config.overBudget === 'separate' && over.length > 0) {
    sections.push(`<h2>Over the ${usd(config.tuningBudgetUsd)} tuning budget</h2>`);
    if (opts.private) sections.push(boardTable(opts.private.over_budget, 'Private split, over budget'));
    sections.push(boardTable(opts.public.over_budget, 'Public split, over budget'));
  }
  const deadline = config.deadline
    ? `Private board revealed ${opts.private ? 'after' : 'at'} the deadline ${escapeHtml(config.deadline)}.`
    : '';
  sections.push(
    `<p class="note">Queue: ${opts.queue.queued ?? 0} waiting, ${opts.queue.running ?? 0} evaluating. ${deadline} Updated ${utc(new Date(opts.now).toISOString())}. <a href="/api/leaderboard">JSON</a></p>`,
  );
  return page(config.title, sections.join('\n'));
}

export function renderStudentPage(opts: {
  config: LeaderboardConfig;
  student: Student;
  history: { sub: SubmissionRow; score: ScoreRow | null }[];
  now: number;
}): string {
  const rows = opts.history
    .map(({ sub, score }) => {
      const acc = score?.public_hellaswag_acc ?? null;
      return `<tr>
<td>${sub.id}</td><td class="name">${utc(new Date(sub.created_at).toISOString())}</td>
<td class="status">${escapeHtml(sub.status)}</td>
<td>${acc === null ? '–' : `${acc.toFixed(4)} <span class="ci">n=${score!.public_hellaswag_n}</span>`}</td>
<td>${fixed(score?.public_val_loss ?? null, 4)}</td>
<td>${lr(sub.max_lr)}</td><td>${usd(sub.spend_usd)}${sub.spend_usd > opts.config.tuningBudgetUsd ? ' <span class="flag">over budget</span>' : ''}</td>
</tr>`;
    })
    .join('\n');
  const body = `<p><a href="/">← leaderboard</a></p>
<h1>${escapeHtml(opts.student.name)}</h1>
<p class="note">${opts.history.length} submission(s); scores on the public held-out split.</p>
<div class="scroll"><table>
<thead><tr><th>#</th><th class="name">Submitted</th><th>Status</th><th>HellaSwag<span class="legend">higher is better</span></th><th>Val loss<span class="legend">lower is better</span></th><th>Max LR</th><th>Spend</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>`;
  return page(`${opts.student.name} · ${opts.config.title}`, body);
}

function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The TAs' CSV: one line per student entry on the public board, with the private split's numbers beside. */
export function boardCsv(publicBoard: Board, privateBoard: Board, store: Store): string {
  // Both boards show the same submissions (chosen on the public split); a student can be on both.
  const privateBySubmission = new Map(
    [...privateBoard.rows, ...privateBoard.over_budget].map((r) => [r.submission_id, r] as const),
  );
  const header = [
    'public_rank',
    'private_rank',
    'student',
    'over_budget',
    'submission_id',
    'public_hellaswag_acc',
    'public_hellaswag_n',
    'public_val_loss',
    'private_hellaswag_acc',
    'private_hellaswag_n',
    'private_val_loss',
    'max_lr',
    'spend_usd',
    'submissions',
    'last_submitted',
    'checkpoint_sha256',
    'same_file_as',
  ];
  const lines = [header.join(',')];
  for (const row of [...publicBoard.rows, ...publicBoard.over_budget]) {
    const p = privateBySubmission.get(row.submission_id);
    const sub = store.submission(row.submission_id)!;
    const others = store.sameFileFromOthers(sub.student_id, sub.checkpoint_sha256);
    lines.push(
      [
        row.rank,
        p?.rank,
        row.student,
        row.over_budget,
        row.submission_id,
        row.hellaswag_acc,
        row.hellaswag_n,
        row.val_loss,
        p?.hellaswag_acc,
        p?.hellaswag_n,
        p?.val_loss,
        row.max_lr,
        row.spend_usd,
        row.submissions,
        row.last_submitted,
        sub.checkpoint_sha256,
        others.join(' '),
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
