/**
 * Registered claims (RFC 7519 §4.1) with a manual clock: expiry, not-before, issued-at, leeway
 * boundaries, issuer, audience and type.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { manualClock } from '../../src/platform/clock.js';
import {
  MAX_LEEWAY,
  openToken,
  sealToken,
  signToken,
  type VerifyOptions,
  verifyToken,
} from '../../src/tokens/index.js';
import { assertCode, clock, hsJws, mixedRing, NOW, NOW_MS } from './keys.js';

const ring = mixedRing();

/** Signs `payload` as is (no claims added) and verifies it at `atMs` with `opts`. */
function check(payload: Record<string, unknown>, atMs: number, opts: VerifyOptions = {}) {
  const token = signToken(payload, ring, { clock: manualClock(NOW_MS) });
  return verifyToken(token, ring, { clock: manualClock(atMs), ...opts });
}

describe('exp', () => {
  test('a token is valid until the second before exp and expired from exp on', () => {
    const exp = NOW + 60;
    check({ exp }, exp * 1000 - 1);
    assertCode(() => check({ exp }, exp * 1000), 'TOKEN_EXPIRED');
    assertCode(() => check({ exp }, exp * 1000 + 3_600_000), 'TOKEN_EXPIRED');
  });

  test('leeway extends exp by exactly that many seconds', () => {
    const exp = NOW + 60;
    check({ exp }, (exp + 30) * 1000 - 1, { leeway: 30 });
    assertCode(() => check({ exp }, (exp + 30) * 1000, { leeway: 30 }), 'TOKEN_EXPIRED');
  });

  test('a token that expires as the clock moves is refused with TOKEN_EXPIRED', () => {
    const c = clock();
    const token = signToken({ sub: 'u' }, ring, { clock: c, expiresIn: 900 });
    verifyToken(token, ring, { clock: c });
    c.advance(899_999);
    verifyToken(token, ring, { clock: c });
    c.advance(1);
    assertCode(() => verifyToken(token, ring, { clock: c }), 'TOKEN_EXPIRED');
  });

  test('exp is required by default, and requireExp: false lifts that', () => {
    assertCode(() => check({ sub: 'u' }, NOW_MS), 'TOKEN_CLAIM');
    assert.equal(check({ sub: 'u' }, NOW_MS, { requireExp: false }).payload.sub, 'u');
  });

  test('an exp that is not a finite number is refused with TOKEN_CLAIM', () => {
    for (const exp of ['2000000000', null, true, [1], { n: 1 }])
      assertCode(() => check({ exp }, NOW_MS), 'TOKEN_CLAIM');
    // JSON.parse reads 1e400 as Infinity: never an everlasting token.
    const t = hsJws({ alg: 'HS256', kid: 'hs' }, Buffer.from('{"exp":1e400}').toString('base64url'));
    assertCode(() => verifyToken(t, ring, { clock: clock() }), 'TOKEN_CLAIM');
  });

  test('a fractional exp is compared to the millisecond', () => {
    const exp = NOW + 10.5;
    check({ exp }, NOW_MS + 10_499);
    assertCode(() => check({ exp }, NOW_MS + 10_500), 'TOKEN_EXPIRED');
  });
});

describe('nbf', () => {
  test('a token is refused before nbf and accepted from nbf on', () => {
    const nbf = NOW + 60;
    const exp = NOW + 3600;
    assertCode(() => check({ nbf, exp }, nbf * 1000 - 1), 'TOKEN_CLAIM');
    check({ nbf, exp }, nbf * 1000);
  });

  test('leeway lets a token in that many seconds before nbf, and not one millisecond more', () => {
    const nbf = NOW + 60;
    const exp = NOW + 3600;
    check({ nbf, exp }, (nbf - 10) * 1000, { leeway: 10 });
    assertCode(() => check({ nbf, exp }, (nbf - 10) * 1000 - 1, { leeway: 10 }), 'TOKEN_CLAIM');
  });

  test('an nbf that is not a number is refused', () => {
    assertCode(() => check({ nbf: 'soon', exp: NOW + 60 }, NOW_MS), 'TOKEN_CLAIM');
  });
});

describe('iat', () => {
  test('a token issued in the future is refused; one issued now or before is accepted', () => {
    const exp = NOW + 3600;
    check({ iat: NOW, exp }, NOW_MS);
    check({ iat: NOW - 86_400, exp }, NOW_MS);
    assertCode(() => check({ iat: NOW + 1, exp }, NOW_MS), 'TOKEN_CLAIM');
  });

  test('leeway covers an iat that many seconds ahead of the clock', () => {
    const exp = NOW + 3600;
    check({ iat: NOW + 5, exp }, NOW_MS, { leeway: 5 });
    assertCode(() => check({ iat: NOW + 5, exp }, NOW_MS - 1, { leeway: 5 }), 'TOKEN_CLAIM');
  });

  test('an iat that is not a number is refused', () => {
    assertCode(() => check({ iat: '2026-01-01', exp: NOW + 60 }, NOW_MS), 'TOKEN_CLAIM');
  });
});

