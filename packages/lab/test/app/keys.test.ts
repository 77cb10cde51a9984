import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createSessions, type KeySpec } from 'statecraft';
import { deriveKeys, KEY_INFO } from '../../src/app/keys.js';
import { modeStrategy } from '../../src/app/modes.js';

/** RFC 5869 by hand (HMAC-SHA256, empty salt, one block): an independent check of the derivation. */
function hkdf(ikm: Buffer, info: string): Buffer {
  const prk = createHmac('sha256', Buffer.alloc(32)).update(ikm).digest();
  return createHmac('sha256', prk)
    .update(Buffer.concat([Buffer.from(info, 'utf8'), Buffer.from([1])]))
    .digest();
}

const secretOf = (k: KeySpec[]) => Buffer.from((k[0] as { secret: Uint8Array }).secret);

test('keys are HKDF-SHA256 of the shared secret, one info string per use', () => {
  const secret = randomBytes(32);
  const { signing, sealing } = deriveKeys(secret);
  assert.deepEqual(secretOf(signing), hkdf(secret, KEY_INFO.hybridJws));
  assert.deepEqual(secretOf(sealing), hkdf(secret, KEY_INFO.statelessJwe));
  assert.equal(signing[0]!.alg, 'HS256');
  assert.equal(sealing[0]!.alg, 'dir');
});

test('every instance given the same secret derives the same keys, and the two uses differ', () => {
  const secret = randomBytes(32);
  const a = deriveKeys(secret);
  const b = deriveKeys(Buffer.from(secret));
  assert.deepEqual(secretOf(a.signing), secretOf(b.signing));
  assert.deepEqual(secretOf(a.sealing), secretOf(b.sealing));
  assert.notDeepEqual(secretOf(a.signing), secretOf(a.sealing));
  assert.notDeepEqual(secretOf(a.signing), secret);
});

test('a secret that is not 32 bytes is refused', () => {
  assert.throws(() => deriveKeys(randomBytes(16)), RangeError);
});

test('a stateless token from one instance opens on another with the same secret only', async () => {
  const secret = randomBytes(32);
  const one = createSessions(modeStrategy('stateless', { secret }));
  const two = createSessions(modeStrategy('stateless', { secret: Buffer.from(secret) }));
  const other = createSessions(modeStrategy('stateless', { secret: randomBytes(32) }));
  const s = await one.loadCredential(null);
  await s.login('ada');
  const { token } = await s.commit();
  assert.equal((await two.loadCredential(token)).userId, 'ada');
  assert.equal((await other.loadCredential(token)).userId, null);
});
