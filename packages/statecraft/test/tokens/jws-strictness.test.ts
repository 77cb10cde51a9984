/**
 * One test per refusal rule of signed tokens (RFC 7515, RFC 7519 §7.2, RFC 8725), each asserting
 * its stable code.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { createKeyring, sealToken, signToken, verifyToken } from '../../src/tokens/index.js';
import { assertCode, b64, claims, clock, ed, edJws, hsJws, hsSecret, mixedRing, NOW } from './keys.js';

const ring = mixedRing();
const opts = { clock: clock() };
const valid = signToken(claims(), ring, opts);
const [h, p, s] = valid.split('.') as [string, string, string];

/** The segment with its last character's unused low bits set: same bytes to a lenient decoder. */
function nonCanonical(segment: string): string {
  assert.ok(segment.length % 4 === 2 || segment.length % 4 === 3);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(segment.at(-1)!);
  return segment.slice(0, -1) + alphabet[last + 1];
}

describe('signed tokens: what is accepted', () => {
  test('a token signed by the ring verifies, with its header and kid', () => {
    const r = verifyToken(valid, ring, opts);
    assert.deepEqual(r.payload, claims());
    assert.deepEqual(r.header, { alg: 'HS256', kid: 'hs', typ: 'JWT' });
    assert.equal(r.kid, 'hs');
    assert.equal(r.stale, false);
  });

  test('an EdDSA token signed by the ring verifies', () => {
    const t = signToken(claims(), ring, { ...opts, alg: 'EdDSA' });
    assert.equal(verifyToken(t, ring, opts).kid, 'ed');
  });

  test('a token without kid verifies when the ring holds one key of its algorithm', () => {
    const t = hsJws({ alg: 'HS256', typ: 'JWT' }, claims());
    assert.equal(verifyToken(t, ring, opts).kid, 'hs');
  });
});

describe('signed tokens: size and character set come first', () => {
  test('a 1 MB token is refused with TOKEN_TOO_LARGE and nothing in it is decoded', (t) => {
    const huge = hsJws({ alg: 'HS256', kid: 'hs' }, b64('x'.repeat(1 << 20)));
    assert.ok(huge.length > 1_000_000);
    const from = t.mock.method(Buffer, 'from');
    const parse = t.mock.method(JSON, 'parse');
    assertCode(() => verifyToken(huge, ring, opts), 'TOKEN_TOO_LARGE');
    assert.equal(from.mock.callCount(), 0);
    assert.equal(parse.mock.callCount(), 0);
  });

  test('a 1 MB string of any characters is refused as too large before its characters are looked at', () => {
    assertCode(() => verifyToken(' '.repeat(1 << 20), ring, opts), 'TOKEN_TOO_LARGE');
  });

  test('the cap is 8192 characters by default and maxLength moves it', () => {
    const padded = signToken(claims({ pad: 'x'.repeat(8192) }), ring, opts);
    assertCode(() => verifyToken(padded, ring, opts), 'TOKEN_TOO_LARGE');
    assert.equal(
      verifyToken(padded, ring, { ...opts, maxLength: padded.length }).payload.pad,
      'x'.repeat(8192),
    );
    assertCode(() => verifyToken(valid, ring, { ...opts, maxLength: valid.length - 1 }), 'TOKEN_TOO_LARGE');
  });

  test('a character outside [A-Za-z0-9_.-] is refused with TOKEN_MALFORMED before any decoding', (t) => {
    const bad = [
      `${valid} `,
      ` ${valid}`,
      `${h}.${p}+.${s}`,
      `${h}.${p}/.${s}`,
      `${h}=.${p}.${s}`,
      `${valid}\n`,
      `${h}.é.${s}`,
    ];
    const from = t.mock.method(Buffer, 'from');
    const parse = t.mock.method(JSON, 'parse');
    for (const token of bad) assertCode(() => verifyToken(token, ring, opts), 'TOKEN_MALFORMED');
    assert.equal(from.mock.callCount(), 0);
    assert.equal(parse.mock.callCount(), 0);
  });

  test('a token that is not a string, or is empty, is refused', () => {
    for (const v of [undefined, null, 42, {}, [valid], Buffer.from(valid), '']) {
      assertCode(() => verifyToken(v as string, ring, opts), 'TOKEN_MALFORMED');
    }
  });
});

