/**
 * The store conformance suite: every store runs these tests unchanged, under the same names
 * (`testStore(name, harness)` in `test/stores/<name>.test.ts`). Expiry runs on a manual clock,
 * which every store honours on read; physical expiry is each store's own test.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Clock, ManualClock, SessionRecord, Store } from 'statecraft';
import { createSessions, isSessionError, manualClock, stateful } from 'statecraft';
import { liveRecord } from '../helpers/records.js';
import { unclosable } from '../helpers/stores.js';

export interface StoreHarness {
  /** A store over a clean namespace, reading time from `clock`. */
  create(clock: Clock): Promise<Store>;
  /** A store whose backend cannot be reached (server down, file gone, store closed). */
  unreachable(): Promise<Store>;
  /** Called once after the suite. */
  teardown?(): Promise<void>;
}

const MIN = 60_000;

export function testStore(name: string, h: StoreHarness): void {
  describe(`${name} store conformance`, () => {
    let clock: ManualClock;
    let store: Store;
    // One namespace per suite; records are told apart by unique keys and users.
    before(async () => {
      clock = manualClock(Date.UTC(2026, 0, 1));
      store = await h.create(clock);
    });
    after(async () => {
      await store.close();
      await h.teardown?.();
    });

    const key = () => `k-${randomUUID()}`;
    const user = () => `u-${randomUUID()}`;
    const rec = (over: Partial<SessionRecord> = {}): SessionRecord =>
      liveRecord(clock, { key: key(), ...over });

    test('get() returns null for an unknown key', async () => {
      assert.equal(await store.get(key()), null);
    });

    test('set() with expected version 0 creates a record that get() returns unchanged', async () => {
      const r = rec({ userId: user(), ip: '203.0.113.9', userAgent: 'Mozilla/5.0 (X11) ünïcödé ✓' });
      assert.equal(await store.set(r, 0), true);
      assert.deepEqual(await store.get(r.key), r);
    });

    test('set() with expected version 0 conflicts when a live record exists', async () => {
      const r = rec();
      assert.equal(await store.set(r, 0), true);
      assert.equal(await store.set({ ...r, data: 'other' }, 0), false);
      assert.equal((await store.get(r.key))?.data, r.data);
    });

    test('set() with the current version stores the next version', async () => {
      const r = rec();
      await store.set(r, 0);
      assert.equal(await store.set({ ...r, version: 2, data: 'v2' }, 1), true);
      const got = await store.get(r.key);
      assert.equal(got?.version, 2);
      assert.equal(got?.data, 'v2');
    });

    test('set() with a stale version conflicts and leaves the record unchanged', async () => {
      const r = rec();
      await store.set(r, 0);
      await store.set({ ...r, version: 2, data: 'v2' }, 1);
      assert.equal(await store.set({ ...r, version: 2, data: 'stale' }, 1), false);
      assert.equal((await store.get(r.key))?.data, 'v2');
    });

    test('set() with a non-zero version conflicts when no record exists', async () => {
      const r = rec({ version: 4 });
      assert.equal(await store.set(r, 3), false);
      assert.equal(await store.get(r.key), null);
    });

    test('records keep large and non-ASCII data byte for byte', async () => {
      const data = `${'x'.repeat(64 * 1024)}"\\\n\u0000 😀 ✓ Ωµ`;
      const r = rec({ data });
      await store.set(r, 0);
      assert.equal((await store.get(r.key))?.data, data);
    });

    test('touch() slides expiry without changing the version', async () => {
      const r = rec();
      await store.set(r, 0);
      clock.advance(5 * MIN);
      await store.touch(r.key, clock.now(), clock.now() + 30 * MIN);
      const got = await store.get(r.key);
      assert.equal(got?.version, 1);
      assert.equal(got?.lastSeenAt, clock.now());
      assert.equal(got?.expiresAt, clock.now() + 30 * MIN);
      // The version did not move, so a writer holding version 1 still succeeds.
      assert.equal(await store.set({ ...r, version: 2 }, 1), true);
    });

    test('touch() of an unknown key creates nothing', async () => {
      const k = key();
      await store.touch(k, clock.now(), clock.now() + MIN);
      assert.equal(await store.get(k), null);
    });

    test('delete() removes the record and says whether it existed', async () => {
      const r = rec();
      await store.set(r, 0);
      assert.equal(await store.delete(r.key), true);
      assert.equal(await store.get(r.key), null);
      assert.equal(await store.delete(r.key), false);
    });

    test('get() returns null once expiresAt has passed', async () => {
      const r = rec({ expiresAt: clock.now() + MIN });
      await store.set(r, 0);
      clock.advance(MIN - 1);
      assert.notEqual(await store.get(r.key), null);
      clock.advance(1);
      assert.equal(await store.get(r.key), null);
    });

    test('an expired key can be created again with expected version 0', async () => {
      const r = rec({ expiresAt: clock.now() + MIN });
      await store.set(r, 0);
      clock.advance(2 * MIN);
      const again = { ...rec(), key: r.key, data: 'new' };
      assert.equal(await store.set(again, 0), true);
      assert.equal((await store.get(r.key))?.data, 'new');
    });

    test('touch() does not revive an expired record', async () => {
      const r = rec({ expiresAt: clock.now() + MIN });
      await store.set(r, 0);
      clock.advance(2 * MIN);
      await store.touch(r.key, clock.now(), clock.now() + 30 * MIN);
      assert.equal(await store.get(r.key), null);
    });

    test('listByUser() returns the live records of one user only', async () => {
      const u = user();
      const a = rec({ userId: u });
      const b = rec({ userId: u });
      await store.set(a, 0);
      await store.set(b, 0);
      await store.set(rec({ userId: user() }), 0);
      await store.set(rec(), 0);
      const got = await store.listByUser(u);
      assert.deepEqual(got.map((r) => r.key).sort(), [a.key, b.key].sort());
      assert.deepEqual(
        got.find((r) => r.key === a.key),
        a,
      );
    });

    test('listByUser() omits expired records', async () => {
      const u = user();
      await store.set(rec({ userId: u, expiresAt: clock.now() + MIN }), 0);
      const live = rec({ userId: u });
      await store.set(live, 0);
      clock.advance(2 * MIN);
      assert.deepEqual(
        (await store.listByUser(u)).map((r) => r.key),
        [live.key],
      );
    });

    test('listByUser() of an unknown user is empty', async () => {
      assert.deepEqual(await store.listByUser(user()), []);
    });

    test('a userId change moves the record between user indexes', async () => {
      const [u1, u2] = [user(), user()];
      const r = rec({ userId: u1 });
      await store.set(r, 0);
      await store.set({ ...r, userId: u2, version: 2 }, 1);
      assert.deepEqual(await store.listByUser(u1), []);
      assert.deepEqual(
        (await store.listByUser(u2)).map((x) => x.key),
        [r.key],
      );
    });

    test('delete() removes the record from its user index', async () => {
      const u = user();
      const r = rec({ userId: u });
      await store.set(r, 0);
      await store.delete(r.key);
      assert.deepEqual(await store.listByUser(u), []);
    });

    test('deleteByUser() removes every record of the user but the kept one and counts them', async () => {
      const u = user();
      const keep = rec({ userId: u });
      const others = [rec({ userId: u }), rec({ userId: u }), rec({ userId: u })];
      const stranger = rec({ userId: user() });
      for (const r of [keep, ...others, stranger]) await store.set(r, 0);
      assert.equal(await store.deleteByUser(u, keep.key), 3);
      for (const r of others) assert.equal(await store.get(r.key), null);
      assert.notEqual(await store.get(keep.key), null);
      assert.notEqual(await store.get(stranger.key), null);
      assert.equal(await store.deleteByUser(u), 1);
      assert.equal(await store.get(keep.key), null);
    });

    test('deleteByUser() does not count expired records', async () => {
      const u = user();
      await store.set(rec({ userId: u, expiresAt: clock.now() + MIN }), 0);
      await store.set(rec({ userId: u }), 0);
      clock.advance(2 * MIN);
      assert.equal(await store.deleteByUser(u), 1);
    });

    test('concurrent compare-and-set writers of one version: exactly one wins', async () => {
      const r = rec();
      await store.set(r, 0);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.set({ ...r, version: 2, data: `w${i}` }, 1)),
      );
      assert.equal(results.filter(Boolean).length, 1);
      const winner = results.indexOf(true);
      assert.equal((await store.get(r.key))?.data, `w${winner}`);
    });

    describe('through the session manager', () => {
      function manager() {
        return createSessions<{ cart: string[]; [k: string]: unknown }>(
          // The suite closes the store itself; the manager gets a view whose close() does nothing.
          stateful({ store: unclosable(store) }),
          { clock },
        );
      }

      async function newSession() {
        const sessions = manager();
        const s = await sessions.loadCredential(null);
        s.set('cart', []);
        await s.commit();
        return { sessions, id: s.internalId };
      }

      test('50 concurrent update() calls on one session keep all 50 items', async () => {
        const { sessions, id } = await newSession();
        await Promise.all(
          Array.from({ length: 50 }, async (_, i) => {
            const s = await sessions.loadCredential(id);
            s.update('cart', (cart = []) => [...cart, `item-${i}`]);
            await s.commit();
          }),
        );
        const cart = (await sessions.loadCredential(id)).get('cart') ?? [];
        assert.equal(cart.length, 50);
        assert.equal(new Set(cart).size, 50);
      });

      test('50 concurrent requests each setting a different key lose none', async () => {
        const { sessions, id } = await newSession();
        await Promise.all(
          Array.from({ length: 50 }, async (_, i) => {
            const s = await sessions.loadCredential(id);
            s.set(`k${i}`, i);
            await s.commit();
          }),
        );
        const s = await sessions.loadCredential(id);
        for (let i = 0; i < 50; i++) assert.equal(s.get(`k${i}`), i);
      });

      test('two requests setting the same key leave one whole value, never a mix', async () => {
        const { sessions, id } = await newSession();
        const a = ['a1', 'a2', 'a3'];
        const b = ['b1', 'b2'];
        await Promise.all(
          [a, b].map(async (cart) => {
            const s = await sessions.loadCredential(id);
            s.set('cart', cart);
            await s.commit();
          }),
        );
        const cart = (await sessions.loadCredential(id)).get('cart');
        assert.ok(
          JSON.stringify(cart) === JSON.stringify(a) || JSON.stringify(cart) === JSON.stringify(b),
          `unexpected ${JSON.stringify(cart)}`,
        );
      });
    });

    describe('when the backend is unreachable', () => {
      let down: Store;
      before(async () => {
        down = await h.unreachable();
      });
      after(async () => {
        await down.close().catch(() => {});
      });
      const unavailable = (e: unknown) => isSessionError(e, 'STORE_UNAVAILABLE');

      test('every operation rejects with STORE_UNAVAILABLE', async () => {
        const r = rec({ userId: user() });
        await assert.rejects(down.get(r.key), unavailable);
        await assert.rejects(down.set(r, 0), unavailable);
        await assert.rejects(down.touch(r.key, 1, 2), unavailable);
        await assert.rejects(down.delete(r.key), unavailable);
        await assert.rejects(down.listByUser('u'), unavailable);
        await assert.rejects(down.deleteByUser('u'), unavailable);
      });

      test('the session manager fails closed instead of issuing an anonymous session', async () => {
        const sessions = createSessions(stateful({ store: down }), { clock });
        await assert.rejects(sessions.load({ headers: { cookie: `sid=${'A'.repeat(43)}` } }), unavailable);
      });
    });
  });
}
