/**
 * The control API: HTTP and JSON on an admin port bound to 127.0.0.1, for the lab and the live
 * dashboard.
 *
 *   GET  /instances                    every instance with fresh figures
 *   POST /instances                    starts one more (201)
 *   POST /instances/:id/kill           SIGKILL
 *   POST /instances/:id/drain          SIGTERM, answers once it exited
 *   POST /instances/:id/restart        drain if running, start again, answers once ready
 *   POST /actions/:name                one of the operations the owner registered (roll, …)
 *   GET  /counters                     the built-in balancer's per-instance counters
 *   GET  /events                       Server-Sent Events: a `snapshot` first, then every event
 *   GET  /net, GET|PUT /net/:link      the fault proxies on the links (see net/control-routes.ts)
 *
 * A web page the user happens to visit can send requests to loopback too; so a POST that
 * carries an `Origin` is refused unless that origin was allowed, and responses name no
 * origin but allowed ones (no `Access-Control-Allow-Origin: *` on an API that kills processes).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { netRoute } from '../net/control-routes.js';
import type { NetLinks } from '../net/links.js';
import type { Balancer } from './balancer/index.js';
import { listen } from './ports.js';
import { type Supervisor, UnknownInstanceError } from './supervisor.js';
import type { ClusterEvent, EventSource } from './types.js';

export interface ControlOptions {
  supervisor: Supervisor;
  /** The built-in balancer, whose counters `GET /counters` serves; `null` with nginx / HAProxy. */
  balancer: Balancer | null;
  /** The events `GET /events` streams. @default the supervisor's and the balancer's */
  events?: EventSource<ClusterEvent>;
  /** @default 0 (a free port) */
  port?: number;
  /** Origins (e.g. the dashboard's `http://127.0.0.1:8080`) allowed to call the API from a browser. */
  allowOrigins?: readonly string[];
  /** Seconds between SSE comments that keep idle connections open. @default 15 */
  heartbeatSeconds?: number;
  /** The cluster's fault proxies, served at `/net`. @default none */
  net?: NetLinks | null;
  /**
   * Whole-cluster operations beyond the instance ones (the lab's roll, store restart, log out
   * everywhere), served at `POST /actions/:name`; each answers 200 with what it resolves.
   */
  actions?: Readonly<Record<string, () => Promise<unknown>>>;
}

export interface Control {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const OPERATIONS = new Set(['kill', 'drain', 'restart']);
const ID = /^[A-Za-z0-9_.-]{1,32}$/;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function error(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, { error: { code, message } });
}

/**
 * @example
 * const control = await startControl({ supervisor, balancer })
 * await fetch(`${control.url}/instances/i2/kill`, { method: 'POST' })
 */
export async function startControl(o: ControlOptions): Promise<Control> {
  const allowed = new Set(o.allowOrigins ?? []);
  const streams = new Set<ServerResponse>();
  const events: EventSource<ClusterEvent> = o.events ?? {
    onEvent(listener) {
      const offs = [o.supervisor.onEvent(listener), o.balancer?.onEvent(listener)];
      return () => {
        for (const off of offs) off?.();
      };
    },
  };
  let seq = 0;
  const offEvents = events.onEvent((e) => {
    const frame = `id: ${++seq}\nevent: ${e.source}.${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
    for (const res of streams) res.write(frame);
  });
  const heartbeat = setInterval(
    () => {
      for (const res of streams) res.write(': ping\n\n');
    },
    (o.heartbeatSeconds ?? 15) * 1000,
  );
  heartbeat.unref();

  function openStream(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    // What is true now, so that a late subscriber needs no other request.
    res.write(`event: snapshot\ndata: ${JSON.stringify({ instances: o.supervisor.snapshot() })}\n\n`);
    streams.add(res);
    res.once('close', () => streams.delete(res));
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = req.headers.origin;
    if (origin !== undefined && allowed.has(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'origin');
    }
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      if (origin !== undefined && allowed.has(origin)) {
        res.setHeader('access-control-allow-methods', 'GET, POST, PUT');
        res.setHeader('access-control-allow-headers', 'content-type');
      }
      res.writeHead(204).end();
      return;
    }
    if ((method === 'POST' || method === 'PUT') && origin !== undefined && !allowed.has(origin)) {
      return error(res, 403, 'ORIGIN_NOT_ALLOWED', 'this origin may not control the cluster');
    }
    const path = new URL(req.url ?? '/', 'http://admin').pathname;
    const parts = path.split('/').filter(Boolean);
    if (parts[0] === 'net') {
      const answer = await netRoute(req, parts, o.net ?? null);
      return send(res, answer.status, answer.body);
    }

    if (parts[0] === 'instances' && parts.length === 1) {
      if (method === 'GET') return send(res, 200, { instances: await o.supervisor.list() });
      if (method === 'POST') return send(res, 201, await o.supervisor.add());
      return error(res, 405, 'METHOD_NOT_ALLOWED', 'GET or POST');
    }
    if (parts[0] === 'instances' && parts.length === 3 && OPERATIONS.has(parts[2]!)) {
      if (method !== 'POST') return error(res, 405, 'METHOD_NOT_ALLOWED', 'POST');
      const id = parts[1]!;
      if (!ID.test(id)) return error(res, 404, 'UNKNOWN_INSTANCE', 'no such instance');
      const op = parts[2] as 'kill' | 'drain' | 'restart';
      return send(res, 200, await o.supervisor[op](id));
    }
    if (parts[0] === 'actions' && parts.length === 2) {
      const action = Object.hasOwn(o.actions ?? {}, parts[1]!) ? o.actions![parts[1]!] : undefined;
      if (!action) return error(res, 404, 'UNKNOWN_ACTION', 'no such action');
      if (method !== 'POST') return error(res, 405, 'METHOD_NOT_ALLOWED', 'POST');
      return send(res, 200, (await action()) ?? {});
    }
    if (path === '/counters' && method === 'GET') {
      if (o.balancer === null) {
        return error(res, 404, 'NO_COUNTERS', 'counters come from the built-in balancer only');
      }
      return send(res, 200, { policy: o.balancer.policy, ...o.balancer.counters() });
    }
    if (path === '/events' && method === 'GET') return openStream(res);
    return error(res, 404, 'NOT_FOUND', 'no such endpoint');
  }

  const server = createServer((req, res) => {
    req.resume();
    route(req, res).catch((e: unknown) => {
      if (e instanceof UnknownInstanceError) return error(res, 404, e.code, e.message);
      const message = e instanceof Error ? e.message.split('\n')[0]! : 'operation failed';
      if (!res.headersSent) error(res, 500, 'OPERATION_FAILED', message);
      else res.destroy();
    });
  });
  const port = await listen(server, o.port);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      offEvents();
      clearInterval(heartbeat);
      for (const res of streams) res.end();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