describe('leeway', () => {
  test('a leeway above 60 seconds is refused with INVALID_CONFIG', () => {
    assert.equal(MAX_LEEWAY, 60);
    check({ exp: NOW + 1 }, NOW_MS, { leeway: 60 });
    for (const leeway of [61, 60.001, 3600, Number.POSITIVE_INFINITY]) {
      assertCode(() => check({ exp: NOW + 1 }, NOW_MS, { leeway }), 'INVALID_CONFIG');
    }
  });

  test('a negative or non-numeric leeway is refused with INVALID_CONFIG', () => {
    for (const leeway of [-1, Number.NaN, '5' as unknown as number]) {
      assertCode(() => check({ exp: NOW + 1 }, NOW_MS, { leeway }), 'INVALID_CONFIG');
    }
  });

  test('a bad option is reported even for a malformed token', () => {
    assertCode(() => verifyToken('garbage', ring, { leeway: 120 }), 'INVALID_CONFIG');
    assertCode(() => openToken('garbage', ring, { leeway: 120 }), 'INVALID_CONFIG');
  });

  test('a maxLength that is not a positive integer is refused with INVALID_CONFIG', () => {
    for (const maxLength of [0, -1, 1.5, Number.NaN]) {
      assertCode(() => check({ exp: NOW + 1 }, NOW_MS, { maxLength }), 'INVALID_CONFIG');
    }
  });
});

describe('iss', () => {
  const exp = NOW + 60;

  test('iss must equal the configured issuer, or one of them', () => {
    check({ iss: 'https://auth.example', exp }, NOW_MS, { issuer: 'https://auth.example' });
    check({ iss: 'b', exp }, NOW_MS, { issuer: ['a', 'b'] });
    assertCode(
      () => check({ iss: 'https://evil.example', exp }, NOW_MS, { issuer: 'https://auth.example' }),
      'TOKEN_CLAIM',
    );
    assertCode(() => check({ iss: 'c', exp }, NOW_MS, { issuer: ['a', 'b'] }), 'TOKEN_CLAIM');
  });

  test('iss is required when an issuer is configured', () => {
    assertCode(() => check({ exp }, NOW_MS, { issuer: 'a' }), 'TOKEN_CLAIM');
  });

  test('iss is compared exactly, case and all', () => {
    assertCode(() => check({ iss: 'A', exp }, NOW_MS, { issuer: 'a' }), 'TOKEN_CLAIM');
    assertCode(() => check({ iss: 'a ', exp }, NOW_MS, { issuer: 'a' }), 'TOKEN_CLAIM');
  });

  test('a non-string iss, sub or jti is refused', () => {
    assertCode(() => check({ iss: ['a'], exp }, NOW_MS, { issuer: 'a' }), 'TOKEN_CLAIM');
    assertCode(() => check({ sub: 42, exp }, NOW_MS), 'TOKEN_CLAIM');
    assertCode(() => check({ jti: {}, exp }, NOW_MS), 'TOKEN_CLAIM');
  });
});

describe('aud', () => {
  const exp = NOW + 60;

  test('a string aud must be one of the configured audiences', () => {
    check({ aud: 'api', exp }, NOW_MS, { audience: 'api' });
    check({ aud: 'api', exp }, NOW_MS, { audience: ['web', 'api'] });
    assertCode(() => check({ aud: 'admin', exp }, NOW_MS, { audience: 'api' }), 'TOKEN_CLAIM');
  });

  test('an array aud must share a value with the configured audiences', () => {
    check({ aud: ['web', 'api'], exp }, NOW_MS, { audience: 'api' });
    check({ aud: ['x', 'api'], exp }, NOW_MS, { audience: ['api', 'y'] });
    assertCode(() => check({ aud: ['web', 'admin'], exp }, NOW_MS, { audience: 'api' }), 'TOKEN_CLAIM');
    assertCode(() => check({ aud: [], exp }, NOW_MS, { audience: 'api' }), 'TOKEN_CLAIM');
  });

  test('aud is required when an audience is configured', () => {
    assertCode(() => check({ exp }, NOW_MS, { audience: 'api' }), 'TOKEN_CLAIM');
  });

  test('a token with an aud is refused when no audience is configured (RFC 7519 §4.1.3)', () => {
    assertCode(() => check({ aud: 'api', exp }, NOW_MS), 'TOKEN_CLAIM');
  });

  test('an aud that is not a string or an array of strings is refused', () => {
    for (const aud of [42, null, ['api', 1], { api: true }]) {
      assertCode(() => check({ aud, exp }, NOW_MS, { audience: 'api' }), 'TOKEN_CLAIM');
    }
  });
});

