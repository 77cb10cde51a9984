/**
 * Virtual users' damage accounting. Against the fixture shop, with the closed model (one
 * request per user at a time, so the server's own tally of what it threw away is exact):
 * forgotten sessions are counted as sessions lost and their carts as items lost, one for one;
 * items dropped behind the users' backs are found missing; answers naming someone else and
 * replays that place a second order are counted. Then the rules that keep the lab's own
 * concurrency from being blamed on the server, on hand-made answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGenerator } from '../../../src/lab/load/generator.js';
import { emptyUserCounters } from '../../../src/lab/load/user-counters.js';
import { RequestSlot, VirtualUsers } from '../../../src/lab/load/users.js';
import { type RunningShop, startShop } from './helpers.js';

let shop: RunningShop;

before(async () => {
  shop = await startShop({ instanceId: 'u1' });
});

after(async () => {
  await shop.close();
});

/** Runs 8 closed-model users for 3 s and does `midway` at 1.5 s; returns the results. */
async function runWith(midway: () => Promise<void>, mix?: Record<string, number>) {
  await shop.control('/_lab/forget'); // start from an empty shop: nothing left by an earlier run
  const gen = createGenerator({ target: shop.url, connections: 8 });
  gen.beginPhase('before', 'baseline');
  const done = gen.runClosed({ users: 8, durationMs: 3000, thinkMs: 2, seed: 9, ...(mix ? { mix } : {}) });
  await gen.until(1500);
  gen.beginPhase('after', 'fault');
  await midway();
  const r = await done;
  return { r, gen };
}

describe('virtual users against a shop that breaks', () => {
  it('count exactly the sessions and cart items a shop forgot', async () => {
    let forgotten: Record<string, unknown> = {};
    const { r, gen } = await runWith(async () => {
      forgotten = await shop.control('/_lab/forget');
    });
    assert.equal(forgotten.sessions, 8);
    assert.ok((forgotten.items as number) > 0, 'carts held items when they were forgotten');
    assert.equal(r.users.sessionsLost, forgotten.sessions);
    assert.equal(r.users.cartItemsLost, forgotten.items);
    assert.equal(r.users.wrongUser, 0);
    assert.equal(r.users.duplicateCheckouts, 0);
    // Each user logged in again and went on.
    assert.equal(r.users.logins, 16);
    for (let u = 0; u < 8; u++) assert.equal(gen.users.view(u).loggedIn, true);
    // The losses are filed under the phase in which they were found.
    const [before, afterPhase] = r.phaseDetails;
    assert.equal(before!.users.sessionsLost + afterPhase!.users.sessionsLost, 8);
    assert.equal(r.errors.http_401, 8);
  });

  it('find cart items that vanished from a session that was kept', async () => {
    let dropped = 0;
    const { r } = await runWith(async () => {
      dropped = (await shop.control('/_lab/drop-item')).dropped as number;
    });
    assert.ok(dropped > 0);
    assert.equal(r.users.sessionsLost, 0);
    assert.equal(r.users.cartItemsLost, dropped);
  });

  it('count every answer that names another user', async () => {
    const { r } = await runWith(async () => {
      await shop.control('/_lab/wrong-user?on=1');
      await new Promise((resolve) => setTimeout(resolve, 300));
      await shop.control('/_lab/wrong-user?on=0');
    });
    const stats = await shop.control('/_lab/stats', 'GET');
    assert.ok((stats.wrongAnswers as number) > 0);
    assert.equal(r.users.wrongUser, stats.wrongAnswers);
  });

  it('count replays of an idempotency key that placed a second order', async () => {
    const before = (await shop.control('/_lab/stats', 'GET')).duplicates as number;
    const { r } = await runWith(
      async () => {
        await shop.control('/_lab/forget-orders');
      },
      { me: 2, add: 4, checkout: 2, replay: 2 },
    );
    const duplicates = ((await shop.control('/_lab/stats', 'GET')).duplicates as number) - before;
    assert.ok(duplicates > 0);
    assert.equal(r.users.duplicateCheckouts, duplicates);
    assert.ok(r.users.replaysHonored > 0);
  });
});

