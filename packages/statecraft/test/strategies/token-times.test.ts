import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createKeyring, createSessions, manualClock, signToken, stateless, verifyToken } from 'statecraft';
import { cookieValue, hsKey } from '../helpers/tokens.js';

const MIN = 60_000;
const cookie = (v: string) => ({ headers: { cookie: `sid=${v}` } });

test('session times travel as offsets and come back exact to the millisecond', async () => {
  const keyring = createKeyring([hsKey()]);
  const clock = manualClock(Date.UTC(2026, 0, 1, 10, 0, 0, 123));
  const sessions = createSessions(stateless({ keys: keyring, format: 'jws' }), { clock, touchAfter: 60 });
  const s = await sessions.load({ headers: {} });
  await s.login('ada');
  s.set('cart', ['sku-1']);
  clock.advance(7);
  const token = cookieValue((await s.commit()).setCookie);
  const { payload } = verifyToken(token, keyring, { typ: 'session+jwt', clock });
  // Offsets, not 13-digit times: t is the milliseconds past iat.
  assert.equal(payload.t, 130);
  assert.ok((payload.c as number) >= 0 && (payload.c as number) < 1000, `c = ${payload.c}`);
  assert.deepEqual(payload.d, { cart: ['sku-1'] }, 'plain data is embedded as JSON');

  const back = await sessions.load(cookie(token));
  assert.equal(back.userId, 'ada');
  assert.equal(back.createdAt, s.createdAt);
  assert.equal(back.expiresAt, s.expiresAt);
  assert.equal(back.expiresAt, clock.now() + 30 * MIN);
  assert.deepEqual(back.get('cart'), ['sku-1']);
});

test('a token with absolute times, as issued before, is still read the same', async () => {
  const keyring = createKeyring([hsKey()]);
  const clock = manualClock(Date.UTC(2026, 0, 1, 10, 0, 0, 500));
  const now = clock.now();
  const sessions = createSessions(stateless({ keys: keyring, format: 'jws' }), { clock });
  const legacy = signToken(
    {
      sid: 'A'.repeat(43),
      sub: 'ada',
      iat: Math.floor(now / 1000),
      exp: Math.ceil((now + 30 * MIN) / 1000),
      t: now,
      c: now - 5000,
      a: now + 12 * 60 * MIN,
      l: now - 1000,
      e: now + 29 * MIN,
      v: 3,
      s: 1,
      d: [{ cart: 1 }, [2], 'sku-1'],
    },
    keyring,
    { typ: 'session+jwt' },
  );
  const s = await sessions.load(cookie(legacy));
  assert.equal(s.userId, 'ada');
  assert.equal(s.createdAt, now - 5000);
  assert.equal(s.expiresAt, now + 29 * MIN);
  assert.deepEqual(s.get('cart'), ['sku-1']);
});

test('claims whose times are not whole numbers are no session', async () => {
  const keyring = createKeyring([hsKey()]);
  const clock = manualClock();
  const now = clock.now();
  const sessions = createSessions(stateless({ keys: keyring, format: 'jws' }), { clock });
  const base = {
    sid: 'A'.repeat(43),
    iat: Math.floor(now / 1000),
    exp: Math.ceil((now + 30 * MIN) / 1000),
    t: 0,
    c: 0,
    a: 12 * 60 * MIN,
    l: 0,
    e: 30 * MIN,
    v: 1,
    s: 1,
    d: {},
  };
  const ok = await sessions.load(cookie(signToken(base, keyring, { typ: 'session+jwt' })));
  assert.equal(ok.isNew, false, 'the well-formed token is read');
  for (const bad of [{ e: 1.5 }, { c: '0' }, { t: 2 ** 60 }, { a: null }, { iat: undefined }]) {
    const token = signToken({ ...base, ...bad }, keyring, { typ: 'session+jwt' });
    const s = await sessions.load(cookie(token));
    assert.equal(s.isNew, true, JSON.stringify(bad));
  }
});
