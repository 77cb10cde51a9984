/**
 * Sliding and absolute expiry, throttled touch, lazy sessions and cookie/store agreement, for
 * every strategy where they apply and on every store where a store is involved.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ManualClock, StrategyFactory } from 'statecraft';
import { createSessions, hybrid, manualClock, type Store, stateful, stateless, storeKey } from 'statecraft';
import { countingStore } from '../helpers/counting-store.js';
import { makeStore, STORE_NAMES, type StoreKit } from '../helpers/stores.js';
import { dirKey, hsKey } from '../helpers/tokens.js';

const MIN = 60_000;
const cookie = (token: string) => ({ headers: { cookie: `sid=${encodeURIComponent(token)}` } });

interface Case {
  name: string;
  store: (typeof STORE_NAMES)[number] | null;
  strategy: (store: Store) => StrategyFactory;
}

const CASES: Case[] = [
  ...STORE_NAMES.map((s) => ({
    name: `stateful on ${s}`,
    store: s,
    strategy: (store: Store) => stateful({ store }),
  })),
  ...STORE_NAMES.map((s) => ({
    name: `hybrid on ${s}`,
    store: s,
    strategy: (store: Store) =>
      hybrid({ store, keys: [hsKey()], format: 'jws', accessTtl: 60, rotation: false }),
  })),
  { name: 'stateless', store: null, strategy: () => stateless({ keys: [dirKey()] }) },
];

for (const c of CASES) {
  describe(`session lifecycle: ${c.name}`, () => {
    let clock: ManualClock;
    let kit: StoreKit | null = null;
    let counted: ReturnType<typeof countingStore>;
    before(async () => {
      clock = manualClock(Date.now());
      kit = c.store ? await makeStore(c.store, clock) : await makeStore('memory', clock);
      counted = countingStore(kit.store);
    });
    after(() => kit?.cleanup());

    const sessions = (o: { idle?: number; absolute?: number; touchAfter?: number } = {}) =>
      createSessions(c.strategy(counted), { clock, idle: 1800, absolute: 7200, touchAfter: 60, ...o });

    async function started(s: ReturnType<typeof sessions>) {
      const x = await s.loadCredential(null);
      await x.login(`u-${Math.random()}`);
      const { token, setCookie } = await x.commit();
      return { token: token!, setCookie: setCookie! };
    }

    test('a request that stores nothing writes nothing and sets no cookie', async () => {
      const s = sessions();
      counted.reset();
      const x = await s.load({ headers: {} });
      x.get('anything');
      assert.deepEqual(await x.commit(), { setCookie: null, token: null });
      assert.equal(counted.calls.set + counted.calls.touch, 0);
    });

    test('the idle timeout ends a session that sees no request, and activity slides it', async () => {
      const s = sessions({ touchAfter: 0 });
      let { token } = await started(s);
      clock.advance(25 * MIN);
      const x = await s.load(cookie(token));
      assert.notEqual(x.userId, null);
      token = (await x.commit()).token ?? token; // the slide (and, with tokens, a new token)
      clock.advance(25 * MIN);
      assert.notEqual((await s.load(cookie(token))).userId, null, 'activity slid the idle timeout');
      clock.advance(31 * MIN);
      assert.equal((await s.load(cookie(token))).userId, null);
    });

    test('the absolute timeout ends a session however active it is', async () => {
      const s = sessions({ touchAfter: 0 });
      let { token } = await started(s);
      for (let t = 20; t < 120; t += 20) {
        clock.advance(20 * MIN);
        const x = await s.load(cookie(token));
        assert.notEqual(x.userId, null, `alive at ${t} min`);
        token = (await x.commit()).token ?? token;
      }
      clock.advance(20 * MIN);
      assert.equal((await s.load(cookie(token))).userId, null);
    });

    test('an unmodified session costs at most one store write per touchAfter window', async () => {
      const s = sessions({ touchAfter: 60 });
      let { token } = await started(s);
      counted.reset();
      for (let i = 0; i < 120; i++) {
        clock.advance(1000); // 120 requests over 120 s: two windows
        token = (await (await s.load(cookie(token))).commit()).token ?? token;
      }
      assert.ok(counted.calls.set + counted.calls.touch <= 2, JSON.stringify(counted.calls));
    });

    test('after a touch the cookie expires within 1 s of the session', async () => {
      const s = sessions({ touchAfter: 60 });
      const { token } = await started(s);
      clock.advance(61_000);
      const x = await s.load(cookie(token));
      const { setCookie, token: next } = await x.commit();
      const maxAge = Number(/Max-Age=(\d+)/.exec(setCookie!)![1]);
      const cookieExpiry = clock.now() + maxAge * 1000;
      assert.ok(Math.abs(cookieExpiry - x.expiresAt) <= 1000, `${cookieExpiry} vs ${x.expiresAt}`);
      if (c.store) {
        const id = (next ?? token).split('~').at(-1)!;
        const rec = await kit!.store.get(storeKey(id));
        assert.ok(
          rec && Math.abs(cookieExpiry - rec.expiresAt) <= 1000,
          'the store expires it with the cookie',
        );
      }
    });

    test('skipTouch() keeps a polling request from extending the session', async () => {
      const s = sessions({ touchAfter: 60 });
      const { token } = await started(s);
      counted.reset();
      clock.advance(10 * MIN);
      const x = await s.load(cookie(token));
      x.skipTouch();
      const before = x.expiresAt;
      await x.commit();
      assert.equal(counted.calls.touch + counted.calls.set, 0);
      assert.equal(x.expiresAt, before);
    });
  });
}
