/**
 * Grouped horizontal bar charts as inline SVG, for the side-by-side figures of report.html
 * (latency, bytes per request, memory, damage). Drawn on the server: no script needed to read
 * them, the numbers are printed beside the bars, and the chart carries a text alternative.
 */
import { escapeHtml } from './escape.js';

/** One series of bars: one value per category (null when the mode has no figure). */
export interface BarSeries {
  label: string;
  /** A colour with at least 3:1 contrast on white (WCAG 1.4.11). */
  color: string;
  values: (number | null)[];
}

/** A grouped bar chart: one group per category (mode), one bar per series. */
export interface BarChart {
  id: string;
  title: string;
  unit: string;
  categories: string[];
  series: BarSeries[];
  format: (n: number) => string;
}

const WIDTH = 280;
const LABEL = 72;
const VALUE = 56;
const BAR = 11;
const GROUP_GAP = 9;

/** The chart as a `<figure>` with an SVG, a legend and a caption. */
export function renderBarChart(c: BarChart): string {
  const max = Math.max(0, ...c.series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const plot = WIDTH - LABEL - VALUE;
  const groupHeight = c.series.length * BAR + GROUP_GAP;
  const height = c.categories.length * groupHeight + 4;
  const parts: string[] = [];
  const described: string[] = [];
  c.categories.forEach((cat, gi) => {
    const y0 = 2 + gi * groupHeight;
    parts.push(
      `<text x="${LABEL - 6}" y="${y0 + (c.series.length * BAR) / 2 + 4}" text-anchor="end" class="bar-label">${escapeHtml(cat)}</text>`,
    );
    const said: string[] = [];
    c.series.forEach((s, si) => {
      const v = s.values[gi] ?? null;
      const y = y0 + si * BAR;
      const w = v === null || max === 0 ? 0 : Math.max(v > 0 ? 1 : 0, (v / max) * plot);
      const text = v === null ? 'n/a' : c.format(v);
      parts.push(
        `<rect x="${LABEL}" y="${y}" width="${w.toFixed(1)}" height="${BAR - 2}" fill="${s.color}"><title>${escapeHtml(`${cat} ${s.label}: ${text} ${c.unit}`)}</title></rect>`,
        `<text x="${(LABEL + w + 4).toFixed(1)}" y="${y + BAR - 3}" class="bar-value">${escapeHtml(text)}</text>`,
      );
      said.push(`${s.label} ${text}`);
    });
    described.push(`${cat}: ${said.join(', ')}`);
  });
  const alt = `${c.title} (${c.unit}). ${described.join('; ')}.`;
  const legend = c.series
    .map((s) => `<li><span class="swatch" style="background:${s.color}"></span>${escapeHtml(s.label)}</li>`)
    .join('');
  return [
    `<figure class="bars" id="${escapeHtml(c.id)}">`,
    `<figcaption>${escapeHtml(c.title)} <span class="unit">(${escapeHtml(c.unit)})</span></figcaption>`,
    `<svg viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${escapeHtml(alt)}">`,
    ...parts,
    '</svg>',
    c.series.length > 1 ? `<ul class="legend">${legend}</ul>` : '',
    '</figure>',
  ].join('\n');
}
