import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectTypeOf } from 'expect-type';
import express from 'express';
import type { Sessions, SessionsOptions, Store } from 'statecraft';
import { createSessions, isSessionError, SessionError, stateful } from 'statecraft';
import { requireUser, sessionErrorHandler, sessionMiddleware } from 'statecraft/adapters/express';
import { memoryStore } from 'statecraft/stores/memory';
import { countingStore } from '../helpers/counting-store.js';
import { Client, listen } from '../helpers/http.js';
import type { ShopData } from './behaviour.js';

declare global {
  namespace Statecraft {
    interface Register {
      data: ShopData;
    }
  }
}

type App = express.Express;

function make(store: Store = memoryStore(), options: SessionsOptions = {}): Sessions<ShopData> {
  return createSessions<ShopData>(stateful({ store }), options);
}

async function serve(app: App) {
  return listen(app as unknown as Parameters<typeof listen>[0]);
}

/** An app with the middleware and a login route; `routes` adds the rest. */
function appWith(sessions: Sessions<ShopData>, routes: (app: App) => void, options = {}): App {
  const app = express();
  app.use(express.json());
  app.use(sessionMiddleware(sessions, options));
  app.post('/login', async (req, res) => {
    await req.session.login((req.body as { user: string }).user);
    res.json({ ok: true });
  });
  routes(app);
  app.use(sessionErrorHandler());
  return app;
}

describe('req.session in Express', () => {
  let server: Awaited<ReturnType<typeof listen>>;
  const seen: Record<string, unknown> = {};

  before(async () => {
    server = await serve(
      appWith(make(), (app) => {
        app.post('/props', (req, res) => {
          req.session.cart = ['a', 'b'];
          req.session.visits = 2;
          delete req.session.visits;
          seen.props = {
            cart: req.session.cart,
            visits: req.session.visits,
            hasCart: 'cart' in req.session,
            hasVisits: 'visits' in req.session,
            keys: Object.keys(req.session),
            spread: { ...req.session },
            json: JSON.parse(JSON.stringify(req.session)),
            viaGet: req.session.get('cart'),
          };
          res.json({ ok: true });
        });
        app.get('/read', (req, res) => {
          res.json({ cart: req.session.cart ?? null, visits: req.session.visits ?? null });
        });
        app.post('/methods', (req, res) => {
          req.session.set('visits', 1).update('visits', (n = 0) => n + 10);
          seen.methods = {
            visits: req.session.visits,
            has: req.session.has('visits'),
            object: req.session.toObject(),
            userId: req.session.userId,
            isNew: req.session.isNew,
            handle: typeof req.session.handle,
          };
          res.json({ ok: true });
        });
        app.post('/reserved', (req, res) => {
          const loose = req.session as unknown as Record<string, unknown>;
          const errors: string[] = [];
          for (const name of ['userId', 'get', 'save', 'destroy', 'commit']) {
            try {
              loose[name] = 'x';
            } catch (e) {
              errors.push((e as Error).name);
            }
          }
          try {
            delete loose.handle;
          } catch (e) {
            errors.push((e as Error).name);
          }
          seen.reserved = { errors, userId: req.session.userId, keys: Object.keys(req.session) };
          res.json({ ok: true });
        });
        app.post('/save', (req, res, next) => {
          req.session.visits = 7;
          req.session.save((err) => {
            if (err) return next(err);
            // Headers leave at once: the cookie must already be on the response.
            res.flushHeaders();
            res.end('saved');
          });
        });
        app.post('/promises', async (req, res) => {
          const r = req.session.regenerate();
          seen.promise = r instanceof Promise;
          await r;
          await req.session.destroy();
          res.json({ userId: req.session.userId });
        });
      }),
    );
  });
  after(() => server.close());

  test('property reads, writes and deletes are the session’s get, set and delete', async () => {
    const c = new Client(server.url);
    await c.request('POST', '/props');
    assert.deepEqual(seen.props, {
      cart: ['a', 'b'],
      visits: undefined,
      hasCart: true,
      hasVisits: false,
      keys: ['cart'],
      spread: { cart: ['a', 'b'] },
      json: { cart: ['a', 'b'] },
      viaGet: ['a', 'b'],
    });
    assert.deepEqual((await c.request('GET', '/read')).json, { cart: ['a', 'b'], visits: null });
  });

  test('the Session’s methods and accessors work through req.session', async () => {
    const c = new Client(server.url);
    await c.request('POST', '/login', { user: 'ada' });
    await c.request('POST', '/methods');
    assert.deepEqual(seen.methods, {
      visits: 11,
      has: true,
      object: { visits: 11 },
      userId: 'ada',
      isNew: false,
      handle: 'string',
    });
  });

  test('assigning to or deleting a method or accessor name throws a TypeError and changes nothing', async () => {
    const c = new Client(server.url);
    await c.request('POST', '/login', { user: 'bea' });
    await c.request('POST', '/reserved');
    assert.deepEqual(seen.reserved, {
      errors: ['TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError'],
      userId: 'bea',
      keys: [],
    });
  });

  test('save(cb) commits at once and puts the cookie on the response, once', async () => {
    const c = new Client(server.url);
    const r = await c.request('POST', '/save');
    assert.equal(r.text, 'saved');
    assert.equal(r.headers.getSetCookie().length, 1);
    assert.deepEqual((await c.request('GET', '/read')).json, { cart: null, visits: 7 });
  });

  test('regenerate() and destroy() without a callback return promises', async () => {
    const c = new Client(server.url);
    await c.request('POST', '/login', { user: 'cy' });
    const r = await c.request('POST', '/promises');
    assert.equal(seen.promise, true);
    assert.deepEqual(r.json, { userId: null });
    assert.equal(c.jar.size, 0);
  });
});

