/**
 * A score histogram per question, drawn by the trainer's vega-lite bar chart
 * (one rendering path for every plot in the toolkit). Deterministic: same
 * scores, same bytes.
 */
import { plotBarChart } from '@course/trainer';
import { formatNumber } from './tolerance.js';

/**
 * Counts per bin: whole points when the question is worth ≤ 20 (one bar per
 * score 0, 1, …, points; partial credit falls in the bar below), else 10 equal bins.
 */
export function histogramBins(
  scores: readonly number[],
  points: number,
): { lo: number; hi: number; count: number }[] {
  const wholePoints = points > 0 && points <= 20 && Number.isInteger(points);
  const n = points <= 0 ? 1 : wholePoints ? points + 1 : 10;
  const width = points <= 0 ? 1 : wholePoints ? 1 : points / n;
  const bins = Array.from({ length: n }, (_, i) => ({ lo: i * width, hi: (i + 1) * width, count: 0 }));
  for (const s of scores) {
    const i = Math.min(n - 1, Math.max(0, Math.floor(s / width + 1e-9)));
    bins[i].count++;
  }
  return bins;
}

/** Longer titles (a whole question text) would stretch the SVG far wider than its chart. */
const MAX_TITLE = 60;

export function histogramSvg(title: string, scores: readonly number[], points: number): Promise<string> {
  const bins = histogramBins(scores, points);
  const whole = bins.length === points + 1;
  const short = title.length > MAX_TITLE ? `${title.slice(0, MAX_TITLE - 1).trimEnd()}…` : title;
  return plotBarChart({
    title: `${short} (n = ${scores.length})`,
    xTitle: `score (of ${formatNumber(points)})${whole ? '' : ', bins by lower edge'}`,
    yTitle: 'students',
    bars: bins.map((b) => ({ label: whole ? formatNumber(b.lo) : formatNumber(b.lo, 3), value: b.count })),
  });
}