describe('the users model', () => {
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const cookie = 'sid=s1; HttpOnly; Path=/';

  /** One user logged in as u0, holding items a and b (sku names are the users' own). */
  function loggedIn() {
    const users = new VirtualUsers({ count: 1 });
    const c = emptyUserCounters();
    const slot = new RequestSlot();
    users.prepare(0, 'me', slot);
    assert.equal(slot.action, 'login');
    users.setCookie(0, cookie);
    users.complete(slot, 200, json({ user: 'u0' }), c);
    const skus: string[] = [];
    for (let i = 0; i < 2; i++) {
      const s = new RequestSlot();
      users.prepare(0, 'add', s);
      assert.equal(s.action, 'add');
      users.complete(s, 200, null, c);
      skus.push(s.sku!);
    }
    return { users, c, skus };
  }

  it('logs in first, sends the cookie it was given, and turns intents that make no sense yet', () => {
    const users = new VirtualUsers({ count: 1, maxCartItems: 2 });
    const c = emptyUserCounters();
    const slot = new RequestSlot();
    users.prepare(0, 'checkout', slot);
    assert.equal(slot.action, 'login');
    assert.equal(slot.body, '{"user":"u0"}');
    users.setCookie(0, cookie);
    users.complete(slot, 200, json({ user: 'u0' }), c);
    users.prepare(0, 'checkout', slot); // empty cart: add instead
    assert.equal(slot.action, 'add');
    assert.deepEqual(slot.headers.slice(0, 2), ['cookie', 'sid=s1']);
    assert.equal(slot.credentialBytes, 'cookie: sid=s1\r\n'.length);
    users.complete(slot, 200, null, c);
    users.prepare(0, 'replay', slot); // nothing to replay yet: a checkout
    assert.equal(slot.action, 'checkout');
    assert.ok(slot.headers.includes('idempotency-key'));
  });

  it('does not blame the server for an item confirmed after the read left', () => {
    const { users, c, skus } = loggedIn();
    const read = new RequestSlot();
    users.prepare(0, 'cart', read);
    const add = new RequestSlot();
    users.prepare(0, 'add', add);
    users.complete(add, 200, null, c); // confirmed while the read was in flight
    users.complete(read, 200, json({ items: skus.map((sku) => ({ sku, qty: 1 })) }), c);
    assert.equal(c.cartItemsLost, 0);
    assert.equal(users.view(0).items.length, 3);
    // A later read that lacks it finds it lost, once.
    const again = new RequestSlot();
    users.prepare(0, 'cart', again);
    users.complete(again, 200, json({ items: skus.map((sku) => ({ sku, qty: 1 })) }), c);
    assert.equal(c.cartItemsLost, 1);
    users.prepare(0, 'cart', again);
    users.complete(again, 200, json({ items: skus.map((sku) => ({ sku, qty: 1 })) }), c);
    assert.equal(c.cartItemsLost, 1);
  });

  it('does not compare a cart that a checkout in flight may have emptied', () => {
    const { users, c } = loggedIn();
    const checkout = new RequestSlot();
    users.prepare(0, 'checkout', checkout);
    const read = new RequestSlot();
    users.prepare(0, 'me', read);
    users.complete(read, 200, json({ user: 'u0', cart: [] }), c);
    assert.equal(c.cartItemsLost, 0);
    assert.equal(c.cartChecks, 0);
  });

  it('counts a session lost once, even when several requests come back 401', () => {
    const { users, c } = loggedIn();
    const a = new RequestSlot();
    const b = new RequestSlot();
    users.prepare(0, 'me', a);
    users.prepare(0, 'cart', b);
    users.complete(a, 401, null, c);
    assert.equal(c.sessionsLost, 1);
    assert.equal(c.cartItemsLost, 2);
    const login = new RequestSlot();
    users.prepare(0, 'me', login);
    assert.equal(login.action, 'login');
    users.complete(login, 200, json({ user: 'u0' }), c);
    users.complete(b, 401, null, c); // sent with the lost session: not a second loss
    assert.equal(c.sessionsLost, 1);
    assert.equal(users.view(0).loggedIn, true);
  });

  it('stops expecting items a checkout without an answer may have ordered', () => {
    const { users, c } = loggedIn();
    const checkout = new RequestSlot();
    users.prepare(0, 'checkout', checkout);
    users.fail(checkout, c);
    assert.equal(c.uncertainItems, 2);
    const read = new RequestSlot();
    users.prepare(0, 'cart', read);
    users.complete(read, 200, json({ items: [] }), c);
    assert.equal(c.cartItemsLost, 0);
  });

  it('carries the session as a bearer token when asked', () => {
    const users = new VirtualUsers({ count: 1, credential: 'bearer' });
    const c = emptyUserCounters();
    const slot = new RequestSlot();
    users.prepare(0, 'me', slot);
    users.setCookie(0, 'sid=tok1; Path=/');
    users.setCookie(0, 'sc_lb=i2; Path=/');
    users.complete(slot, 200, json({ user: 'u0' }), c);
    users.prepare(0, 'me', slot);
    assert.deepEqual(slot.headers, ['cookie', 'sc_lb=i2', 'authorization', 'Bearer tok1']);
    users.setToken(0, 'tok2');
    users.prepare(0, 'me', slot);
    assert.equal(slot.headers[3], 'Bearer tok2');
  });
});
