/** Regenerates one `## ` section of docs/BENCHMARKS.md, leaving every other section as it is. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const DOCS_FILE = join(resolve(import.meta.dirname, '../..'), 'docs/BENCHMARKS.md');

/** `text` with the section headed `## heading` replaced by `section` (or appended). */
export function replaceSection(text: string, heading: string, section: string): string {
  const escaped = heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const start = text.search(new RegExp(`^## ${escaped}\\s*$`, 'm'));
  if (start < 0) return `${text.trimEnd()}\n\n${section.trim()}\n`;
  const rest = text.slice(start + 1);
  const end = rest.search(/^## /m);
  const tail = end < 0 ? '' : `\n${rest.slice(end)}`;
  return `${(text.slice(0, start) + section.trim() + '\n' + tail).trimEnd()}\n`;
}

export function writeSection(heading: string, section: string, file = DOCS_FILE): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  writeFileSync(file, replaceSection(text, heading, section));
  console.log(`wrote the "${heading}" section of ${file}`);
}
