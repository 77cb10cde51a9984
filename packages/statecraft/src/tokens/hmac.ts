/**
 * HMAC SHA-256 for HS256 (RFC 7518 §3.2), as RFC 2104 defines it, on node:crypto's one-shot
 * SHA-256:
 *
 *   HMAC(K, m) = H((K' ⊕ opad) ‖ H((K' ⊕ ipad) ‖ m))
 *
 * where K' is K padded with zeros to the 64-byte block, or H(K) first when K is longer (RFC 2104
 * §2). `createHmac` builds an OpenSSL HMAC context on every call, and with OpenSSL 3 that set-up
 * costs more than hashing a session token; `crypto.hash` (Node >= 20.12) hashes in one call.
 * The padded keys are computed once per key, in buffers that also have room for the message,
 * so a MAC costs two one-shot hashes and two writes: about twice as fast. Where `crypto.hash` is missing, or the message does
 * not fit the scratch buffer, `createHmac` is used: the result is the same either way (tests
 * compare both on generated keys and messages).
 */
import * as nodeCrypto from 'node:crypto';
import { createHmac, type KeyObject } from 'node:crypto';
import { DEFAULT_MAX_LENGTH } from './compact.js';

/** SHA-256 block size, B in RFC 2104 §2. */
const BLOCK = 64;
const IPAD = 0x36;
const OPAD = 0x5c;

// Read through the namespace: on Node < 20.12 the export is missing, which a named import of a
// builtin would turn into a link error.
const oneShot: typeof nodeCrypto.hash | undefined = nodeCrypto.hash;

/**
 * An HS256 key ready for use: the KeyObject, and two buffers starting with its padded blocks,
 * with room after them for the message and for the inner hash. As secret as the key.
 */
export interface HmacKey {
  readonly key: KeyObject;
  /** (K' ⊕ ipad) ‖ room for a message of up to DEFAULT_MAX_LENGTH bytes. */
  readonly inner: Buffer;
  /** (K' ⊕ opad) ‖ room for the 32-byte inner hash. */
  readonly outer: Buffer;
}

/** Precomputes the padded blocks of `secret` (RFC 2104 §2, steps 1-2 and 5). */
export function hmacKey(key: KeyObject, secret: Uint8Array): HmacKey {
  const k = secret.length > BLOCK ? nodeCrypto.createHash('sha256').update(secret).digest() : secret;
  const inner = Buffer.alloc(BLOCK + DEFAULT_MAX_LENGTH);
  const outer = Buffer.alloc(BLOCK + 32);
  inner.fill(IPAD, 0, BLOCK);
  outer.fill(OPAD, 0, BLOCK);
  for (let i = 0; i < k.length; i++) {
    inner[i]! ^= k[i]!;
    outer[i]! ^= k[i]!;
  }
  return { key, inner, outer };
}

/**
 * HMAC SHA-256 of `message`, a string of code points below 256 (a JWS signing input is ASCII),
 * as a 32-character 'binary' (latin1) string: one character per byte, and no Buffer allocated.
 * Hashing is synchronous, so the key's buffers can be written to without further ado.
 */
export function hmacSha256(key: HmacKey, message: string): string {
  const { inner, outer } = key;
  if (oneShot === undefined || message.length > inner.length - BLOCK) {
    return createHmac('sha256', key.key).update(message, 'latin1').digest('binary');
  }
  const n = inner.write(message, BLOCK, 'latin1');
  outer.write(oneShot('sha256', inner.subarray(0, BLOCK + n), 'binary'), BLOCK, 'latin1');
  return oneShot('sha256', outer, 'binary');
}
