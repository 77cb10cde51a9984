/**
 * A single-process comparison of the four architectures: each mode runs the same shop scenario
 * over real HTTP (node:http adapter on loopback) and reports what it measured. This is the
 * lab's first stage; the cluster, faults and the claims report build on it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Sessions } from 'statecraft';
import { requireUser, withSessions } from 'statecraft/adapters/node-http';
import { type AppData, MODES, type Mode, modeKit } from './app/modes.js';

export interface ModeResult {
  mode: Mode;
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  /** Mean bytes of the Cookie header clients sent. */
  cookieBytes: number;
  /** Share of users still logged in after their instance was replaced by a new one. */
  survivedRestart: number;
  /** Share of logged-out credentials still accepted when replayed. */
  acceptedAfterLogout: number;
  /** Items kept when 20 requests add to one cart at once (out of 20). */
  concurrentItemsKept: number;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const b = JSON.stringify(body);
  res
    .writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) })
    .end(b);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const c of req) s += c;
  return s;
}

/** The shop routes of the reference contract: login, me, cart, logout. */
function app(sessions: Sessions<AppData>) {
  return withSessions(sessions, async (req, res, session) => {
    const route = `${req.method} ${req.url}`;
    if (route === 'POST /login') {
      const { user } = JSON.parse((await readBody(req)) || '{}') as { user?: string };
      if (!user) return send(res, 400, { error: { code: 'BAD_INPUT' } });
      await session.login(user);
      return send(res, 200, { user });
    }
    if (route === 'GET /me')
      return send(res, 200, { user: requireUser(session), cart: session.get('cart') ?? [] });
    if (route === 'POST /cart/items') {
      requireUser(session);
      const { item } = JSON.parse((await readBody(req)) || '{}') as { item?: string };
      session.update('cart', (cart = []) => [...cart, String(item)]);
      return send(res, 200, { ok: true });
    }
    if (route === 'POST /logout') {
      await session.logout();
      return send(res, 200, { ok: true });
    }
    return send(res, 404, { error: { code: 'NOT_FOUND' } });
  });
}

async function start(sessions: Sessions<AppData>): Promise<{ url: string; server: Server }> {
  const server = createServer(app(sessions));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((r) => server.close(() => r()));
}

class User {
  cookie = '';
  sent = 0;
  cookieBytes = 0;
  constructor(public base: string) {}
  async call(method: string, path: string, body?: unknown): Promise<number> {
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    if (this.cookie) headers.cookie = this.cookie;
    this.sent++;
    this.cookieBytes += this.cookie.length;
    const res = await fetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0]!;
      this.cookie = /=$/.test(pair) ? '' : pair;
    }
    await res.arrayBuffer();
    return res.status;
  }
}

/** Runs the scenario for one mode with `users` virtual users. */
export async function compareMode(mode: Mode, users: number): Promise<ModeResult> {
  const kit = modeKit(mode);
  let { url, server } = await start(kit.instance());
  try {
    const clients = Array.from({ length: users }, () => new User(url));
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (u, i) => {
        await u.call('POST', '/login', { user: `user-${i}` });
        for (let k = 0; k < 3; k++) await u.call('POST', '/cart/items', { item: `sku-${k}` });
        for (let k = 0; k < 5; k++) await u.call('GET', '/me');
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const requests = clients.reduce((n, u) => n + u.sent, 0);
    const cookieBytes = clients.reduce((n, u) => n + u.cookieBytes, 0) / requests;

    // Concurrency: 20 additions to one cart at once.
    const racer = clients[0]!;
    await racer.call('POST', '/login', { user: 'racer' });
    const jar = racer.cookie;
    await Promise.all(
      Array.from({ length: 20 }, async (_, k) => {
        const u = new User(url);
        u.cookie = jar;
        await u.call('POST', '/cart/items', { item: `race-${k}` });
        racer.cookie = u.cookie || racer.cookie;
      }),
    );
    const check = new User(url);
    check.cookie = racer.cookie;
    const res = await fetch(`${url}/me`, { headers: { cookie: racer.cookie } });
    const cart = res.ok ? ((await res.json()) as { cart: string[] }).cart : [];
    const concurrentItemsKept = cart.filter((c) => c.startsWith('race-')).length;

    // Restart: replace the instance by a new one over the mode's shared state.
    await stop(server);
    ({ url, server } = await start(kit.instance()));
    let survived = 0;
    for (const u of clients) {
      u.base = url;
      if ((await u.call('GET', '/me')) === 200) survived++;
    }

    // Logout, then replay the old credential.
    let accepted = 0;
    for (const u of clients) {
      const old = u.cookie;
      await u.call('POST', '/logout');
      const replay = new User(url);
      replay.cookie = old;
      if (old && (await replay.call('GET', '/me')) === 200) accepted++;
    }
    return {
      mode,
      requests,
      seconds,
      requestsPerSecond: requests / seconds,
      cookieBytes,
      survivedRestart: survived / users,
      acceptedAfterLogout: accepted / users,
      concurrentItemsKept,
    };
  } finally {
    await stop(server);
    await kit.close();
  }
}

export async function compare(modes: readonly Mode[] = MODES, users = 50, progress?: (m: string) => void) {
  const results: ModeResult[] = [];
  for (const mode of modes) {
    progress?.(`running ${mode} with ${users} users…`);
    results.push(await compareMode(mode, users));
  }
  return results;
}

export function table(results: ModeResult[]): string {
  const head = [
    'mode',
    'req/s',
    'cookie B/req',
    'kept after restart',
    'replay after logout',
    'concurrent items kept',
  ];
  const rows = results.map((r) => [
    r.mode,
    r.requestsPerSecond.toFixed(0),
    r.cookieBytes.toFixed(0),
    `${(r.survivedRestart * 100).toFixed(0)}%`,
    `${(r.acceptedAfterLogout * 100).toFixed(0)}% accepted`,
    `${r.concurrentItemsKept}/20`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
