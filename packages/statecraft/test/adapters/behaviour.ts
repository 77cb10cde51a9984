/**
 * One behavioural suite for every adapter: the same shop routes served by node:http, Express
 * and Fastify must behave the same under every strategy. Each adapter's test file gives a way
 * to start a real server with those routes; `STRATEGIES` (strategies.ts) lists the strategies.
 *
 * Routes every adapter's shop serves (JSON bodies):
 *   POST /login {user}        login(user) → 200 {user}
 *   GET  /me                  401 SESSION_REQUIRED unless logged in → 200 {user, cart, visits}
 *   POST /cart {item}         401 unless logged in; update('cart', append item) → 200 {ok}
 *   POST /logout              logout() → 200 {ok}
 *   POST /regenerate          401 unless logged in; regenerate() → 200 {ok}
 *   GET  /redirect-after-write  visits + 1 → 303 Location: /me
 * SessionErrors are answered with their status and a JSON body carrying the code, either
 * `{ error: { code } }` (node:http, Express) or Fastify's `{ statusCode, code, error, message }`.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import type { Clock, ManualClock, Sessions, SessionsOptions, Store, StrategyFactory } from 'statecraft';
import { createSessions, manualClock, SessionError } from 'statecraft';
import { type MemoryStore, memoryStore } from 'statecraft/stores/memory';
import { Client } from '../helpers/http.js';

export type ShopData = { cart: string[]; visits: number };

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export interface AdapterCase {
  name: string;
  /** Starts a real server serving the shop routes above over `sessions`. */
  start(sessions: Sessions<ShopData>): Promise<RunningServer>;
}

export interface StrategyCase {
  name: string;
  /** The strategy; store-backed ones keep their state in `store`, token-only ones ignore it. */
  make(store: Store): StrategyFactory;
  /** State lives in the store: the outage, slow-store and failed-write tests apply. */
  usesStore: boolean;
  /** Every request that carries a credential reads the store (hybrid: not while its token is fresh). */
  readsStore: boolean;
  /** Concurrent writes to one session all survive (stateless: the last token wins, so no). */
  keepsConcurrentUpdates: boolean;
  /** A credential ended by logout or regenerate is refused at once (stateless: not before exp). */
  revokes: boolean;
}

/**
 * A memory store that can be slowed down or made to fail, on the suite's clock.
 * `ackedAt` is when the last write was acknowledged (performance.now()).
 */
export interface TestStore extends Store {
  inner: MemoryStore;
  writeDelayMs: number;
  failWrites: boolean;
  ackedAt: number;
}

export function testStore(clock: Clock): TestStore {
  const inner = memoryStore({ clock, sweepInterval: 0 });
  const store: TestStore = {
    inner,
    writeDelayMs: 0,
    failWrites: false,
    ackedAt: 0,
    name: 'memory',
    get: (k) => inner.get(k),
    async set(r, e) {
      if (store.writeDelayMs > 0) await new Promise((w) => setTimeout(w, store.writeDelayMs));
      if (store.failWrites) throw new SessionError('STORE_UNAVAILABLE', 'writes are failing on purpose');
      const ok = await inner.set(r, e);
      store.ackedAt = performance.now();
      return ok;
    },
    touch: (k, l, x) => inner.touch(k, l, x),
    delete: (k) => inner.delete(k),
    listByUser: (u) => inner.listByUser(u),
    deleteByUser: (u, x) => inner.deleteByUser(u, x),
    close: () => inner.close(),
  };
  return store;
}

/** The error code of an error response, in either body shape. */
export function errorCode(json: Record<string, unknown> | null): unknown {
  const e = json?.error;
  return e !== null && typeof e === 'object' ? (e as Record<string, unknown>).code : json?.code;
}

const IDLE = 60;

interface Rig {
  server: RunningServer;
  store: TestStore;
  clock: ManualClock;
}

async function rig(adapter: AdapterCase, s: StrategyCase, options: SessionsOptions = {}): Promise<Rig> {
  const clock = manualClock(Date.now());
  const store = testStore(clock);
  const sessions = createSessions<ShopData>(s.make(store), { idle: IDLE, absolute: 3600, clock, ...options });
  const server = await adapter.start(sessions);
  return {
    server,
    store,
    clock,
  };
}

async function loggedIn(url: string, user: string): Promise<Client> {
  const c = new Client(url);
  const r = await c.request('POST', '/login', { user });
  assert.equal(r.status, 200);
  return c;
}

async function refused(url: string, cookie: string): Promise<void> {
  const r = await fetch(`${url}/me`, { headers: { cookie } });
  const json = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 401);
  assert.equal(errorCode(json), 'SESSION_REQUIRED');
}

