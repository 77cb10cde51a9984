/**
 * The session cookie in production mode (`NODE_ENV=production`, no cookie options given) on
 * every HTTP adapter, and `Cache-Control: no-store` on every authenticated response (OWASP
 * Session Management: cookie attributes; RFC 6265bis: `__Host-` prefix; RFC 6265 §6.1: 4096 bytes).
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import type { Sessions } from 'statecraft';
import { createSessions, hybrid, isSessionError, stateful, stateless } from 'statecraft';
import {
  requireUser as expressUser,
  sessionErrorHandler,
  sessionMiddleware,
} from 'statecraft/adapters/express';
import { requireUser as fastifyUser, statecraftPlugin } from 'statecraft/adapters/fastify';
import { requireUser, withSessions } from 'statecraft/adapters/node-http';
import { memoryStore } from 'statecraft/stores/memory';
import { listen } from '../helpers/http.js';
import { dirKey, hsKey } from '../helpers/tokens.js';

type Data = { cart: string[] };
interface Running {
  url: string;
  close(): Promise<void>;
}

/** The same three routes on each adapter: POST /login, GET /me, POST /logout. */
const ADAPTERS: { name: string; start(s: Sessions<Data>): Promise<Running> }[] = [
  {
    name: 'node:http',
    start: (sessions) =>
      listen(
        withSessions(sessions, async (req: IncomingMessage, res: ServerResponse, session) => {
          if (req.url === '/login') await session.login('ada');
          else if (req.url === '/logout') await session.logout();
          else requireUser(session);
          res.end('{}');
        }),
      ),
  },
  {
    name: 'Express',
    start(sessions) {
      const app = express();
      app.use(sessionMiddleware(sessions));
      app.post('/login', async (req, res) => {
        await req.session.login('ada');
        res.json({});
      });
      app.get('/me', (req, res) => {
        expressUser(req.session);
        res.json({});
      });
      app.post('/logout', async (req, res) => {
        await req.session.logout();
        res.json({});
      });
      app.use(sessionErrorHandler());
      return listen(app as unknown as Parameters<typeof listen>[0]);
    },
  },
  {
    name: 'Fastify',
    async start(sessions) {
      const app = Fastify();
      app.register(statecraftPlugin, { sessions });
      app.post('/login', async (request) => {
        await request.session.login('ada');
        return {};
      });
      app.get('/me', async (request) => {
        fastifyUser(request.session);
        return {};
      });
      app.post('/logout', async (request) => {
        await request.session.logout();
        return {};
      });
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      return { url, close: () => app.close() };
    },
  },
];

const STRATEGIES = [
  { name: 'stateful', make: () => stateful({ store: memoryStore({ sweepInterval: 0 }) }) },
  { name: 'stateless', make: () => stateless({ keys: [dirKey()] }) },
  {
    name: 'hybrid',
    make: () => hybrid({ store: memoryStore({ sweepInterval: 0 }), keys: [hsKey()], format: 'jws' }),
  },
];

/** Attributes of one Set-Cookie value, lower-cased names. */
function attributes(setCookie: string): { name: string; value: string; attrs: Map<string, string> } {
  const [pair, ...rest] = setCookie.split(';');
  const eq = pair!.indexOf('=');
  const attrs = new Map<string, string>();
  for (const a of rest) {
    const [k, ...v] = a.trim().split('=');
    attrs.set(k!.toLowerCase(), v.join('='));
  }
  return { name: pair!.slice(0, eq), value: pair!.slice(eq + 1), attrs };
}

for (const adapter of ADAPTERS) {
  for (const strategy of STRATEGIES) {
    describe(`cookies in production mode: ${adapter.name}, ${strategy.name}`, () => {
      let sessions: Sessions<Data>;
      let server: Running;
      before(async () => {
        const env = process.env.NODE_ENV;
        process.env.NODE_ENV = 'production';
        try {
          sessions = createSessions<Data>(strategy.make());
        } finally {
          process.env.NODE_ENV = env;
        }
        server = await adapter.start(sessions);
      });
      after(async () => {
        await server.close();
        await sessions.close();
      });

      test('the session cookie is __Host-, HttpOnly, Secure, SameSite=Lax, Path=/, without Domain, under 4096 bytes', async () => {
        const login = await fetch(`${server.url}/login`, { method: 'POST' });
        assert.equal(login.status, 200);
        const [set, ...more] = login.headers.getSetCookie();
        assert.equal(more.length, 0);
        const c = attributes(set!);
        assert.equal(c.name, '__Host-sid');
        assert.ok(c.attrs.has('httponly'), set);
        assert.ok(c.attrs.has('secure'), set);
        assert.equal(c.attrs.get('samesite')?.toLowerCase(), 'lax');
        assert.equal(c.attrs.get('path'), '/');
        assert.ok(!c.attrs.has('domain'), set);
        assert.ok(c.name.length + c.value.length < 4096);
        assert.equal(login.headers.get('cache-control'), 'no-store');
      });

      test('authenticated responses and logout carry Cache-Control: no-store; the cleared cookie keeps its attributes', async () => {
        const login = await fetch(`${server.url}/login`, { method: 'POST' });
        const cookie = login.headers.getSetCookie()[0]!.split(';', 1)[0]!;
        const me = await fetch(`${server.url}/me`, { headers: { cookie } });
        assert.equal(me.status, 200);
        assert.equal(me.headers.get('cache-control'), 'no-store');
        assert.equal((await fetch(`${server.url}/me`)).status, 401);
        const out = await fetch(`${server.url}/logout`, { method: 'POST', headers: { cookie } });
        assert.equal(out.status, 200);
        assert.equal(out.headers.get('cache-control'), 'no-store');
        const cleared = attributes(out.headers.getSetCookie()[0]!);
        assert.equal(cleared.name, '__Host-sid');
        assert.equal(cleared.value, '');
        assert.equal(cleared.attrs.get('max-age'), '0');
        assert.ok(
          cleared.attrs.has('secure') && cleared.attrs.has('httponly') && !cleared.attrs.has('domain'),
        );
      });
    });
  }
}

test('a session whose cookie would pass 4096 bytes fails its commit with COOKIE_TOO_LARGE instead of being cut', async () => {
  const sessions = createSessions<{ blob: string }>(stateless({ keys: [dirKey()] }), {
    cookie: { secure: true },
  });
  const small = await sessions.loadCredential(null);
  small.set('blob', 'x'.repeat(2000));
  const { setCookie } = await small.commit();
  assert.ok(setCookie!.split(';', 1)[0]!.length < 4096);
  const big = await sessions.loadCredential(null);
  big.set('blob', 'x'.repeat(4000));
  await assert.rejects(big.commit(), (e) => isSessionError(e, 'COOKIE_TOO_LARGE'));
});
