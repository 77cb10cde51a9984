/**
 * The HS256 MAC (RFC 2104 over one-shot SHA-256) against node:crypto's createHmac, and against
 * the HMAC-SHA-256 test vectors of RFC 4231 §4.
 */
import assert from 'node:assert/strict';
import { createHmac, createSecretKey } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { hmacKey, hmacSha256 } from '../../src/tokens/hmac.js';

const mac = (secret: Uint8Array, message: string) =>
  Buffer.from(hmacSha256(hmacKey(createSecretKey(secret), secret), message), 'latin1').toString('hex');
const reference = (secret: Uint8Array, message: string) =>
  createHmac('sha256', secret).update(message, 'latin1').digest('hex');

describe('HMAC SHA-256', () => {
  test('matches the RFC 4231 test vectors', () => {
    // Test case 2: a short key.
    assert.equal(
      mac(Buffer.from('Jefe'), 'what do ya want for nothing?'),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    // Test case 6: a 131-byte key, longer than the block, is hashed first.
    assert.equal(
      mac(Buffer.alloc(131, 0xaa), 'Test Using Larger Than Block-Size Key - Hash Key First'),
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    );
  });

  test('equals createHmac for generated keys and messages, including keys longer than a block', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.string({
          unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
          maxLength: 600,
        }),
        (secret, message) => {
          assert.equal(mac(secret, message), reference(secret, message));
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('equals createHmac for block-boundary keys and messages longer than the scratch buffer', () => {
    for (const keyLength of [32, 63, 64, 65, 128]) {
      const secret = Buffer.alloc(keyLength, 7);
      for (const messageLength of [0, 55, 56, 63, 64, 65, 8191, 8192, 8193, 20_000]) {
        const message = 'x'.repeat(messageLength);
        assert.equal(
          mac(secret, message),
          reference(secret, message),
          `key ${keyLength}, message ${messageLength}`,
        );
      }
    }
  });

  test('a MAC does not depend on the MACs computed before it', () => {
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(100, 2);
    const long = 'y'.repeat(5000);
    const first = mac(a, 'short');
    mac(b, long);
    assert.equal(mac(a, 'short'), first);
  });
});
