/**
 * Differential tests for signed tokens, with jose as the oracle: what jose signs verifies here
 * with the same claims, what is signed here verifies in jose, and what jose refuses is refused
 * here too.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import * as jose from 'jose';
import { createKeyring, signToken, verifyToken } from '../../src/tokens/index.js';
import { assertCode, b64, clock, ed, hsSecret, NOW, NOW_MS } from './keys.js';

const ring = createKeyring([
  { kid: 'hs', alg: 'HS256', secret: hsSecret },
  { kid: 'ed', alg: 'EdDSA', privateKey: ed.privateKey, publicKey: ed.publicKey },
]);
const currentDate = new Date(NOW_MS);
const opts = { clock: clock(), issuer: 'https://auth.example', audience: 'api' };
const joseOpts = { currentDate, issuer: 'https://auth.example', audience: 'api' };

type Alg = 'HS256' | 'EdDSA';
const signingKey = (alg: Alg) => (alg === 'HS256' ? hsSecret : ed.privateKey);
const verifyingKey = (alg: Alg) => (alg === 'HS256' ? hsSecret : ed.publicKey);

function joseJwt(alg: Alg, payload: jose.JWTPayload, header: Partial<jose.JWTHeaderParameters> = {}) {
  return new jose.SignJWT(payload)
    .setProtectedHeader({ alg, ...header })
    .setIssuer('https://auth.example')
    .setAudience('api')
    .setIssuedAt(NOW)
    .setExpirationTime(NOW + 600);
}

// Claims as both libraries see them: JSON-safe values, strings from the whole of Unicode.
const claimsArb = fc.record(
  {
    sub: fc.string({ unit: 'binary', maxLength: 40 }),
    sid: fc.base64String({ minLength: 4, maxLength: 44 }),
    data: fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), {
      maxKeys: 5,
    }),
  },
  { requiredKeys: ['sub'] },
);

for (const alg of ['HS256', 'EdDSA'] as const) {
  describe(`${alg}: jose and statecraft agree`, () => {
    test('a token jose signs verifies here with the same claims and header', async () => {
      const kid = alg === 'HS256' ? 'hs' : 'ed';
      const token = await joseJwt(alg, { sub: 'u1', data: { role: 'member' } }, { kid, typ: 'JWT' }).sign(
        signingKey(alg),
      );
      const ours = verifyToken(token, ring, { ...opts, typ: 'JWT' });
      const theirs = await jose.jwtVerify(token, verifyingKey(alg), { ...joseOpts, typ: 'JWT' });
      assert.deepEqual(ours.payload, theirs.payload);
      assert.deepEqual(ours.header, theirs.protectedHeader);
    });

    test('a token statecraft signs verifies in jose with the same claims and header', async () => {
      const token = signToken({ sub: 'u1' }, ring, { ...opts, alg, expiresIn: 600, typ: 'session+jwt' });
      const theirs = await jose.jwtVerify(token, verifyingKey(alg), {
        ...joseOpts,
        typ: 'session+jwt',
        algorithms: [alg],
      });
      const ours = verifyToken(token, ring, { ...opts, typ: 'session+jwt' });
      assert.deepEqual(theirs.payload, ours.payload);
      assert.deepEqual(theirs.protectedHeader, {
        alg,
        kid: alg === 'HS256' ? 'hs' : 'ed',
        typ: 'session+jwt',
      });
    });

    test('generated claim sets round-trip both ways with identical results', async () => {
      await fc.assert(
        fc.asyncProperty(claimsArb, async (payload) => {
          const fromJose = await joseJwt(alg, payload).sign(signingKey(alg));
          const joseView = await jose.jwtVerify(fromJose, verifyingKey(alg), joseOpts);
          assert.deepEqual(verifyToken(fromJose, ring, opts).payload, joseView.payload);

          const fromUs = signToken(payload, ring, { ...opts, alg, expiresIn: 600 });
          const ourView = verifyToken(fromUs, ring, opts);
          assert.deepEqual(
            (await jose.jwtVerify(fromUs, verifyingKey(alg), joseOpts)).payload,
            ourView.payload,
          );
        }),
        { numRuns: alg === 'HS256' ? 300 : 100 },
      );
    });
  });

  describe(`${alg}: what jose refuses is refused here`, () => {
    const cases: [name: string, make: () => Promise<string>, joseCode: string, ourCode: string][] = [
      [
        'an expired token',
        () =>
          joseJwt(alg, {})
            .setExpirationTime(NOW - 1)
            .sign(signingKey(alg)),
        'ERR_JWT_EXPIRED',
        'TOKEN_EXPIRED',
      ],
      [
        'a token not yet valid',
        () =>
          joseJwt(alg, {})
            .setNotBefore(NOW + 120)
            .sign(signingKey(alg)),
        'ERR_JWT_CLAIM_VALIDATION_FAILED',
        'TOKEN_CLAIM',
      ],
      [
        'a token for another audience',
        () => joseJwt(alg, {}).setAudience('admin').sign(signingKey(alg)),
        'ERR_JWT_CLAIM_VALIDATION_FAILED',
        'TOKEN_CLAIM',
      ],
      [
        'a token from another issuer',
        () => joseJwt(alg, {}).setIssuer('https://evil.example').sign(signingKey(alg)),
        'ERR_JWT_CLAIM_VALIDATION_FAILED',
        'TOKEN_CLAIM',
      ],
      [
        'a token with a tampered payload',
        async () => {
          const [h, , s] = (await joseJwt(alg, { role: 'user' }).sign(signingKey(alg))).split('.');
          const payload = b64({
            role: 'admin',
            iss: 'https://auth.example',
            aud: 'api',
            iat: NOW,
            exp: NOW + 600,
          });
          return `${h}.${payload}.${s}`;
        },
        'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
        'TOKEN_SIGNATURE',
      ],
      [
        'a token with a tampered signature',
        async () => {
          const token = await joseJwt(alg, {}).sign(signingKey(alg));
          return token.slice(0, -6) + (token.endsWith('AAAAAA') ? 'BBBBBA' : 'AAAAAA');
        },
        'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
        'TOKEN_SIGNATURE',
      ],
      [
        'an alg none token built by hand',
        async () =>
          `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: 'https://auth.example', aud: 'api', exp: NOW + 600 })}.`,
        'ERR_JOSE_ALG_NOT_ALLOWED',
        'TOKEN_ALG',
      ],
    ];

    for (const [name, make, joseCode, ourCode] of cases) {
      test(`${name}: jose ${joseCode}, statecraft ${ourCode}`, async () => {
        const token = await make();
        await assert.rejects(jose.jwtVerify(token, verifyingKey(alg), { ...joseOpts, algorithms: [alg] }), {
          code: joseCode,
        });
        assertCode(() => verifyToken(token, ring, opts), ourCode as 'TOKEN_CLAIM');
      });
    }

    test('a token jose signs with a crit extension is refused by both', async () => {
      const token = await joseJwt(alg, {}, { crit: ['urn:example:ext'], 'urn:example:ext': true }).sign(
        signingKey(alg),
        { crit: { 'urn:example:ext': true } },
      );
      await assert.rejects(jose.jwtVerify(token, verifyingKey(alg), joseOpts), {
        code: 'ERR_JOSE_NOT_SUPPORTED',
      });
      assertCode(() => verifyToken(token, ring, opts), 'TOKEN_MALFORMED');
    });
  });
}
