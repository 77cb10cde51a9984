/**
 * A tiny stand-in for app instances behind a real balancer: node:http servers on free loopback
 * ports that answer `/readyz` (503 while draining) and `/healthz`, name themselves in
 * `x-instance-id`, echo what the balancer forwarded, and echo WebSocket messages on `/chat`.
 * Also a cookie-keeping HTTP client that opens a fresh connection per request.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface FixtureInstance {
  id: string;
  port: number;
  /** Requests served, `/readyz` and `/healthz` excluded. */
  served: number;
  /** `/readyz` answers 503 from now on, as a draining instance does. */
  drain(): void;
  /** Dies: every connection is cut and the port refuses new ones. */
  kill(): Promise<void>;
}

export async function startInstance(id: string): Promise<FixtureInstance> {
  let draining = false;
  let served = 0;
  const server: Server = createServer((req, res) => {
    res.setHeader('x-instance-id', id);
    if (req.url === '/readyz') {
      res.statusCode = draining ? 503 : 200;
      res.end(draining ? 'draining' : 'ready');
      return;
    }
    if (req.url === '/healthz') {
      res.end('alive');
      return;
    }
    served++;
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
    });
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          id,
          method: req.method,
          url: req.url,
          bytes,
          forwardedFor: req.headers['x-forwarded-for'] ?? null,
          cookie: req.headers.cookie ?? null,
        }),
      );
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws) => {
    ws.on('message', (m) => ws.send(`${id}:${m.toString()}`));
  });
  server.on('upgrade', (req, socket, head) => {
    if (req.url !== '/chat') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | null = null;
  return {
    id,
    port,
    get served() {
      return served;
    },
    drain() {
      draining = true;
    },
    kill() {
      closed ??= new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** `x-instance-id` of the instance that answered, or `''`. */
  instance: string;
}

/** An HTTP client with a cookie jar, one new connection per request (so nothing rides on keep-alive). */
export class Client {
  readonly jar = new Map<string, string>();
  constructor(readonly base: string) {}

  /**
   * `expectContinue`: send the body only after `100 Continue`, so a balancer that refuses it
   * (413) answers before any of it is written instead of cutting the upload short.
   */
  send(method: string, path: string, body?: string, expectContinue = false): Promise<Reply> {
    const url = new URL(path, this.base);
    const headers: Record<string, string> = {};
    if (this.jar.size > 0) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    if (expectContinue) headers.expect = '100-continue';
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { method, headers, agent: false, timeout: 10_000 }, (res) => {
        for (const line of res.headers['set-cookie'] ?? []) {
          const [pair] = line.split(';');
          const eq = pair!.indexOf('=');
          if (eq > 0) this.jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            instance: String(res.headers['x-instance-id'] ?? ''),
          }),
        );
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      if (expectContinue) req.once('continue', () => req.end(body));
      else req.end(body);
    });
  }

  get(path: string): Promise<Reply> {
    return this.send('GET', path);
  }
}

/** Tallies which instance answered each of `n` GETs from fresh clients (no cookies). */
export async function spread(base: string, n: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const r = await new Client(base).get(`/spread/${i}`);
    if (r.status !== 200) throw new Error(`GET /spread/${i} answered ${r.status}: ${r.body}`);
    seen.set(r.instance, (seen.get(r.instance) ?? 0) + 1);
  }
  return seen;
}
