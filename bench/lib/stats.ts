/**
 * The arithmetic every benchmark reports with: medians, spread, ratios against a baseline of
 * the same run, and goal verdicts. Pure, so a test can pin it down without timing anything.
 */

/** Median; the mean of the two middle values for an even count; NaN for none. */
export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Quantile `q` (0..1) with linear interpolation between closest ranks; NaN for none. */
export function quantile(xs: readonly number[], q: number): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const pos = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export interface Spread {
  min: number;
  q1: number;
  q3: number;
  max: number;
}

/** Lowest, quartiles and highest of the rounds: how far one figure moved within a run. */
export function spread(xs: readonly number[]): Spread {
  return { min: quantile(xs, 0), q1: quantile(xs, 0.25), q3: quantile(xs, 0.75), max: quantile(xs, 1) };
}

/** a ÷ b, NaN when either is missing or b is 0. */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN;
}

/** A goal on a ratio: at least (`>=`) or at most (`<=`) `target`. */
export interface Goal {
  op: '>=' | '<=';
  target: number;
}

/** `invalid`: the run had errors, so no verdict; `none`: the figure has no goal. */
export type Status = 'met' | 'missed' | 'invalid' | 'none';

export function goalStatus(value: number, goal: Goal | null, invalid = false): Status {
  if (goal === null) return 'none';
  if (invalid || Number.isNaN(value)) return 'invalid';
  return (goal.op === '>=' ? value >= goal.target : value <= goal.target) ? 'met' : 'missed';
}

export function fmtRatio(x: number, digits = 2): string {
  return Number.isFinite(x) ? `${x.toFixed(digits)}x` : 'n/a';
}

/** A number for a table: `n/a` when missing, thousands separated. */
export function fmtNum(x: number, digits = 0): string {
  if (!Number.isFinite(x)) return 'n/a';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * `≥ 0.85x: met`, `≥ 0.85x: MISSED by 0.07x (8%)`, `≤ 2x: met`, or `—` without a goal. A goal
 * missed on another condition than the ratio (a p99, say) says so, with `why` when given.
 */
export function fmtGoal(value: number, goal: Goal | null, status: Status, why?: string): string {
  if (goal === null) return '—';
  const head = `${goal.op === '>=' ? '≥' : '≤'} ${goal.target}x`;
  if (status !== 'missed') return `${head}: ${status}`;
  if (goalStatus(value, goal) === 'met')
    return `${head}: MISSED (the ratio is met; ${why ?? 'another condition is not'})`;
  const gap = Math.abs(value - goal.target);
  return `${head}: MISSED by ${fmtRatio(gap)} (${Math.round((100 * gap) / goal.target)}%)`;
}

/** `min–max` of a spread, with a unit-free formatter. */
export function fmtSpread(s: Spread | null, f: (x: number) => string = (x) => fmtNum(x)): string {
  return s === null ? '—' : `${f(s.min)}–${f(s.max)}`;
}
