/**
 * Typed session data without module augmentation: `createSessions<Data>()` types `get`, `set`,
 * `update` and `updateUser` end to end. These assertions are checked by the type-checker
 * (`npm test` runs `tsc` over the tests first); a wrong type fails the build, not just a test.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectTypeOf } from 'expect-type';
import { createSessions, type Session, stateful } from 'statecraft';
import { memoryStore } from 'statecraft/stores/memory';

type Data = { cart: { sku: string; qty: number }[]; role: 'user' | 'admin'; seen: Date };

test('session data is typed from createSessions<Data>() without module augmentation', async () => {
  const sessions = createSessions<Data>(stateful({ store: memoryStore() }));
  const session = await sessions.loadCredential(null);
  expectTypeOf(session).toEqualTypeOf<Session<Data>>();
  expectTypeOf(session.get('cart')).toEqualTypeOf<{ sku: string; qty: number }[] | undefined>();
  expectTypeOf(session.get('role')).toEqualTypeOf<'user' | 'admin' | undefined>();
  expectTypeOf(session.get).parameter(0).toEqualTypeOf<'cart' | 'role' | 'seen'>();
  expectTypeOf(session.set<'role'>)
    .parameter(1)
    .toEqualTypeOf<'user' | 'admin'>();
  expectTypeOf(session.update<'cart'>)
    .parameter(1)
    .returns.toEqualTypeOf<{ sku: string; qty: number }[]>();
  // Compiled, never run: each line must fail to type-check.
  const wrong = () => {
    // @ts-expect-error: not a key of Data
    session.get('nope');
    // @ts-expect-error: wrong value type for the key
    session.set('role', 'root');
    // @ts-expect-error: update must return the key's type
    session.update('cart', () => 'not a cart');
  };
  expectTypeOf(wrong).toBeFunction();
  await sessions.updateUser('ada', (data) => {
    expectTypeOf(data.role).toEqualTypeOf<'user' | 'admin' | undefined>();
  });

  session.set('role', 'admin');
  session.update('cart', (cart = []) => [...cart, { sku: 'a', qty: 1 }]);
  assert.equal(session.get('role'), 'admin');
  assert.deepEqual(session.get('cart'), [{ sku: 'a', qty: 1 }]);
});

test('without a type argument, data is an open record of unknown values', async () => {
  const sessions = createSessions(stateful({ store: memoryStore() }));
  const session = await sessions.loadCredential(null);
  expectTypeOf(session.get('anything')).toEqualTypeOf<unknown>();
  session.set('anything', 1);
  assert.equal(session.get('anything'), 1);
});
