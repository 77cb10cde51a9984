/**
 * The reference app's JSON inputs under 10,000 generated requests over real HTTP: arbitrary
 * JSON and non-JSON bodies, edge-case fields, prototype keys, odd content types, bodies around
 * the 16 KiB limit, junk Idempotency-Keys, sent with no cookie, a forged cookie or a real one.
 *
 * Invariants: no 5xx (no crash, no unhandled error), a new session cookie is only ever set by
 * a successful login for the user it names (the real session may re-send its own as it
 * slides), a forged cookie never reaches a protected route, and afterwards the server still
 * answers and the real session is intact.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { Client, type ModeFixture, modeFixture, type RunningApp } from '../app/helpers.js';

const RUNS = 10_000;

const ROUTES = ['/login', '/cart/items', '/checkout', '/me', '/logout', '/logout-everywhere'] as const;

const weird = fc.oneof(
  fc.string({ maxLength: 70 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    'ada',
    'a'.repeat(64),
    'a'.repeat(65),
    '-ada',
    'sku-1',
    '__proto__',
    'ü',
    '\u0000',
    '1e999',
  ),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1, 99, 100, 1.5, Number.MAX_SAFE_INTEGER, null, true),
  fc.jsonValue({ maxDepth: 2 }),
);

const jsonBody = fc.oneof(
  fc.record({ user: weird }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.record({ sku: weird, qty: weird }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc
    .tuple(weird, weird)
    .map(
      ([sku, qty]) =>
        `{"sku":${JSON.stringify(sku)},"qty":${JSON.stringify(qty)},"__proto__":{"user":"admin"}}`,
    ),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.constantFrom(
    '{"user":"ada","user":"root"}',
    '{"constructor":{"prototype":{"user":"x"}}}',
    `${'['.repeat(5000)}${']'.repeat(5000)}`,
  ),
);
const body = fc.oneof(
  { weight: 6, arbitrary: jsonBody },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 16_000, max: 17_000 }).map((n) => `{"user":"${'a'.repeat(n)}"}`),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/json, text/html',
  undefined,
);
/** Header values fetch can send: printable ASCII. */
const headerValue = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 140,
});

describe('the reference app under generated JSON inputs (shared mode, over HTTP)', () => {
  let fixture: ModeFixture;
  let app: RunningApp;
  let victim: Client;
  before(async () => {
    fixture = modeFixture('shared');
    app = await fixture.start('i1');
    victim = await new Client(app.url).login('victim');
  });
  after(() => fixture.close());

  test(`${RUNS} generated requests: no 5xx, a cookie only from a valid login, no forged authentication`, async () => {
    const forged = () => {
      const [name, value] = victim.cookie.split('=') as [string, string];
      return fc
        .tuple(fc.nat(value.length - 1), fc.constantFrom(...'AZaz09-_'))
        .map(([i, c]) => `${name}=${value.slice(0, i)}${c}${value.slice(i + 1)}`)
        .filter((c) => c !== victim.cookie);
    };
    const who = fc.oneof(fc.constant('none' as const), fc.constant('victim' as const), forged());
    const statuses = new Map<number, number>();
    const cases = fc.tuple(fc.constantFrom(...ROUTES), body, contentType, fc.option(headerValue), who);
    // Generated up front from a logged seed and sent eight at a time: sequential requests would
    // take about 35 s on two cores.
    const seed = Date.now() | 0;
    const queue = fc.sample(cases, { numRuns: RUNS, seed });
    const one = async ([route, text, type, key, as]: (typeof queue)[number]) => {
      // The real session only visits routes that keep it; the others would end it.
      const keeps = route === '/cart/items' || route === '/checkout' || route === '/me';
      const cookie = as === 'none' ? undefined : as === 'victim' ? (keeps ? victim.cookie : undefined) : as;
      const headers: Record<string, string> = {};
      if (type !== undefined) headers['content-type'] = type;
      if (key !== null) headers['idempotency-key'] = key;
      if (cookie !== undefined) headers.cookie = cookie;
      const method = route === '/me' ? 'GET' : 'POST';
      const res = await fetch(app.url + route, {
        method,
        headers,
        body: method === 'GET' ? undefined : text,
      });
      const reply = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const what = `${res.status} for ${method} ${route} (seed ${seed}): ${reply.slice(0, 200)}`;
      assert.ok(res.status < 500, what);
      const set = res.headers.getSetCookie().filter((c) => !/^[^=]+=;/.test(c));
      if (set.length > 0 && route !== '/login') {
        // The real session's sliding expiry re-sends its own cookie; nothing else may set one.
        assert.equal(cookie, victim.cookie, `a cookie set: ${what}`);
        assert.deepEqual(
          set.map((c) => c.split(';', 1)[0]),
          [victim.cookie],
        );
      } else if (set.length > 0) {
        assert.equal(res.status, 200, `a cookie set: ${what}`);
        assert.equal(
          (JSON.parse(reply) as { user: string }).user,
          (JSON.parse(text!) as { user: string }).user,
        );
      }
      if (route !== '/login' && route !== '/logout' && cookie !== victim.cookie) {
        assert.ok(res.status >= 400, `without the real session: ${what}`);
      }
    };
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let c = queue.pop(); c !== undefined; c = queue.pop()) await one(c);
      }),
    );
    console.log(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
    assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
    const me = await victim.call<{ user: string }>('GET', '/me');
    assert.equal(me.status, 200);
    assert.equal(me.body.user, 'victim');
  });
});
