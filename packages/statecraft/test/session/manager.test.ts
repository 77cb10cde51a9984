import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Sessions } from 'statecraft';
import { createSessions, isSessionError, manualClock, stateful, storeKey } from 'statecraft';
import { memoryStore } from 'statecraft/stores/memory';
import { countingStore } from '../helpers/counting-store.js';

const MIN = 60_000;

function setup(opts: Parameters<typeof createSessions>[1] = {}) {
  const clock = manualClock();
  const mem = memoryStore({ clock, sweepInterval: 0 });
  const store = countingStore(mem);
  const sessions = createSessions(stateful({ store }), { clock, ...opts });
  return { clock, mem, store, sessions };
}

/** The id inside a Set-Cookie value. */
function idOf(setCookie: string | null): string {
  const m = /^sid=([^;]*)/.exec(setCookie ?? '');
  assert.ok(m, `no sid cookie in ${setCookie}`);
  return m[1]!;
}

const req = (id: string) => ({ headers: { cookie: `theme=dark; sid=${id}` } });

async function started(sessions: Sessions, data: Record<string, unknown> = { a: 1 }) {
  const s = await sessions.load({ headers: {} });
  for (const [k, v] of Object.entries(data)) s.set(k, v);
  const { setCookie } = await s.commit();
  return idOf(setCookie);
}