describe('signed tokens: structure', () => {
  test('fewer or more than 3 segments are refused', () => {
    for (const t of [`${h}.${p}`, h, `${valid}.${s}`, `${h}.${p}.${s}.`, `${h}..${p}.${s}`, '..', '....']) {
      assertCode(() => verifyToken(t, ring, opts), 'TOKEN_MALFORMED');
    }
  });

  test('an empty header, payload or signature segment is refused', () => {
    for (const t of [`.${p}.${s}`, `${h}..${s}`, `${h}.${p}.`])
      assertCode(() => verifyToken(t, ring, opts), 'TOKEN_MALFORMED');
  });

  test('a sealed (5-segment) token is refused by verifyToken', () => {
    const sealed = `${h}..${b64(randomBytes(12))}.${p}.${b64(randomBytes(16))}`;
    assertCode(() => verifyToken(sealed, ring, opts), 'TOKEN_MALFORMED');
  });

  test('a header that is not a JSON object is refused', () => {
    for (const header of [
      '[]',
      '"HS256"',
      '42',
      'null',
      'true',
      '{"alg":"HS256"',
      '{alg:"HS256"}',
      '\uFEFF{"alg":"HS256"}',
    ]) {
      assertCode(() => verifyToken(hsJws(b64(header), claims()), ring, opts), 'TOKEN_MALFORMED');
    }
  });

  test('a header that is not UTF-8 is refused', () => {
    const header = Buffer.concat([
      Buffer.from('{"alg":"HS256","x":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);
    assertCode(() => verifyToken(hsJws(b64(header), claims()), ring, opts), 'TOKEN_MALFORMED');
  });

  test('a payload that is not a JSON object is refused, even correctly signed', () => {
    for (const payload of ['[]', '"sub"', '42', 'null', '{"exp":1', '']) {
      const t = payload === '' ? `${h}..${s}` : signedPayload(b64(payload));
      assertCode(() => verifyToken(t, ring, opts), 'TOKEN_MALFORMED');
    }
  });

  test('a payload that is not UTF-8 is refused, even correctly signed', () => {
    const bytes = Buffer.concat([
      Buffer.from(`{"exp":${NOW + 60},"x":"`),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ]);
    assertCode(() => verifyToken(signedPayload(b64(bytes)), ring, opts), 'TOKEN_MALFORMED');
  });

  test('a header without alg, or with a non-string alg, kid or typ, is refused', () => {
    for (const header of [
      { kid: 'hs' },
      { alg: null },
      { alg: ['HS256'] },
      { alg: 'HS256', kid: 1 },
      { alg: 'HS256', typ: {} },
    ]) {
      assertCode(() => verifyToken(hsJws(header, claims()), ring, opts), 'TOKEN_MALFORMED');
    }
  });
});

describe('signed tokens: algorithms', () => {
  for (const alg of ['none', 'None', 'noNE', 'NONE', 'nOnE']) {
    test(`alg "${alg}" is refused with TOKEN_ALG, signed or not`, () => {
      const unsigned = `${b64({ alg, typ: 'JWT' })}.${b64(claims())}.`;
      assertCode(() => verifyToken(unsigned, ring, opts), 'TOKEN_ALG');
      const withSig = `${b64({ alg, typ: 'JWT' })}.${b64(claims())}.${s}`;
      assertCode(() => verifyToken(withSig, ring, opts), 'TOKEN_ALG');
      assertCode(() => verifyToken(hsJws({ alg, kid: 'hs' }, claims()), ring, opts), 'TOKEN_ALG');
    });
  }

  test('unknown algorithms and other spellings of known ones are refused', () => {
    for (const alg of [
      'HS384',
      'HS512',
      'hs256',
      'Hs256',
      'RS256',
      'ES256',
      'PS256',
      'Ed25519',
      'eddsa',
      'dir',
      'A256GCM',
      '',
    ]) {
      assertCode(() => verifyToken(hsJws({ alg, kid: 'hs' }, claims()), ring, opts), 'TOKEN_ALG');
    }
  });

  test('an HS256 token naming an EdDSA key is refused with TOKEN_ALG (HS/asymmetric confusion)', () => {
    // The classic attack: HMAC keyed with the verifier's public key, as a lenient library would do.
    const publicPem = ed.publicKey.export({ type: 'spki', format: 'pem' });
    const forged = hsJws({ alg: 'HS256', kid: 'ed' }, claims(), Buffer.from(publicPem));
    assertCode(() => verifyToken(forged, ring, opts), 'TOKEN_ALG');
    const raw = ed.publicKey.export({ format: 'jwk' }).x!;
    assertCode(
      () =>
        verifyToken(hsJws({ alg: 'HS256', kid: 'ed' }, claims(), Buffer.from(raw, 'base64url')), ring, opts),
      'TOKEN_ALG',
    );
  });

  test('an HS256 token without kid is refused with TOKEN_ALG by a ring that only has EdDSA keys', () => {
    const edOnly = createKeyring([{ kid: 'ed', alg: 'EdDSA', publicKey: ed.publicKey }]);
    const publicPem = ed.publicKey.export({ type: 'spki', format: 'pem' });
    assertCode(
      () => verifyToken(hsJws({ alg: 'HS256' }, claims(), Buffer.from(publicPem)), edOnly, opts),
      'TOKEN_ALG',
    );
  });

  test('an EdDSA token naming an HS256 key is refused with TOKEN_ALG', () => {
    assertCode(() => verifyToken(edJws({ alg: 'EdDSA', kid: 'hs' }, claims()), ring, opts), 'TOKEN_ALG');
  });

  test('the header of a sealed token, as the ring issues it, is refused on a signed token', () => {
    const sealedHeader = sealToken(claims(), ring, opts).split('.')[0]!;
    assertCode(() => verifyToken(hsJws(sealedHeader, claims()), ring, opts), 'TOKEN_ALG');
  });

  test('a signed token naming the dir key is refused with TOKEN_ALG', () => {
    assertCode(() => verifyToken(hsJws({ alg: 'HS256', kid: 'dir' }, claims()), ring, opts), 'TOKEN_ALG');
  });
});

describe('signed tokens: keys', () => {
  test('an unknown kid is refused with TOKEN_KEY_UNKNOWN', () => {
    assertCode(
      () => verifyToken(hsJws({ alg: 'HS256', kid: 'other' }, claims()), ring, opts),
      'TOKEN_KEY_UNKNOWN',
    );
    assertCode(
      () => verifyToken(hsJws({ alg: 'HS256', kid: '__proto__' }, claims()), ring, opts),
      'TOKEN_KEY_UNKNOWN',
    );
  });

  test('a missing kid is refused with TOKEN_KEY_UNKNOWN when the ring has two keys of that alg', () => {
    const two = createKeyring([
      { kid: 'new', alg: 'HS256', secret: randomBytes(32) },
      { kid: 'hs', alg: 'HS256', secret: hsSecret },
    ]);
    assertCode(() => verifyToken(hsJws({ alg: 'HS256' }, claims()), two, opts), 'TOKEN_KEY_UNKNOWN');
  });

  for (const name of ['jku', 'x5u', 'jwk', 'x5c']) {
    test(`a ${name} header is ignored: it neither picks the key nor stops a valid token`, () => {
      const attacker = generateKeyPairSync('ed25519');
      const values: Record<string, unknown> = {
        jku: 'https://attacker.example/jwks.json',
        x5u: 'https://attacker.example/cert.pem',
        jwk: attacker.publicKey.export({ format: 'jwk' }),
        x5c: [attacker.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')],
      };
      // Signed by the ring's key with the header present: verifies.
      const honest = edJws({ alg: 'EdDSA', kid: 'ed', [name]: values[name] }, claims());
      assert.equal(verifyToken(honest, ring, opts).kid, 'ed');
      // Signed by the attacker's key that the header points to: refused.
      const forged = edJws({ alg: 'EdDSA', kid: 'ed', [name]: values[name] }, claims(), attacker.privateKey);
      assertCode(() => verifyToken(forged, ring, opts), 'TOKEN_SIGNATURE');
    });
  }

  test('a crit header is refused with TOKEN_MALFORMED, whatever it lists', () => {
    for (const crit of [['exp'], [], ['b64'], 'x']) {
      assertCode(
        () => verifyToken(hsJws({ alg: 'HS256', kid: 'hs', crit, exp: 1 }, claims()), ring, opts),
        'TOKEN_MALFORMED',
      );
    }
  });

  test('a b64 header is refused with TOKEN_MALFORMED (unencoded payloads are not supported)', () => {
    assertCode(
      () => verifyToken(hsJws({ alg: 'HS256', kid: 'hs', b64: false }, claims()), ring, opts),
      'TOKEN_MALFORMED',
    );
  });
});

describe('signed tokens: exact bytes', () => {
  test('a changed signature is refused with TOKEN_SIGNATURE', () => {
    const flipped = s[0] === 'A' ? `B${s.slice(1)}` : `A${s.slice(1)}`;
    assertCode(() => verifyToken(`${h}.${p}.${flipped}`, ring, opts), 'TOKEN_SIGNATURE');
  });

  test('a changed payload or header is refused with TOKEN_SIGNATURE', () => {
    const other = b64(claims({ sub: 'admin' }));
    assertCode(() => verifyToken(`${h}.${other}.${s}`, ring, opts), 'TOKEN_SIGNATURE');
    const header = b64({ alg: 'HS256', kid: 'hs', typ: 'at+jwt' });
    assertCode(() => verifyToken(`${header}.${p}.${s}`, ring, opts), 'TOKEN_SIGNATURE');
  });

  test('characters appended to the signature are refused', () => {
    for (const extra of ['A', 'AA', 'AAA', 'AAAA', s]) {
      assertCode(() => verifyToken(valid + extra, ring, opts), 'TOKEN_MALFORMED');
    }
  });

  test('a truncated signature is refused', () => {
    for (const n of [1, 2, 3, 4, 42])
      assertCode(() => verifyToken(valid.slice(0, -n), ring, opts), 'TOKEN_MALFORMED');
  });

  test('an extra segment after a valid token is refused', () => {
    for (const extra of ['.', '.AAAA', `.${s}`, `.${p}.${s}`]) {
      assertCode(() => verifyToken(valid + extra, ring, opts), 'TOKEN_MALFORMED');
    }
  });

  test('a non-canonical signature, one a lenient decoder reads as the same bytes, is refused', () => {
    const lenient = nonCanonical(s);
    assert.deepEqual(Buffer.from(lenient, 'base64url'), Buffer.from(s, 'base64url'));
    assertCode(() => verifyToken(`${h}.${p}.${lenient}`, ring, opts), 'TOKEN_MALFORMED');
  });

  test('a non-canonical header or payload segment is refused', () => {
    // Pick claims whose encoding does not end on a 4-character boundary.
    let payload = b64(claims());
    for (let i = 0; payload.length % 4 < 2; i++) payload = b64(claims({ pad: 'x'.repeat(i) }));
    const good = hsJws({ alg: 'HS256', kid: 'hs' }, payload);
    verifyToken(good, ring, opts);
    const [gh, gp, gs] = good.split('.') as [string, string, string];
    assertCode(() => verifyToken(`${gh}.${nonCanonical(gp)}.${gs}`, ring, opts), 'TOKEN_MALFORMED');
    let header = b64({ alg: 'HS256', kid: 'hs' });
    for (let i = 0; header.length % 4 < 2; i++) header = b64({ alg: 'HS256', kid: 'hs', x: 'y'.repeat(i) });
    assertCode(() => verifyToken(hsJws(nonCanonical(header), claims()), ring, opts), 'TOKEN_MALFORMED');
  });

  test('padding added to a segment is refused', () => {
    assertCode(() => verifyToken(`${h}.${p}.${s}=`, ring, opts), 'TOKEN_MALFORMED');
  });
});

function signedPayload(payloadSegment: string): string {
  return hsJws({ alg: 'HS256', kid: 'hs', typ: 'JWT' }, payloadSegment);
}
