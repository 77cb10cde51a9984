// The live dashboard: one lane per architecture, fed by Server-Sent Events from the lab; every
// button goes to that lane's control API.
(() => {
  const WINDOW = 60;
  const lanes = new Map();
  const $ = (root, sel) => root.querySelector(sel);
  const fmt = (n) => (n === null || n === undefined ? '—' : Math.round(n).toLocaleString('en'));
  const short = (v) => (v === null ? '' : v >= 1000 ? `${v / 1000}k` : String(v));
  const mb = (b) => (b === null || b === undefined ? '— MB' : `${Math.round(b / 1e6)} MB`);

  function chart(el, series, log) {
    const opts = {
      width: Math.max(200, el.clientWidth),
      height: 96,
      legend: { live: false },
      cursor: { show: false },
      scales: {
        x: { time: false },
        y: log ? { distr: 3 } : { range: (_u, _min, max) => [0, Math.max(1, max)] },
      },
      axes: [
        { size: 22, font: '10px system-ui' },
        { size: 34, font: '10px system-ui', values: (_u, vals) => vals.map(short) },
      ],
      series: [{ label: 's' }, ...series.map(([label, stroke]) => ({ label, stroke, width: 1.5 }))],
    };
    return new uPlot(opts, [[], ...series.map(() => [])], el);
  }

  function addLog(lane, lines) {
    const list = lane.log;
    const atEnd = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
    for (const l of lines) {
      const li = document.createElement('li');
      li.className = l.kind;
      li.textContent = `${l.t.toFixed(1).padStart(6)} s  ${l.text}`;
      list.append(li);
    }
    while (list.children.length > 200) list.firstChild.remove();
    if (atEnd) list.scrollTop = list.scrollHeight;
  }

  async function post(lane, path, what) {
    if (!lane.info?.adminUrl) return;
    try {
      const r = await fetch(`${lane.info.adminUrl}${path}`, { method: 'POST' });
      if (!r.ok) {
        const body = await r.json().catch(() => ({}));
        addLog(lane, [{ t: lane.t, kind: 'error', text: `${what}: ${body.error?.message ?? r.status}` }]);
      }
    } catch {
      addLog(lane, [{ t: lane.t, kind: 'error', text: `${what}: the control API did not answer` }]);
    }
  }

  function makeLane(mode) {
    const node = document.getElementById('lane-t').content.firstElementChild.cloneNode(true);
    node.id = `lane-${mode}`;
    node.dataset.mode = mode;
    node.setAttribute('aria-labelledby', `lane-${mode}-h`);
    const h = $(node, '.lane-name');
    h.id = `lane-${mode}-h`;
    h.textContent = mode;
    document.getElementById('lanes').append(node);
    const lane = {
      mode,
      node,
      info: null,
      t: 0,
      points: [],
      tiles: new Map(),
      log: $(node, '.log'),
      rps: chart($(node, '[data-plot="rps"]'), [
        ['req/s', '#0072B2'],
        ['errors/s', '#D55E00'],
      ]),
      lat: chart(
        $(node, '[data-plot="lat"]'),
        [
          ['p50', '#0072B2'],
          ['p99', '#B35900'],
        ],
        true,
      ),
    };
    for (const b of node.querySelectorAll('[data-action]')) {
      b.addEventListener('click', () => post(lane, `/actions/${b.dataset.action}`, b.textContent));
    }
    lanes.set(mode, lane);
    return lane;
  }

  function setInfo(lane, info) {
    if (!info || lane.info) return;
    lane.info = info;
    const n = lane.node;
    $(n, '.lane-store').textContent = `store ${info.store}`;
    $(n, '.lane-policy').textContent = `${info.balancer} balancer, ${info.policy}`;
    $(n, '.store-link-delay').textContent = `${info.storeRttMs} ms`;
    const store = $(n, '[data-action="restart-store"]');
    if (info.storeRestart !== true) {
      store.disabled = true;
      store.title = info.storeRestart;
    }
  }

  function tile(lane, t) {
    let el = lane.tiles.get(t.id);
    if (!el) {
      el = document.getElementById('tile-t').content.firstElementChild.cloneNode(true);
      el.dataset.id = t.id;
      $(el, '.tile-id').textContent = t.id;
      for (const b of el.querySelectorAll('[data-op]')) {
        b.setAttribute('aria-label', `${b.dataset.op} ${lane.mode} ${t.id}`);
        b.addEventListener('click', () =>
          post(lane, `/instances/${t.id}/${b.dataset.op}`, `${b.dataset.op} ${t.id}`),
        );
      }
      $(lane.node, '.tiles').append(el);
      lane.tiles.set(t.id, el);
    }
    el.dataset.state = t.state;
    $(el, '.tile-state').textContent = t.state;
    $(el, '.tile-rss').textContent = mb(t.rss);
    const sessions = $(el, '.tile-sessions');
    sessions.textContent = t.sessions === null ? 'no own sessions' : `${fmt(t.sessions)} sessions`;
    sessions.title = t.sessions === null ? 'this instance keeps no sessions of its own (or did not say)' : '';
    const share = t.share === null ? 0 : t.share;
    $(el, '.share span').style.width = `${Math.round(share * 100)}%`;
    $(el, '.tile-share').textContent = `${Math.round(share * 100)}% of load`;
    $(el, '[data-op="kill"]').disabled = t.state === 'dead';
    $(el, '[data-op="drain"]').disabled = t.state !== 'alive';
  }

  function addPoints(lane, points) {
    if (points.length === 0) return;
    // A second sent again (its late answers are in now) replaces the one drawn before.
    while (lane.points.length > 0 && lane.points[lane.points.length - 1].t >= points[0].t) lane.points.pop();
    lane.points.push(...points);
    if (lane.points.length > WINDOW) lane.points.splice(0, lane.points.length - WINDOW);
    const p = lane.points;
    const x = p.map((q) => q.t);
    lane.rps.setData([x, p.map((q) => q.rps), p.map((q) => q.errors)]);
    // Log scale: a second without answers has no latency, not a latency of 0.
    const pos = (v) => (v > 0 ? v : null);
    lane.lat.setData([x, p.map((q) => pos(q.p50)), p.map((q) => pos(q.p99))]);
    const last = p[p.length - 1];
    $(lane.node, '[data-c="rps"]').textContent = fmt(last.rps);
    $(lane.node, '[data-c="p99"]').textContent = last.p99 > 0 ? last.p99.toFixed(last.p99 < 10 ? 1 : 0) : '—';
  }

  function frame(f) {
    const lane = lanes.get(f.mode) ?? makeLane(f.mode);
    setInfo(lane, f.info);
    lane.t = f.t;
    lane.node.dataset.phase = f.phase;
    lane.node.dataset.requests = f.requests;
    $(lane.node, '.lane-phase').textContent =
      `${f.phase} · ${f.t.toFixed(0)} s · ${fmt(f.requests)} requests`;
    for (const k of ['errors', 'sessionsLost', 'cartItemsLost']) {
      const dd = $(lane.node, `[data-c="${k}"]`);
      dd.textContent = fmt(f[k]);
      dd.classList.toggle('hurt', f[k] > 0);
    }
    for (const t of f.tiles) tile(lane, t);
    addPoints(lane, f.points);
    addLog(lane, f.log);
  }

  const state = document.getElementById('run-state');
  const stop = document.getElementById('stop');
  stop.addEventListener('click', async () => {
    stop.disabled = true;
    await fetch('/stop', { method: 'POST' });
  });

  const events = new EventSource('/stream');
  events.addEventListener('hello', (e) => {
    const h = JSON.parse(e.data);
    const total = h.rate * h.lanes.length;
    document.getElementById('rate-note').textContent =
      `${h.lanes.length} architectures side by side, ${h.instances} instances each, open-model load of ${h.rate} req/s per lane (${total} in all: what 2 cores carry beside ${h.lanes.length * h.instances} app processes). ` +
      (h.durationSeconds ? `The load stops after ${h.durationSeconds} s.` : 'The load runs until Stop.');
    for (const l of h.lanes) frame(l);
    state.textContent = h.stopping ? 'stopping' : 'live';
    stop.disabled = h.stopping;
  });
  events.addEventListener('frame', (e) => {
    const f = JSON.parse(e.data);
    for (const l of f.lanes) frame(l);
    if (f.stopping) {
      stop.disabled = true;
      if (state.textContent === 'live') state.textContent = 'probes';
    }
  });
  // Once the run is over the clusters are gone: nothing left to press.
  const ended = () => {
    for (const b of document.querySelectorAll('button')) b.disabled = true;
  };
  events.addEventListener('report', (e) => {
    const r = JSON.parse(e.data);
    ended();
    document.getElementById('tables').innerHTML = r.html;
    document.getElementById('final').hidden = false;
    document.getElementById('to-final').hidden = false;
    state.textContent = r.valid ? 'ended' : 'ended: INVALID';
    state.classList.add('ended');
    events.close();
  });
  events.addEventListener('failed', (e) => {
    ended();
    state.textContent = `failed: ${JSON.parse(e.data).message}`;
    state.classList.add('ended');
  });
})();
