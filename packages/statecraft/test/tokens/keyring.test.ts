import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { format, inspect } from 'node:util';
import { createKeyring, type KeySpec, signToken } from '../../src/tokens/index.js';
import { assertCode, claims, dirSecret, ed, hsSecret, mixedRing } from './keys.js';

const pem = (
  k: { export(o: { type: 'spki' | 'pkcs8'; format: 'pem' }): string | Buffer },
  type: 'spki' | 'pkcs8',
) => String(k.export({ type, format: 'pem' }));

describe('keyring creation', () => {
  test('an HS256 secret shorter than 32 bytes is refused at creation', () => {
    assertCode(
      () => createKeyring([{ kid: 'k', alg: 'HS256', secret: randomBytes(31) }]),
      'TOKEN_KEY_INVALID',
    );
    assertCode(
      () => createKeyring([{ kid: 'k', alg: 'HS256', secret: 'short password' }]),
      'TOKEN_KEY_INVALID',
    );
  });

  test('an HS256 secret of 32 bytes or more is accepted, as bytes or as a UTF-8 string', () => {
    createKeyring([{ kid: 'a', alg: 'HS256', secret: randomBytes(32) }]);
    createKeyring([{ kid: 'b', alg: 'HS256', secret: randomBytes(64) }]);
    createKeyring([{ kid: 'c', alg: 'HS256', secret: 'x'.repeat(32) }]);
  });

  test('a dir key that is not exactly 32 bytes is refused', () => {
    for (const n of [16, 24, 31, 33, 64]) {
      assertCode(
        () => createKeyring([{ kid: 'd', alg: 'dir', enc: 'A256GCM', secret: randomBytes(n) }]),
        'TOKEN_KEY_INVALID',
      );
    }
  });

  test('a dir key with another enc is refused', () => {
    const spec = { kid: 'd', alg: 'dir', enc: 'A128GCM', secret: randomBytes(32) } as unknown as KeySpec;
    assertCode(() => createKeyring([spec]), 'TOKEN_KEY_INVALID');
  });

  test('EdDSA keys that are not Ed25519 are refused', () => {
    const ed448 = generateKeyPairSync('ed448');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assertCode(
      () => createKeyring([{ kid: 'e', alg: 'EdDSA', publicKey: ed448.publicKey }]),
      'TOKEN_KEY_INVALID',
    );
    assertCode(
      () => createKeyring([{ kid: 'e', alg: 'EdDSA', publicKey: ec.publicKey }]),
      'TOKEN_KEY_INVALID',
    );
    assertCode(
      () =>
        createKeyring([{ kid: 'e', alg: 'EdDSA', privateKey: ed448.privateKey, publicKey: ed.publicKey }]),
      'TOKEN_KEY_INVALID',
    );
  });

  test('a private key given as the public key is refused', () => {
    assertCode(
      () => createKeyring([{ kid: 'e', alg: 'EdDSA', publicKey: ed.privateKey }]),
      'TOKEN_KEY_INVALID',
    );
  });

  test('an EdDSA private key that does not match its public key is refused', () => {
    const other = generateKeyPairSync('ed25519');
    assertCode(
      () =>
        createKeyring([{ kid: 'e', alg: 'EdDSA', privateKey: other.privateKey, publicKey: ed.publicKey }]),
      'TOKEN_KEY_INVALID',
    );
  });

  test('EdDSA keys may be given as PEM strings', () => {
    const ring = createKeyring([
      {
        kid: 'e',
        alg: 'EdDSA',
        privateKey: pem(ed.privateKey, 'pkcs8'),
        publicKey: pem(ed.publicKey, 'spki'),
      },
    ]);
    assert.equal(ring.current('EdDSA'), 'e');
  });

  test('an unreadable PEM is refused', () => {
    assertCode(
      () => createKeyring([{ kid: 'e', alg: 'EdDSA', publicKey: 'not a pem' }]),
      'TOKEN_KEY_INVALID',
    );
  });

  test('duplicate kids are refused', () => {
    assertCode(
      () =>
        createKeyring([
          { kid: 'k', alg: 'HS256', secret: randomBytes(32) },
          { kid: 'k', alg: 'HS256', secret: randomBytes(32) },
        ]),
      'TOKEN_KEY_INVALID',
    );
  });

  test('the same secret under two kids or two algorithms is refused', () => {
    const s = randomBytes(32);
    assertCode(
      () =>
        createKeyring([
          { kid: 'a', alg: 'HS256', secret: s },
          { kid: 'b', alg: 'HS256', secret: Buffer.from(s) },
        ]),
      'TOKEN_KEY_INVALID',
    );
    assertCode(
      () =>
        createKeyring([
          { kid: 'a', alg: 'HS256', secret: s },
          { kid: 'b', alg: 'dir', enc: 'A256GCM', secret: s },
        ]),
      'TOKEN_KEY_INVALID',
    );
  });

  test('an empty kid, an unknown alg or a missing secret is refused', () => {
    assertCode(
      () => createKeyring([{ kid: '', alg: 'HS256', secret: randomBytes(32) }]),
      'TOKEN_KEY_INVALID',
    );
    assertCode(
      () => createKeyring([{ kid: 'k', alg: 'RS256', secret: randomBytes(32) } as unknown as KeySpec]),
      'TOKEN_KEY_INVALID',
    );
    assertCode(() => createKeyring([{ kid: 'k', alg: 'HS256' } as unknown as KeySpec]), 'TOKEN_KEY_INVALID');
  });

  test('an empty keyring is a configuration error', () => {
    assertCode(() => createKeyring([]), 'INVALID_CONFIG');
  });

  test('changing the caller’s secret after creation changes nothing', () => {
    const secret = randomBytes(32);
    const ring = createKeyring([{ kid: 'k', alg: 'HS256', secret }]);
    const token = signToken(claims(), ring);
    secret.fill(0);
    assert.equal(signToken(claims(), ring), token);
  });
});

