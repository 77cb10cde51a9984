/**
 * Session ids: 256 bits from the CSPRNG, base64url (43 characters), stored only as their
 * SHA-256 (OWASP Session Management Cheat Sheet: at least 64 bits of entropy; we use 256 so
 * the hash alone cannot be brute-forced back to an id).
 */
import * as nodeCrypto from 'node:crypto';
import type { Random } from '../platform/random.js';

/** Length of an id in characters: 32 bytes in unpadded base64url. */
export const ID_LENGTH = 43;
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A fresh session id. */
export function newSessionId(random: Random): string {
  return Buffer.from(random.bytes(32)).toString('base64url');
}

/**
 * True when `s` has the exact shape of an id this library issues. Anything else is never
 * looked up (and so never adopted): OWASP "session id must be validated".
 */
export function isWellFormedId(s: string): boolean {
  return s.length === ID_LENGTH && ID_PATTERN.test(s);
}

// One-shot hashing (Node >= 20.12) skips building a Hash object: about half the cost of a load's
// key. Read through the namespace, as a missing export of a builtin would fail to link.
const oneShot: typeof nodeCrypto.hash | undefined = nodeCrypto.hash;

/** The form a store keeps: base64url SHA-256 of the id. */
export function storeKey(id: string): string {
  return oneShot !== undefined
    ? oneShot('sha256', id, 'base64url')
    : nodeCrypto.createHash('sha256').update(id).digest('base64url');
}
