import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createSessions, stateful } from 'statecraft';
import { withSessions } from 'statecraft/adapters/node-http';
import { memoryStore } from 'statecraft/stores/memory';
import { sessionCacheControl } from '../../src/session/cache-control.js';

test('sessionCacheControl keeps private and no-store, and replaces anything a shared cache may keep', () => {
  assert.equal(sessionCacheControl(undefined), 'no-store');
  assert.equal(sessionCacheControl('public, max-age=60'), 'no-store');
  assert.equal(sessionCacheControl('max-age=60'), 'no-store');
  assert.equal(sessionCacheControl('s-maxage=60, must-revalidate'), 'no-store');
  assert.equal(sessionCacheControl('private="set-cookie", max-age=60'), 'no-store');
  assert.equal(sessionCacheControl('private, max-age=30'), null);
  assert.equal(sessionCacheControl('max-age=0, No-Store'), null);
  assert.equal(sessionCacheControl(['public', 'private']), null);
});

test('the node:http adapter overrides a handler’s public Cache-Control on a response that sets a cookie or has a user', async () => {
  const sessions = createSessions<{ n: number }>(stateful({ store: memoryStore() }));
  const server = createServer(
    withSessions(sessions, async (req, res, session) => {
      if (req.url === '/login') await session.login('ann');
      // A handler that wrongly marks a personal page public.
      res.writeHead(200, {
        'cache-control': req.url === '/own' ? 'private, max-age=5' : 'public, max-age=60',
      });
      res.end(session.userId ?? 'nobody');
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const anonymous = await fetch(`${url}/`);
    assert.equal(anonymous.headers.get('cache-control'), 'public, max-age=60', 'no session: left alone');
    const login = await fetch(`${url}/login`);
    assert.ok(login.headers.get('set-cookie'));
    assert.equal(login.headers.get('cache-control'), 'no-store');
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const user = await fetch(`${url}/page`, { headers: { cookie } });
    assert.equal(await user.text(), 'ann');
    assert.equal(user.headers.get('cache-control'), 'no-store');
    const own = await fetch(`${url}/own`, { headers: { cookie } });
    assert.equal(own.headers.get('cache-control'), 'private, max-age=5', 'private is kept');
  } finally {
    server.close();
    await sessions.close();
  }
});