describe('keyring secrecy', () => {
  test('no secret appears in toString, inspect, format or JSON of the keyring', () => {
    const ring = mixedRing();
    const renderings = [
      String(ring),
      `${ring}`,
      inspect(ring, { showHidden: true, depth: Infinity }),
      format('%o', ring),
      JSON.stringify(ring),
      JSON.stringify({ ring }),
    ];
    const needles = [
      hsSecret.toString('hex'),
      hsSecret.toString('base64'),
      hsSecret.toString('base64url'),
      hsSecret.toString('latin1'),
      dirSecret.toString('hex'),
      dirSecret.toString('base64url'),
      pem(ed.privateKey, 'pkcs8').split('\n')[1]!,
    ];
    for (const r of renderings) {
      for (const n of needles) assert.ok(!r.includes(n), `a secret leaked into ${r}`);
    }
    assert.deepEqual(JSON.parse(JSON.stringify(ring)), {
      keys: [
        { kid: 'hs', alg: 'HS256' },
        { kid: 'ed', alg: 'EdDSA' },
        { kid: 'dir', alg: 'dir' },
      ],
    });
  });

  test('the keyring exposes its kids but no key material as properties', () => {
    const ring = mixedRing();
    assert.deepEqual(ring.kids, ['hs', 'ed', 'dir']);
    assert.deepEqual(Object.keys(ring), ['kids']);
    assert.ok(Object.isFrozen(ring));
  });
});

describe('keyring selection', () => {
  test('each algorithm issues with its newest key', () => {
    const ring = createKeyring([
      { kid: 'hs-2', alg: 'HS256', secret: randomBytes(32) },
      { kid: 'dir-2', alg: 'dir', enc: 'A256GCM', secret: randomBytes(32) },
      { kid: 'hs-1', alg: 'HS256', secret: randomBytes(32) },
      { kid: 'dir-1', alg: 'dir', enc: 'A256GCM', secret: randomBytes(32) },
    ]);
    assert.equal(ring.current('HS256'), 'hs-2');
    assert.equal(ring.current('dir'), 'dir-2');
    assert.equal(ring.current('EdDSA'), undefined);
  });

  test('EdDSA issues with the newest key that has a private key', () => {
    const newer = generateKeyPairSync('ed25519');
    const ring = createKeyring([
      { kid: 'ed-next', alg: 'EdDSA', publicKey: newer.publicKey },
      { kid: 'ed-now', alg: 'EdDSA', privateKey: ed.privateKey, publicKey: ed.publicKey },
    ]);
    assert.equal(ring.current('EdDSA'), 'ed-now');
  });

  test('a verify-only EdDSA ring cannot sign', () => {
    const ring = createKeyring([{ kid: 'ed', alg: 'EdDSA', publicKey: ed.publicKey }]);
    assertCode(() => signToken(claims(), ring), 'INVALID_CONFIG');
  });

  test('something that is not a keyring is a configuration error', () => {
    const fake = { kids: ['k'], current: () => 'k', toJSON: () => ({ keys: [] }) };
    assertCode(() => signToken(claims(), fake), 'INVALID_CONFIG');
  });
});