describe('session lifecycle', () => {
  test('a request that stores nothing writes nothing and sets no cookie', async () => {
    const { sessions, store } = setup();
    const s = await sessions.load({ headers: {} });
    s.get('anything');
    assert.deepEqual(await s.commit(), { setCookie: null, token: null });
    assert.equal(store.calls.set + store.calls.touch, 0);
  });

  test('storing data sets an HttpOnly, SameSite=Lax, Path=/ cookie with Max-Age and no Domain', async () => {
    const { sessions } = setup();
    const s = await sessions.load({ headers: {} });
    s.set('a', 1);
    const { setCookie } = await s.commit();
    assert.match(setCookie!, /^sid=[A-Za-z0-9_-]{43}; Max-Age=1800; Path=\/; HttpOnly; SameSite=Lax$/);
    assert.doesNotMatch(setCookie!, /Domain/i);
  });

  test('in production the cookie is Secure and __Host- prefixed', async () => {
    const { sessions } = setup({ cookie: { secure: true } });
    const s = await sessions.load({ headers: {} });
    s.set('a', 1);
    const { setCookie } = await s.commit();
    assert.match(setCookie!, /^__Host-sid=[A-Za-z0-9_-]{43};.*; Secure/);
    const back = await sessions.load({ headers: { cookie: setCookie!.split(';')[0]! } });
    assert.equal(back.get('a'), 1);
  });

  test('the store holds only the SHA-256 of the id', async () => {
    const { sessions, mem } = setup();
    const id = await started(sessions);
    assert.notEqual(await mem.get(storeKey(id)), null);
    assert.equal(await mem.get(id), null);
  });

  test('a stored session is read back on the next request', async () => {
    const { sessions } = setup();
    const id = await started(sessions, { cart: ['x'], when: new Date(5), big: 2n ** 70n });
    const s = await sessions.load(req(id));
    assert.equal(s.isNew, false);
    assert.deepEqual(s.get('cart'), ['x']);
    assert.deepEqual(s.get('when'), new Date(5));
    assert.equal(s.get('big'), 2n ** 70n);
  });

  test('an unknown well-formed id is never adopted: a new id is issued', async () => {
    const { sessions } = setup();
    const forged = 'A'.repeat(43);
    const s = await sessions.load(req(forged));
    assert.equal(s.isNew, true);
    s.set('a', 1);
    const { setCookie } = await s.commit();
    assert.notEqual(idOf(setCookie), forged);
  });

  test('an unknown id is cleared from the browser when nothing new is stored', async () => {
    const { sessions } = setup();
    const s = await sessions.load(req('B'.repeat(43)));
    const { setCookie } = await s.commit();
    assert.match(setCookie!, /^sid=; Max-Age=0/);
  });

  test('a malformed id is never looked up in the store', async () => {
    const { sessions, store } = setup();
    for (const bad of ['short', 'A'.repeat(44), `${'A'.repeat(42)}!`, '../../etc/passwd', '%00'.repeat(15)]) {
      const s = await sessions.load(req(encodeURIComponent(bad)));
      assert.equal(s.isNew, true);
    }
    assert.equal(store.calls.get, 0);
  });

  test('a Cookie header over the limit is refused before parsing', async () => {
    const { sessions, store } = setup({ maxHeaderBytes: 1024 });
    await assert.rejects(
      sessions.load({ headers: { cookie: `sid=${'A'.repeat(43)}; pad=${'x'.repeat(2000)}` } }),
      (e) => isSessionError(e, 'HEADER_TOO_LARGE') && e.status === 431,
    );
    assert.equal(store.calls.get, 0);
  });

  test('login regenerates the id and the old id is refused', async () => {
    const { sessions } = setup();
    const before = await started(sessions, { cart: ['x'] });
    const s = await sessions.load(req(before));
    await s.login('alice');
    const after = idOf((await s.commit()).setCookie);
    assert.notEqual(after, before);
    const old = await sessions.load(req(before));
    assert.equal(old.isNew, true);
    assert.equal(old.userId, null);
    const now = await sessions.load(req(after));
    assert.equal(now.userId, 'alice');
    assert.deepEqual(now.get('cart'), ['x']);
  });

  test('regenerate() issues a new id for the same user and refuses the old one', async () => {
    const { sessions } = setup();
    const s0 = await sessions.load({ headers: {} });
    await s0.login('bob');
    const first = idOf((await s0.commit()).setCookie);
    const s1 = await sessions.load(req(first));
    await s1.regenerate();
    const second = idOf((await s1.commit()).setCookie);
    assert.notEqual(second, first);
    assert.equal((await sessions.load(req(first))).userId, null);
    assert.equal((await sessions.load(req(second))).userId, 'bob');
  });

  test('logout deletes the session server-side and clears the cookie', async () => {
    const { sessions, mem } = setup();
    const s0 = await sessions.load({ headers: {} });
    await s0.login('carol');
    const id = idOf((await s0.commit()).setCookie);
    const s = await sessions.load(req(id));
    await s.logout();
    const { setCookie } = await s.commit();
    assert.match(setCookie!, /^sid=; Max-Age=0/);
    assert.equal(await mem.get(storeKey(id)), null);
    const replay = await sessions.load(req(id));
    assert.equal(replay.userId, null);
    assert.equal(replay.isNew, true);
  });

  test('the idle timeout ends a session that sees no request', async () => {
    const { sessions, clock } = setup({ idle: 30 * 60, touchAfter: 0 });
    const id = await started(sessions);
    clock.advance(29 * MIN);
    await (await sessions.load(req(id))).commit(); // activity slides expiry
    clock.advance(29 * MIN);
    assert.equal((await sessions.load(req(id))).isNew, false);
    clock.advance(31 * MIN);
    assert.equal((await sessions.load(req(id))).isNew, true);
  });

  test('the absolute timeout ends a session however active it is', async () => {
    const { sessions, clock } = setup({ idle: 30 * 60, absolute: 2 * 3600, touchAfter: 0 });
    const id = await started(sessions);
    for (let t = 0; t < 5; t++) {
      clock.advance(20 * MIN);
      const s = await sessions.load(req(id));
      assert.equal(s.isNew, false, `alive at ${(t + 1) * 20} min`);
      s.set('t', t);
      await s.commit();
    }
    clock.advance(20 * MIN); // 120 min since creation, however recent the last request
    assert.equal((await sessions.load(req(id))).isNew, true);
  });

  test('an unmodified session is touched at most once per touchAfter window', async () => {
    const { sessions, store, clock } = setup({ touchAfter: 60 });
    const id = await started(sessions);
    store.reset();
    for (let i = 0; i < 100; i++) {
      clock.advance(1000); // 100 requests over 100 s: windows at 60 s
      await (await sessions.load(req(id))).commit();
    }
    assert.equal(store.calls.set, 0);
    assert.equal(store.calls.touch, 1);
  });

  test('a touch re-sends the cookie with a Max-Age that matches the store expiry', async () => {
    const { sessions, mem, clock } = setup({ touchAfter: 60 });
    const id = await started(sessions);
    clock.advance(61_000);
    const { setCookie } = await (await sessions.load(req(id))).commit();
    const maxAge = Number(/Max-Age=(\d+)/.exec(setCookie!)![1]);
    const rec = await mem.get(storeKey(id));
    assert.ok(Math.abs(clock.now() + maxAge * 1000 - rec!.expiresAt) <= 1000);
  });

  test('skipTouch() keeps a polling request from extending the session', async () => {
    const { sessions, store, clock } = setup({ touchAfter: 60 });
    const id = await started(sessions);
    store.reset();
    clock.advance(10 * MIN);
    const s = await sessions.load(req(id));
    s.skipTouch();
    assert.deepEqual(await s.commit(), { setCookie: null, token: null });
    assert.equal(store.calls.touch, 0);
  });

  test('data that fails to decode counts as no session', async () => {
    const { sessions, mem } = setup();
    const id = await started(sessions);
    const rec = (await mem.get(storeKey(id)))!;
    await mem.set({ ...rec, data: '{not devalue', version: rec.version + 1 }, rec.version);
    const s = await sessions.load(req(id));
    assert.equal(s.isNew, true);
  });

  test('an older schema is passed through the migrate hook', async () => {
    const clock = manualClock();
    const mem = memoryStore({ clock, sweepInterval: 0 });
    const v1 = createSessions(stateful({ store: mem }), { clock });
    const id = await started(v1, { name: 'Ada Lovelace' });
    const codec = { ...v1.options.codec, schema: 2 };
    const v2 = createSessions(stateful({ store: mem }), {
      clock,
      codec,
      migrate: (data, from) => {
        assert.equal(from, 1);
        const [first, last] = String(data.name).split(' ');
        return { first, last };
      },
    });
    const s = await v2.load(req(id));
    assert.equal(s.get('first'), 'Ada');
    assert.equal(s.get('last'), 'Lovelace');
  });

  test('a bearer credential is read from the Authorization header', async () => {
    const { sessions } = setup({ transport: ['bearer'] });
    const s = await sessions.load({ headers: {} });
    s.set('a', 1);
    const { setCookie, token } = await s.commit();
    assert.equal(setCookie, null);
    const back = await sessions.load({ headers: { authorization: `Bearer ${token}` } });
    assert.equal(back.get('a'), 1);
  });

  test('list() and revokeUser() see every session of a user and can keep the current one', async () => {
    const { sessions } = setup();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await sessions.load(
        { headers: { 'user-agent': `ua-${i}` } },
        { userAgent: `ua-${i}`, ip: '198.51.100.7' },
      );
      await s.login('dave');
      ids.push(idOf((await s.commit()).setCookie));
    }
    const list = await sessions.list('dave');
    assert.equal(list.length, 3);
    assert.deepEqual(list.map((x) => x.userAgent).sort(), ['ua-0', 'ua-1', 'ua-2']);
    assert.ok(list.every((x) => x.ip === '198.51.100.7'));
    const current = await sessions.load(req(ids[0]!));
    assert.equal(await sessions.revokeUser('dave', { except: current }), 2);
    assert.equal((await sessions.load(req(ids[0]!))).userId, 'dave');
    assert.equal((await sessions.load(req(ids[1]!))).userId, null);
    assert.equal(await sessions.revokeUser('dave'), 1);
    assert.deepEqual(await sessions.list('dave'), []);
  });

  test('a commit against a session deleted meanwhile does not resurrect it', async () => {
    const { sessions } = setup();
    const s0 = await sessions.load({ headers: {} });
    await s0.login('erin');
    const id = idOf((await s0.commit()).setCookie);
    const s = await sessions.load(req(id));
    await sessions.revokeUser('erin');
    s.set('late', true);
    await assert.rejects(s.commit(), (e) => isSessionError(e, 'SESSION_REVOKED'));
    assert.equal((await sessions.load(req(id))).isNew, true);
  });
});

