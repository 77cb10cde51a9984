import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { describe, mock, test } from 'node:test';
import type { KeySpec } from 'statecraft';
import { createSessions, isSessionError, manualClock, stateless } from 'statecraft';
import { cookieValue, dirKey, hsKey } from '../helpers/tokens.js';

const MIN = 60_000;

function setup(keys: KeySpec[], format: 'jws' | 'jwe', clock = manualClock()) {
  return { clock, sessions: createSessions(stateless({ keys, format }), { clock, touchAfter: 60 }) };
}

const cookie = (v: string) => ({ headers: { cookie: `sid=${encodeURIComponent(v)}` } });

for (const [format, key] of [
  ['jws', hsKey],
  ['jwe', dirKey],
] as const) {
  describe(`stateless strategy (${format})`, () => {
    test('the whole session travels in the token and any instance with the keys reads it', async () => {
      const keys = [key()];
      const a = setup(keys, format);
      const b = setup(keys, format, a.clock);
      const s = await a.sessions.load({ headers: {} });
      await s.login('ada');
      s.set('cart', ['sku-1']);
      s.set('seen', new Date(7));
      s.set('tags', new Set(['x']));
      s.set('big', 2n ** 65n);
      const token = cookieValue((await s.commit()).setCookie);
      const back = await b.sessions.load(cookie(token));
      assert.equal(back.userId, 'ada');
      assert.deepEqual(back.get('cart'), ['sku-1']);
      assert.deepEqual(back.get('seen'), new Date(7));
      assert.deepEqual(back.get('tags'), new Set(['x']));
      assert.equal(back.get('big'), 2n ** 65n);
    });

    test('a tampered token is never adopted', async () => {
      const { sessions } = setup([key()], format);
      const s = await sessions.load({ headers: {} });
      await s.login('ada');
      const token = cookieValue((await s.commit()).setCookie);
      const i = token.length - 5;
      const flipped = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      const back = await sessions.load(cookie(flipped));
      assert.equal(back.isNew, true);
      assert.equal(back.userId, null);
    });

    test('idle and absolute timeouts end the session', async () => {
      const { sessions, clock } = setup([key()], format);
      const s = await sessions.load({ headers: {} });
      s.set('a', 1);
      const token = cookieValue((await s.commit()).setCookie);
      clock.advance(31 * MIN);
      assert.equal((await sessions.load(cookie(token))).isNew, true);
    });

    test('logout clears the cookie, but a copied token stays valid until it expires', async () => {
      const { sessions, clock } = setup([key()], format);
      const s = await sessions.load({ headers: {} });
      await s.login('ada');
      const token = cookieValue((await s.commit()).setCookie);
      const again = await sessions.load(cookie(token));
      await again.logout();
      assert.match((await again.commit()).setCookie!, /^sid=; Max-Age=0/);
      // The documented limit of stateless sessions: nothing server-side to end.
      assert.equal((await sessions.load(cookie(token))).userId, 'ada');
      clock.advance(31 * MIN);
      assert.equal((await sessions.load(cookie(token))).userId, null);
    });

    test('revokeUser and list are refused with STRATEGY_UNSUPPORTED', async () => {
      const { sessions } = setup([key()], format);
      await assert.rejects(sessions.revokeUser('ada'), (e) => isSessionError(e, 'STRATEGY_UNSUPPORTED'));
      await assert.rejects(sessions.list('ada'), (e) => isSessionError(e, 'STRATEGY_UNSUPPORTED'));
    });

    test('a session too large for a cookie fails the commit with COOKIE_TOO_LARGE', async () => {
      const { sessions } = setup([key()], format);
      const s = await sessions.load({ headers: {} });
      s.set('blob', 'x'.repeat(5000));
      await assert.rejects(s.commit(), (e) => isSessionError(e, 'COOKIE_TOO_LARGE'));
    });

    test('a token from the previous key is accepted and re-issued under the new one', async () => {
      const old = key('old');
      const { sessions: before, clock } = setup([old], format);
      const s = await before.load({ headers: {} });
      s.set('a', 1);
      const token = cookieValue((await s.commit()).setCookie);
      const { sessions: rotated } = setup([key('new'), old], format, clock);
      const r = await rotated.load(cookie(token));
      assert.equal(r.get('a'), 1);
      const reissued = cookieValue((await r.commit()).setCookie);
      const header = JSON.parse(Buffer.from(reissued.split('.')[0]!, 'base64url').toString());
      assert.equal(header.kid, 'new');
      const { sessions: removed } = setup([key('new')], format, clock);
      assert.equal((await removed.load(cookie(token))).isNew, true);
    });

    test('two concurrent changes from one token: the client keeps one of them (lost update)', async () => {
      const { sessions } = setup([key()], format);
      const s = await sessions.load({ headers: {} });
      s.set('cart', []);
      const token = cookieValue((await s.commit()).setCookie);
      const results = await Promise.all(
        ['a', 'b'].map(async (item) => {
          const r = await sessions.load(cookie(token));
          r.update('cart', (c = []) => [...(c as string[]), item]);
          return cookieValue((await r.commit()).setCookie);
        }),
      );
      const last = await sessions.load(cookie(results[1]!));
      assert.deepEqual(last.get('cart'), ['b']);
    });
  });
}

test('a sealed (jwe) token does not reveal session data', async () => {
  const { sessions } = setup([dirKey()], 'jwe');
  const s = await sessions.load({ headers: {} });
  s.set('secret', 'plain-text-marker');
  const token = cookieValue((await s.commit()).setCookie);
  const decoded = token
    .split('.')
    .map((p) => Buffer.from(p, 'base64url').toString('latin1'))
    .join('');
  assert.doesNotMatch(decoded, /plain-text-marker/);
});

test('a keyring that cannot issue in the chosen format is refused at start-up', () => {
  assert.throws(
    () => createSessions(stateless({ keys: [hsKey()], format: 'jwe' })),
    (e) => isSessionError(e, 'INVALID_CONFIG'),
  );
  assert.throws(
    () => createSessions(stateless({ keys: [dirKey()], format: 'jws' })),
    (e) => isSessionError(e, 'INVALID_CONFIG'),
  );
});

test('a sealed token is decrypted once per process: the next request with it is not decrypted again; cache: false decrypts every time', async () => {
  const keys = [dirKey()];
  const clock = manualClock();
  const remembering = createSessions(stateless({ keys }), { clock, touchAfter: 60 });
  const forgetting = createSessions(stateless({ keys, cache: false }), { clock, touchAfter: 60 });
  const s = await remembering.load({ headers: {} });
  await s.login('ada');
  s.set('cart', ['sku-1']);
  const token = cookieValue((await s.commit()).setCookie);

  const spy = mock.method(crypto, 'createDecipheriv');
  syncBuiltinESMExports();
  try {
    for (let i = 0; i < 3; i++) {
      const back = await remembering.load(cookie(token));
      assert.equal(back.userId, 'ada');
      assert.deepEqual(back.get('cart'), ['sku-1']);
    }
    // Decrypted by the first request only.
    assert.equal(spy.mock.callCount(), 1);
    for (let i = 0; i < 3; i++) assert.equal((await forgetting.load(cookie(token))).userId, 'ada');
    assert.equal(spy.mock.callCount(), 4);
  } finally {
    spy.mock.restore();
    syncBuiltinESMExports();
  }
  // Remembered or not, an expired session is over.
  clock.advance(31 * MIN);
  assert.equal((await remembering.load(cookie(token))).isNew, true);
});
