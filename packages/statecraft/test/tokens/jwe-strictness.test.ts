/**
 * Sealed tokens (compact JWE, dir + A256GCM): the round trip and one test per refusal rule
 * (RFC 7516, RFC 7518 §4.5 and §5.3, RFC 8725 §3.6).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Random } from '../../src/platform/random.js';
import { createKeyring, openToken, sealToken, signToken } from '../../src/tokens/index.js';
import { assertCode, b64, claims, clock, dirJwe, dirSecret, mixedRing } from './keys.js';

const ring = mixedRing();
const opts = { clock: clock() };
const sealed = sealToken(claims(), ring, opts);
const [h, ek, iv, ct, tag] = sealed.split('.') as [string, string, string, string, string];
const header = { alg: 'dir', enc: 'A256GCM', kid: 'dir' };

describe('sealed tokens: what is accepted', () => {
  test('a sealed token opens to its claims, header and kid', () => {
    const r = openToken(sealed, ring, opts);
    assert.deepEqual(r.payload, claims());
    assert.deepEqual(r.header, { alg: 'dir', enc: 'A256GCM', kid: 'dir', typ: 'JWT' });
    assert.equal(r.kid, 'dir');
    assert.equal(r.stale, false);
  });

  test('the token has five segments, an empty encrypted key, a 96-bit IV and a 128-bit tag', () => {
    assert.equal(sealed.split('.').length, 5);
    assert.equal(ek, '');
    assert.equal(Buffer.from(iv, 'base64url').length, 12);
    assert.equal(Buffer.from(tag, 'base64url').length, 16);
  });

  test('the claims are not readable in the token', () => {
    const t = sealToken(claims({ secret: 'hunter2-hunter2-hunter2' }), ring, opts);
    for (const segment of t.split('.'))
      assert.ok(!Buffer.from(segment, 'base64url').toString().includes('hunter2'));
  });

  test('each seal uses a fresh IV', () => {
    const ivs = new Set(Array.from({ length: 200 }, () => sealToken(claims(), ring, opts).split('.')[2]));
    assert.equal(ivs.size, 200);
  });

  test('an IV source that does not give 12 bytes is a configuration error', () => {
    const random: Random = { bytes: () => new Uint8Array(8) };
    assertCode(() => sealToken(claims(), ring, { ...opts, random }), 'INVALID_CONFIG');
  });

  test('a ring without a dir key cannot seal', () => {
    const hsOnly = createKeyring([{ kid: 'hs', alg: 'HS256', secret: randomBytes(32) }]);
    assertCode(() => sealToken(claims(), hsOnly, opts), 'INVALID_CONFIG');
  });

  test('a token sealed elsewhere without kid opens when the ring has one dir key', () => {
    const t = dirJwe({ alg: 'dir', enc: 'A256GCM' }, claims());
    assert.equal(openToken(t, ring, opts).kid, 'dir');
  });
});

describe('sealed tokens: size, characters and structure', () => {
  test('a 1 MB sealed token is refused with TOKEN_TOO_LARGE and nothing in it is decoded', (t) => {
    const huge = `${h}..${iv}.${'A'.repeat(1 << 20)}.${tag}`;
    const from = t.mock.method(Buffer, 'from');
    const parse = t.mock.method(JSON, 'parse');
    assertCode(() => openToken(huge, ring, opts), 'TOKEN_TOO_LARGE');
    assert.equal(from.mock.callCount(), 0);
    assert.equal(parse.mock.callCount(), 0);
  });

  test('a character outside [A-Za-z0-9_.-] is refused', () => {
    for (const t of [`${sealed} `, `${h}..${iv}.${ct}+.${tag}`, `${h}..${iv}.${ct}.${tag}=`]) {
      assertCode(() => openToken(t, ring, opts), 'TOKEN_MALFORMED');
    }
  });

  test('fewer or more than 5 segments are refused', () => {
    for (const t of [`${h}..${iv}.${ct}`, `${sealed}.`, `${sealed}.${tag}`, `${h}.${ct}.${tag}`]) {
      assertCode(() => openToken(t, ring, opts), 'TOKEN_MALFORMED');
    }
  });

  test('a signed (3-segment) token is refused by openToken', () => {
    assertCode(() => openToken(signToken(claims(), ring, opts), ring, opts), 'TOKEN_MALFORMED');
  });

  test('a non-empty encrypted key segment is refused (dir has none)', () => {
    assertCode(
      () => openToken(`${h}.${b64(randomBytes(40))}.${iv}.${ct}.${tag}`, ring, opts),
      'TOKEN_MALFORMED',
    );
  });

  test('an empty header, IV, ciphertext or tag segment is refused', () => {
    for (const t of [
      `..${iv}.${ct}.${tag}`,
      `${h}...${ct}.${tag}`,
      `${h}..${iv}..${tag}`,
      `${h}..${iv}.${ct}.`,
    ]) {
      assertCode(() => openToken(t, ring, opts), 'TOKEN_MALFORMED');
    }
  });

  test('an IV that is not 96 bits is refused', () => {
    for (const n of [8, 11, 13, 16]) {
      assertCode(() => openToken(`${h}..${b64(randomBytes(n))}.${ct}.${tag}`, ring, opts), 'TOKEN_MALFORMED');
    }
  });

  test('a truncated or lengthened tag is refused with TOKEN_MALFORMED (no short GCM tags)', () => {
    const bytes = Buffer.from(tag, 'base64url');
    for (const t of [
      bytes.subarray(0, 4),
      bytes.subarray(0, 12),
      bytes.subarray(0, 15),
      Buffer.concat([bytes, bytes]),
    ]) {
      assertCode(() => openToken(`${h}..${iv}.${ct}.${b64(t)}`, ring, opts), 'TOKEN_MALFORMED');
    }
  });

  test('a non-canonical tag segment is refused', () => {
    // 16 bytes take 22 characters: the last one carries 4 unused bits.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const lenient = tag.slice(0, -1) + alphabet[alphabet.indexOf(tag.at(-1)!) + 1];
    assert.deepEqual(Buffer.from(lenient, 'base64url'), Buffer.from(tag, 'base64url'));
    assertCode(() => openToken(`${h}..${iv}.${ct}.${lenient}`, ring, opts), 'TOKEN_MALFORMED');
  });

  test('a plaintext that is not a JSON object is refused, even correctly sealed', () => {
    for (const plaintext of ['[]', '"x"', '1', 'null', '{"exp":', '\uFEFF{}']) {
      assertCode(() => openToken(dirJwe(header, plaintext), ring, opts), 'TOKEN_MALFORMED');
    }
  });
});

describe('sealed tokens: algorithms and headers', () => {
  for (const alg of ['none', 'None', 'noNE', 'NONE']) {
    test(`alg "${alg}" is refused with TOKEN_ALG`, () => {
      assertCode(() => openToken(dirJwe({ ...header, alg }, claims()), ring, opts), 'TOKEN_ALG');
    });
  }

  test('key management other than dir is refused with TOKEN_ALG', () => {
    for (const alg of ['A256KW', 'RSA-OAEP', 'ECDH-ES', 'DIR', 'HS256']) {
      assertCode(() => openToken(dirJwe({ ...header, alg }, claims()), ring, opts), 'TOKEN_ALG');
    }
  });

  test('content encryption other than A256GCM, or none, is refused with TOKEN_ALG', () => {
    for (const enc of ['A128GCM', 'A256CBC-HS512', 'a256gcm', 'none', undefined]) {
      assertCode(() => openToken(dirJwe({ ...header, enc }, claims()), ring, opts), 'TOKEN_ALG');
    }
  });

  test('a zip header is refused with TOKEN_MALFORMED (compression oracles)', () => {
    assertCode(() => openToken(dirJwe({ ...header, zip: 'DEF' }, claims()), ring, opts), 'TOKEN_MALFORMED');
  });

  test('a crit header is refused with TOKEN_MALFORMED', () => {
    assertCode(
      () => openToken(dirJwe({ ...header, crit: ['exp'], exp: 1 }, claims()), ring, opts),
      'TOKEN_MALFORMED',
    );
  });

  test('the header of a signed token, as the ring issues it, is refused on a sealed token', () => {
    const signedHeader = signToken(claims(), ring, opts).split('.')[0]!;
    assertCode(() => openToken(`${signedHeader}..${iv}.${ct}.${tag}`, ring, opts), 'TOKEN_ALG');
  });

  test('a sealed token naming the HS256 key is refused with TOKEN_ALG', () => {
    assertCode(() => openToken(dirJwe({ ...header, kid: 'hs' }, claims()), ring, opts), 'TOKEN_ALG');
  });

  test('an unknown kid is refused with TOKEN_KEY_UNKNOWN', () => {
    assertCode(
      () => openToken(dirJwe({ ...header, kid: 'gone' }, claims()), ring, opts),
      'TOKEN_KEY_UNKNOWN',
    );
  });

  test('a missing kid is refused with TOKEN_KEY_UNKNOWN when the ring has two dir keys', () => {
    const two = createKeyring([
      { kid: 'dir-2', alg: 'dir', enc: 'A256GCM', secret: randomBytes(32) },
      { kid: 'dir', alg: 'dir', enc: 'A256GCM', secret: dirSecret },
    ]);
    assertCode(
      () => openToken(dirJwe({ alg: 'dir', enc: 'A256GCM' }, claims()), two, opts),
      'TOKEN_KEY_UNKNOWN',
    );
  });
});

describe('sealed tokens: authentication', () => {
  test('a changed ciphertext is refused with TOKEN_SIGNATURE', () => {
    const bytes = Buffer.from(ct, 'base64url');
    bytes[0]! ^= 1;
    assertCode(() => openToken(`${h}..${iv}.${b64(bytes)}.${tag}`, ring, opts), 'TOKEN_SIGNATURE');
  });

  test('a changed tag or IV is refused with TOKEN_SIGNATURE', () => {
    const t = Buffer.from(tag, 'base64url');
    t[15]! ^= 0x80;
    assertCode(() => openToken(`${h}..${iv}.${ct}.${b64(t)}`, ring, opts), 'TOKEN_SIGNATURE');
    const i = Buffer.from(iv, 'base64url');
    i[0]! ^= 1;
    assertCode(() => openToken(`${h}..${b64(i)}.${ct}.${tag}`, ring, opts), 'TOKEN_SIGNATURE');
  });

  test('a changed protected header is refused with TOKEN_SIGNATURE: it is the AAD', () => {
    const other = b64({ alg: 'dir', enc: 'A256GCM', kid: 'dir', typ: 'at+jwt' });
    assertCode(() => openToken(`${other}..${iv}.${ct}.${tag}`, ring, opts), 'TOKEN_SIGNATURE');
  });

  test('a token sealed under another key is refused with TOKEN_SIGNATURE', () => {
    assertCode(() => openToken(dirJwe(header, claims(), randomBytes(32)), ring, opts), 'TOKEN_SIGNATURE');
  });

  test('appended characters and extra segments are refused', () => {
    for (const extra of ['A', 'AA', 'AAAA', '.', `.${tag}`]) {
      assertCode(() => openToken(sealed + extra, ring, opts), 'TOKEN_MALFORMED');
    }
  });
});
