import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, afterEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SessionBus, SessionRecord, Store } from 'statecraft';
import { createSessions, hybrid, isSessionError, SessionError, stateful, stateless } from 'statecraft';
import { attachSessions, CLOSE_CODES, isSubprotocolToken } from 'statecraft/adapters/websocket';
import { memoryBus, memoryHub } from 'statecraft/bus/memory';
import { memoryStore } from 'statecraft/stores/memory';
import { WebSocketServer } from 'ws';
import { dirKey, hsKey } from '../helpers/tokens.js';
import type { WsServer } from './fixtures/websocket-client.js';
import {
  attempt,
  clients,
  closed,
  loggedIn,
  now,
  open,
  roundTrip,
  startWsServer,
} from './fixtures/websocket-client.js';
import { STRATEGIES } from './strategies.js';

/** A memory store that can be taken down, and whose next `get` can be held after it has read. */
function controlledStore() {
  const inner = memoryStore({ sweepInterval: 0 });
  let down = false;
  let held: { entered(): void; gate: Promise<void> } | null = null;
  const check = () => {
    if (down) throw new SessionError('STORE_UNAVAILABLE');
  };
  const store: Store = {
    name: 'controlled',
    async get(key) {
      check();
      const r = await inner.get(key);
      const h = held;
      if (h !== null) {
        held = null;
        h.entered();
        await h.gate;
      }
      return r;
    },
    async set(r: SessionRecord, expected: number) {
      check();
      return inner.set(r, expected);
    },
    async touch(key, lastSeenAt, expiresAt) {
      check();
      return inner.touch(key, lastSeenAt, expiresAt);
    },
    async delete(key) {
      check();
      return inner.delete(key);
    },
    async listByUser(userId) {
      check();
      return inner.listByUser(userId);
    },
    async deleteByUser(userId, exceptKey) {
      check();
      return inner.deleteByUser(userId, exceptKey);
    },
    close: () => inner.close(),
  };
  return {
    store,
    setDown(v: boolean) {
      down = v;
    },
    /** The next `get` reads, then waits for `release()`: a lookup that is slow to come back. */
    holdNextGet() {
      let entered!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((r) => {
        entered = r;
      });
      const gate = new Promise<void>((r) => {
        release = r;
      });
      held = { entered, gate };
      return { entered: reached, release };
    },
  };
}

const servers: WsServer<Record<string, unknown>>[] = [];
async function serve(...args: Parameters<typeof startWsServer>): Promise<WsServer<Record<string, unknown>>> {
  const s = await startWsServer(...args);
  servers.push(s);
  return s;
}