/** The middleware, a login route and GET /, and no error handler. */
function bare(sessions: Sessions<ShopData>): App {
  const app = express();
  app.use(express.json());
  app.use(sessionMiddleware(sessions));
  app.post('/login', async (req, res) => {
    await req.session.login((req.body as { user: string }).user);
    res.json({ ok: true });
  });
  app.get('/', (_req, res) => {
    res.send('never');
  });
  return app;
}

describe('sessionMiddleware errors', () => {
  test('a session that cannot be loaded goes to next(err) with the SessionError', async () => {
    const store = memoryStore();
    const caught: unknown[] = [];
    const app = bare(make(store));
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      caught.push(err);
      res.status(isSessionError(err) ? err.status : 500).send('handled by the app');
    });
    const server = await serve(app);
    try {
      const c = new Client(server.url);
      await c.request('POST', '/login', { user: 'zed' });
      await store.close();
      const r = await c.request('GET', '/');
      assert.equal(r.status, 503);
      assert.equal(r.text, 'handled by the app');
      assert.equal(caught.length, 1);
      assert.ok(isSessionError(caught[0], 'STORE_UNAVAILABLE'));
    } finally {
      await server.close();
    }
  });

  test('without an error handler of the app, Express answers with the error’s status', async () => {
    const store = memoryStore();
    const app = bare(make(store));
    app.set('env', 'test'); // Express's final handler logs stacks outside 'test'
    const server = await serve(app);
    try {
      const c = new Client(server.url);
      await c.request('POST', '/login', { user: 'zoe' });
      await store.close();
      assert.equal((await c.request('GET', '/')).status, 503);
    } finally {
      await server.close();
    }
  });

  test('sessionErrorHandler answers an oversized Cookie header with 431 HEADER_TOO_LARGE as JSON', async () => {
    const server = await serve(appWith(make(), () => {}));
    try {
      const r = await fetch(server.url, { headers: { cookie: `sid=${'x'.repeat(10_000)}` } });
      assert.equal(r.status, 431);
      assert.equal(r.headers.get('content-type'), 'application/json');
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'HEADER_TOO_LARGE');
    } finally {
      await server.close();
    }
  });

  test('sessionErrorHandler passes other errors on, and requireUser throws SESSION_REQUIRED', async () => {
    const app = appWith(make(), (a) => {
      a.get('/boom', () => {
        throw new Error('not a session error');
      });
      a.get('/private', (req, res) => {
        res.send(requireUser(req.session));
      });
    });
    app.use((_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).send('app handler');
    });
    const server = await serve(app);
    try {
      const boom = await fetch(`${server.url}/boom`);
      assert.equal(await boom.text(), 'app handler');
      const r = await fetch(`${server.url}/private`);
      assert.equal(r.status, 401);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'SESSION_REQUIRED');
    } finally {
      await server.close();
    }
  });

  test('a SessionError thrown by a route is answered after the session is committed', async () => {
    const app = appWith(make(), (a) => {
      a.post('/write-then-fail', (req) => {
        req.session.visits = 1;
        throw new SessionError('SESSION_CONFLICT');
      });
      a.get('/read', (req, res) => {
        res.json({ visits: req.session.visits ?? null });
      });
    });
    const server = await serve(app);
    try {
      const c = new Client(server.url);
      const r = await c.request('POST', '/write-then-fail');
      assert.equal(r.status, 409);
      assert.deepEqual((await c.request('GET', '/read')).json, { visits: 1 });
    } finally {
      await server.close();
    }
  });
});

/**
 * A middleware that wraps res.write/res.end after the session middleware and writes later, the
 * way compression does (its zlib stream calls the saved write/end asynchronously).
 */
function deferredWrites(): express.RequestHandler {
  return (_req, res, next) => {
    const write = res.write as (this: unknown, chunk: string) => boolean;
    const end = res.end as (this: unknown) => unknown;
    const later = (f: () => void) => setImmediate(f);
    res.write = ((chunk: unknown) => {
      later(() => write.call(res, `[${String(chunk)}]`));
      return true;
    }) as typeof res.write;
    res.end = ((chunk?: unknown) => {
      later(() => {
        if (chunk !== undefined) write.call(res, `[${String(chunk)}]`);
        later(() => write.call(res, '[tail]'));
        later(() => later(() => end.call(res)));
      });
      return res;
    }) as typeof res.end;
    next();
  };
}

