import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Store } from 'statecraft';
import { createSessions, stateful } from 'statecraft';
import { withSessions } from 'statecraft/adapters/node-http';
import { memoryStore } from 'statecraft/stores/memory';
import { shopApp } from '../helpers/app.js';
import { Client, listen } from '../helpers/http.js';

/** A memory store whose writes take `ms` to be acknowledged. */
function slowStore(ms: number): Store {
  const inner = memoryStore({ sweepInterval: 0 });
  const wait = () => new Promise((r) => setTimeout(r, ms));
  return Object.assign(Object.create(null), inner, {
    async set(r: Parameters<Store['set']>[0], e: number) {
      await wait();
      return inner.set(r, e);
    },
  });
}

describe('node:http adapter', () => {
  let server: Awaited<ReturnType<typeof listen>>;
  before(async () => {
    server = await listen(shopApp(createSessions(stateful({ store: slowStore(50) }))));
  });
  after(() => server.close());

  test('login, read, update and logout work end to end; the old cookie is refused after logout', async () => {
    const c = new Client(server.url);
    assert.equal((await c.request('GET', '/me')).status, 401);
    const login = await c.request('POST', '/login', { user: 'alice' });
    assert.equal(login.status, 200);
    assert.equal(login.headers.get('cache-control'), 'no-store');
    assert.equal((await c.request('POST', '/cart', { item: 'sku-1' })).status, 200);
    const me = await c.request('GET', '/me');
    assert.deepEqual(me.json, { user: 'alice', cart: ['sku-1'], visits: 0 });
    const stolen = c.cookieHeader;
    await c.request('POST', '/logout');
    const replay = await fetch(`${server.url}/me`, { headers: { cookie: stolen } });
    assert.equal(replay.status, 401);
    assert.equal(((await replay.json()) as { error: { code: string } }).error.code, 'SESSION_REQUIRED');
  });

  test('login regenerates the cookie value', async () => {
    const c = new Client(server.url);
    await c.request('GET', '/redirect-after-write');
    const anonymous = c.jar.get('sid');
    await c.request('POST', '/login', { user: 'bob' });
    assert.ok(anonymous && c.jar.get('sid') && c.jar.get('sid') !== anonymous);
  });

  test('a redirect followed at once sees the write, even with a slow store', async () => {
    const c = new Client(server.url);
    await c.request('POST', '/login', { user: 'carol' });
    for (let i = 1; i <= 5; i++) {
      const r = await c.request('GET', '/redirect-after-write');
      assert.equal(r.status, 303);
      // The response was held until the store acknowledged the write.
      const me = await c.request('GET', '/me');
      assert.equal(me.json!.visits, i);
    }
  });

  test('50 concurrent requests adding to one cart keep all 50 items', async () => {
    const c = new Client(server.url);
    await c.request('POST', '/login', { user: 'dave' });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => c.request('POST', '/cart', { item: `i${i}` })),
    );
    assert.ok(results.every((r) => r.status === 200));
    const cart = (await c.request('GET', '/me')).json!.cart as string[];
    assert.equal(new Set(cart).size, 50);
  });

  test('an oversized Cookie header is answered 431 without a crash', async () => {
    const r = await fetch(`${server.url}/me`, { headers: { cookie: `sid=${'x'.repeat(10_000)}` } });
    assert.equal(r.status, 431);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'HEADER_TOO_LARGE');
  });

  test('a handler error becomes a bare 500 that reveals nothing', async () => {
    const r = await fetch(`${server.url}/boom`);
    assert.equal(r.status, 500);
    assert.doesNotMatch(await r.text(), /hunter2/);
  });
});

describe('node:http adapter with the store down', () => {
  test('protected requests get 503 STORE_UNAVAILABLE, never an anonymous session', async () => {
    const store = memoryStore();
    const server = await listen(shopApp(createSessions(stateful({ store }))));
    const c = new Client(server.url);
    await c.request('POST', '/login', { user: 'erin' });
    await store.close();
    const r = await c.request('GET', '/me');
    assert.equal(r.status, 503);
    assert.deepEqual(r.json, {
      error: { code: 'STORE_UNAVAILABLE', message: 'The session store is unavailable' },
    });
    await server.close();
  });
});

describe('node:http adapter and the client address', () => {
  test('list() records the socket address, or the forwarded one through a trusted proxy', async () => {
    const sessions = createSessions(stateful({ store: memoryStore() }));
    const login = (trustProxy: number) =>
      listen(
        withSessions(
          sessions,
          async (_req, res, session) => {
            await session.login(`ip-${trustProxy}`);
            res.end();
          },
          { trustProxy },
        ),
      );
    for (const [hops, expected] of [
      [0, '127.0.0.1'],
      [1, '203.0.113.7'],
    ] as const) {
      const server = await login(hops);
      // A spoofed entry first, then the one the trusted proxy added.
      await fetch(server.url, { headers: { 'x-forwarded-for': '198.51.100.66, 203.0.113.7' } });
      const [info] = await sessions.list(`ip-${hops}`);
      assert.equal(info?.ip?.replace('::ffff:', ''), expected);
      await server.close();
    }
  });
});