test('a request without a session that stores nothing draws no random id', async () => {
  let draws = 0;
  const random = {
    bytes(n: number) {
      draws++;
      return new Uint8Array(n).fill(7);
    },
  };
  const sessions = createSessions(stateful({ store: memoryStore({ sweepInterval: 0 }) }), { random });
  await (await sessions.load({ headers: {} })).commit();
  assert.equal(draws, 0);
  const s = await sessions.load({ headers: {} });
  s.set('a', 1);
  await s.commit();
  assert.equal(draws, 1);
});

describe('options', () => {
  const invalid = (e: unknown) => isSessionError(e, 'INVALID_CONFIG');
  test('SameSite=None without Secure is refused at start-up', () => {
    assert.throws(() => setup({ cookie: { sameSite: 'none', secure: false } }), invalid);
  });
  test('a __Host- cookie without Secure is refused at start-up', () => {
    assert.throws(() => setup({ cookie: { name: '__Host-x', secure: false } }), invalid);
  });
  test('an idle timeout longer than the absolute one is refused at start-up', () => {
    assert.throws(() => setup({ idle: 100, absolute: 50 }), invalid);
  });
  test('a cookie name that is not an RFC 6265 token is refused at start-up', () => {
    assert.throws(() => setup({ cookie: { name: 'a b' } }), invalid);
  });
});
