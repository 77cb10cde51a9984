import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { expectTypeOf } from 'expect-type';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Sessions, SessionsOptions, Store } from 'statecraft';
import { createSessions, isSessionError, Session, SessionError, stateful } from 'statecraft';
import { statecraftPlugin } from 'statecraft/adapters/fastify';
import { memoryStore } from 'statecraft/stores/memory';
import { countingStore } from '../helpers/counting-store.js';
import { Client } from '../helpers/http.js';
import type { ShopData } from './behaviour.js';

declare global {
  namespace Statecraft {
    interface Register {
      data: ShopData;
    }
  }
}

function make(store: Store = memoryStore(), options: SessionsOptions = {}): Sessions<ShopData> {
  return createSessions<ShopData>(stateful({ store }), options);
}

/** Starts `app` (with a POST /login route added) and runs `fn` against it. */
async function withApp(app: FastifyInstance, fn: (url: string) => Promise<void>): Promise<void> {
  app.post('/login', async (request) => {
    await request.session.login((request.body as { user: string }).user);
    return { ok: true };
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    await fn(url);
  } finally {
    await app.close();
  }
}

describe('statecraftPlugin', () => {
  test('decorates requests with null and gives each request its own Session', async () => {
    const app = Fastify();
    const before: unknown[] = [];
    // A hook that runs before the plugin's sees Fastify's decorator default.
    app.addHook('onRequest', async (request) => {
      before.push(request.session);
    });
    await app.register(statecraftPlugin, { sessions: make() });
    const seen: unknown[] = [];
    app.get('/', async (request) => {
      seen.push(request.session);
      return { isSession: request.session instanceof Session };
    });
    await withApp(app, async (url) => {
      await fetch(url);
      const r = await fetch(url);
      assert.deepEqual(await r.json(), { isSession: true });
      assert.equal(seen.length, 2);
      assert.notEqual(seen[0], seen[1]);
      // Fastify's convention: null on the prototype, never an object every request would share.
      assert.deepEqual(before, [null, null]);
      assert.equal(app.hasRequestDecorator('session'), true);
      assert.equal(app.hasPlugin('statecraft'), true);
    });
  });

  test('it applies to the scope that registers it and to that scope’s children (fastify-plugin)', async () => {
    const app = Fastify();
    await app.register(statecraftPlugin, { sessions: make() });
    app.get('/root', async (request) => ({ user: request.session.userId }));
    await app.register(async (child) => {
      child.get('/child', async (request) => ({ user: request.session.userId }));
    });
    await withApp(app, async (url) => {
      const c = new Client(url);
      await c.request('POST', '/login', { user: 'ada' });
      assert.deepEqual((await c.request('GET', '/root')).json, { user: 'ada' });
      assert.deepEqual((await c.request('GET', '/child')).json, { user: 'ada' });
    });
  });

  test('registered inside an encapsulated plugin, it leaves the routes outside without sessions', async () => {
    const app = Fastify();
    const sessions = make();
    await app.register(async (scope) => {
      await scope.register(statecraftPlugin, { sessions });
      scope.get('/inside', async (request) => {
        request.session.set('visits', 1);
        return { has: request.session != null };
      });
    });
    app.get('/outside', async (request) => ({ has: request.session != null }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const inside = await fetch(`${url}/inside`);
      assert.deepEqual(await inside.json(), { has: true });
      assert.ok(inside.headers.get('set-cookie'));
      const outside = await fetch(`${url}/outside`);
      assert.deepEqual(await outside.json(), { has: false });
      assert.equal(outside.headers.get('set-cookie'), null);
    } finally {
      await app.close();
    }
  });

  test('a load failure goes through the app’s error handler with the SessionError', async () => {
    const store = memoryStore();
    const caught: unknown[] = [];
    const app = Fastify();
    await app.register(statecraftPlugin, { sessions: make(store) });
    app.setErrorHandler((err, _request, reply) => {
      caught.push(err);
      return reply.code(isSessionError(err) ? err.status : 500).send({ handled: true });
    });
    app.get('/', async () => 'never');
    await withApp(app, async (url) => {
      const c = new Client(url);
      await c.request('POST', '/login', { user: 'bo' });
      await store.close();
      const r = await c.request('GET', '/');
      assert.equal(r.status, 503);
      assert.deepEqual(r.json, { handled: true });
      assert.ok(isSessionError(caught[0], 'STORE_UNAVAILABLE'));
    });
  });

  test('with Fastify’s default error handler the reply has the status, the code and only the public message', async () => {
    const inner = memoryStore();
    let down = false;
    const store: Store = Object.assign(Object.create(null), inner, {
      async get(k: string) {
        if (down) throw new SessionError('STORE_UNAVAILABLE', 'redis at 10.1.2.3:6379 refused');
        return inner.get(k);
      },
    });
    const app = Fastify();
    await app.register(statecraftPlugin, { sessions: make(store) });
    app.get('/', async () => 'never');
    await withApp(app, async (url) => {
      const c = new Client(url);
      await c.request('POST', '/login', { user: 'cy' });
      down = true;
      const r = await c.request('GET', '/');
      assert.equal(r.status, 503);
      assert.equal(r.json!.code, 'STORE_UNAVAILABLE');
      assert.equal(r.json!.message, 'The session store is unavailable');
      assert.doesNotMatch(r.text, /10\.1\.2\.3/);
      assert.equal(r.headers.get('cache-control'), 'no-store');
    });
  });

  test('an oversized Cookie header is answered 431 HEADER_TOO_LARGE', async () => {
    const app = Fastify();
    await app.register(statecraftPlugin, { sessions: make() });
    app.get('/', async () => 'never');
    await withApp(app, async (url) => {
      const r = await fetch(url, { headers: { cookie: `sid=${'x'.repeat(10_000)}` } });
      assert.equal(r.status, 431);
      assert.equal(((await r.json()) as { code: string }).code, 'HEADER_TOO_LARGE');
    });
  });

  test('a failed commit is not retried when Fastify sends the error reply', async () => {
    const inner = memoryStore();
    let fail = false;
    const counted = countingStore(inner);
    const store: Store = Object.assign(Object.create(null), counted, {
      async set(r: Parameters<Store['set']>[0], e: number) {
        if (fail) {
          counted.calls.set++;
          throw new SessionError('STORE_UNAVAILABLE');
        }
        return counted.set(r, e);
      },
    });
    const app = Fastify();
    await app.register(statecraftPlugin, { sessions: make(store) });
    app.post('/write', async (request) => {
      request.session.set('visits', 1);
      return { ok: true };
    });
    await withApp(app, async (url) => {
      const c = new Client(url);
      await c.request('POST', '/login', { user: 'dee' });
      fail = true;
      counted.reset();
      const r = await c.request('POST', '/write');
      assert.equal(r.status, 503);
      assert.equal(r.json!.code, 'STORE_UNAVAILABLE');
      assert.equal(counted.calls.set, 1);
    });
  });

  test('bearer clients get the new credential in the session-token header', async () => {
    const app = Fastify();
    await app.register(statecraftPlugin, { sessions: make(memoryStore(), { transport: ['bearer'] }) });
    app.get('/whoami', async (request) => ({ user: request.session.userId }));
    await withApp(app, async (url) => {
      const login = await fetch(`${url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'eve' }),
      });
      const token = login.headers.get('session-token');
      assert.ok(token);
      assert.equal(login.headers.get('set-cookie'), null);
      const me = await fetch(`${url}/whoami`, { headers: { authorization: `Bearer ${token}` } });
      assert.deepEqual(await me.json(), { user: 'eve' });
    });
  });

  test('registering without sessions fails with INVALID_CONFIG', async () => {
    const app = Fastify();
    app.register(statecraftPlugin, {} as { sessions: Sessions<ShopData> });
    await assert.rejects(
      async () => {
        await app.ready();
      },
      (e: unknown) => isSessionError(e, 'INVALID_CONFIG'),
    );
  });

  test('request.session is typed by the registered Sessions’ data', () => {
    const check = (request: FastifyRequest) => {
      expectTypeOf(request.session.get('cart')).toEqualTypeOf<string[] | undefined>();
      expectTypeOf(request.session.update('visits', (n = 0) => n + 1)).toEqualTypeOf<number>();
      expectTypeOf(request.session.userId).toEqualTypeOf<string | null>();
      // @ts-expect-error: not a key of the registered data
      request.session.get('nope');
    };
    assert.equal(typeof check, 'function');
  });
});

describe('statecraftPlugin and shared caches', () => {
  test('a response with a user or a new cookie is no-store even when the route said public', async () => {
    const app = Fastify();
    await app.register(statecraftPlugin, { sessions: make() });
    app.get('/page', async (request, reply) => {
      reply.header('cache-control', 'public, max-age=60');
      return { user: request.session.userId };
    });
    await withApp(app, async (url) => {
      const anonymous = await fetch(`${url}/page`);
      assert.equal(anonymous.headers.get('cache-control'), 'public, max-age=60');
      const c = new Client(url);
      const login = await c.request('POST', '/login', { user: 'ann' });
      assert.equal(login.headers.get('cache-control'), 'no-store');
      const page = await c.request('GET', '/page');
      assert.equal(page.headers.get('cache-control'), 'no-store');
    });
  });
});
