/**
 * Strict base64url (RFC 4648 §5) as JOSE uses it: no padding (RFC 7515 §2, "Base64url Encoding"),
 * only the 64 URL-safe characters, and canonical encodings only.
 *
 * `Buffer.from(s, 'base64url')` is lenient: it skips characters outside the alphabet, accepts
 * `=` and ignores the unused low bits of the last character, so several strings decode to the
 * same bytes. A token must have exactly one spelling, so that the bytes accepted are the bytes
 * signed (RFC 4648 §3.5: a decoder MAY reject non-zero pad bits; RFC 4648 §3.3: characters
 * outside the alphabet), hence these checks run before Buffer ever sees the input.
 */
import { SessionError } from '../session/errors.js';

const ALPHABET = /^[A-Za-z0-9_-]*$/;

// Character code → 6-bit value, or -1 outside the alphabet.
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  VALUES['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charCodeAt(i)] = i;
}

/**
 * True when a string already known to use only the base64url alphabet is the canonical
 * encoding of some bytes: its length is not 1 modulo 4 (no encoding ends with a lone sextet),
 * and the bits of the last character that fall past the final byte are zero (RFC 4648 §3.5).
 */
export function hasCanonicalEnd(s: string): boolean {
  switch (s.length & 3) {
    case 0:
      return true;
    case 1:
      return false;
    case 2:
      // 2 characters = 12 bits for 1 byte: the last character's low 4 bits are padding.
      return (VALUES[s.charCodeAt(s.length - 1)]! & 0x0f) === 0;
    default:
      // 3 characters = 18 bits for 2 bytes: the last character's low 2 bits are padding.
      return (VALUES[s.charCodeAt(s.length - 1)]! & 0x03) === 0;
  }
}

/** True when `s` is the one canonical, unpadded base64url spelling of some bytes. */
function isBase64url(s: string): boolean {
  return ALPHABET.test(s) && hasCanonicalEnd(s);
}

/**
 * Decodes canonical unpadded base64url; anything else is `TOKEN_MALFORMED`.
 *
 * @example
 * b64uDecode('aGk') // <Buffer 68 69>
 * b64uDecode('aGl') // throws SessionError TOKEN_MALFORMED (non-zero trailing bits)
 */
export function b64uDecode(s: string): Buffer {
  if (!isBase64url(s)) throw new SessionError('TOKEN_MALFORMED', 'Invalid base64url');
  return Buffer.from(s, 'base64url');
}

/**
 * Encodes bytes, or a string as UTF-8, as unpadded base64url.
 *
 * @example
 * b64uEncode('{"alg":"HS256"}') // 'eyJhbGciOiJIUzI1NiJ9'
 */
export function b64uEncode(input: Uint8Array | string): string {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buf.toString('base64url');
}
