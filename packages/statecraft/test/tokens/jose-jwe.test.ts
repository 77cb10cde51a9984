/**
 * Differential tests for sealed tokens (dir + A256GCM), with jose as the oracle, both ways.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import * as jose from 'jose';
import { createKeyring, openToken, sealToken } from '../../src/tokens/index.js';
import { assertCode, b64, clock, dirSecret, NOW, NOW_MS } from './keys.js';

const ring = createKeyring([{ kid: 'dir', alg: 'dir', enc: 'A256GCM', secret: dirSecret }]);
const currentDate = new Date(NOW_MS);
const opts = { clock: clock(), audience: 'api' };
const joseOpts = { currentDate, audience: 'api' };

function joseJwe(payload: jose.JWTPayload, header: Partial<jose.CompactJWEHeaderParameters> = {}) {
  return new jose.EncryptJWT(payload)
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', ...header })
    .setAudience('api')
    .setIssuedAt(NOW)
    .setExpirationTime(NOW + 600);
}

const claimsArb = fc.record({
  sub: fc.string({ unit: 'binary', maxLength: 40 }),
  data: fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), {
    maxKeys: 5,
  }),
});

describe('dir+A256GCM: jose and statecraft agree', () => {
  test('a token jose encrypts (EncryptJWT) opens here with the same claims and header', async () => {
    const token = await joseJwe({ sub: 'u1', cart: [1, 2] }, { kid: 'dir', typ: 'JWT' }).encrypt(dirSecret);
    const ours = openToken(token, ring, { ...opts, typ: 'JWT' });
    const theirs = await jose.jwtDecrypt(token, dirSecret, { ...joseOpts, typ: 'JWT' });
    assert.deepEqual(ours.payload, theirs.payload);
    assert.deepEqual(ours.header, theirs.protectedHeader);
  });

  test('a token jose encrypts with CompactEncrypt opens here', async () => {
    const plaintext = new TextEncoder().encode(JSON.stringify({ aud: 'api', exp: NOW + 60, note: 'é😀' }));
    const token = await new jose.CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(dirSecret);
    assert.deepEqual(openToken(token, ring, opts).payload, { aud: 'api', exp: NOW + 60, note: 'é😀' });
  });

  test('a token statecraft seals decrypts in jose with the same claims and header', async () => {
    const token = sealToken({ sub: 'u1' }, ring, {
      ...opts,
      audience: 'api',
      expiresIn: 600,
      typ: 'session+jwe',
    });
    const theirs = await jose.jwtDecrypt(token, dirSecret, { ...joseOpts, typ: 'session+jwe' });
    assert.deepEqual(theirs.payload, openToken(token, ring, { ...opts, typ: 'session+jwe' }).payload);
    assert.deepEqual(theirs.protectedHeader, { alg: 'dir', enc: 'A256GCM', kid: 'dir', typ: 'session+jwe' });
  });

  test('generated claim sets round-trip both ways with identical results', async () => {
    await fc.assert(
      fc.asyncProperty(claimsArb, async (payload) => {
        const fromJose = await joseJwe(payload).encrypt(dirSecret);
        const joseView = await jose.jwtDecrypt(fromJose, dirSecret, joseOpts);
        assert.deepEqual(openToken(fromJose, ring, opts).payload, joseView.payload);

        const fromUs = sealToken(payload, ring, { ...opts, audience: 'api', expiresIn: 600 });
        const ourView = openToken(fromUs, ring, opts);
        assert.deepEqual((await jose.jwtDecrypt(fromUs, dirSecret, joseOpts)).payload, ourView.payload);
      }),
      { numRuns: 200 },
    );
  });
});

describe('dir+A256GCM: what jose refuses is refused here', () => {
  const cases: [name: string, make: () => Promise<string>, joseCode: string, ourCode: string][] = [
    [
      'an expired token',
      () =>
        joseJwe({})
          .setExpirationTime(NOW - 1)
          .encrypt(dirSecret),
      'ERR_JWT_EXPIRED',
      'TOKEN_EXPIRED',
    ],
    [
      'a token for another audience',
      () => joseJwe({}).setAudience('admin').encrypt(dirSecret),
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
      'TOKEN_CLAIM',
    ],
    [
      'a token with a tampered ciphertext',
      async () => {
        const parts = (await joseJwe({ role: 'user' }).encrypt(dirSecret)).split('.');
        const ct = Buffer.from(parts[3]!, 'base64url');
        ct[0]! ^= 1;
        parts[3] = b64(ct);
        return parts.join('.');
      },
      'ERR_JWE_DECRYPTION_FAILED',
      'TOKEN_SIGNATURE',
    ],
    [
      'a token with a tampered protected header',
      async () => {
        const parts = (await joseJwe({}).encrypt(dirSecret)).split('.');
        parts[0] = b64({ alg: 'dir', enc: 'A256GCM', typ: 'other' });
        return parts.join('.');
      },
      'ERR_JWE_DECRYPTION_FAILED',
      'TOKEN_SIGNATURE',
    ],
    [
      'a token encrypted under another key',
      () => joseJwe({}).encrypt(crypto.getRandomValues(new Uint8Array(32))),
      'ERR_JWE_DECRYPTION_FAILED',
      'TOKEN_SIGNATURE',
    ],
  ];

  for (const [name, make, joseCode, ourCode] of cases) {
    test(`${name}: jose ${joseCode}, statecraft ${ourCode}`, async () => {
      const token = await make();
      await assert.rejects(jose.jwtDecrypt(token, dirSecret, joseOpts), { code: joseCode });
      assertCode(() => openToken(token, ring, opts), ourCode as 'TOKEN_CLAIM');
    });
  }

  test('a token jose compresses (zip DEF) is refused here, where jose inflates it (RFC 8725 §3.6)', async () => {
    const token = await joseJwe({ sub: 'u1' }, { zip: 'DEF' }).encrypt(dirSecret);
    assert.equal((await jose.jwtDecrypt(token, dirSecret, joseOpts)).payload.sub, 'u1');
    await assert.rejects(jose.jwtDecrypt(token, dirSecret, { ...joseOpts, maxDecompressedLength: 0 }), {
      code: 'ERR_JOSE_NOT_SUPPORTED',
    });
    assertCode(() => openToken(token, ring, opts), 'TOKEN_MALFORMED');
  });
});
