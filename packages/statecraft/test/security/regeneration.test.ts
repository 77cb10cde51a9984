/**
 * Regeneration (OWASP Session Management: renew the id on any privilege change) on every store,
 * through the strategies that keep state in one: login and regenerate() issue a new id, delete
 * the old record from the store (not only refuse it), and keep the data; the old credential
 * then gets no session.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Store, StrategyFactory } from 'statecraft';
import { createSessions, hybrid, stateful, storeKey } from 'statecraft';
import { makeStore, STORE_NAMES, type StoreKit, unclosable } from '../helpers/stores.js';
import { hsKey } from '../helpers/tokens.js';

type Data = { cart: string[]; role: string };

const STRATEGIES: [string, (store: Store) => StrategyFactory][] = [
  ['stateful', (store) => stateful({ store })],
  ['hybrid', (store) => hybrid({ store, keys: [hsKey()], format: 'jws' })],
];

/** The credential a commit hands the client. */
function credentialOf(r: { setCookie: string | null; token: string | null }): string {
  return r.token ?? decodeURIComponent(/^sid=([^;]*)/.exec(r.setCookie!)![1]!);
}

for (const storeName of STORE_NAMES) {
  for (const [strategyName, make] of STRATEGIES) {
    describe(`regeneration on the ${storeName} store (${strategyName})`, () => {
      let kit: StoreKit;
      before(async () => {
        kit = await makeStore(storeName);
      });
      after(() => kit.cleanup());

      test('login and a privilege change each issue a new id and delete the old record from the store', async () => {
        const sessions = createSessions<Data>(make(unclosable(kit.store)));
        // An anonymous session with a cart, as before a login.
        const anon = await sessions.loadCredential(null);
        anon.set('cart', ['sku-1']);
        const c0 = credentialOf(await anon.commit());
        const id0 = anon.internalId;
        assert.notEqual(await kit.store.get(storeKey(id0)), null);

        const s1 = await sessions.loadCredential(c0);
        await s1.login('ada');
        const c1 = credentialOf(await s1.commit());
        const id1 = s1.internalId;
        assert.notEqual(id1, id0);
        assert.equal(await kit.store.get(storeKey(id0)), null, 'the pre-login record is gone');

        // Privilege change: the app raises the role and regenerates.
        const s2 = await sessions.loadCredential(c1);
        s2.set('role', 'admin');
        await s2.regenerate();
        const c2 = credentialOf(await s2.commit());
        const id2 = s2.internalId;
        assert.notEqual(id2, id1);
        assert.equal(await kit.store.get(storeKey(id1)), null, 'the pre-change record is gone');

        const now = await sessions.loadCredential(c2);
        assert.equal(now.userId, 'ada');
        assert.equal(now.get('role'), 'admin');
        assert.deepEqual(now.get('cart'), ['sku-1']);
        for (const old of [c0, c1]) {
          const replay = await sessions.loadCredential(old);
          assert.equal(replay.userId, null, 'an old credential gets no session');
        }
        await sessions.close();
      });
    });
  }
}
