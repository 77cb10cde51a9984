/**
 * Plain-text tables for the terminal: columns padded to their widest cell, numbers aligned
 * right, and one column that wraps so the table fits a given width. Colour is applied after
 * padding, so escape codes never count towards a width.
 */

/** One column: its header, alignment, and whether it wraps to take the width that is left. */
export interface Column {
  header: string;
  align?: 'left' | 'right';
  wrap?: boolean;
}

/** A cell: its text, and an optional painter applied after padding (e.g. ANSI colour). */
export type Cell = string | { text: string; paint?: (padded: string) => string };

const GAP = '  ';

/**
 * Splits `text` into lines of at most `width` characters, breaking at spaces where it can and
 * always at a newline.
 */
export function wrapText(text: string, width: number): string[] {
  if (text.includes('\n')) return text.split('\n').flatMap((p) => wrapText(p, width));
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let w = word;
    while (w.length > width) {
      if (line) {
        lines.push(line);
        line = '';
      }
      lines.push(w.slice(0, width));
      w = w.slice(width);
    }
    if (!line) line = w;
    else if (line.length + 1 + w.length <= width) line += ` ${w}`;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

/**
 * Renders rows under a header and a rule, no wider than `width`.
 *
 * @example
 * textTable([{ header: 'id' }, { header: 'reason', wrap: true }], [['C1', 'because…']], 60)
 */
export function textTable(columns: readonly Column[], rows: readonly Cell[][], width: number): string {
  const text = (c: Cell) => (typeof c === 'string' ? c : c.text);
  const widths = columns.map((col, i) =>
    Math.max(col.header.length, ...rows.map((r) => text(r[i] ?? '').length)),
  );
  const wrapAt = columns.findIndex((c) => c.wrap);
  if (wrapAt >= 0) {
    const others =
      widths.reduce((a, w, i) => (i === wrapAt ? a : a + w), 0) + GAP.length * (columns.length - 1);
    widths[wrapAt] = Math.max(columns[wrapAt]!.header.length, Math.min(widths[wrapAt]!, width - others));
  }
  const pad = (s: string, i: number) =>
    columns[i]?.align === 'right' ? s.padStart(widths[i]!) : s.padEnd(widths[i]!);
  const out: string[] = [];
  out.push(
    columns
      .map((c, i) => pad(c.header, i))
      .join(GAP)
      .trimEnd(),
  );
  out.push(widths.map((w) => '─'.repeat(w)).join(GAP));
  for (const row of rows) {
    const cells = columns.map((_, i) => {
      const c = row[i] ?? '';
      const lines = i === wrapAt ? wrapText(text(c), widths[i]!) : [text(c)];
      return { lines, paint: typeof c === 'string' ? undefined : c.paint };
    });
    const height = Math.max(...cells.map((c) => c.lines.length));
    for (let l = 0; l < height; l++) {
      const line = cells
        .map((c, i) => {
          const padded = pad(c.lines[l] ?? '', i);
          return c.paint && c.lines[l] ? c.paint(padded) : padded;
        })
        .join(GAP);
      out.push(line.trimEnd());
    }
  }
  return out.join('\n');
}