/** Registers the behavioural tests of one adapter, once per strategy. */
export function behaviourSuite(adapter: AdapterCase, strategies: readonly StrategyCase[]): void {
  for (const s of strategies) {
    describe(`${adapter.name} adapter with the ${s.name} strategy`, () => {
      let r: Rig;
      before(async () => {
        r = await rig(adapter, s);
      });
      after(() => r.server.close());

      test('login sets an HttpOnly cookie that is not cached, and the session reads and updates', async () => {
        const anonymous = new Client(r.server.url);
        const denied = await anonymous.request('GET', '/me');
        assert.equal(denied.status, 401);
        assert.equal(errorCode(denied.json), 'SESSION_REQUIRED');

        const c = new Client(r.server.url);
        const login = await c.request('POST', '/login', { user: 'alice' });
        assert.equal(login.status, 200);
        assert.equal(login.headers.get('cache-control'), 'no-store');
        assert.match(login.headers.get('set-cookie') ?? '', /HttpOnly/i);
        assert.ok(c.jar.get('sid'));
        assert.equal((await c.request('POST', '/cart', { item: 'sku-1' })).status, 200);
        assert.equal((await c.request('POST', '/cart', { item: 'sku-2' })).status, 200);
        const me = await c.request('GET', '/me');
        assert.equal(me.status, 200);
        assert.deepEqual(me.json, { user: 'alice', cart: ['sku-1', 'sku-2'], visits: 0 });
      });

      test('logout clears the cookie and ends the session', async () => {
        const c = await loggedIn(r.server.url, 'bob');
        const stolen = c.cookieHeader;
        const out = await c.request('POST', '/logout');
        assert.equal(out.status, 200);
        assert.equal(c.jar.size, 0);
        assert.equal((await c.request('GET', '/me')).status, 401);
        // A copy of the old cookie is refused too, where the strategy can end sessions.
        if (s.revokes) await refused(r.server.url, stolen);
      });

      test('regenerate issues a new id, keeps the user and data, and refuses the old id', async () => {
        const c = await loggedIn(r.server.url, 'carol');
        await c.request('POST', '/cart', { item: 'sku-9' });
        const old = c.cookieHeader;
        const oldId = c.jar.get('sid');
        const regen = await c.request('POST', '/regenerate');
        assert.equal(regen.status, 200);
        assert.ok(c.jar.get('sid'));
        assert.notEqual(c.jar.get('sid'), oldId);
        assert.deepEqual((await c.request('GET', '/me')).json, { user: 'carol', cart: ['sku-9'], visits: 0 });
        if (s.revokes) await refused(r.server.url, old);
      });

      test('activity slides the idle timeout and a session idle past it is refused', async () => {
        const c = await loggedIn(r.server.url, 'dave');
        r.clock.advance((IDLE - 20) * 1000);
        assert.equal((await c.request('GET', '/me')).status, 200);
        // Past the first idle window, alive because the request above counted as activity.
        r.clock.advance((IDLE - 20) * 1000);
        assert.equal((await c.request('GET', '/me')).status, 200);
        r.clock.advance((IDLE + 1) * 1000);
        const expired = await c.request('GET', '/me');
        assert.equal(expired.status, 401);
        assert.equal(errorCode(expired.json), 'SESSION_REQUIRED');
      });

      if (s.keepsConcurrentUpdates) {
        test('50 concurrent cart additions keep all 50 items', async () => {
          const c = await loggedIn(r.server.url, 'erin');
          const results = await Promise.all(
            Array.from({ length: 50 }, (_, i) => c.request('POST', '/cart', { item: `i${i}` })),
          );
          assert.deepEqual(
            results.map((x) => x.status),
            results.map(() => 200),
          );
          const cart = (await c.request('GET', '/me')).json!.cart as string[];
          assert.equal(cart.length, 50);
          assert.equal(new Set(cart).size, 50);
        });
      }

      test('the response leaves only after the write is acknowledged, so a redirect sees it', async () => {
        const slow = await rig(adapter, s);
        try {
          slow.store.writeDelayMs = 60;
          const c = await loggedIn(slow.server.url, 'frank');
          for (let i = 1; i <= 3; i++) {
            const redirect = await c.request('GET', '/redirect-after-write');
            const receivedAt = performance.now();
            assert.equal(redirect.status, 303);
            assert.equal(redirect.headers.get('location'), '/me');
            if (s.usesStore) assert.ok(receivedAt >= slow.store.ackedAt, 'headers left before the ack');
            assert.equal((await c.request('GET', '/me')).json!.visits, i);
          }
        } finally {
          await slow.server.close();
        }
      });

      if (s.usesStore) {
        test('a commit that fails is answered with its error, never with the handler’s success', async () => {
          const failing = await rig(adapter, s);
          try {
            const c = await loggedIn(failing.server.url, 'gina');
            failing.store.failWrites = true;
            const res = await c.request('GET', '/redirect-after-write');
            assert.equal(res.status, 503);
            assert.equal(errorCode(res.json), 'STORE_UNAVAILABLE');
            assert.equal(res.headers.get('set-cookie'), null);
          } finally {
            await failing.server.close();
          }
        });

        test('a store that is down gives 503 STORE_UNAVAILABLE, never an anonymous session', async () => {
          const down = await rig(adapter, s);
          try {
            const c = await loggedIn(down.server.url, 'hal');
            assert.equal((await c.request('GET', '/me')).status, 200);
            await down.store.inner.close();
            const writes = [
              await c.request('POST', '/cart', { item: 'sku-1' }),
              await new Client(down.server.url).request('POST', '/login', { user: 'ivy' }),
            ];
            for (const res of writes) {
              assert.equal(res.status, 503);
              assert.equal(errorCode(res.json), 'STORE_UNAVAILABLE');
              assert.equal(res.headers.get('set-cookie'), null);
            }
            const read = await c.request('GET', '/me');
            if (s.readsStore) {
              assert.equal(read.status, 503);
              assert.equal(errorCode(read.json), 'STORE_UNAVAILABLE');
            } else {
              // Served from a still-fresh token: the same user, never an anonymous session.
              assert.equal(read.status, 200);
              assert.equal(read.json!.user, 'hal');
            }
          } finally {
            await down.server.close();
          }
        });
      }
    });
  }
}
