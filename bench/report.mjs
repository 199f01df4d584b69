/**
 * Pure helpers for bench lines: PyTorch anchors and the ratios against them,
 * the combined line of `--reference torch`, and the markdown summary table.
 * No tfjs, no packages: the tests import this file without a build.
 *
 * A case line states its speed under exactly one rate key (tokens_per_s,
 * samples_per_s or examples_per_s); ratios divide ours by the other side's
 * number under the same key, so > 1 means we are faster.
 */

/** Rate keys a case line may carry, with the unit the table prints. */
export const RATE_UNITS = {
  tokens_per_s: 'tokens/s',
  samples_per_s: 'samples/s',
  examples_per_s: 'examples/s',
};

/**
 * PyTorch-CPU speed on this machine kind (2-core EPYC Zen 5, torch 1.13, fp32,
 * 2 threads), from the project's anchors spec. as-is: the machine as it comes;
 * tuned: OpenMP OpenBLAS + tcmalloc. tokens/s for GPT, samples/s otherwise.
 * bert-mini: 4 layers, 256 ch, 4 heads, vocab 30522, B 16, T 128, FFN 1024,
 * post-LN, GELU (erf), dropout 0.1, pooler, linear 5 (ours: bench/bert.mjs).
 */
export const ANCHORS = {
  'gpt-q1': { key: 'tokens_per_s', asIs: 1860, tuned: 5070 },
  'gpt-tiny': { key: 'tokens_per_s', asIs: 440, tuned: 1420 },
  'mlp-digits': { key: 'samples_per_s', asIs: 7600, tuned: 27300 },
  'lstm-sentiment': { key: 'samples_per_s', asIs: 1360, tuned: 2220 },
  'bert-mini': { key: 'samples_per_s', asIs: 19, tuned: 62 },
};

const round = (x, digits) => Number(x.toFixed(digits));

/** The rate key a line carries, or undefined (matmul, leaderboard, error lines). */
export function rateKey(line) {
  if (!line) return undefined;
  return Object.keys(RATE_UNITS).find((key) => Number.isFinite(line[key]));
}

/** ours / theirs, 3 decimals; null when either side is missing, not finite or not positive. */
export function ratio(ours, theirs) {
  if (!Number.isFinite(ours) || !Number.isFinite(theirs) || ours <= 0 || theirs <= 0) return null;
  return round(ours / theirs, 3);
}

/**
 * The anchor fields of a case line: for gpt-q1 at 753 tokens/s,
 * { anchor_as_is_tokens_per_s: 1860, ratio_vs_as_is: 0.405, anchor_tuned_tokens_per_s: 5070,
 *   ratio_vs_tuned: 0.149 }. Empty for a case without anchors.
 */
export function anchorFields(name, rate) {
  const anchor = ANCHORS[name];
  if (!anchor) return {};
  return {
    [`anchor_as_is_${anchor.key}`]: anchor.asIs,
    ratio_vs_as_is: ratio(rate, anchor.asIs),
    [`anchor_tuned_${anchor.key}`]: anchor.tuned,
    ratio_vs_tuned: ratio(rate, anchor.tuned),
  };
}

/** ours / torch under the rate key both lines carry; null if they share none. */
export function ratioVsTorch(ours, torch) {
  const key = rateKey(ours);
  if (!key || !torch) return null;
  return ratio(ours[key], torch[key]);
}

/**
 * The line `--reference torch` prints per case: our case line as it is, plus
 * the torch reference's line (null when it did not run), which configuration
 * torch ran under, and ratio_vs_torch.
 */
export function referenceLine(ours, torch, torchConfig) {
  return {
    ...ours,
    torch: torch ?? null,
    torch_config: torchConfig,
    ratio_vs_torch: ratioVsTorch(ours, torch),
  };
}

/** 1234.5 -> "1,235", 19.24 -> "19.2", 0.5678 -> "0.568": integers from 100 up, else 3 significant digits. */
export function formatNumber(x) {
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString('en-US');
  return String(Number(x.toPrecision(3)));
}

/** "753 tokens/s" from a case line; the error or "—" when it has no rate. */
export function formatRate(line) {
  if (!line) return '—';
  if (line.error) return 'error';
  const key = rateKey(line);
  return key ? `${formatNumber(line[key])} ${RATE_UNITS[key]}` : '—';
}

/**
 * The summary `--reference torch` prints on stderr, one row per reference line:
 *
 *   | case | backend | ours | torch (as-is) | ratio |
 *   |---|---|---|---|---|
 *   | gpt-q1 | wasm | 753 tokens/s | 1,860 tokens/s | 0.405× |
 */
export function markdownTable(lines) {
  const configs = [...new Set(lines.map((l) => l.torch_config).filter(Boolean))];
  const torchHeader = configs.length === 1 ? `torch (${configs[0]})` : 'torch';
  const rows = [
    `| case | backend | ours | ${torchHeader} | ratio |`,
    '|---|---|---|---|---|',
    ...lines.map((l) => {
      const torch = l.torch ? formatRate(l.torch) : 'skipped';
      const r = l.ratio_vs_torch === null || l.ratio_vs_torch === undefined ? '—' : `${l.ratio_vs_torch}×`;
      return `| ${l.case} | ${l.backend ?? '—'} | ${formatRate(l)} | ${torch} | ${r} |`;
    }),
  ];
  return `${rows.join('\n')}\n`;
}
