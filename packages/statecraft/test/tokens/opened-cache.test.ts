/**
 * The memory of opened tokens (`createTokenCache`): a sealed token seen again is not decrypted
 * again, and nothing else about checking it changes — its claims, its type, its key.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { describe, mock, test } from 'node:test';
import {
  createKeyring,
  createTokenCache,
  type Keyring,
  openToken,
  sealToken,
  type TokenCache,
} from '../../src/tokens/index.js';
import { assertCode, claims, clock, dirJwe, dirSecret, NOW } from './keys.js';

const ring = () => createKeyring([{ kid: 'dir', alg: 'dir', enc: 'A256GCM', secret: dirSecret }]);

/** A token sealed with `keyring` and opened once with `cache`, so the cache remembers it. */
function remembered(
  keyring: Keyring,
  cache: TokenCache,
  extra: Record<string, unknown> = {},
  typ?: string,
): string {
  const token = sealToken(claims(extra), keyring, typ === undefined ? {} : { typ });
  openToken(token, keyring, { clock: clock(), cache, ...(typ === undefined ? {} : { typ }) });
  return token;
}

/** Counts node:crypto decryptions while `fn` runs. */
function decryptions(fn: () => void): number {
  const spy = mock.method(crypto, 'createDecipheriv');
  syncBuiltinESMExports();
  try {
    fn();
    return spy.mock.callCount();
  } finally {
    spy.mock.restore();
    syncBuiltinESMExports();
  }
}

describe('token cache', () => {
  test('a token opened once is not decrypted again, and yields the same claims', () => {
    const keyring = ring();
    const cache = createTokenCache(10);
    const token = dirJwe({ alg: 'dir', enc: 'A256GCM', kid: 'dir' }, claims());
    const opts = { clock: clock(), cache };
    assert.equal(
      decryptions(() => openToken(token, keyring, opts)),
      1,
    );
    assert.equal(cache.size, 1);
    let again: unknown;
    assert.equal(
      decryptions(() => {
        again = openToken(token, keyring, opts).payload;
      }),
      0,
    );
    assert.deepEqual(again, claims());
    // Without the cache every open decrypts.
    assert.equal(
      decryptions(() => openToken(token, keyring, { clock: clock() })),
      1,
    );
  });

  test('a hit reports what the first opening did: the key, the header, whether the key is stale', () => {
    const keyring = ring();
    const cache = createTokenCache(10);
    const token = sealToken(claims(), keyring, { typ: 'session+jwt' });
    const opts = { clock: clock(), cache, typ: 'session+jwt' };
    const first = openToken(token, keyring, opts);
    let hit: ReturnType<typeof openToken> | undefined;
    assert.equal(
      decryptions(() => {
        hit = openToken(token, keyring, opts);
      }),
      0,
    );
    assert.deepEqual(hit, first);
    assert.equal(hit!.kid, 'dir');
    assert.equal(hit!.header.typ, 'session+jwt');
    assert.equal(hit!.stale, false);
  });

  test('every hit gets objects of its own: changing one payload changes no other', () => {
    const keyring = ring();
    const cache = createTokenCache(10);
    const token = remembered(keyring, cache, { cart: ['a'] });
    const first = openToken(token, keyring, { clock: clock(), cache }).payload as { cart: string[] };
    first.cart.push('tampered');
    const second = openToken(token, keyring, { clock: clock(), cache }).payload as { cart: string[] };
    assert.deepEqual(second.cart, ['a']);
  });

  test('claims are checked again on every hit: a remembered token still expires', () => {
    const keyring = ring();
    const cache = createTokenCache(10);
    const c = clock();
    const token = remembered(keyring, cache, { exp: NOW + 60 });
    c.advance(61_000);
    assertCode(() => openToken(token, keyring, { clock: c, cache }), 'TOKEN_EXPIRED');
  });

  test('the expected type is checked again on every hit', () => {
    const keyring = ring();
    const cache = createTokenCache(10);
    const token = remembered(keyring, cache, {}, 'session+jwt');
    assertCode(() => openToken(token, keyring, { clock: clock(), cache, typ: 'invite+jwt' }), 'TOKEN_CLAIM');
  });

  test('a ring without the key (rotated out) opens nothing the cache remembers from it', () => {
    const cache = createTokenCache(10);
    const token = remembered(ring(), cache);
    // Same kid, another secret: a new ring, so the remembered entry's key is not its key.
    const other = createKeyring([{ kid: 'dir', alg: 'dir', enc: 'A256GCM', secret: crypto.randomBytes(32) }]);
    assertCode(() => openToken(token, other, { clock: clock(), cache }), 'TOKEN_SIGNATURE');
    const without = createKeyring([
      { kid: 'other', alg: 'dir', enc: 'A256GCM', secret: crypto.randomBytes(32) },
    ]);
    assertCode(() => openToken(token, without, { clock: clock(), cache }), 'TOKEN_KEY_UNKNOWN');
  });

  test('a token one character away from a remembered one is decrypted and refused', () => {
    const keyring = ring();
    const cache = createTokenCache(10);
    const token = remembered(keyring, cache);
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const forged = `${token.slice(0, -2)}${last}${token.at(-1)}`;
    assertCode(() => openToken(forged, keyring, { clock: clock(), cache }), 'TOKEN_SIGNATURE');
    assert.equal(cache.size, 1);
  });

  test('what fails to open or is oversized is never remembered', () => {
    const keyring = ring();
    const cache = createTokenCache(10);
    const notJson = dirJwe({ alg: 'dir', enc: 'A256GCM', kid: 'dir' }, 'not json');
    assertCode(() => openToken(notJson, keyring, { clock: clock(), cache }), 'TOKEN_MALFORMED');
    assertCode(() => openToken('a'.repeat(9000), keyring, { clock: clock(), cache }), 'TOKEN_TOO_LARGE');
    assert.equal(cache.size, 0);
  });

  test('it holds at most its capacity, the oldest going first', () => {
    const keyring = ring();
    const cache = createTokenCache(3);
    const tokens = Array.from({ length: 5 }, (_, i) => remembered(keyring, cache, { n: i }));
    assert.equal(cache.size, 3);
    // The two oldest were dropped: opening them decrypts; the newest three do not.
    assert.equal(
      decryptions(() => openToken(tokens[4]!, keyring, { clock: clock(), cache })),
      0,
    );
    assert.equal(
      decryptions(() => openToken(tokens[0]!, keyring, { clock: clock(), cache })),
      1,
    );
    assert.equal(cache.size, 3);
    cache.clear();
    assert.equal(cache.size, 0);
  });

  test('a capacity that is not a positive whole number is refused', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      assertCode(() => createTokenCache(bad), 'INVALID_CONFIG');
    }
  });

  test('a cache that did not come from createTokenCache is a configuration error, whatever the token', () => {
    const keyring = ring();
    const token = sealToken(claims(), keyring);
    const fake = { size: 0, capacity: 10, clear() {} };
    assertCode(() => openToken(token, keyring, { clock: clock(), cache: fake }), 'INVALID_CONFIG');
  });
});
