/**
 * The live dashboard's server (`statecraft lab --ui`): serves the page in `web/` and uPlot from
 * the installed package (no CDN), streams every lane over Server-Sent Events, and at the end of
 * the run sends the comparison and claims tables as report.html renders them. The buttons act
 * through each lane's control API, which lets this page's origin in and no other.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../cluster/ports.js';
import type { ModeHooks } from '../lab/mode-run.js';
import type { LabConfig, LabReport, Mode } from '../lab/model.js';
import { loadUplotAssets, renderHtml, renderReportTables } from '../lab/report/html.js';
import { REPORT_STYLE } from '../lab/report/html-style.js';
import { LANE_ACTIONS } from './actions.js';
import { Lane } from './lane.js';

export interface DashboardOptions {
  config: LabConfig;
  /** @default 0 (a free port) */
  port?: number;
  /**
   * Seconds of load, from the moment every lane is loaded, before it stops by itself; null:
   * until the page's Stop (at most `maxSeconds`).
   */
  durationSeconds?: number | null;
  /** @default 3600 */
  maxSeconds?: number;
}

export interface Dashboard {
  readonly url: string;
  /** What the dashboard needs from each mode's run (`runLab`'s last argument). */
  hooks(mode: Mode): ModeHooks;
  /** Resolves when the load is told to stop: the page's Stop, the duration, or `stop()`. */
  readonly stopped: Promise<void>;
  stop(): void;
  /** Lanes still waiting for the probes stop their cluster and end without a report. */
  abort(): void;
  /** Shows the run's comparison and claims tables on the page. */
  finish(report: LabReport): void;
  /** Shows why the run ended without a report. */
  fail(message: string): void;
  close(): Promise<void>;
}

const WEB = new URL('../../web/', import.meta.url);
const FILES: Record<string, string> = {
  '/': 'index.html',
  '/dashboard.js': 'dashboard.js',
  '/dashboard.css': 'dashboard.css',
};
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};
const typeOf = (name: string) => TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'text/plain';

