/**
 * Numeric comparison as PrairieLearn's pl-number-input defines it (t = reference, s = answer):
 *
 *   relabs (default rtol 1e-2, atol 1e-8; numpy allclose, so the width scales with |t|, not |s|):
 *       correct ⇔ |s − t| ≤ atol + rtol·|t|                       closed window
 *       computed exactly so in float64 (not as t − half ≤ s ≤ t + half, whose rounded ends
 *       accept answers typed at the edge that PrairieLearn rejects: 3.63 for t = 3.3, rtol 0.1)
 *   sigfig (default digits 2): n = digits − 1 − ⌊log10 |t|⌋ (n = digits − 1 when t = 0),
 *       eps = 0.51·10^−n, correct ⇔ t − eps < s < t + eps         open window
 *   decdig (default digits 2): eps = 0.51·10^−digits, same open window
 *
 * The 0.51 (not 0.5) widens the window by 2% so a correctly rounded s passes
 * even when t sits on a rounding boundary: t = 1.234, sigfig 3 accepts
 * (1.2289, 1.2391), not "rounds to 1.23" [1.225, 1.235). An infinite t needs s = t.
 * Every feedback line states the rule and the window, e.g. "accepted: 4.4 ± 0.044, relative 1%".
 */
import type { Tolerance } from './spec.js';

export interface Window {
  reference: number;
  /** atol + rtol·|t| (relabs) or eps (sigfig, decdig). */
  half: number;
  lo: number;
  hi: number;
  /** sigfig/decdig windows exclude their ends; relabs includes them. */
  open: boolean;
  /** "accepted: 4.4 ± 0.044 (relative 1%), i.e. [4.356, 4.444]" */
  text: string;
}

export function acceptWindow(t: number, tol: Tolerance): Window {
  if (!Number.isFinite(t)) {
    return { reference: t, half: 0, lo: t, hi: t, open: false, text: `accepted: exactly ${t}` };
  }
  let half: number;
  let rule: string;
  let open: boolean;
  if (tol.rule === 'relabs') {
    const rtol = tol.rtol ?? 1e-2;
    const atol = tol.atol ?? 1e-8;
    half = atol + rtol * Math.abs(t);
    open = false;
    const parts: string[] = [];
    if (rtol > 0) parts.push(`relative ${formatNumber(rtol * 100)}%`);
    // PrairieLearn's default atol 1e-8 only matters near t = 0: mention it when it does.
    if (atol > 0 && (rtol === 0 || atol >= 1e-3 * rtol * Math.abs(t)))
      parts.push(`absolute ${formatNumber(atol)}`);
    // An exact match: the reference in full (89.57602497, not 89.576 ± 0).
    if (parts.length === 0)
      return { reference: t, half: 0, lo: t, hi: t, open: false, text: `accepted: exactly ${t}` };
    rule = parts.join(' + ');
  } else {
    const digits = tol.digits ?? 2;
    const n =
      tol.rule === 'sigfig'
        ? t === 0
          ? digits - 1
          : digits - 1 - Math.floor(Math.log10(Math.abs(t)))
        : digits;
    half = 0.51 * 10 ** -n;
    open = true;
    rule =
      tol.rule === 'sigfig'
        ? `${digits} significant figure${digits === 1 ? '' : 's'}, eps = 0.51·10^${-n}`
        : `${digits} decimal digit${digits === 1 ? '' : 's'}, eps = 0.51·10^${-n}`;
  }
  const lo = t - half;
  const hi = t + half;
  const digits = endDigits(t, half);
  const ends = open
    ? `(${formatNumber(lo, digits)}, ${formatNumber(hi, digits)}) exclusive`
    : `[${formatNumber(lo, digits)}, ${formatNumber(hi, digits)}]`;
  return {
    reference: t,
    half,
    lo,
    hi,
    open,
    text: `accepted: ${formatNumber(t, digits)} ± ${formatNumber(half)}, ${rule}, i.e. ${ends}`,
  };
}

export function inWindow(s: number, w: Window): boolean {
  if (Number.isNaN(s)) return false;
  if (!Number.isFinite(w.reference)) return s === w.reference;
  // sigfig/decdig: PrairieLearn compares s with t ± eps; relabs: numpy's |s − t| ≤ atol + rtol·|t|.
  return w.open ? w.lo < s && s < w.hi : Math.abs(s - w.reference) <= w.half;
}

/**
 * Numbers for people: integers in full, others with enough significant digits
 * to tell the window's ends apart (at least 6), trailing zeros dropped.
 */
export function formatNumber(x: number, significant = 6): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e21) return String(x);
  return String(Number(x.toPrecision(Math.min(17, significant))));
}

/** Significant digits that show the window's ends as distinct from t. */
function endDigits(t: number, half: number): number {
  if (half === 0 || t === 0) return 6;
  return Math.max(6, Math.ceil(Math.log10(Math.abs(t) / half)) + 3);
}
