/**
 * Compact JWE (RFC 7516) with direct key agreement, `alg: "dir"` (RFC 7518 §4.5), and
 * AES-256-GCM content encryption, `enc: "A256GCM"` (RFC 7518 §5.3), synchronous on node:crypto.
 *
 * Serialization (RFC 7516 §7.1): header '.' encrypted key '.' IV '.' ciphertext '.' tag, where
 * the encrypted key is empty because the shared key is the content encryption key itself.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { SessionError } from '../session/errors.js';
import { segments } from './compact.js';
import { type CachedHeader, normalizeTyp, parseHeader } from './header.js';
import { type KeyEntry, type KeyringState, keyFor } from './keyring.js';
import type { ProtectedHeader } from './types.js';

/** A JWE whose tag verified, with its plaintext. */
export interface OpenedJwe {
  readonly entry: KeyEntry;
  readonly header: Readonly<ProtectedHeader>;
  /** Header `typ`, normalised; undefined when absent. */
  readonly typ: string | undefined;
  readonly plaintext: Buffer;
}

// RFC 7518 §5.3: a 96-bit IV and a 128-bit authentication tag.
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts `plaintext` under the key of `header`, a header the ring issues for a dir key. `iv`
 * must be 12 fresh random bytes: a random 96-bit IV is safe for up to 2^32 messages per key
 * (NIST SP 800-38D §8.3), so rotate keys long before that.
 */
export function sealJwe(header: CachedHeader, plaintext: Uint8Array, iv: Uint8Array): string {
  if (iv.length !== IV_BYTES) throw new SessionError('INVALID_CONFIG', 'The IV source must give 12 bytes');
  const cipher = createCipheriv('aes-256-gcm', header.entry.key, iv, { authTagLength: TAG_BYTES });
  // RFC 7516 §5.1 step 14: the AAD is ASCII(BASE64URL(UTF8(protected header))).
  cipher.setAAD(header.aad!);
  const ciphertext = cipher.update(plaintext);
  cipher.final(); // GCM is a stream mode: final() only computes the tag.
  return (
    header.encoded +
    '..' +
    Buffer.from(iv.buffer, iv.byteOffset, iv.byteLength).toString('base64url') +
    '.' +
    ciphertext.toString('base64url') +
    '.' +
    cipher.getAuthTag().toString('base64url')
  );
}

/** Decrypts a compact JWE, already through {@link compact}, against the ring (RFC 7516 §5.2). */
export function openJwe(state: KeyringState, token: string): OpenedJwe {
  const [h, ek, iv, ct, tag] = segments(token, 5) as [string, string, string, string, string];
  // RFC 7518 §4.5: with `dir` the JWE Encrypted Key is the empty octet sequence. A JWT is a JSON
  // object, so the ciphertext is never empty either.
  if (ek !== '') throw new SessionError('TOKEN_MALFORMED', 'Unexpected encrypted key');
  if (h === '' || iv === '' || ct === '' || tag === '')
    throw new SessionError('TOKEN_MALFORMED', 'Empty segment');

  let entry: KeyEntry;
  let header: Readonly<ProtectedHeader>;
  let typ: string | undefined;
  let aad: Buffer;
  const issued = state.headers.get(h);
  if (issued !== undefined && issued.aad !== undefined) {
    entry = issued.entry;
    header = issued.header;
    typ = issued.typ;
    aad = issued.aad;
  } else {
    header = parseHeader(h);
    // RFC 8725 §3.1: the only key management and content algorithms this engine has keys for.
    if (header.alg !== 'dir' || header.enc !== 'A256GCM') throw new SessionError('TOKEN_ALG');
    // RFC 8725 §3.6: compressing before encrypting leaks the plaintext through its length.
    if (Object.hasOwn(header, 'zip'))
      throw new SessionError('TOKEN_MALFORMED', 'Compression is not supported');
    entry = keyFor(state, 'dir', header.kid);
    typ = header.typ === undefined ? undefined : normalizeTyp(header.typ);
    aad = Buffer.from(h, 'latin1');
  }

  const ivBytes = Buffer.from(iv, 'base64url');
  const tagBytes = Buffer.from(tag, 'base64url');
  if (ivBytes.length !== IV_BYTES) throw new SessionError('TOKEN_MALFORMED', 'IV length');
  // A shorter tag would be accepted by GCM as a truncated tag: only the full 128 bits will do.
  if (tagBytes.length !== TAG_BYTES) throw new SessionError('TOKEN_MALFORMED', 'Tag length');

  const decipher = createDecipheriv('aes-256-gcm', entry.key, ivBytes, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tagBytes);
  const plaintext = decipher.update(Buffer.from(ct, 'base64url'));
  try {
    // RFC 7516 §5.2 step 16: nothing decrypted is used unless the tag verifies.
    decipher.final();
  } catch {
    throw new SessionError('TOKEN_SIGNATURE');
  }
  return { entry, header, typ, plaintext };
}
