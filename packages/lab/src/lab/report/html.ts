/**
 * report.html: the whole report as one self-contained page that opens offline. uPlot's script
 * and stylesheet are read from `node_modules/uplot/dist/` and inlined, and the series travel as
 * inline JSON, so the page makes no request at all. Sections: a header (date, seed, schedule
 * hash, config, machine, VALID or a loud INVALID), the comparison table, throughput and latency
 * over time per mode with one band per fault, bar charts side by side, and the claims table.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { num } from '../claims/format.js';
import { MODE_ORDER } from '../claims/roles.js';
import type { ClaimResult, LabReport, ModeReport, Verdict } from '../model.js';
import { type BarChart, renderBarChart } from './bars.js';
import { renderCachingSection } from './caching.js';
import { escapeHtml as h, jsonForScript, scriptForInline } from './escape.js';
import { CLIENT_SCRIPT, FAULT_COLORS, SERIES_COLORS } from './html-client.js';
import { REPORT_STYLE } from './html-style.js';
import { msText, pctText } from './numbers.js';
import { type ModeSummary, revocationText, summarize } from './summary.js';
import { renderSweepSection, SWEEP_SCRIPT } from './sweep-html.js';
import { claimAnchor, claimLabel } from './sweep-text.js';

/** uPlot's browser build and stylesheet, as text. */
export interface UplotAssets {
  js: string;
  css: string;
}

