/**
 * A user's sessions, on every store: the per-user cap under parallel logins, server-side
 * updates seen on the next request (shared and hybrid), "sign out that device", and the
 * index forgetting sessions that expired without logout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SessionBus, SessionsOptions } from 'statecraft';
import { createSessions, hybrid, isSessionError, manualClock, stateful, stateless } from 'statecraft';
import { memoryBus, memoryHub } from 'statecraft/bus/memory';
import { makeStore, STORE_NAMES, type StoreKit, unclosable } from '../helpers/stores.js';
import { dirKey, hsKey } from '../helpers/tokens.js';

const cookie = (token: string) => ({ headers: { cookie: `sid=${encodeURIComponent(token)}` } });

function localBus(): () => SessionBus {
  const hub = memoryHub();
  return () => memoryBus({ hub });
}

for (const name of STORE_NAMES) {
  describe(`a user's sessions on the ${name} store`, () => {
    let kit: StoreKit;
    const keep = () => unclosable(kit.store);
    before(async () => {
      kit = await makeStore(name);
    });
    after(() => kit.cleanup());

    const shared = (o: SessionsOptions = {}) => createSessions(stateful({ store: keep() }), o);

    async function login(sessions: ReturnType<typeof shared>, user: string, meta = {}) {
      const s = await sessions.loadCredential(null, meta);
      await s.login(user);
      return (await s.commit()).token!;
    }

    test('20 parallel logins never leave more than maxPerUser sessions (evict-oldest)', async () => {
      const sessions = shared({ maxPerUser: { limit: 3, onLimit: 'evict-oldest' } });
      const user = `cap-evict-${name}`;
      await Promise.all(Array.from({ length: 20 }, () => login(sessions, user)));
      const left = await sessions.list(user);
      assert.ok(left.length >= 1 && left.length <= 3, `${left.length} sessions left`);
    });

    test('20 parallel logins never leave more than maxPerUser sessions (refuse)', async () => {
      const sessions = shared({ maxPerUser: { limit: 3, onLimit: 'refuse' } });
      const user = `cap-refuse-${name}`;
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => login(sessions, user)));
      const refused = results.filter((r) => r.status === 'rejected');
      assert.ok(refused.every((r) => isSessionError((r as PromiseRejectedResult).reason, 'SESSION_LIMIT')));
      const left = await sessions.list(user);
      assert.ok(left.length >= 1 && left.length <= 3, `${left.length} sessions left`);
      // Under a race, a login that saw room may still be ended by a later one that saw the
      // whole crowd; never the other way round, so what is left is a subset of the successes.
      assert.ok(left.length <= results.length - refused.length);
    });

    test('a login past the cap ends the oldest session (evict-oldest)', async () => {
      const sessions = shared({ maxPerUser: { limit: 2 } });
      const user = `cap-seq-${name}`;
      const first = await login(sessions, user);
      await new Promise((r) => setTimeout(r, 5));
      const second = await login(sessions, user);
      await new Promise((r) => setTimeout(r, 5));
      const third = await login(sessions, user);
      assert.equal((await sessions.loadCredential(first)).userId, null);
      assert.equal((await sessions.loadCredential(second)).userId, user);
      assert.equal((await sessions.loadCredential(third)).userId, user);
    });

    test('list() reports created and last-seen times, IP and user agent of each session', async () => {
      const sessions = shared();
      const user = `list-${name}`;
      await login(sessions, user, { ip: '203.0.113.5', userAgent: 'Firefox/140' });
      const [info] = await sessions.list(user);
      assert.equal(info!.ip, '203.0.113.5');
      assert.equal(info!.userAgent, 'Firefox/140');
      assert.ok(info!.createdAt > 0 && info!.lastSeenAt >= info!.createdAt);
      assert.match(info!.handle, /^[A-Za-z0-9_-]{43}$/);
    });

    test('revokeSession() signs out one device by its handle', async () => {
      const sessions = shared();
      const user = `device-${name}`;
      const a = await login(sessions, user);
      const b = await login(sessions, user);
      const handleOfA = (await sessions.loadCredential(a)).handle;
      assert.equal(await sessions.revokeSession(handleOfA), true);
      assert.equal((await sessions.loadCredential(a)).userId, null);
      assert.equal((await sessions.loadCredential(b)).userId, user);
    });

    test('the index holds nothing for sessions that expired without logout', async () => {
      // The store judges expiry by its own clock: give both the same manual one.
      const clock = manualClock(Date.now());
      const own = await makeStore(name, clock);
      try {
        const sessions = createSessions(stateful({ store: own.store }), { clock, idle: 60, absolute: 120 });
        const user = `expired-${name}`;
        await login(sessions as ReturnType<typeof shared>, user);
        clock.advance(61_000);
        assert.deepEqual(await sessions.list(user), []);
        assert.equal(await sessions.revokeUser(user), 0);
      } finally {
        await own.cleanup();
      }
    });

    test('shared: a server-side update is seen on the user next request', async () => {
      const sessions = shared();
      const user = `role-${name}`;
      const a = await login(sessions, user);
      const b = await login(sessions, user);
      assert.equal(
        await sessions.updateUser(user, (d) => {
          d.role = 'admin';
        }),
        2,
      );
      assert.equal((await sessions.loadCredential(a)).get('role'), 'admin');
      assert.equal((await sessions.loadCredential(b)).get('role'), 'admin');
    });

    test('hybrid: a server-side update makes every instance refresh the user tokens', async () => {
      const bus = localBus();
      const keys = [hsKey()];
      const make = () => createSessions(hybrid({ store: keep(), keys, format: 'jws' }), { bus: bus() });
      const [one, two] = [make(), make()];
      await Promise.all([one.ready(), two.ready()]);
      const user = `hybrid-role-${name}`;
      const s = await one.loadCredential(null);
      await s.login(user);
      const cred = (await s.commit()).token!;
      assert.equal((await two.load(cookie(cred))).get('role' as never), undefined);
      assert.equal(
        await one.updateUser(user, (d) => {
          d.role = 'admin';
        }),
        1,
      );
      await new Promise((r) => setTimeout(r, 10));
      assert.equal((await two.load(cookie(cred))).get('role' as never), 'admin');
    });
  });
}

test('stateless: server-side updates and the per-user cap are refused, as documented', async () => {
  const sessions = createSessions(stateless({ keys: [dirKey()] }));
  await assert.rejects(
    sessions.updateUser('ada', () => {}),
    (e) => isSessionError(e, 'STRATEGY_UNSUPPORTED'),
  );
  assert.throws(
    () => createSessions(stateless({ keys: [dirKey()] }), { maxPerUser: { limit: 2 } }),
    (e) => isSessionError(e, 'INVALID_CONFIG'),
  );
});
