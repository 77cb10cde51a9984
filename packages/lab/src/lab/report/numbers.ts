/**
 * Fixed-width number formats for the report's tables, so a column of figures lines up in the
 * terminal and in report.html alike.
 */

/** Milliseconds with as many decimals as their size deserves: `1.18`, `45.3`, `312`. */
export function msText(n: number): string {
  return n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0);
}

/** A share as a percentage with two decimals: `0.0070` → `0.70%`. */
export function pctText(share: number): string {
  return `${(share * 100).toFixed(2)}%`;
}