/** Reads uPlot's IIFE build and CSS from the installed package. */
export function loadUplotAssets(): UplotAssets {
  const require = createRequire(import.meta.url);
  return {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}

const VERDICT_CLASS: Record<Verdict, string> = {
  holds: 'v-holds',
  'does not hold': 'v-not',
  depends: 'v-depends',
  inconclusive: 'v-inconclusive',
};

const sorted = (modes: readonly ModeReport[]) =>
  [...modes].sort((a, b) => MODE_ORDER.indexOf(a.mode) - MODE_ORDER.indexOf(b.mode));

const dash = (v: number | null, f: (n: number) => string = num) => (v === null ? '—' : f(v));

function header(r: LabReport): string {
  const c = r.config;
  const facts: [string, string, string?][] = [
    [
      'Started',
      `${r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')} · ${num(Math.round(r.durationMs / 1000))} s`,
    ],
    ['Seed', String(r.seed)],
    ['Schedule', `<code title="SHA-256 of the planned arrivals and faults">${h(r.scheduleHash)}</code>`],
    [
      'Config',
      h(
        `${c.modes.join(', ')} × ${c.instances} instances · ${c.balancer} balancer · ${c.store} store · ${c.model} model at ${num(c.rate)} req/s · ${c.users} users · ${num(c.phaseSeconds)} s phases, ${num(c.warmupSeconds)} s warm-up${c.app ? ` · app ${c.app}` : ''}`,
      ),
      'wide',
    ],
    [
      'Machine',
      h(
        `${r.machine.cpus} CPUs · ${r.machine.model} · ${num(r.machine.memoryGiB)} GiB · ${r.machine.platform}`,
      ),
      'span2',
    ],
    [
      'Tool',
      h(
        `statecraft ${r.tool.version} on node ${r.tool.node}${
          Object.keys(r.tool.packages).length
            ? ` (${Object.entries(r.tool.packages)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')})`
            : ''
        }`,
      ),
    ],
  ];
  const status = r.valid
    ? '<span class="status status-valid">VALID</span>'
    : '<span class="status status-invalid">INVALID</span>';
  const banner = r.valid
    ? ''
    : `<div class="invalid-banner" role="alert"><p><strong>INVALID RUN.</strong> The load generator could not be trusted, so every verdict is <em>inconclusive</em>; the figures are shown for inspection only.</p><ul>${r.invalidReasons.map((x) => `<li>${h(x)}</li>`).join('')}</ul></div>`;
  const chips = r.claims
    .map(
      (cl) =>
        `<li><a href="#claim-${h(cl.id)}" class="chip ${VERDICT_CLASS[cl.verdict]}">${h(cl.id)} <span>${h(cl.verdict)}</span></a></li>`,
    )
    .join('');
  return `<header>
<h1>statecraft lab report ${status}</h1>
${banner}
<dl class="facts">${facts.map(([k, v, cls]) => `<div${cls ? ` class="${cls}"` : ''}><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl>
${chips ? `<nav aria-label="Verdicts"><ul class="chips">${chips}</ul></nav>` : ''}
</header>`;
}

function comparisonTable(rows: ModeSummary[], modes: readonly ModeReport[]): string {
  const gen = new Map(modes.map((m) => [m.mode, m.generator]));
  const lat = (c: number | null, u: number | null) =>
    `${dash(c, msText)}${u === null ? '' : ` <span class="uncorrected">(${msText(u)})</span>`}`;
  const body = rows
    .map((s) => {
      const g = gen.get(s.mode);
      return `<tr>
<th scope="row">${h(s.mode)}<span class="sub">${h(s.store)} · ${h(s.balancer)} · ${s.instances}×</span></th>
<td>${dash(s.throughput, (n) => num(Math.round(n)))}</td>
<td>${lat(s.p50, s.p50Uncorrected)}</td>
<td>${lat(s.p99, s.p99Uncorrected)}</td>
<td>${num(s.errors)} <span class="sub-inline">${pctText(s.errorShare)}</span></td>
<td>${dash(s.requestBytes, (n) => num(Math.round(n)))} / ${dash(s.responseBytes, (n) => num(Math.round(n)))}</td>
<td>${dash(s.rssPer1k)}</td>
<td>${dash(s.sessionsLost)}</td>
<td>${dash(s.itemsLost)}</td>
<td class="text">${h(revocationText(s, num))}</td>
<td>${g ? `${num(g.achievedRate)} / ${num(g.targetRate)}` : '—'}</td>
</tr>`;
    })
    .join('\n');
  return `<section id="comparison" aria-labelledby="comparison-h">
<h2 id="comparison-h">Comparison</h2>
<table class="comparison">
<caption>Per mode, baseline phase. Latency in ms from each request's intended start (corrected for coordinated omission); in brackets, what a closed-loop tool would have reported. Errors over every phase but warm-up.</caption>
<thead><tr><th scope="col">Mode</th><th scope="col">Throughput req/s</th><th scope="col">p50 ms</th><th scope="col">p99 ms</th><th scope="col">Errors</th><th scope="col">Bytes/request in / out</th><th scope="col">RSS MB per 1k sessions</th><th scope="col">Sessions lost (kill)</th><th scope="col">Items lost (kill)</th><th scope="col">Revocation</th><th scope="col">Generator req/s (achieved / target)</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
</section>`;
}

function faultLegend(modes: readonly ModeReport[]): string {
  const kinds = [...new Set(modes.flatMap((m) => m.faults.map((f) => f.kind)))];
  return `<ul class="legend fault-legend" aria-label="Fault bands">${kinds
    .map(
      (k) =>
        `<li><span class="swatch band" style="background:${FAULT_COLORS[k] ?? '#666666'}"></span>${h(k)}</li>`,
    )
    .join('')}</ul>`;
}

function timeCharts(modes: readonly ModeReport[]): string {
  const rows = sorted(modes).map((m) => {
    const faults = m.faults.map(
      (f) => `${f.kind}${f.target ? ` ${f.target}` : ''} ${num(f.startMs / 1000)}–${num(f.endMs / 1000)} s`,
    );
    const faultText = faults.length ? `Faults: ${faults.join('; ')}.` : 'No faults.';
    const peak = m.series.length ? Math.max(...m.series.map((p) => p.p99)) : 0;
    const meanRps = m.series.length ? m.series.reduce((a, p) => a + p.rps, 0) / m.series.length : 0;
    const fig = (kind: 'throughput' | 'latency', title: string, alt: string) =>
      `<figure class="chart" data-chart="${kind}" data-mode="${m.mode}" data-faults="${m.faults.length}">
<figcaption>${h(title)}</figcaption>
<div class="plot" role="img" aria-label="${h(`${alt} ${faultText}`)}"></div>
</figure>`;
    return `<section class="mode-row" aria-labelledby="mode-${m.mode}">
<h3 id="mode-${m.mode}">${h(m.mode)} <span class="sub-inline">${h(m.store)} store · ${h(m.balancer)} · ${m.instances} instances · ${h(m.connectionPolicy)}</span></h3>
<div class="pair">
${fig('throughput', `${m.mode}: throughput and errors per second`, `Throughput of ${m.mode} over ${m.series.length} s, mean ${num(Math.round(meanRps))} req/s.`)}
${fig('latency', `${m.mode}: latency p50 and p99 (log scale)`, `Latency of ${m.mode}, p99 peaking at ${num(peak)} ms.`)}
</div>
</section>`;
  });
  return `<section id="timeline" aria-labelledby="timeline-h">
<h2 id="timeline-h">Over time</h2>
<p class="how">Each shaded band is one fault, from its start to its end; the lines show what the users felt meanwhile.</p>
${faultLegend(modes)}
${rows.join('\n')}
</section>`;
}

function barCharts(rows: ModeSummary[]): string {
  const cats = rows.map((s) => s.mode);
  const charts: BarChart[] = [
    {
      id: 'bars-latency',
      title: 'Latency, baseline',
      unit: 'ms',
      categories: cats,
      series: [
        { label: 'p50', color: SERIES_COLORS.p50, values: rows.map((s) => s.p50) },
        { label: 'p99', color: SERIES_COLORS.p99, values: rows.map((s) => s.p99) },
      ],
      format: msText,
    },
    {
      id: 'bars-bytes',
      title: 'Bytes per request',
      unit: 'bytes',
      categories: cats,
      series: [
        { label: 'request', color: '#0072B2', values: rows.map((s) => s.requestBytes) },
        { label: 'response', color: '#009E73', values: rows.map((s) => s.responseBytes) },
      ],
      format: (n) => num(Math.round(n)),
    },
    {
      id: 'bars-rss',
      title: 'Server RSS per 1,000 sessions',
      unit: 'MB',
      categories: cats,
      series: [{ label: 'RSS', color: '#7a4f9a', values: rows.map((s) => s.rssPer1k) }],
      format: num,
    },
    {
      id: 'bars-damage',
      title: 'Damage from one SIGKILL',
      unit: 'count',
      categories: cats,
      series: [
        { label: 'sessions lost', color: '#D55E00', values: rows.map((s) => s.sessionsLost) },
        { label: 'cart items lost', color: '#8a5a00', values: rows.map((s) => s.itemsLost) },
        { label: 'failed requests', color: '#59636e', values: rows.map((s) => s.failedDuringKill) },
      ],
      format: num,
    },
  ];
  return `<section id="side-by-side" aria-labelledby="bars-h">
<h2 id="bars-h">Side by side</h2>
<div class="bar-grid">
${charts.map(renderBarChart).join('\n')}
</div>
</section>`;
}

function figuresTable(c: ClaimResult): string {
  const modes = MODE_ORDER.filter((m) => c.figures[m]);
  const names = [...new Set(modes.flatMap((m) => Object.keys(c.figures[m] ?? {})))];
  if (names.length === 0) return '';
  const cell = (v: number | null | undefined) => (v === null || v === undefined ? 'null' : num(v));
  return `<details><summary>figures</summary><table class="figures">
<caption>Figures ${h(c.id)} used</caption>
<thead><tr><th scope="col">metric</th>${modes.map((m) => `<th scope="col">${m}</th>`).join('')}</tr></thead>
<tbody>${names
    .map(
      (n) =>
        `<tr><th scope="row"><code>${h(n)}</code></th>${modes.map((m) => `<td>${cell(c.figures[m]?.[n])}</td>`).join('')}</tr>`,
    )
    .join('')}</tbody></table></details>`;
}

function claimsTable(r: LabReport): string {
  const rows = r.claims
    .map(
      (c) => `<tr id="claim-${h(claimAnchor(c))}" data-verdict="${h(c.verdict)}">
<th scope="row">${h(claimLabel(c))}</th>
<td class="claim-text">${h(c.claim)}<span class="sub">seeds ${h(c.seeds.join(', '))}</span></td>
<td><span class="verdict ${VERDICT_CLASS[c.verdict]}">${h(c.verdict)}</span></td>
<td class="reason">${h(c.reason)}${figuresTable(c)}</td>
</tr>`,
    )
    .join('\n');
  return `<section id="claims-section" aria-labelledby="claims-h">
<h2 id="claims-h">Claims</h2>
<table id="claims">
<caption>Verdict on each claim of CLAIMS.md, computed from this run's figures${r.valid ? '' : ' (INVALID run: no verdicts)'}</caption>
<thead><tr><th scope="col">Id</th><th scope="col">Claim</th><th scope="col">Verdict</th><th scope="col">Why, with the figures</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</section>`;
}

/** The comparison and claims tables as report.html has them (the dashboard shows them at the end). */
export function renderReportTables(report: LabReport): string {
  return `${comparisonTable(summarize(report), report.modes)}\n${claimsTable(report)}`;
}

/**
 * The report as one self-contained HTML page.
 *
 * @example
 * writeFileSync('report.html', renderHtml(report));
 */
export function renderHtml(report: LabReport, assets: UplotAssets = loadUplotAssets()): string {
  const rows = summarize(report);
  const data = {
    modes: sorted(report.modes).map((m) => ({ mode: m.mode, series: m.series, faults: m.faults })),
  };
  const title = `statecraft lab report${report.valid ? '' : ' — INVALID'} — ${report.startedAt}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title>
<style>${assets.css}</style>
<style>${REPORT_STYLE}</style>
</head>
<body>
<main>
${header(report)}
${comparisonTable(rows, report.modes)}
${report.sweep ? renderSweepSection(report.sweep) : ''}
${timeCharts(report.modes)}
${barCharts(rows)}
${renderCachingSection(report)}
${claimsTable(report)}
<footer><p>report.json schema version ${report.schemaVersion}. Bands: one per fault, start to end. Latency is corrected for coordinated omission; uncorrected figures are in brackets.</p></footer>
</main>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${scriptForInline(assets.js)}</script>
<script>${scriptForInline(CLIENT_SCRIPT)}</script>${report.sweep ? `\n<script>${scriptForInline(SWEEP_SCRIPT)}</script>` : ''}
</body>
</html>
`;
}
