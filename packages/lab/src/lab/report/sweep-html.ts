/**
 * The RTT sweep in report.html: a table of every mode at every RTT, the crossovers in words,
 * and a uPlot chart of latency against RTT (p50 solid, p99 dashed, one colour per mode, log
 * scale), drawn by `SWEEP_SCRIPT` from the points travelling as inline JSON.
 */
import { num } from '../claims/format.js';
import { MODE_ORDER } from '../claims/roles.js';
import type { SweepReport } from '../sweep-model.js';
import { escapeHtml as h, jsonForScript } from './escape.js';
import { msText } from './numbers.js';

/** One colour per mode (Okabe–Ito, each at least 3:1 against white). */
export const MODE_COLORS: Record<string, string> = {
  sticky: '#0072B2',
  shared: '#D55E00',
  stateless: '#009E73',
  hybrid: '#7a4f9a',
};

const dash = (v: number | null | undefined, f: (n: number) => string = num) =>
  v === null || v === undefined ? '—' : f(v);

/** The sweep's section of report.html. */
export function renderSweepSection(s: SweepReport): string {
  const modes = MODE_ORDER.filter((m) => s.points.some((p) => p.mode === m));
  const series = modes.map((mode) => {
    const pts = s.points.filter((p) => p.mode === mode).sort((a, b) => a.rttMs - b.rttMs);
    return {
      mode,
      color: MODE_COLORS[mode],
      p50: s.rttsMs.map((r) => pts.find((p) => p.rttMs === r)?.metrics.p50_ms ?? null),
      p99: s.rttsMs.map((r) => pts.find((p) => p.rttMs === r)?.metrics.p99_ms ?? null),
    };
  });
  const rows = [...s.points]
    .sort((a, b) => a.rttMs - b.rttMs || MODE_ORDER.indexOf(a.mode) - MODE_ORDER.indexOf(b.mode))
    .map(
      (
        p,
      ) => `<tr><td>${num(p.rttMs)}</td><th scope="row">${h(p.mode)}<span class="sub">${h(p.store)}</span></th>
<td>${dash(p.metrics.p50_ms, msText)}</td><td>${dash(p.metrics.p99_ms, msText)}</td>
<td>${dash(p.metrics.throughput_rps, (n) => num(Math.round(n)))}</td><td>${dash(p.measuredStoreOneWayMs, msText)}</td></tr>`,
    )
    .join('\n');
  const alt = `Latency against RTT on the ${s.link} link for ${modes.join(', ')} at ${s.rttsMs.map((r) => `${num(r)} ms`).join(', ')}. ${s.crossovers.map((c) => c.text).join(' ')}`;
  return `<section id="sweep" aria-labelledby="sweep-h">
<h2 id="sweep-h">Latency against RTT</h2>
<p class="how">The fault proxy adds the RTT on the ${h(s.link)} link${s.link === 'both' ? 's' : ''}${s.jitterMs > 0 ? ` with ${num(s.jitterMs)} ms of jitter` : ''}; each point is one steady phase of one mode.</p>
<ul class="crossovers">${s.crossovers.map((c) => `<li>${h(c.text)}</li>`).join('')}</ul>
<figure class="chart" data-chart="sweep">
<figcaption>p50 (solid) and p99 (dashed) latency against RTT, per mode (log scale)</figcaption>
<div class="plot" role="img" aria-label="${h(alt)}"></div>
</figure>
<table class="comparison sweep">
<caption>Every mode at every RTT: steady phase, latency from each request's intended start; the store link's one-way delay as measured on the proxy.</caption>
<thead><tr><th scope="col">RTT ms</th><th scope="col">Mode</th><th scope="col">p50 ms</th><th scope="col">p99 ms</th><th scope="col">req/s</th><th scope="col">Store link one-way ms</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<script type="application/json" id="sweep-data">${jsonForScript({ rtts: s.rttsMs, series })}</script>
</section>`;
}

/** Draws the sweep chart; expects `uPlot` loaded and `#sweep-data`. */
export const SWEEP_SCRIPT = `(() => {
  'use strict';
  const el = document.getElementById('sweep-data');
  const fig = document.querySelector('figure[data-chart="sweep"] .plot');
  if (!el || !fig || typeof uPlot === 'undefined') return;
  const d = JSON.parse(el.textContent);
  const pos = (v) => (v !== null && v > 0 ? v : null);
  const series = [{ label: 'RTT (ms)' }];
  const data = [d.rtts];
  for (const s of d.series) {
    series.push({ label: s.mode + ' p50', stroke: s.color, width: 2, points: { show: true } });
    data.push(s.p50.map(pos));
    series.push({ label: s.mode + ' p99', stroke: s.color, width: 1, dash: [6, 4], points: { show: true } });
    data.push(s.p99.map(pos));
  }
  const u = new uPlot({
    width: fig.clientWidth,
    height: 260,
    scales: { x: { time: false }, y: { distr: 3 } },
    axes: [
      { label: 'added round-trip time (ms)', labelSize: 18, size: 36 },
      { label: 'latency ms (log)', labelSize: 18, size: 52 },
    ],
    series,
  }, data, fig);
  window.addEventListener('resize', () => u.setSize({ width: fig.clientWidth, height: 260 }));
})();
`;
