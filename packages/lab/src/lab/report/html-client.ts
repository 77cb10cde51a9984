/**
 * The script inside report.html that draws the time charts with uPlot: per mode, throughput
 * (and errors) over time and latency (p50, p99, log scale) over time, each with one shaded band
 * per fault of that mode. A uPlot plugin paints the bands on the canvas under the lines and adds
 * one `.fault-band` element per fault over the plot, labelled with the fault, so the bands can be
 * read (and counted) from the DOM. Plain browser JavaScript, kept as a string: it runs in the
 * page, not in Node.
 */

/** Colours of the fault kinds; the same in the legend (html.ts) and on the charts. */
export const FAULT_COLORS: Record<string, string> = {
  kill: '#D55E00',
  restart: '#CC79A7',
  roll: '#7a4f9a',
  drain: '#8a5a00',
  'store-restart': '#8a5a00',
  'add-instance': '#009E73',
  'logout-everywhere': '#59636e',
  pause: '#666666',
};

/** Series colours, each at least 3:1 against white. */
export const SERIES_COLORS = { rps: '#0072B2', errors: '#D55E00', p50: '#0072B2', p99: '#B35900' };

/** The chart height in CSS pixels (the plot area plus axes; the legend comes below). */
export const CHART_HEIGHT = 170;

/** The client script; expects `uPlot` loaded and `#report-data` holding `{ modes: [...] }`. */
export const CLIENT_SCRIPT = `(() => {
  'use strict';
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const FAULT_COLORS = ${JSON.stringify(FAULT_COLORS)};
  const C = ${JSON.stringify(SERIES_COLORS)};
  const HEIGHT = ${CHART_HEIGHT};

  function rgba(hex, a) {
    const n = parseInt(hex.slice(1), 16);
    return 'rgba(' + (n >> 16) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + a + ')';
  }

  function faultLabel(f) {
    return f.kind + (f.target ? ' ' + f.target : '');
  }

  // One shaded band per fault: painted on the canvas under the series (drawClear runs before
  // axes and lines), plus one labelled element per band over the plot.
  function faultBands(faults) {
    let els = [];
    // Labels of nearby bands go on the next line down instead of overlapping; a label that
    // would run past the plot's right edge hangs to the left of its band instead.
    function place(u) {
      const plotWidth = u.over.clientWidth;
      const rowEnds = [];
      els.forEach((el, i) => {
        const f = faults[i];
        const l = u.valToPos(f.startMs / 1000, 'x');
        const r = u.valToPos(f.endMs / 1000, 'x');
        el.style.left = l + 'px';
        el.style.width = Math.max(r - l, 2) + 'px';
        const label = el.firstChild;
        const w = label.offsetWidth;
        const hang = l + w + 2 > plotWidth;
        el.classList.toggle('end', hang);
        const from = hang ? l - w : l;
        let row = rowEnds.findIndex((end) => end < from);
        if (row < 0) row = rowEnds.length;
        rowEnds[row] = from + w + 4;
        label.style.top = 1 + row * 13 + 'px';
      });
    }
    return {
      hooks: {
        init: [(u) => {
          els = faults.map((f) => {
            const el = document.createElement('div');
            el.className = 'fault-band';
            el.dataset.kind = f.kind;
            el.dataset.startMs = String(f.startMs);
            el.dataset.endMs = String(f.endMs);
            el.style.borderColor = FAULT_COLORS[f.kind] || '#666666';
            el.title = faultLabel(f) + ': ' + (f.startMs / 1000) + '–' + (f.endMs / 1000) + ' s';
            const label = document.createElement('span');
            label.textContent = faultLabel(f);
            el.appendChild(label);
            u.over.appendChild(el);
            return el;
          });
        }],
        ready: [place],
        setSize: [place],
        setScale: [(u, key) => { if (key === 'x') place(u); }],
        drawClear: [(u) => {
          const ctx = u.ctx;
          ctx.save();
          for (const f of faults) {
            const x0 = u.valToPos(f.startMs / 1000, 'x', true);
            const x1 = u.valToPos(f.endMs / 1000, 'x', true);
            ctx.fillStyle = rgba(FAULT_COLORS[f.kind] || '#666666', 0.16);
            ctx.fillRect(x0, u.bbox.top, Math.max(x1 - x0, 2 * devicePixelRatio), u.bbox.height);
          }
          ctx.restore();
        }],
      },
    };
  }

  const xAxis = { label: 'seconds since the mode started', labelSize: 18, size: 36 };
  const charts = [];

  function mount(kind, m, opts, series) {
    const fig = document.querySelector('figure[data-chart="' + kind + '"][data-mode="' + m.mode + '"]');
    const el = fig.querySelector('.plot');
    const u = new uPlot(Object.assign({ width: el.clientWidth, height: HEIGHT, plugins: [faultBands(m.faults)] }, opts), series, el);
    charts.push({ u, el });
  }

  for (const m of data.modes) {
    const t = m.series.map((p) => p.t);
    mount('throughput', m, {
      scales: {
        x: { time: false },
        y: { range: (u, min, max) => [0, Math.max(10, max * 1.1)] },
        err: { range: (u, min, max) => [0, Math.max(10, max * 1.1)] },
      },
      axes: [
        xAxis,
        { label: 'req/s', labelSize: 18, size: 48 },
        { label: 'errors/s', labelSize: 18, size: 44, side: 1, scale: 'err', grid: { show: false } },
      ],
      series: [
        { label: 't (s)' },
        { label: 'req/s', stroke: C.rps, width: 1.5, fill: rgba(C.rps, 0.08) },
        { label: 'errors/s', stroke: C.errors, width: 1.5, scale: 'err' },
      ],
    }, [t, m.series.map((p) => p.rps), m.series.map((p) => p.errors)]);
    // Log scale: a fault's p99 is a hundred times the baseline's; zero cannot be drawn on it.
    const pos = (v) => (v > 0 ? v : null);
    mount('latency', m, {
      scales: { x: { time: false }, y: { distr: 3 } },
      axes: [xAxis, { label: 'ms (log)', labelSize: 18, size: 48, grid: { stroke: '#eaeef2', width: 1 } }],
      series: [
        { label: 't (s)' },
        { label: 'p50 ms', stroke: C.p50, width: 1.5 },
        { label: 'p99 ms', stroke: C.p99, width: 1.5 },
      ],
    }, [t, m.series.map((p) => pos(p.p50)), m.series.map((p) => pos(p.p99))]);
  }

  let pending = 0;
  window.addEventListener('resize', () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => {
      for (const c of charts) c.u.setSize({ width: c.el.clientWidth, height: HEIGHT });
    });
  });
  document.documentElement.dataset.chartsReady = 'true';
})();
`;