describe('sessionMiddleware with other middleware', () => {
  test('a middleware that wraps res.write and res.end and writes later still gets every byte out', async () => {
    const app = express();
    app.use(sessionMiddleware(make()));
    app.use(deferredWrites());
    app.get('/', (req, res) => {
      req.session.visits = 1;
      res.setHeader('content-type', 'text/plain');
      res.write('a');
      res.write('b');
      res.end('c');
    });
    const server = await serve(app);
    try {
      const r = await fetch(server.url, { signal: AbortSignal.timeout(5000) });
      assert.equal(await r.text(), '[a][b][c][tail]');
      assert.equal(r.headers.getSetCookie().length, 1);
    } finally {
      await server.close();
    }
  });
});

describe('sessionMiddleware after a middleware that wraps the response', () => {
  test('the commit still completes before the response leaves', async () => {
    const store = memoryStore();
    const slow: Store = Object.assign(Object.create(null), store, {
      async set(r: Parameters<Store['set']>[0], e: number) {
        await new Promise((w) => setTimeout(w, 30));
        return store.set(r, e);
      },
    });
    const app = express();
    // Wraps res.end on the response itself before the session middleware, as on-headers does.
    app.use((_req, res, next) => {
      const end = res.end as (this: unknown, ...a: unknown[]) => unknown;
      res.end = function (this: unknown, ...a: unknown[]) {
        res.setHeader('x-wrapped', 'yes');
        return end.apply(this, a);
      } as typeof res.end;
      next();
    });
    app.use(sessionMiddleware(make(slow)));
    app.get('/write', (req, res) => {
      req.session.visits = (req.session.visits ?? 0) + 1;
      res.redirect(303, '/read');
    });
    app.get('/read', (req, res) => {
      res.json({ visits: req.session.visits ?? null });
    });
    const server = await serve(app);
    try {
      const c = new Client(server.url);
      for (let i = 1; i <= 3; i++) {
        const r = await c.request('GET', '/write');
        assert.equal(r.status, 303);
        assert.equal(r.headers.get('x-wrapped'), 'yes');
        assert.deepEqual((await c.request('GET', '/read')).json, { visits: i });
      }
    } finally {
      await server.close();
    }
  });
});

describe('sessionMiddleware options', () => {
  test('mounted twice, it loads the session once', async () => {
    const store = countingStore(memoryStore());
    const sessions = make(store);
    const app = appWith(sessions, (a) => {
      const router = express.Router();
      router.use(sessionMiddleware(sessions));
      router.get('/twice', (_req, res) => {
        res.send('ok');
      });
      a.use(router);
    });
    const server = await serve(app);
    try {
      const c = new Client(server.url);
      await c.request('POST', '/login', { user: 'dee' });
      store.reset();
      assert.equal((await c.request('GET', '/twice')).text, 'ok');
      assert.equal(store.calls.get, 1);
    } finally {
      await server.close();
    }
  });

  test('the client address follows Express’s trust proxy setting, or trustProxy when given', async () => {
    const sessions = make();
    const forwarded = { 'x-forwarded-for': '203.0.113.7' };
    const byExpress = appWith(sessions, () => {});
    byExpress.set('trust proxy', 1);
    const byOption = appWith(sessions, () => {}, { trustProxy: 1 });
    const untrusted = appWith(sessions, () => {});
    for (const [app, user, ip] of [
      [byExpress, 'u1', '203.0.113.7'],
      [byOption, 'u2', '203.0.113.7'],
      [untrusted, 'u3', '127.0.0.1'],
    ] as const) {
      const server = await serve(app);
      try {
        await new Client(server.url).request('POST', '/login', { user }, forwarded);
        assert.equal((await sessions.list(user))[0]?.ip, ip);
      } finally {
        await server.close();
      }
    }
  });

  test('bearer clients get the new credential in the session-token header and can use it', async () => {
    const sessions = make(memoryStore(), { transport: ['bearer'] });
    const server = await serve(
      appWith(sessions, (a) => {
        a.get('/whoami', (req, res) => {
          res.json({ user: req.session.userId });
        });
      }),
    );
    try {
      const login = await fetch(`${server.url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'eve' }),
      });
      const token = login.headers.get('session-token');
      assert.ok(token);
      assert.equal(login.headers.get('set-cookie'), null);
      const me = await fetch(`${server.url}/whoami`, { headers: { authorization: `Bearer ${token}` } });
      assert.deepEqual(await me.json(), { user: 'eve' });
    } finally {
      await server.close();
    }
  });
});

describe('req.session types', () => {
  test('are those of the registered Sessions’ data', () => {
    const check = (req: express.Request) => {
      expectTypeOf(req.session.cart).toEqualTypeOf<string[] | undefined>();
      expectTypeOf(req.session.get('visits')).toEqualTypeOf<number | undefined>();
      expectTypeOf(req.session.userId).toEqualTypeOf<string | null>();
      expectTypeOf(req.session.save()).toEqualTypeOf<Promise<void>>();
      expectTypeOf(req.session.regenerate(() => {})).toEqualTypeOf<void>();
      // @ts-expect-error: not a key of the registered data
      req.session.get('nope');
    };
    assert.equal(typeof check, 'function');
  });
});
