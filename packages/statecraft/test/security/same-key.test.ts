/**
 * Two requests changing the same key of one session at once, on every store, through the
 * strategies that keep state in a store: the key ends holding one of the two whole values, or
 * the losing request fails with `SESSION_CONFLICT`; never a value made of half of each.
 * Run with the default retries and with a single compare-and-set attempt, so both outcomes
 * (a retried write and a refused one) are exercised.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Sessions, Store, StrategyFactory } from 'statecraft';
import { createSessions, hybrid, isSessionError, stateful } from 'statecraft';
import { makeStore, STORE_NAMES, type StoreKit, unclosable } from '../helpers/stores.js';
import { hsKey } from '../helpers/tokens.js';

type Profile = { owner: string; tags: string[]; address: { street: string; city: string } };
type Data = { profile: Profile };

const ROUNDS = 20;

const profile = (owner: string, size: number): Profile => ({
  owner,
  tags: Array.from({ length: size }, (_, i) => `${owner}-${i}`),
  address: { street: `${owner} street`, city: `${owner} city` },
});

const STRATEGIES: [string, (store: Store) => StrategyFactory][] = [
  ['stateful', (store) => stateful({ store })],
  ['hybrid', (store) => hybrid({ store, keys: [hsKey()], format: 'jws' })],
];

for (const storeName of STORE_NAMES) {
  for (const [strategyName, make] of STRATEGIES) {
    describe(`one key changed by two requests at once: ${storeName} store, ${strategyName}`, () => {
      let kit: StoreKit;
      before(async () => {
        kit = await makeStore(storeName);
      });
      after(() => kit.cleanup());

      for (const retries of [100, 1]) {
        test(`with ${retries === 1 ? 'one attempt' : 'retries'}: one whole value or SESSION_CONFLICT, never a mix`, async () => {
          const sessions: Sessions<Data> = createSessions<Data>(make(unclosable(kit.store)), {
            maxConflictRetries: retries,
          });
          // Reads what the store holds (a hybrid token would show its own snapshot).
          const reader = createSessions<Data>(stateful({ store: unclosable(kit.store) }));
          const outcomes = { a: 0, b: 0, conflicts: 0 };
          for (let round = 0; round < ROUNDS; round++) {
            const s = await sessions.loadCredential(null);
            await s.login(`u${round}`);
            s.set('profile', profile('start', 1));
            const { setCookie, token } = await s.commit();
            const credential = token ?? decodeURIComponent(/^sid=([^;]*)/.exec(setCookie!)![1]!);
            const a = profile('a', 3);
            const b = profile('b', 5);
            const results = await Promise.allSettled(
              [a, b].map(async (value) => {
                const r = await sessions.loadCredential(credential);
                r.set('profile', value);
                // Read-modify-write of the same key too: the change must apply whole or not at all.
                r.update('profile', (p) => ({ ...p!, address: { ...value.address } }));
                await r.commit();
              }),
            );
            for (const r of results) {
              if (r.status === 'rejected') {
                assert.ok(isSessionError(r.reason, 'SESSION_CONFLICT'), `unexpected ${String(r.reason)}`);
                outcomes.conflicts++;
              }
            }
            assert.ok(
              results.some((r) => r.status === 'fulfilled'),
              'one of the two requests succeeds',
            );
            const end = (await reader.loadCredential(s.internalId)).get('profile');
            const json = JSON.stringify(end);
            assert.ok(json === JSON.stringify(a) || json === JSON.stringify(b), `a mix: ${json}`);
            if (json === JSON.stringify(a)) outcomes.a++;
            else outcomes.b++;
          }
          await sessions.close();
          await reader.close();
          console.log(`${storeName} ${strategyName} retries=${retries}: ${JSON.stringify(outcomes)}`);
          assert.equal(outcomes.a + outcomes.b, ROUNDS);
        });
      }
    });
  }
}
