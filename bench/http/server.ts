/**
 * node:http server for bench/http/run.ts. SETUP picks what sits between node:http and the app:
 *
 *   bare             no session at all: the limit any session layer is measured against
 *   memory | sqlite | redis | postgres    stateful strategy on that store
 *   jws              stateless, HS256-signed cookie
 *   jwe              stateless, sealed cookie (dir + A256GCM)
 *   hybrid           HS256 access token over a SQLite store
 *
 * Routes (as the adapter benchmarks): POST /login, GET /me (read), POST /visit (write).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Session, Sessions, Store, StrategyFactory } from 'statecraft';
import { createSessions, hybrid, stateful, stateless } from 'statecraft';
import { withSessions } from 'statecraft/adapters/node-http';
import { CART, type Data, REDIS_URL, ready, SECRET } from '../adapters/servers/common.js';

const SETUP = process.env.SETUP ?? 'bare';
const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const dir = mkdtempSync(join(tmpdir(), 'statecraft-bench-http-'));

async function store(name: string): Promise<Store> {
  switch (name) {
    case 'memory':
      return (await import('statecraft/stores/memory')).memoryStore({ maxSessions: 1_000_000 });
    case 'sqlite':
      return (await import('statecraft/stores/sqlite')).sqliteStore({ path: join(dir, 's.db') });
    case 'redis':
      return (await import('statecraft/stores/redis')).redisStore({
        url: REDIS_URL,
        prefix: `bench:${process.pid}:`,
      });
    case 'postgres':
      return (await import('statecraft/stores/postgres')).postgresStore({
        connectionString: POSTGRES_URL,
        table: 'bench_sessions',
      });
    default:
      throw new Error(`unknown store ${name}`);
  }
}

async function strategy(): Promise<StrategyFactory> {
  const hs = [{ kid: 'bench-hs', alg: 'HS256' as const, secret: SECRET }];
  if (SETUP === 'jws') return stateless({ keys: hs, format: 'jws' });
  if (SETUP === 'jwe')
    return stateless({ keys: [{ kid: 'bench', alg: 'dir', enc: 'A256GCM', secret: SECRET }] });
  if (SETUP === 'hybrid') return hybrid({ store: await store('sqlite'), keys: hs, format: 'jws' });
  return stateful({ store: await store(SETUP) });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The app, the same over a session or the bare stand-in below. */
async function app(req: IncomingMessage, res: ServerResponse, s: Session<Data>): Promise<void> {
  if (req.method === 'POST' && req.url === '/login') {
    await s.login('bench');
    s.set('cart', [...CART]).set('visits', 0);
    return json(res, 200, { ok: true });
  }
  if (s.userId === null) return json(res, 401, { error: 'login' });
  if (req.url === '/me')
    return json(res, 200, { user: s.userId, cart: s.get('cart'), visits: s.get('visits') });
  if (req.method === 'POST' && req.url === '/visit') {
    return json(res, 200, { visits: s.update('visits', (n = 0) => n + 1) });
  }
  json(res, 404, { error: 'not found' });
}

/** No session: the same answers from one shared object, a cookie of an id's size at login. */
function bare(): (req: IncomingMessage, res: ServerResponse) => void {
  const state = { user: 'bench', cart: [...CART], visits: 0 };
  return (req, res) => {
    if (req.method === 'POST' && req.url === '/login') {
      res.setHeader('set-cookie', `sid=${randomBytes(32).toString('base64url')}; Path=/; HttpOnly`);
      return json(res, 200, { ok: true });
    }
    if (req.url === '/me') return json(res, 200, state);
    if (req.method === 'POST' && req.url === '/visit') return json(res, 200, { visits: ++state.visits });
    json(res, 404, { error: 'not found' });
  };
}

let sessions: Sessions<Data> | null = null;
let handler: (req: IncomingMessage, res: ServerResponse) => void;
if (SETUP === 'bare') handler = bare();
else {
  sessions = createSessions<Data>(await strategy());
  handler = withSessions(sessions, app);
}
const server = createServer(handler);
await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
ready((server.address() as AddressInfo).port, async () => {
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
  await sessions?.close();
  rmSync(dir, { recursive: true, force: true });
});