/** One at a time: each caller waits for the previous one's release. */
function turns(): () => Promise<() => void> {
  let last: Promise<void> = Promise.resolve();
  return async () => {
    const before = last;
    let release = () => {};
    last = new Promise<void>((r) => {
      release = r;
    });
    await before;
    return release;
  };
}

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const lanes = new Map<Mode, Lane>();
  const streams = new Set<ServerResponse>();
  const uplot = loadUplotAssets();
  let ending: { event: string; data: unknown } | null = null;
  let reportHtml: string | null = null;
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  let stopping = false;
  void stopped.then(() => {
    stopping = true;
  });

  const send = (res: ServerResponse, event: string, data: unknown) =>
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const broadcast = (event: string, data: unknown) => {
    for (const res of streams) send(res, event, data);
  };
  const frames = (tick: boolean) =>
    broadcast('frame', { stopping, lanes: [...lanes.values()].map((l) => l.frame(tick)) });
  let soon: NodeJS.Timeout | null = null;
  const changed = () => {
    soon ??= setTimeout(() => {
      soon = null;
      frames(false);
    }, 100);
  };
  for (const m of o.config.modes) lanes.set(m, new Lane(m, o.config, changed));
  const ticker = setInterval(() => {
    for (const l of lanes.values()) void l.poll();
    frames(true);
  }, 1000);

  const hello = () => ({
    rate: o.config.rate,
    users: o.config.users,
    instances: o.config.instances,
    durationSeconds: o.durationSeconds ?? null,
    stopping,
    lanes: [...lanes.values()].map((l) => l.catchUp()),
  });

  function route(req: IncomingMessage, res: ServerResponse, origin: string): void {
    const path = new URL(req.url ?? '/', origin).pathname;
    const method = req.method ?? 'GET';
    if (method === 'POST' && path === '/stop') {
      // A page on another origin may post to loopback too: only this page may stop the run.
      if (req.headers.origin !== undefined && req.headers.origin !== origin) {
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"ORIGIN_NOT_ALLOWED","message":"this origin may not stop the run"}}');
        return;
      }
      stop();
      res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    if (method !== 'GET') return void res.writeHead(405).end();
    if (path === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      send(res, 'hello', hello());
      if (ending) send(res, ending.event, ending.data);
      streams.add(res);
      res.once('close', () => streams.delete(res));
      return;
    }
    const file = FILES[path];
    const body =
      file !== undefined
        ? readFileSync(new URL(file, WEB), 'utf8')
        : path === '/vendor/uPlot.iife.min.js'
          ? uplot.js
          : path === '/vendor/uPlot.min.css'
            ? uplot.css
            : path === '/report.css'
              ? REPORT_STYLE
              : path === '/report.html'
                ? reportHtml
                : null;
    if (body === null) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    res.writeHead(200, { 'content-type': typeOf(file ?? path), 'cache-control': 'no-store' });
    res.end(body);
  }

  let origin = '';
  const server = createServer((req, res) => {
    req.resume();
    // Only this address: a name that resolves to loopback (DNS rebinding) is not this page.
    if (req.headers.host !== new URL(origin).host) return void res.writeHead(421).end();
    try {
      route(req, res, origin);
    } catch {
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  origin = `http://127.0.0.1:${await listen(server, o.port)}`;

  let timer: NodeJS.Timeout | null = null;
  const startTurn = turns();
  const probesTurn = turns();
  let aborted = false;
  // The duration counts from the moment the last lane's load starts.
  let settingUp = o.config.modes.length;
  const laneReady = () => {
    if (--settingUp === 0 && o.durationSeconds) {
      timer = setTimeout(stop, (o.durationSeconds + o.config.warmupSeconds) * 1000);
    }
  };
  // Each lane's schedule outlasts the run: the first lanes load while the last ones set up.
  const maxMs = (Math.max(o.durationSeconds ?? 0, o.maxSeconds ?? 3600) + 600) * 1000;

  return {
    url: origin,
    stopped,
    stop: () => stop(),
    abort() {
      aborted = true;
      stop();
    },
    hooks(mode) {
      const lane = lanes.get(mode)!;
      const adminActions = Object.fromEntries(
        Object.entries(LANE_ACTIONS).map(([name, act]) => [
          name,
          (c: Parameters<typeof act>[0]) =>
            lane.action(name, async () => ((await act(c)) as { done: string }).done),
        ]),
      );
      // Lanes set up one at a time (cluster, memory measurement, users), then load side by
      // side: twelve processes starting at once on two cores miss their deadlines.
      let setUp = () => {};
      return {
        options: { adminOrigins: [origin], adminActions },
        async starting() {
          setUp = await startTurn();
        },
        cluster: (cluster) => lane.attach(cluster),
        started(gen, faults) {
          lane.load(gen, faults);
          setUp();
          laneReady();
        },
        steady: { until: stopped, maxMs },
        failed(e) {
          setUp();
          lane.failed(e instanceof Error ? e.message : String(e));
          laneReady();
        },
        // The probes of the lanes take turns: side by side they would measure each other.
        async probes() {
          lane.loadOver();
          await lane.idle();
          const release = await probesTurn();
          if (aborted) {
            release();
            lane.done();
            throw new Error('the run was stopped before its probes: no report');
          }
          lane.probes();
          return () => {
            lane.done();
            release();
          };
        },
      };
    },
    finish(report) {
      reportHtml = renderHtml(report);
      frames(true);
      ending = { event: 'report', data: { valid: report.valid, html: renderReportTables(report) } };
      broadcast(ending.event, ending.data);
    },
    fail(message) {
      ending = { event: 'failed', data: { message } };
      broadcast(ending.event, ending.data);
    },
    async close() {
      clearInterval(ticker);
      if (timer) clearTimeout(timer);
      if (soon) clearTimeout(soon);
      for (const res of streams) res.end();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
