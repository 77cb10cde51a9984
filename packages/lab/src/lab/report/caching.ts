/**
 * The caching table (claim C13), the same in the terminal and in report.html: per mode, the
 * share of GET responses a shared cache may store and serve to others with lazy sessions (the
 * run) and with eager ones (the probe), the same for anonymous catalogue views, responses of
 * logged-in users a shared cache may store at all (0 is the only safe figure), and, behind
 * nginx, how many catalogue requests still reached an instance through its proxy_cache.
 */
import { num } from '../claims/format.js';
import { MODE_ORDER } from '../claims/roles.js';
import type { LabReport, ModeReport } from '../model.js';
import { escapeHtml as h } from './escape.js';
import { pctText } from './numbers.js';
import { type Cell, textTable, wrapText } from './text-table.js';

/** Column headers, and what the table says in one sentence. */
const HEADERS = [
  'mode',
  'GETs shareable lazy → eager',
  'anonymous lazy → eager',
  "users' storable",
  'nginx origin / sent',
] as const;
const CAPTION =
  'Caching (C13): GET responses a shared cache may store and serve to others (RFC 9111, judged by http-cache-semantics), with sessions started at login (lazy) and for every visitor (eager); responses of logged-in users a shared cache may store (lazy + eager); catalogue requests that reached an instance through nginx proxy_cache.';

function value(m: ModeReport, name: string): number | null {
  const v = m.metrics[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

const share = (v: number | null) => (v === null ? '—' : pctText(v));

/** One row of text cells, or null when the mode has no caching figures (an older report). */
function row(m: ModeReport): string[] | null {
  if (!Object.hasOwn(m.metrics, 'get_shareable_share')) return null;
  const users = [
    value(m, 'authenticated_storable_responses'),
    value(m, 'eager_authenticated_storable_responses'),
  ];
  const sent = value(m, 'proxy_cache_catalogue_requests');
  const origin = value(m, 'proxy_cache_origin_requests');
  return [
    m.mode,
    `${share(value(m, 'get_shareable_share'))} → ${share(value(m, 'eager_get_shareable_share'))}`,
    `${share(value(m, 'anonymous_shareable_share'))} → ${share(value(m, 'eager_anonymous_shareable_share'))}`,
    users.some((u) => u === null) ? '—' : num(users[0]! + users[1]!),
    sent === null || origin === null ? '—' : `${num(origin)} / ${num(sent)}`,
  ];
}

function rows(report: Pick<LabReport, 'modes'>): string[][] {
  return [...report.modes]
    .sort((a, b) => MODE_ORDER.indexOf(a.mode) - MODE_ORDER.indexOf(b.mode))
    .map(row)
    .filter((r): r is string[] => r !== null);
}

/**
 * The caching table as terminal lines, followed by a blank line; none when the report has no
 * caching figures.
 */
export function renderCachingText(report: Pick<LabReport, 'modes'>, width: number): string[] {
  const body = rows(report);
  if (body.length === 0) return [];
  const columns = HEADERS.map((header, i) => ({ header, align: i === 0 ? undefined : ('right' as const) }));
  return [...wrapText(CAPTION, width), '', textTable(columns, body as Cell[][], width), ''];
}

/** The caching section of report.html, or '' when the report has no caching figures. */
export function renderCachingSection(report: Pick<LabReport, 'modes'>): string {
  const body = rows(report);
  if (body.length === 0) return '';
  const tr = body
    .map(
      ([mode, ...cells]) =>
        `<tr><th scope="row">${h(mode!)}</th>${cells.map((c) => `<td>${h(c)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<section id="caching" aria-labelledby="caching-h">
<h2 id="caching-h">Caching</h2>
<table class="comparison">
<caption>${h(CAPTION)}</caption>
<thead><tr>${HEADERS.map((c) => `<th scope="col">${h(c)}</th>`).join('')}</tr></thead>
<tbody>
${tr}
</tbody>
</table>
</section>`;
}
