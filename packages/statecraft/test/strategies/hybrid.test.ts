import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KeySpec, ManualClock, SessionBus, Store } from 'statecraft';
import { createSessions, hybrid, manualClock } from 'statecraft';
import { memoryBus, memoryHub } from 'statecraft/bus/memory';
import { memoryStore } from 'statecraft/stores/memory';
import { countingStore } from '../helpers/counting-store.js';
import { cookieValue, hsKey } from '../helpers/tokens.js';

/** An in-process bus shared by several managers standing in for instances. */
function localBus(): () => SessionBus {
  const hub = memoryHub();
  return () => memoryBus({ hub });
}

function cluster(n: number, opts: { clock?: ManualClock; bus?: boolean } = {}) {
  const clock = opts.clock ?? manualClock();
  const inner = memoryStore({ clock, sweepInterval: 0 });
  const store = countingStore(inner);
  const keys: KeySpec[] = [hsKey()];
  const bus = localBus();
  const make = (s: Store = store) =>
    createSessions(hybrid({ store: s, keys, format: 'jws', accessTtl: 300 }), {
      clock,
      touchAfter: 60,
      ...(opts.bus === false ? {} : { bus: bus() }),
    });
  return { clock, store, inner, make, instances: Array.from({ length: n }, () => make()) };
}

const cookie = (v: string) => ({ headers: { cookie: `sid=${encodeURIComponent(v)}` } });
const tick = () => new Promise((r) => setTimeout(r, 5));

async function loggedIn(sessions: ReturnType<ReturnType<typeof cluster>['make']>, user: string) {
  const s = await sessions.load({ headers: {} });
  await s.login(user);
  s.set('cart', []);
  return cookieValue((await s.commit()).setCookie);
}

describe('hybrid strategy', () => {
  test('a valid access token is served without a store round trip', async () => {
    const { instances, store } = cluster(2);
    const cred = await loggedIn(instances[0]!, 'ada');
    store.reset();
    const s = await instances[1]!.load(cookie(cred));
    assert.equal(s.userId, 'ada');
    assert.equal(store.calls.get, 0);
  });

  test('an expired access token is refreshed from the store and re-issued', async () => {
    const { instances, store, clock } = cluster(1);
    const cred = await loggedIn(instances[0]!, 'ada');
    clock.advance(301_000);
    store.reset();
    const s = await instances[0]!.load(cookie(cred));
    assert.equal(s.userId, 'ada');
    assert.equal(store.calls.get, 1);
    const next = cookieValue((await s.commit()).setCookie);
    assert.notEqual(next, cred);
    store.reset();
    assert.equal((await instances[0]!.load(cookie(next))).userId, 'ada');
    assert.equal(store.calls.get, 0);
  });

  test('revokeUser makes every instance refuse the user at once, before the token expires', async () => {
    const { instances } = cluster(3);
    const cred = await loggedIn(instances[0]!, 'ada');
    for (const i of instances) assert.equal((await i.load(cookie(cred))).userId, 'ada');
    await Promise.all(instances.map((i) => i.ready()));
    assert.equal(await instances[2]!.revokeUser('ada'), 1);
    await tick();
    for (const i of instances) assert.equal((await i.load(cookie(cred))).userId, null);
  });

  test('logout on one instance refuses the old credential on the others', async () => {
    const { instances } = cluster(2);
    const cred = await loggedIn(instances[0]!, 'ada');
    const s = await instances[0]!.load(cookie(cred));
    await s.logout();
    await tick();
    assert.equal((await instances[1]!.load(cookie(cred))).userId, null);
  });

  test('an instance started after the revocation still refuses the token', async () => {
    const { instances, make } = cluster(1, { bus: false });
    const cred = await loggedIn(instances[0]!, 'ada');
    await instances[0]!.revokeUser('ada');
    const restarted = make();
    assert.equal((await restarted.load(cookie(cred))).userId, null);
  });

  test('the session kept by revokeUser({ except }) still works', async () => {
    const { instances } = cluster(2);
    const keep = await loggedIn(instances[0]!, 'ada');
    const other = await loggedIn(instances[0]!, 'ada');
    const current = await instances[0]!.load(cookie(keep));
    assert.equal(await instances[0]!.revokeUser('ada', { except: current }), 1);
    await tick();
    assert.equal((await instances[1]!.load(cookie(keep))).userId, 'ada');
    assert.equal((await instances[1]!.load(cookie(other))).userId, null);
  });

  test('concurrent updates from one credential lose nothing', async () => {
    const { instances } = cluster(3);
    const cred = await loggedIn(instances[0]!, 'ada');
    let last = cred;
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const s = await instances[i % 3]!.load(cookie(cred));
        s.update('cart', (c = []) => [...(c as string[]), `i${i}`]);
        last = cookieValue((await s.commit()).setCookie);
      }),
    );
    // The store holds every item; the next refresh brings them into the token.
    const fresh = await instances[0]!.load(cookie(last));
    await fresh.regenerate();
    const cred2 = cookieValue((await fresh.commit()).setCookie);
    const cart = (await instances[1]!.load(cookie(cred2))).get('cart') as string[];
    assert.equal(new Set(cart).size, 30);
  });

  test('an access token joined to another session id is refused', async () => {
    const { instances } = cluster(1);
    const a = await loggedIn(instances[0]!, 'ada');
    const b = await loggedIn(instances[0]!, 'bob');
    const spliced = `${a.split('~')[0]}~${b.split('~')[1]}`;
    assert.equal((await instances[0]!.load(cookie(spliced))).userId, null);
  });

  test('revocation markers outlive every token issued before them, then expire', async () => {
    const { instances, inner, clock } = cluster(1);
    await loggedIn(instances[0]!, 'ada');
    await instances[0]!.revokeUser('ada');
    assert.equal((await inner.listByUser('~statecraft~revocations')).length, 1);
    clock.advance(302_000);
    assert.equal((await inner.listByUser('~statecraft~revocations')).length, 0);
    assert.deepEqual(await instances[0]!.list('~statecraft~revocations'), []);
  });
});
