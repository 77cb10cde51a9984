/**
 * Numbers in words for the verdicts' reasons: short, with units, and the same everywhere so
 * the terminal, HTML and JSON say the same thing.
 */

/**
 * A number with as many decimals as its size deserves (integers stay whole).
 *
 * @example
 * num(1234.5) // '1,235' ; num(2.345) // '2.35' ; num(0.01234) // '0.0123'
 */
export function num(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  const a = Math.abs(n);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return n.toLocaleString('en-US', {
    maximumFractionDigits: a < 1 ? undefined : digits,
    maximumSignificantDigits: a < 1 ? 3 : undefined,
  });
}

/** A share (0–1) as a percentage, e.g. `0.0421` → `4.21%`. */
export function pct(share: number): string {
  return `${num(share * 100)}%`;
}

/** Milliseconds, e.g. `1.234` → `1.23 ms`. */
export function ms(n: number): string {
  return `${num(n)} ms`;
}

/**
 * `a`, `a and b`, `a, b and c`; items that hold commas themselves are separated by semicolons
 * outside parentheses (`a, x; b, y; and c, z`) so the reader can tell where each ends.
 */
export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  // Commas inside parentheses do not blur the boundaries; only bare ones do.
  const sep = items.some((i) => i.replace(/\([^)]*\)/g, '').includes(',')) ? '; ' : ', ';
  const last = sep === '; ' ? '; and ' : ' and ';
  return `${items.slice(0, -1).join(sep)}${last}${items.at(-1)}`;
}
