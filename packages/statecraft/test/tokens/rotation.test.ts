/**
 * Key rotation: a new key goes first in the ring, old keys keep verifying (and say so), and a
 * key removed from the ring takes its tokens with it.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { createKeyring, openToken, sealToken, signToken, verifyToken } from '../../src/tokens/index.js';
import { assertCode, claims, clock, ed, hsSecret, hsSecretOld } from './keys.js';

const opts = { clock: clock() };

describe('HS256 rotation', () => {
  const before = createKeyring([{ kid: 'k1', alg: 'HS256', secret: hsSecretOld }]);
  const during = createKeyring([
    { kid: 'k2', alg: 'HS256', secret: hsSecret },
    { kid: 'k1', alg: 'HS256', secret: hsSecretOld },
  ]);
  const after = createKeyring([{ kid: 'k2', alg: 'HS256', secret: hsSecret }]);
  const oldToken = signToken(claims(), before, opts);

  test('new tokens are signed with the newest key', () => {
    const { kid, stale } = verifyToken(signToken(claims(), during, opts), during, opts);
    assert.equal(kid, 'k2');
    assert.equal(stale, false);
  });

  test('a token from the previous key verifies and reports it was not signed by the newest key', () => {
    const r = verifyToken(oldToken, during, opts);
    assert.equal(r.kid, 'k1');
    assert.equal(r.stale, true);
    assert.deepEqual(r.payload, claims());
  });

  test('re-issuing a stale token moves it to the newest key', () => {
    const { payload } = verifyToken(oldToken, during, opts);
    const fresh = signToken(payload, during, opts);
    assert.equal(verifyToken(fresh, during, opts).stale, false);
    assert.equal(verifyToken(fresh, after, opts).kid, 'k2');
  });

  test('a token whose key was removed from the ring is refused with TOKEN_KEY_UNKNOWN', () => {
    assertCode(() => verifyToken(oldToken, after, opts), 'TOKEN_KEY_UNKNOWN');
  });
});

describe('EdDSA rotation', () => {
  const next = generateKeyPairSync('ed25519');

  test('a public key published ahead of use does not make tokens of the signing key stale', () => {
    const ring = createKeyring([
      { kid: 'ed-2', alg: 'EdDSA', publicKey: next.publicKey },
      { kid: 'ed-1', alg: 'EdDSA', privateKey: ed.privateKey, publicKey: ed.publicKey },
    ]);
    const token = signToken(claims(), ring, opts);
    const r = verifyToken(token, ring, opts);
    assert.equal(r.kid, 'ed-1');
    assert.equal(r.stale, false);
  });

  test('once the new key signs, tokens of the old one are stale, then unknown when it is removed', () => {
    const old = signToken(
      claims(),
      createKeyring([{ kid: 'ed-1', alg: 'EdDSA', privateKey: ed.privateKey, publicKey: ed.publicKey }]),
      opts,
    );
    const verifier = createKeyring([
      { kid: 'ed-2', alg: 'EdDSA', publicKey: next.publicKey },
      { kid: 'ed-1', alg: 'EdDSA', publicKey: ed.publicKey },
    ]);
    assert.equal(verifyToken(old, verifier, opts).stale, true);
    const pruned = createKeyring([{ kid: 'ed-2', alg: 'EdDSA', publicKey: next.publicKey }]);
    assertCode(() => verifyToken(old, pruned, opts), 'TOKEN_KEY_UNKNOWN');
  });
});

describe('dir rotation', () => {
  const s1 = randomBytes(32);
  const s2 = randomBytes(32);

  test('a sealed token from the previous key opens and is stale; removed, it is unknown', () => {
    const old = sealToken(
      claims(),
      createKeyring([{ kid: 'd1', alg: 'dir', enc: 'A256GCM', secret: s1 }]),
      opts,
    );
    const during = createKeyring([
      { kid: 'd2', alg: 'dir', enc: 'A256GCM', secret: s2 },
      { kid: 'd1', alg: 'dir', enc: 'A256GCM', secret: s1 },
    ]);
    const r = openToken(old, during, opts);
    assert.equal(r.kid, 'd1');
    assert.equal(r.stale, true);
    assert.equal(openToken(sealToken(claims(), during, opts), during, opts).kid, 'd2');
    assertCode(
      () => openToken(old, createKeyring([{ kid: 'd2', alg: 'dir', enc: 'A256GCM', secret: s2 }]), opts),
      'TOKEN_KEY_UNKNOWN',
    );
  });
});

describe('rotation across algorithms', () => {
  test('adding a key of another algorithm does not make existing tokens stale', () => {
    const ring = createKeyring([
      { kid: 'ed', alg: 'EdDSA', privateKey: ed.privateKey, publicKey: ed.publicKey },
      { kid: 'hs', alg: 'HS256', secret: hsSecret },
    ]);
    const token = signToken(claims(), ring, { ...opts, alg: 'HS256' });
    assert.equal(verifyToken(token, ring, opts).stale, false);
    assert.equal(verifyToken(signToken(claims(), ring, opts), ring, opts).kid, 'ed');
  });

  test('a kid reused for a key of another algorithm refuses the old tokens with TOKEN_ALG', () => {
    const old = signToken(claims(), createKeyring([{ kid: 'k', alg: 'HS256', secret: hsSecret }]), opts);
    const ring = createKeyring([{ kid: 'k', alg: 'EdDSA', publicKey: ed.publicKey }]);
    assertCode(() => verifyToken(old, ring, opts), 'TOKEN_ALG');
  });
});
