import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { MODES, type Mode } from '../../src/app/modes.js';
import type { CartItem, Order } from '../../src/app/shop.js';
import { Client, type ModeFixture, modeFixture, type RunningApp } from './helpers.js';

type ErrorBody = { error: { code: string; message: string; fields?: string[] } };

/** Modes whose sessions live in a store: concurrent writes are compare-and-set. */
const STORED: readonly Mode[] = ['sticky', 'shared', 'hybrid'];

for (const mode of MODES) {
  describe(`the reference app in ${mode} mode`, () => {
    let fx: ModeFixture;
    let app: RunningApp;
    before(async () => {
      fx = modeFixture(mode);
      app = await fx.start('i1');
    });
    after(() => fx.close());

    test('login starts a session and /me answers with the user and an empty cart', async () => {
      const c = new Client(app.url);
      const login = await c.call('POST', '/login', { json: { user: 'ada' } });
      assert.equal(login.status, 200);
      assert.deepEqual(login.body, { user: 'ada' });
      assert.match(login.headers.get('set-cookie') ?? '', /HttpOnly/);
      const me = await c.call('GET', '/me');
      assert.equal(me.status, 200);
      assert.deepEqual(me.body, { user: 'ada', cart: [] });
      assert.equal(me.headers.get('cache-control'), 'no-store');
    });

    test('login issues a new credential each time, so a planted one is never adopted', async () => {
      const c = await new Client(app.url).login('ada');
      const before = c.cookie;
      await c.login('ada');
      assert.notEqual(c.cookie, before);
    });

    test('/me, /cart and checkout without a session answer 401 SESSION_REQUIRED', async () => {
      const c = new Client(app.url);
      for (const [method, path] of [
        ['GET', '/me'],
        ['GET', '/cart'],
        ['POST', '/checkout'],
        ['POST', '/logout-everywhere'],
      ] as const) {
        const r = await c.call<ErrorBody>(method, path);
        assert.equal(r.status, 401, `${method} ${path}`);
        assert.equal(r.body.error.code, 'SESSION_REQUIRED');
      }
      const add = await c.call<ErrorBody>('POST', '/cart/items', { json: { sku: 'a', qty: 1 } });
      assert.equal(add.status, 401);
    });

    test('every response carries x-instance-id, errors and probes included', async () => {
      const c = new Client(app.url);
      for (const [method, path] of [
        ['GET', '/healthz'],
        ['GET', '/readyz'],
        ['GET', '/me'],
        ['GET', '/nowhere'],
        ['DELETE', '/cart'],
      ] as const) {
        const r = await c.call(method, path);
        assert.equal(r.headers.get('x-instance-id'), 'i1', `${method} ${path}`);
      }
    });

    test('items added to the cart come back in /cart and /me', async () => {
      const c = await new Client(app.url).login('bea');
      const add = await c.call('POST', '/cart/items', { json: { sku: 'tea-1', qty: 2 } });
      assert.equal(add.status, 200);
      assert.deepEqual(add.body, { item: { sku: 'tea-1', qty: 2 } });
      await c.call('POST', '/cart/items', { json: { sku: 'cup-9', qty: 1 } });
      const cart = await c.call<{ items: CartItem[] }>('GET', '/cart');
      assert.deepEqual(cart.body.items, [
        { sku: 'tea-1', qty: 2 },
        { sku: 'cup-9', qty: 1 },
      ]);
      const me = await c.call<{ cart: CartItem[] }>('GET', '/me');
      assert.equal(me.body.cart.length, 2);
    });

    test(`50 concurrent additions to one cart ${STORED.includes(mode) ? 'keep all 50' : 'lose some'}`, async (t) => {
      const c = await new Client(app.url).login('racer');
      const replies = await Promise.all(
        Array.from({ length: 50 }, (_, k) =>
          c.copy().call('POST', '/cart/items', { json: { sku: `race-${k}`, qty: 1 }, keepCookie: false }),
        ),
      );
      assert.ok(replies.every((r) => r.status === 200));
      // The credential a client ends up with is the one it received last.
      for (const r of replies) c.take(r.headers);
      const cart = await c.call<{ items: CartItem[] }>('GET', '/cart');
      const kept = cart.body.items.filter((i) => i.sku.startsWith('race-')).length;
      t.diagnostic(`${mode}: ${kept} of 50 concurrent additions kept`);
      if (STORED.includes(mode)) assert.equal(kept, 50);
      else assert.ok(kept < 50, `stateless kept ${kept} of 50`);
    });

    test('checkout with the same Idempotency-Key answers the same order; without one, a new order', async () => {
      const c = await new Client(app.url).login('cai');
      await c.call('POST', '/cart/items', { json: { sku: 'pen', qty: 3 } });
      const stale = c.copy(); // the credential as it was before the order
      const first = await c.call<Order>('POST', '/checkout', { headers: { 'idempotency-key': 'order-1' } });
      assert.equal(first.status, 200);
      assert.deepEqual(first.body.items, [{ sku: 'pen', qty: 3 }]);
      assert.equal(first.headers.get('idempotent-replayed'), null);
      // The cart was emptied by the order.
      assert.deepEqual((await c.call<{ items: CartItem[] }>('GET', '/cart')).body.items, []);

      // Replayed, quoted as a Structured Field string or not: the stored order.
      for (const key of ['order-1', '"order-1"']) {
        const again = await c.call<Order>('POST', '/checkout', { headers: { 'idempotency-key': key } });
        assert.equal(again.status, 200);
        assert.equal(again.body.orderId, first.body.orderId);
        assert.deepEqual(again.body.items, first.body.items);
        assert.equal(again.headers.get('idempotent-replayed'), 'true');
      }

      // Replayed with the credential from before the order: where the session is stored, the
      // write meets the stored order (compare-and-set) and answers it; a stateless token from
      // before the order knows nothing of it, so the order is placed twice.
      const replay = await stale.call<Order>('POST', '/checkout', {
        headers: { 'idempotency-key': 'order-1' },
      });
      assert.equal(replay.status, 200);
      if (STORED.includes(mode)) assert.equal(replay.body.orderId, first.body.orderId);
      else assert.notEqual(replay.body.orderId, first.body.orderId);

      // Without a key every checkout is a new order; with an empty cart there is nothing to order.
      const ids = new Set<string>();
      for (let i = 0; i < 2; i++) {
        await c.call('POST', '/cart/items', { json: { sku: 'ink', qty: 1 } });
        const r = await c.call<Order>('POST', '/checkout');
        assert.equal(r.status, 200);
        ids.add(r.body.orderId);
      }
      assert.equal(ids.size, 2);
      const empty = await c.call<ErrorBody>('POST', '/checkout');
      assert.equal(empty.status, 409);
      assert.equal(empty.body.error.code, 'CART_EMPTY');
    });

    test('concurrent checkouts with one key place one order', async () => {
      const c = await new Client(app.url).login('dan');
      await c.call('POST', '/cart/items', { json: { sku: 'mug', qty: 1 } });
      const replies = await Promise.all(
        Array.from({ length: 8 }, () =>
          c.copy().call<Order>('POST', '/checkout', { headers: { 'idempotency-key': 'double-click' } }),
        ),
      );
      assert.ok(replies.every((r) => r.status === 200));
      const orders = new Set(replies.map((r) => r.body.orderId));
      if (STORED.includes(mode)) assert.equal(orders.size, 1);
      else assert.ok(orders.size >= 1); // stateless: every request sees the same old token
    });

    test('a malformed Idempotency-Key is refused with 400 BAD_IDEMPOTENCY_KEY', async () => {
      const c = await new Client(app.url).login('eve');
      await c.call('POST', '/cart/items', { json: { sku: 'pen', qty: 1 } });
      for (const key of ['__proto__', 'has space', 'x'.repeat(129), '']) {
        const r = await c.call<ErrorBody>('POST', '/checkout', { headers: { 'idempotency-key': key } });
        assert.equal(r.status, 400, JSON.stringify(key));
        assert.equal(r.body.error.code, 'BAD_IDEMPOTENCY_KEY');
      }
    });

    test(`logout ends the session${mode === 'stateless' ? ', yet a copied token stays valid' : ' and a copied cookie is refused'}`, async () => {
      const c = await new Client(app.url).login('fay');
      await c.call('POST', '/cart/items', { json: { sku: 'pen', qty: 1 } });
      const copy = c.copy();
      const out = await c.call('POST', '/logout');
      assert.equal(out.status, 200);
      assert.equal(c.cookie, '', 'the cookie is cleared');
      assert.equal((await c.call('GET', '/me')).status, 401);
      const replay = await copy.call('GET', '/me');
      assert.equal(replay.status, mode === 'stateless' ? 200 : 401);
    });

    test(
      mode === 'stateless'
        ? 'logout-everywhere answers 501 STRATEGY_UNSUPPORTED'
        : 'logout-everywhere ends every session of the user',
      async () => {
        const a = await new Client(app.url).login('gus');
        const b = await new Client(app.url).login('gus');
        const other = await new Client(app.url).login('hal');
        const r = await a.call<{ ended: number } & ErrorBody>('POST', '/logout-everywhere');
        if (mode === 'stateless') {
          assert.equal(r.status, 501);
          assert.equal(r.body.error.code, 'STRATEGY_UNSUPPORTED');
          assert.equal((await b.call('GET', '/me')).status, 200);
          return;
        }
        assert.equal(r.status, 200);
        assert.equal(r.body.ended, 2);
        assert.equal((await a.call('GET', '/me')).status, 401);
        assert.equal((await b.call('GET', '/me')).status, 401);
        assert.equal((await other.call('GET', '/me')).status, 200, 'other users keep their sessions');
      },
    );

    test('bad input is refused with 400 and a code naming what is wrong', async () => {
      const c = new Client(app.url);
      const cases: Array<[unknown, string[]]> = [
        [{}, ['user']],
        [{ user: '' }, ['user']],
        [{ user: 42 }, ['user']],
        [{ user: 'x'.repeat(65) }, ['user']],
        [{ user: 'a b' }, ['user']],
        [[], ['(body)']],
        [null, ['(body)']],
      ];
      for (const [json, fields] of cases) {
        const r = await c.call<ErrorBody>('POST', '/login', {
          body: JSON.stringify(json),
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(r.status, 400, JSON.stringify(json));
        assert.equal(r.body.error.code, 'BAD_INPUT');
        assert.deepEqual(r.body.error.fields, fields);
      }
      const broken = await c.call<ErrorBody>('POST', '/login', {
        body: '{"user":',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(broken.status, 400);
      assert.equal(broken.body.error.code, 'BAD_JSON');
      const form = await c.call<ErrorBody>('POST', '/login', {
        body: 'user=ada',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(form.status, 415);
      assert.equal(form.body.error.code, 'UNSUPPORTED_MEDIA_TYPE');

      await c.login('ivy');
      for (const json of [
        { sku: 'a', qty: 0 },
        { sku: 'a', qty: 1.5 },
        { sku: 'a' },
        { sku: '', qty: 1 },
        { sku: 'a', qty: '1' },
      ]) {
        const r = await c.call<ErrorBody>('POST', '/cart/items', { json });
        assert.equal(r.status, 400, JSON.stringify(json));
        assert.equal(r.body.error.code, 'BAD_INPUT');
      }
      assert.deepEqual((await c.call<{ items: CartItem[] }>('GET', '/cart')).body.items, []);
    });

    test('a body over 16 KiB is refused with 413 BODY_TOO_LARGE, declared or chunked', async () => {
      const c = await new Client(app.url).login('jay');
      const big = JSON.stringify({ user: 'x'.repeat(17 * 1024) });
      const declared = await c.call<ErrorBody>('POST', '/login', {
        body: big,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(declared.status, 413);
      assert.equal(declared.body.error.code, 'BODY_TOO_LARGE');

      // Chunked: no Content-Length, so the limit is enforced while reading.
      const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${app.url}/cart/items`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: c.cookie },
        });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
        for (let i = 0; i < 20; i++) req.write('x'.repeat(1024));
        req.end();
      });
      assert.equal(chunked.status, 413);
      assert.equal((JSON.parse(chunked.body) as ErrorBody).error.code, 'BODY_TOO_LARGE');
      // Nothing was added by the refused request.
      assert.deepEqual((await c.call<{ items: CartItem[] }>('GET', '/cart')).body.items, []);
    });

    test('unknown routes answer 404 NOT_FOUND, wrong methods 405 with Allow', async () => {
      const c = new Client(app.url);
      const missing = await c.call<ErrorBody>('GET', '/admin');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'NOT_FOUND');
      const wrong = await c.call<ErrorBody>('GET', '/login');
      assert.equal(wrong.status, 405);
      assert.equal(wrong.body.error.code, 'METHOD_NOT_ALLOWED');
      assert.equal(wrong.headers.get('allow'), 'POST');
    });

    test('/healthz and /readyz answer 200 without touching the session', async () => {
      const c = new Client(app.url);
      const h = await c.call('GET', '/healthz');
      assert.equal(h.status, 200);
      assert.deepEqual(h.body, { ok: true, instance: 'i1', mode });
      const r = await c.call('GET', '/readyz');
      assert.equal(r.status, 200);
      assert.equal(h.headers.get('set-cookie'), null);
    });
  });
}

describe('the public catalogue', () => {
  let fx: ModeFixture;
  let lazy: RunningApp;
  let eager: RunningApp;
  before(async () => {
    fx = modeFixture('shared');
    lazy = await fx.start('i1');
    eager = await fx.start('i2', { eagerSessions: true });
  });
  after(() => fx.close());

  test('with lazy sessions it is public and cacheable, for visitors and users alike', async () => {
    const visitor = new Client(lazy.url);
    const user = await new Client(lazy.url).login('ann');
    for (const c of [visitor, user]) {
      const r = await c.call<{ products: unknown[] }>('GET', '/products');
      assert.equal(r.status, 200);
      assert.ok(r.body.products.length > 0);
      assert.equal(r.headers.get('cache-control'), 'public, max-age=60');
      assert.equal(r.headers.get('set-cookie'), null);
      const etag = r.headers.get('etag')!;
      const again = await c.call('GET', '/products', { headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304);
    }
    assert.equal(visitor.cookie, '', 'no session was started');
  });

  test('with eager sessions a visitor gets a session, and the response is no-store', async () => {
    const visitor = new Client(eager.url);
    const r = await visitor.call('GET', '/products');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('set-cookie') ?? '', /^sid=/);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const second = await visitor.call('GET', '/products');
    assert.equal(second.headers.get('set-cookie'), null, 'the session exists now');
  });

  test('GET /products/:sku answers one product like the list, and 404 for an unknown sku', async () => {
    const list = await new Client(lazy.url).call<{ products: { sku: string }[] }>('GET', '/products');
    const sku = list.body.products[1]!.sku;
    const one = await new Client(lazy.url).call<{ product: { sku: string } }>('GET', `/products/${sku}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.product.sku, sku);
    assert.equal(one.headers.get('cache-control'), 'public, max-age=60');
    assert.notEqual(one.headers.get('etag'), list.headers.get('etag'));
    const again = await new Client(lazy.url).call('GET', `/products/${sku}`, {
      headers: { 'if-none-match': one.headers.get('etag')! },
    });
    assert.equal(again.status, 304);
    const missing = await new Client(lazy.url).call<{ error: { code: string } }>('GET', '/products/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'NOT_FOUND');
    const eagerOne = await new Client(eager.url).call('GET', `/products/${sku}`);
    assert.equal(eagerOne.status, 200);
    assert.match(eagerOne.headers.get('set-cookie') ?? '', /^sid=/);
    assert.equal(eagerOne.headers.get('cache-control'), 'no-store');
  });
});

describe('the reference app while draining', () => {
  test('readiness fails at once, chat sockets close with 1001 and the server stops', async () => {
    const fx = modeFixture('shared');
    try {
      const app = await fx.start('i1');
      const c = await new Client(app.url).login('kim');
      const ws = new WebSocket(`ws://127.0.0.1:${app.port}/chat`, { headers: { cookie: c.cookie } });
      const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
      await once(ws, 'open');
      const t0 = Date.now();
      const drained = app.server.app.drain(5000);
      assert.equal(app.server.app.draining, true);
      assert.equal(await closed, 1001, 'chat sockets are told the instance is going away');
      assert.equal(await drained, true);
      assert.ok(Date.now() - t0 < 2000);
      await assert.rejects(c.call('GET', '/readyz'));
    } finally {
      await fx.close();
    }
  });
});
