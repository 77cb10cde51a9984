/**
 * Shared fixtures for the token tests: keys, a fixed clock, hand-built tokens, and an assertion
 * on refusal codes.
 */
import assert from 'node:assert/strict';
import {
  createCipheriv,
  createHmac,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';
import { type ManualClock, manualClock } from '../../src/platform/clock.js';
import type { SessionErrorCode } from '../../src/session/errors.js';
import { createKeyring, type Keyring } from '../../src/tokens/index.js';

/** 2026-01-01T00:00:00Z, the tests' "now". */
export const NOW_MS = Date.UTC(2026, 0, 1);
export const NOW = NOW_MS / 1000;

export const clock = (): ManualClock => manualClock(NOW_MS);

export const hsSecret = randomBytes(32);
export const hsSecretOld = randomBytes(32);
export const dirSecret = randomBytes(32);
export const ed = generateKeyPairSync('ed25519');

/** Claims valid at NOW. */
export const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  sub: 'user-1',
  sid: 'c2Vzc2lvbi0x',
  iat: NOW - 10,
  exp: NOW + 3600,
  ...extra,
});

/** One key of each kind. */
export function mixedRing(): Keyring {
  return createKeyring([
    { kid: 'hs', alg: 'HS256', secret: hsSecret },
    { kid: 'ed', alg: 'EdDSA', privateKey: ed.privateKey, publicKey: ed.publicKey },
    { kid: 'dir', alg: 'dir', enc: 'A256GCM', secret: dirSecret },
  ]);
}

export const b64 = (v: string | Uint8Array | object): string =>
  Buffer.from(typeof v === 'string' || v instanceof Uint8Array ? v : JSON.stringify(v)).toString('base64url');

/** A JWS signed with HMAC SHA-256 over whatever header and payload segments are given. */
export function hsJws(
  header: object | string,
  payload: object | string,
  secret: Uint8Array = hsSecret,
): string {
  const input = `${typeof header === 'string' ? header : b64(header)}.${typeof payload === 'string' ? payload : b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** A JWS signed with Ed25519 over whatever header and payload are given. */
export function edJws(header: object, payload: object | string, key: KeyObject = ed.privateKey): string {
  const input = `${b64(header)}.${typeof payload === 'string' ? payload : b64(payload)}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
}

/** A compact JWE (dir, A256GCM) over whatever header and plaintext are given. */
export function dirJwe(header: object, plaintext: object | string, secret: Uint8Array = dirSecret): string {
  const h = b64(header);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', secret, iv);
  cipher.setAAD(Buffer.from(h));
  const ct = Buffer.concat([
    cipher.update(typeof plaintext === 'string' ? plaintext : JSON.stringify(plaintext)),
    cipher.final(),
  ]);
  return `${h}..${b64(iv)}.${b64(ct)}.${b64(cipher.getAuthTag())}`;
}

/** Asserts that `fn` throws a SessionError with `code`. */
export function assertCode(fn: () => unknown, code: SessionErrorCode): void {
  assert.throws(fn, { name: 'SessionError', code });
}
