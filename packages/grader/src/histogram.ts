/**
 * A score histogram as a small standalone SVG. Drawn directly rather than via
 * vega-lite: the trainer's plot helpers render loss curves only, and vega-lite is
 * the trainer's dependency, not the grader's (a trainer export that renders any
 * vega-lite spec would let this move there). Deterministic: same scores, same bytes.
 */
import { formatNumber } from './tolerance.js';

const W = 480;
const H = 260;
const PAD = { left: 44, right: 16, top: 34, bottom: 40 };

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

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

export function histogramSvg(title: string, scores: readonly number[], points: number): string {
  const bins = histogramBins(scores, points);
  const maxCount = Math.max(1, ...bins.map((b) => b.count));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const barW = plotW / bins.length;
  const font = 'font-family="DejaVu Sans, Liberation Sans, Helvetica, Arial, sans-serif"';
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="13" ${font}>${escapeXml(title)} (n = ${scores.length})</text>`,
  ];
  bins.forEach((b, i) => {
    const h = (b.count / maxCount) * plotH;
    const x = PAD.left + i * barW;
    const y = PAD.top + plotH - h;
    parts.push(
      `<rect x="${(x + 1).toFixed(2)}" y="${y.toFixed(2)}" width="${(barW - 2).toFixed(2)}" height="${h.toFixed(2)}" fill="#4c78a8"><title>${formatNumber(b.lo, 4)}–${formatNumber(b.hi, 4)}: ${b.count}</title></rect>`,
    );
    const label = bins.length === points + 1 ? formatNumber(b.lo) : formatNumber(b.lo, 3);
    parts.push(
      `<text x="${(x + barW / 2).toFixed(2)}" y="${PAD.top + plotH + 14}" text-anchor="middle" font-size="10" ${font}>${label}</text>`,
    );
    if (b.count > 0)
      parts.push(
        `<text x="${(x + barW / 2).toFixed(2)}" y="${(y - 3).toFixed(2)}" text-anchor="middle" font-size="10" ${font}>${b.count}</text>`,
      );
  });
  parts.push(
    `<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${W - PAD.right}" y2="${PAD.top + plotH}" stroke="black"/>`,
    `<text x="${PAD.left + plotW / 2}" y="${H - 8}" text-anchor="middle" font-size="11" ${font}>score (of ${formatNumber(points)})</text>`,
    `<text x="12" y="${PAD.top + plotH / 2}" text-anchor="middle" font-size="11" ${font} transform="rotate(-90 12 ${PAD.top + plotH / 2})">students</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}