afterEach(async () => {
  for (const c of clients) c.terminate();
  clients.clear();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('WebSocket adapter: the handshake', () => {
  const sessions = createSessions(stateful({ store: memoryStore({ sweepInterval: 0 }) }), {
    transport: ['cookie', 'bearer'],
  });
  after(() => sessions.close());

  test('an upgrade without a session is refused with 401 before the upgrade', async () => {
    const srv = await serve(sessions);
    const a = await attempt(srv.url);
    assert.equal(a.status, 401);
    assert.equal(a.body?.error.code, 'SESSION_REQUIRED');
    assert.equal(srv.connections.length, 0);
    assert.equal(srv.wss.clients.size, 0);
  });

  test('a forged, unknown or logged-out cookie is refused with 401', async () => {
    const srv = await serve(sessions);
    const gone = await loggedIn(sessions, 'mallory');
    await (await sessions.loadCredential(gone.credential)).logout();
    const cookies = [
      `sid=${randomBytes(32).toString('base64url')}`, // well formed, never issued
      'sid=not-a-session-id',
      `sid=${'A'.repeat(43)}`,
      gone.cookie,
    ];
    for (const cookie of cookies) {
      const a = await attempt(srv.url, { cookie });
      assert.equal(a.status, 401, cookie);
      assert.equal(a.body?.error.code, 'SESSION_REQUIRED');
    }
    assert.equal(srv.connections.length, 0);
  });

  test('an anonymous session (data but no login) is refused with 401', async () => {
    const srv = await serve(sessions);
    const s = await sessions.loadCredential(null);
    s.set('theme', 'dark');
    const { token } = await s.commit();
    const a = await attempt(srv.url, { cookie: `sid=${token}` });
    assert.equal(a.status, 401);
  });

  test('a valid session cookie is accepted and the connection gets its session', async () => {
    const srv = await serve(sessions);
    const alice = await loggedIn(sessions, 'alice');
    const ws = await open(srv.url, { cookie: alice.cookie });
    assert.equal(await roundTrip(ws, 'hi'), 'echo:hi');
    const [c] = srv.connections;
    assert.equal(c!.session.userId, 'alice');
    assert.equal(c!.session.handle, alice.handle);
    assert.equal(srv.sockets.sessionOf(c!.ws), c!.session);
    assert.ok(srv.sockets.expiresAt(c!.ws)! > Date.now());
    assert.deepEqual(srv.sockets.ofUser('alice'), [c!.ws]);
    assert.deepEqual(srv.sockets.ofSession(alice.handle), [c!.ws]);
    assert.equal(srv.sockets.size, 1);
    ws.close();
    await once(c!.ws, 'close');
    assert.equal(srv.sockets.size, 0);
    assert.deepEqual(srv.sockets.ofUser('alice'), []);
  });

  test('an Authorization: Bearer header is accepted when the bearer transport is on', async () => {
    const srv = await serve(sessions);
    const bob = await loggedIn(sessions, 'bob');
    const ws = await open(srv.url, { bearer: bob.credential });
    await roundTrip(ws);
    assert.equal(srv.connections[0]!.session.userId, 'bob');
  });

  test('a bearer header is ignored when the manager reads cookies only', async () => {
    const cookieOnly = createSessions(stateful({ store: memoryStore({ sweepInterval: 0 }) }));
    after(() => cookieOnly.close());
    const srv = await serve(cookieOnly);
    const bob = await loggedIn(cookieOnly, 'bob');
    assert.equal((await attempt(srv.url, { bearer: bob.credential })).status, 401);
  });

  test('a credential offered as a subprotocol is accepted; the server selects statecraft.v1 and never echoes it', async () => {
    const srv = await serve(sessions);
    const carol = await loggedIn(sessions, 'carol');
    const ws = await open(srv.url, { protocols: ['statecraft.v1', carol.credential] });
    assert.equal(ws.protocol, 'statecraft.v1');
    const [c] = srv.connections;
    assert.equal(c!.session.userId, 'carol');
    assert.equal(c!.ws.protocol, 'statecraft.v1');
    // The app (and whatever logs the request) no longer sees the credential.
    assert.equal(c!.req.headers['sec-websocket-protocol'], 'statecraft.v1');
    assert.ok(!c!.req.rawHeaders.some((h) => h.includes(carol.credential)));
  });

  test('the subprotocol credential wins over a cookie, and a bad one is refused even with a good cookie', async () => {
    const srv = await serve(sessions);
    const dave = await loggedIn(sessions, 'dave');
    const a = await attempt(srv.url, {
      cookie: dave.cookie,
      protocols: ['statecraft.v1', randomBytes(32).toString('base64url')],
    });
    assert.equal(a.status, 401);
  });

  test('other subprotocols offered beside the credential are kept, with statecraft.v1 selected', async () => {
    const srv = await serve(sessions);
    const erin = await loggedIn(sessions, 'erin');
    const ws = await open(srv.url, { protocols: ['chat.v2', 'statecraft.v1', erin.credential] });
    assert.equal(ws.protocol, 'statecraft.v1');
    assert.equal(srv.connections[0]!.req.headers['sec-websocket-protocol'], 'statecraft.v1, chat.v2');
  });

  test('every strategy issues credentials that fit in a subprotocol', async () => {
    for (const { name, make } of STRATEGIES) {
      const m = createSessions(make(memoryStore({ sweepInterval: 0 })));
      const { credential } = await loggedIn(m, 'frank');
      assert.ok(isSubprotocolToken(credential), name);
      await m.close();
    }
  });

  test('a cookie sent from another origin is refused with 403; the same origin and non-browsers are accepted', async () => {
    const srv = await serve(sessions);
    const gina = await loggedIn(sessions, 'gina');
    const cross = await attempt(srv.url, { cookie: gina.cookie, origin: 'https://evil.example' });
    assert.equal(cross.status, 403);
    assert.equal(cross.body?.error.code, 'ORIGIN_FORBIDDEN');
    assert.equal((await attempt(srv.url, { cookie: gina.cookie, origin: 'null' })).status, 403);
    await open(srv.url, { cookie: gina.cookie, origin: `http://${srv.host}` });
    await open(srv.url, { cookie: gina.cookie });
    // A bearer credential is not ambient: another origin had to be given it.
    await open(srv.url, { bearer: gina.credential, origin: 'https://other.example' });
    assert.equal(srv.connections.length, 3);
  });

  test('an origin allowlist replaces the same-origin rule', async () => {
    const srv = await serve(sessions, { origins: ['https://app.example'] });
    const hal = await loggedIn(sessions, 'hal');
    await open(srv.url, { cookie: hal.cookie, origin: 'https://app.example' });
    assert.equal((await attempt(srv.url, { cookie: hal.cookie, origin: `http://${srv.host}` })).status, 403);
  });

  test('an oversized subprotocol header is refused with 431', async () => {
    const srv = await serve(sessions);
    const a = await attempt(srv.url, { protocols: ['statecraft.v1', 'x'.repeat(9000)] });
    assert.equal(a.status, 431);
    assert.equal(a.body?.error.code, 'HEADER_TOO_LARGE');
  });

  test('upgrades to another path are left to the other upgrade listeners', async () => {
    const srv = await serve(sessions);
    srv.server.on('upgrade', (req, socket) => {
      if (req.url === '/other')
        socket.end("HTTP/1.1 418 I'm a Teapot\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    });
    const a = await attempt(srv.url.replace('/ws', '/other'));
    assert.equal(a.status, 418);
    assert.equal(srv.sockets.size, 0);
  });
});

describe('WebSocket adapter: the store', () => {
  test('a store that is down refuses the upgrade with 503 STORE_UNAVAILABLE, and the process carries on', async () => {
    const c = controlledStore();
    const sessions = createSessions(stateful({ store: c.store }));
    after(() => sessions.close());
    const srv = await serve(sessions);
    const ivy = await loggedIn(sessions, 'ivy');
    c.setDown(true);
    const a = await attempt(srv.url, { cookie: ivy.cookie });
    assert.equal(a.status, 503);
    assert.equal(a.body?.error.code, 'STORE_UNAVAILABLE');
    c.setDown(false);
    await open(srv.url, { cookie: ivy.cookie });
  });

  test('a client that leaves during the session lookup leaves nothing behind', async () => {
    const c = controlledStore();
    const sessions = createSessions(stateful({ store: c.store }));
    after(() => sessions.close());
    const srv = await serve(sessions);
    const jay = await loggedIn(sessions, 'jay');
    const held = c.holdNextGet();
    const a = attempt(srv.url, { cookie: jay.cookie }).catch((e: Error) => e);
    await held.entered;
    for (const ws of clients) ws.terminate();
    assert.ok((await a) instanceof Error);
    held.release();
    // The FIN may reach the server after the lookup: then `ws` accepts and at once sees it close.
    for (let i = 0; i < 100 && srv.sockets.size > 0; i++) await sleep(10);
    assert.equal(srv.sockets.size, 0);
    assert.ok(srv.connections.every((c) => c.ws.readyState === c.ws.CLOSED));
  });

  test('a logout that lands while the upgrade looks the session up refuses the upgrade with 401', async () => {
    const c = controlledStore();
    const sessions = createSessions(stateful({ store: c.store }));
    after(() => sessions.close());
    const srv = await serve(sessions);
    const kim = await loggedIn(sessions, 'kim');
    const held = c.holdNextGet();
    const a = attempt(srv.url, { cookie: kim.cookie });
    await held.entered; // the lookup has read the record: it will come back "alive"
    await (await sessions.loadCredential(kim.credential)).logout();
    held.release();
    const r = await a;
    assert.equal(r.status, 401);
    assert.equal(r.body?.error.code, 'SESSION_REVOKED');
  });
});

describe('WebSocket adapter: revocation and expiry', () => {
  test('logout on the same process closes every connection of that session with 4001 within 1 s', async (t) => {
    const sessions = createSessions(stateful({ store: memoryStore({ sweepInterval: 0 }) }));
    after(() => sessions.close());
    const srv = await serve(sessions);
    const leo = await loggedIn(sessions, 'leo');
    const other = await loggedIn(sessions, 'mia');
    const tabs = [await open(srv.url, { cookie: leo.cookie }), await open(srv.url, { cookie: leo.cookie })];
    const bystander = await open(srv.url, { cookie: other.cookie });
    const ends = tabs.map((ws) => closed(ws, 1000));
    const s = await sessions.loadCredential(leo.credential);
    const start = now();
    await s.logout();
    for (const end of await Promise.all(ends)) {
      assert.equal(end.code, CLOSE_CODES.SESSION_REVOKED);
      assert.equal(end.code, 4001);
      assert.ok(end.at - start < 1000);
    }
    t.diagnostic(`logout → close: ${((await ends[0]!).at - start).toFixed(1)} ms`);
    assert.equal(await roundTrip(bystander), 'echo:ping');
    assert.deepEqual(srv.sockets.ofSession(leo.handle), []);
    // The credential is dead: reconnecting is refused.
    assert.equal((await attempt(srv.url, { cookie: leo.cookie })).status, 401);
  });

  test('revokeUser closes every session of the user with 4001 but keeps the one excepted', async () => {
    const sessions = createSessions(stateful({ store: memoryStore({ sweepInterval: 0 }) }));
    after(() => sessions.close());
    const srv = await serve(sessions);
    const phone = await loggedIn(sessions, 'nia');
    const laptop = await loggedIn(sessions, 'nia');
    const phoneWs = await open(srv.url, { cookie: phone.cookie });
    const laptopWs = await open(srv.url, { cookie: laptop.cookie });
    const end = closed(phoneWs, 1000);
    const keep = await sessions.loadCredential(laptop.credential);
    assert.equal(await sessions.revokeUser('nia', { except: keep }), 1);
    assert.equal((await end).code, 4001);
    await sleep(100);
    assert.equal(await roundTrip(laptopWs), 'echo:ping');
    assert.equal(srv.sockets.ofUser('nia').length, 1);
  });

  test('revokeSession(handle) ("sign out that device") closes that session only; updateUser closes nothing', async () => {
    const sessions = createSessions(
      hybrid({ store: memoryStore({ sweepInterval: 0 }), keys: [hsKey()], format: 'jws' }),
    );
    after(() => sessions.close());
    const srv = await serve(sessions);
    const phone = await loggedIn(sessions, 'xan');
    const laptop = await loggedIn(sessions, 'xan');
    const phoneWs = await open(srv.url, { cookie: phone.cookie });
    const laptopWs = await open(srv.url, { cookie: laptop.cookie });
    assert.equal(await sessions.updateUser('xan', (data) => Object.assign(data, { role: 'admin' })), 2);
    await sleep(50);
    assert.equal(srv.sockets.ofUser('xan').length, 2);
    const end = closed(phoneWs, 1000);
    assert.equal(await sessions.revokeSession(phone.handle), true);
    assert.equal((await end).code, 4001);
    assert.equal(await roundTrip(laptopWs), 'echo:ping');
  });

  test('a revocation made by another instance on the same bus closes the connection', async () => {
    const hub = memoryHub();
    const store = memoryStore({ sweepInterval: 0 });
    const here = createSessions(stateful({ store }), { bus: memoryBus({ hub }) });
    const there = createSessions(stateful({ store }), { bus: memoryBus({ hub }) });
    await Promise.all([here.ready(), there.ready()]);
    after(() => here.close());
    const srv = await serve(here);
    const oz = await loggedIn(there, 'oz');
    const ws = await open(srv.url, { cookie: oz.cookie });
    const end = closed(ws, 1000);
    await there.revokeUser('oz');
    assert.equal((await end).code, 4001);
  });

  test('after the bus reconnects, sessions revoked during the gap are closed with 4001', async () => {
    const inner = memoryBus();
    const reconnected = new Set<() => void>();
    const bus: SessionBus = {
      publish: (channel, message) => inner.publish(channel, message),
      subscribe: (channel, handler) => inner.subscribe(channel, handler),
      onReconnect(callback) {
        reconnected.add(callback);
      },
    };
    const store = memoryStore({ sweepInterval: 0 });
    const sessions = createSessions(stateful({ store }), { bus });
    after(async () => {
      await sessions.close();
      await inner.close();
    });
    await sessions.ready();
    const srv = await serve(sessions);
    const gone = await loggedIn(sessions, 'una');
    const kept = await loggedIn(sessions, 'vin');
    const goneWs = await open(srv.url, { cookie: gone.cookie });
    const keptWs = await open(srv.url, { cookie: kept.cookie });
    // Ended by another instance while this one was cut off from the bus: no message came.
    await store.delete(gone.handle);
    await sleep(50);
    assert.equal(srv.sockets.size, 2);
    const end = closed(goneWs, 1000);
    for (const cb of reconnected) cb();
    assert.equal((await end).code, 4001);
    assert.equal(await roundTrip(keptWs), 'echo:ping');
  });

  test('reload() gives the data written since the upgrade, and null once the session has ended', async () => {
    const store = memoryStore({ sweepInterval: 0 });
    const sessions = createSessions(stateful({ store }));
    after(() => sessions.close());
    const srv = await serve(sessions);
    const wil = await loggedIn(sessions, 'wil');
    const ws = await open(srv.url, { cookie: wil.cookie });
    const server = srv.connections[0]!.ws;
    const http = await sessions.loadCredential(wil.credential);
    http.set('nickname', 'W');
    await http.commit();
    assert.equal(srv.sockets.sessionOf(server)!.get('nickname'), undefined);
    assert.equal((await srv.sockets.reload(server))!.get('nickname'), 'W');
    const end = closed(ws, 1000);
    await store.delete(wil.handle); // ended without a revocation reaching this instance
    assert.equal(await srv.sockets.reload(server), null);
    assert.equal((await end).code, 4001);
  });

  test('a session is closed with 4002 when it expires', async () => {
    const sessions = createSessions(stateful({ store: memoryStore({ sweepInterval: 0 }) }), {
      idle: 1,
      absolute: 2,
    });
    after(() => sessions.close());
    const srv = await serve(sessions);
    const pat = await loggedIn(sessions, 'pat');
    const ws = await open(srv.url, { cookie: pat.cookie });
    const expiresAt = srv.sockets.expiresAt(srv.connections[0]!.ws)!;
    const end = await closed(ws, 3000);
    assert.equal(end.code, CLOSE_CODES.SESSION_EXPIRED);
    assert.equal(end.code, 4002);
    assert.ok(end.at >= expiresAt, 'not before the session expired');
    assert.equal(srv.sockets.size, 0);
  });

  test('a session slid by activity stays open past its first expiry, then closes with 4002', async () => {
    const sessions = createSessions(stateful({ store: memoryStore({ sweepInterval: 0 }) }), {
      idle: 1,
      absolute: 10,
    });
    after(() => sessions.close());
    const srv = await serve(sessions);
    const quinn = await loggedIn(sessions, 'quinn');
    const ws = await open(srv.url, { cookie: quinn.cookie });
    const first = srv.sockets.expiresAt(srv.connections[0]!.ws)!;
    const end = closed(ws, 4000);
    await sleep(first - Date.now() - 350);
    // An HTTP request now (touchAfter = idle / 2 has passed) slides the session by `idle`.
    await (await sessions.loadCredential(quinn.credential)).commit();
    await sleep(first - Date.now() + 250);
    assert.equal(await roundTrip(ws), 'echo:ping', 'still open after the first expiry');
    assert.ok(srv.sockets.expiresAt(srv.connections[0]!.ws)! > first);
    const e = await end;
    assert.equal(e.code, 4002);
    assert.ok(e.at > first + 500);
  });

  test('a stateless connection is closed with 4002 when its token expires', async () => {
    const sessions = createSessions(stateless({ keys: [dirKey()] }), { idle: 1, absolute: 1 });
    const srv = await serve(sessions);
    const rae = await loggedIn(sessions, 'rae');
    const ws = await open(srv.url, { protocols: ['statecraft.v1', rae.credential] });
    assert.equal((await closed(ws, 3000)).code, 4002);
  });

  test('a session that cannot be re-checked at its expiry is closed with 4003', async () => {
    const c = controlledStore();
    const sessions = createSessions(stateful({ store: c.store }), { idle: 1, absolute: 2 });
    after(() => sessions.close());
    const srv = await serve(sessions);
    const sam = await loggedIn(sessions, 'sam');
    const ws = await open(srv.url, { cookie: sam.cookie });
    c.setDown(true);
    assert.equal((await closed(ws, 3000)).code, CLOSE_CODES.SESSION_UNVERIFIED);
  });

  test('close codes can be chosen, in the 4000-4999 range only', async () => {
    const sessions = createSessions(stateful({ store: memoryStore({ sweepInterval: 0 }) }));
    after(() => sessions.close());
    const srv = await serve(sessions, { closeCodes: { revoked: 4401 } });
    const tia = await loggedIn(sessions, 'tia');
    const ws = await open(srv.url, { cookie: tia.cookie });
    const end = closed(ws, 1000);
    await sessions.revokeUser('tia');
    assert.equal((await end).code, 4401);
    const wss = new WebSocketServer({ noServer: true });
    const { createServer } = await import('node:http');
    assert.throws(
      () => attachSessions(wss, sessions, { server: createServer(), closeCodes: { expired: 1000 } }),
      (e) => isSessionError(e, 'INVALID_CONFIG'),
    );
  });
});

describe('WebSocket adapter: robustness', () => {
  test('a WebSocketServer that is not in noServer mode is refused at start-up', async () => {
    const { createServer } = await import('node:http');
    const server = createServer();
    const wss = new WebSocketServer({ server });
    const sessions = createSessions(stateful({ store: memoryStore({ sweepInterval: 0 }) }));
    assert.throws(
      () => attachSessions(wss, sessions, { server }),
      (e) => isSessionError(e, 'INVALID_CONFIG'),
    );
    wss.close();
    await sessions.close();
  });

  test('a peer that stops answering pings is dropped', async () => {
    const sessions = createSessions(stateful({ store: memoryStore({ sweepInterval: 0 }) }));
    after(() => sessions.close());
    const srv = await serve(sessions, { heartbeatInterval: 100 });
    const uma = await loggedIn(sessions, 'uma');
    // A raw TCP peer: completes the handshake, then never answers anything.
    const socket = connect(Number(new URL(srv.url).port), '127.0.0.1');
    socket.on('error', () => {});
    socket.write(
      'GET /ws HTTP/1.1\r\n' +
        `Host: ${srv.host}\r\n` +
        'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
        'Sec-WebSocket-Version: 13\r\n' +
        `Cookie: ${uma.cookie}\r\n\r\n`,
    );
    const [head] = (await once(socket, 'data')) as [Buffer];
    assert.match(head.toString(), /^HTTP\/1\.1 101 /);
    assert.equal(srv.sockets.size, 1);
    const start = now();
    await Promise.race([
      once(socket, 'close'),
      sleep(2000).then(() => assert.fail('not dropped within 2 s')),
    ]);
    assert.ok(now() - start < 1000);
    assert.equal(srv.sockets.size, 0);
  });

  test('a connection listener that throws closes that connection with 1011; the server carries on', async () => {
    const sessions = createSessions(stateful({ store: memoryStore({ sweepInterval: 0 }) }));
    after(() => sessions.close());
    const errors: unknown[] = [];
    const srv = await serve(sessions, { onError: (e) => errors.push(e) });
    let thrown = false;
    srv.wss.prependListener('connection', () => {
      if (!thrown) {
        thrown = true;
        throw new Error('bug in the app');
      }
    });
    const vic = await loggedIn(sessions, 'vic');
    const first = await open(srv.url, { cookie: vic.cookie });
    assert.equal((await closed(first)).code, 1011);
    assert.equal(errors.length, 1);
    await roundTrip(await open(srv.url, { cookie: vic.cookie }));
  });

  test('close() closes every connection with 1001 and stops handling upgrades and revocations', async () => {
    const sessions = createSessions(stateful({ store: memoryStore({ sweepInterval: 0 }) }));
    after(() => sessions.close());
    const srv = await serve(sessions);
    const wes = await loggedIn(sessions, 'wes');
    const ws = await open(srv.url, { cookie: wes.cookie });
    const end = closed(ws);
    srv.sockets.close();
    assert.equal((await end).code, 1001);
    assert.equal(srv.sockets.size, 0);
    // No upgrade listener is left: node:http hands the request to the HTTP handler (404 here).
    assert.equal((await attempt(srv.url, { cookie: wes.cookie })).status, 404);
    assert.equal(srv.connections.length, 1);
  });
});