describe('typ', () => {
  const payload = { exp: NOW + 60 };

  test('the header typ must match the expected type when one is given', () => {
    const token = signToken(payload, ring, { typ: 'session+jwt' });
    assert.equal(verifyToken(token, ring, { clock: clock(), typ: 'session+jwt' }).header.typ, 'session+jwt');
    assertCode(() => verifyToken(token, ring, { clock: clock(), typ: 'at+jwt' }), 'TOKEN_CLAIM');
    assertCode(
      () => verifyToken(signToken(payload, ring), ring, { clock: clock(), typ: 'session+jwt' }),
      'TOKEN_CLAIM',
    );
  });

  test('typ is compared as a media type: case-insensitive, application/ optional', () => {
    const token = signToken(payload, ring, { typ: 'Session+JWT' });
    verifyToken(token, ring, { clock: clock(), typ: 'session+jwt' });
    verifyToken(token, ring, { clock: clock(), typ: 'application/session+jwt' });
    const full = signToken(payload, ring, { typ: 'application/session+jwt' });
    verifyToken(full, ring, { clock: clock(), typ: 'SESSION+JWT' });
  });

  test('a token without typ is refused when a type is expected', () => {
    const token = hsJws({ alg: 'HS256', kid: 'hs' }, payload);
    verifyToken(token, ring, { clock: clock() });
    assertCode(() => verifyToken(token, ring, { clock: clock(), typ: 'JWT' }), 'TOKEN_CLAIM');
  });

  test('more types than the header cache holds still sign and verify', () => {
    for (let i = 0; i < 40; i++) {
      const typ = `kind-${i}+jwt`;
      const token = signToken(payload, ring, { typ });
      assert.equal(verifyToken(token, ring, { clock: clock(), typ }).header.typ, typ);
      assertCode(() => verifyToken(token, ring, { clock: clock(), typ: `other-${i}+jwt` }), 'TOKEN_CLAIM');
    }
  });

  test('sealed tokens check typ the same way', () => {
    const token = sealToken(payload, ring, { typ: 'session+jwe' });
    openToken(token, ring, { clock: clock(), typ: 'session+jwe' });
    assertCode(() => openToken(token, ring, { clock: clock(), typ: 'session+jwt' }), 'TOKEN_CLAIM');
  });
});

describe('issuing claims', () => {
  test('expiresIn sets iat to now and exp to now plus expiresIn, in whole seconds', () => {
    const c = manualClock(NOW_MS + 999);
    const { payload } = verifyToken(signToken({ sub: 'u' }, ring, { clock: c, expiresIn: 60 }), ring, {
      clock: c,
    });
    assert.deepEqual(payload, { sub: 'u', iat: NOW, exp: NOW + 60 });
  });

  test('issuer and audience options set iss and aud, and the caller’s payload is left untouched', () => {
    const input = { sub: 'u', exp: NOW + 60 };
    const token = signToken(input, ring, { issuer: 'i', audience: ['a', 'b'] });
    assert.deepEqual(input, { sub: 'u', exp: NOW + 60 });
    const { payload } = verifyToken(token, ring, { clock: clock(), issuer: 'i', audience: 'b' });
    assert.deepEqual(payload, { sub: 'u', exp: NOW + 60, iss: 'i', aud: ['a', 'b'] });
  });

  test('sealed tokens carry and check the same claims', () => {
    const token = sealToken({ sub: 'u' }, ring, {
      clock: clock(),
      expiresIn: 60,
      issuer: 'i',
      audience: 'a',
    });
    const { payload } = openToken(token, ring, { clock: clock(), issuer: 'i', audience: 'a' });
    assert.deepEqual(payload, { sub: 'u', iss: 'i', aud: 'a', iat: NOW, exp: NOW + 60 });
    assertCode(() => openToken(token, ring, { clock: manualClock(NOW_MS + 60_000) }), 'TOKEN_EXPIRED');
  });

  test('a non-positive expiresIn, or a payload that is not a JSON object, is a configuration error', () => {
    for (const expiresIn of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assertCode(() => signToken({}, ring, { expiresIn }), 'INVALID_CONFIG');
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const payload of [null, [], 'x', cyclic, { n: 1n }, { toJSON: () => 'x' }]) {
      assertCode(() => signToken(payload as Record<string, unknown>, ring), 'INVALID_CONFIG');
    }
  });
});
