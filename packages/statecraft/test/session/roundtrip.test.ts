/**
 * Faithful serialization, property-based: generated session data with Date, BigInt, Map, Set,
 * undefined-vs-missing, NaN and -0 comes back equal after a round trip through every store and
 * both token formats. Data that fails to decode counts as no session, never as a 500.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { Sessions } from 'statecraft';
import { createSessions, stateful, stateless, storeKey } from 'statecraft';
import { makeStore, STORE_NAMES, type StoreKit } from '../helpers/stores.js';
import { dirKey, hsKey } from '../helpers/tokens.js';

const key = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== '__proto__' && k !== '$');
const leaf = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt(),
  fc.date({ noInvalidDate: true }),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('arr'),
    tie('obj'),
    tie('map'),
    tie('set'),
  ),
  arr: fc.array(tie('v'), { maxLength: 3 }),
  obj: fc.dictionary(key, tie('v'), { maxKeys: 3, noNullPrototype: true }),
  map: fc
    .array(fc.tuple(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), tie('v')), { maxLength: 3 })
    .map((e) => new Map(e)),
  set: fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { maxLength: 3 }).map((e) => new Set(e)),
})).v;
const data = fc.dictionary(key, value, { maxKeys: 4, noNullPrototype: true });

async function roundTrip(sessions: Sessions, d: Record<string, unknown>): Promise<Record<string, unknown>> {
  const s = await sessions.loadCredential(null);
  for (const [k, v] of Object.entries(d)) s.set(k, v);
  s.set('$', 1); // never an empty session, so something is always stored
  const { token } = await s.commit();
  const back = (await sessions.loadCredential(token)).toObject();
  delete back.$;
  return back;
}

for (const name of STORE_NAMES) {
  describe(`faithful serialization through the ${name} store`, () => {
    let kit: StoreKit;
    before(async () => {
      kit = await makeStore(name);
    });
    after(() => kit.cleanup());

    test('generated data comes back equal, undefined and missing keys told apart', async () => {
      const sessions = createSessions(stateful({ store: kit.store }));
      await fc.assert(
        fc.asyncProperty(data, async (d) => {
          const back = await roundTrip(sessions, d);
          assert.deepStrictEqual(back, d);
          assert.deepEqual(Object.keys(back).sort(), Object.keys(d).sort());
        }),
        { numRuns: name === 'memory' ? 300 : 100 },
      );
    });

    test('a record whose data does not decode counts as no session', async () => {
      const sessions = createSessions(stateful({ store: kit.store }));
      const s = await sessions.loadCredential(null);
      s.set('a', 1);
      const { token } = await s.commit();
      const r = (await kit.store.get(storeKey(token!)))!;
      await kit.store.set({ ...r, data: '[{"a":99}', version: r.version + 1 }, r.version);
      const back = await sessions.loadCredential(token);
      assert.equal(back.isNew, true);
    });
  });
}

for (const [format, k] of [
  ['jws', hsKey],
  ['jwe', dirKey],
] as const) {
  test(`generated data comes back equal through a ${format} token`, async () => {
    const sessions = createSessions(stateless({ keys: [k()], format }), { cookie: { persistent: true } });
    await fc.assert(
      fc.asyncProperty(data, async (d) => {
        // Tokens travel in a cookie: data past 4 KB fails the commit by design, not a bug.
        let back: Record<string, unknown>;
        try {
          back = await roundTrip(sessions, d);
        } catch (e) {
          assert.equal((e as { code?: string }).code, 'COOKIE_TOO_LARGE');
          return;
        }
        assert.deepStrictEqual(back, d);
      }),
      { numRuns: 300 },
    );
  });
}
