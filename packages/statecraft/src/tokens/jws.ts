/**
 * Compact JWS (RFC 7515) with HS256 (RFC 7518 §3.2) and EdDSA over Ed25519 (RFC 8037 §3.1),
 * synchronous on node:crypto.
 */
import { sign, timingSafeEqual, verify } from 'node:crypto';
import { SessionError } from '../session/errors.js';
import { hasCanonicalEnd } from './base64url.js';
import { compact } from './compact.js';
import { issuedHeader, normalizeTyp, parseHeader } from './header.js';
import { hmacSha256 } from './hmac.js';
import { type KeyEntry, type KeyringState, keyFor } from './keyring.js';
import type { ProtectedHeader } from './types.js';

/** A JWS whose signature verified; the payload segment is still encoded. */
export interface VerifiedJws {
  readonly entry: KeyEntry;
  readonly header: Readonly<ProtectedHeader>;
  /** Header `typ`, normalised; undefined when absent. */
  readonly typ: string | undefined;
  readonly payload: string;
}

// RFC 7518 §3.2: the HS256 signature is the full 256-bit HMAC output (no truncation): 43
// characters. RFC 8032 §5.1.6: an Ed25519 signature is 64 bytes: 86 characters. In canonical
// base64url the length in characters fixes the length in bytes.
const HS256_CHARS = 43;
const ED25519_CHARS = 86;

// Scratch space for comparing HMACs: verification is synchronous, so one pair serves every
// call and no Buffer is allocated per token. Not cleared after use: the MAC also exists as a
// string on the heap until collected, so clearing these would protect nothing.
const expected = Buffer.alloc(32);
const presented = Buffer.alloc(32);

/**
 * Signs an encoded payload with `entry` (an HS256 key, or an EdDSA key with its private half).
 * The header comes from the per-key cache: signing never serializes it again.
 */
export function signJws(state: KeyringState, entry: KeyEntry, typ: string, payload: string): string {
  // RFC 7515 §5.1 step 5: the signing input is ASCII(BASE64URL(header) '.' BASE64URL(payload)).
  const input = issuedHeader(state, entry, typ).encoded + '.' + payload;
  if (entry.alg === 'HS256') {
    return input + '.' + Buffer.from(hmacSha256(entry.hmac!, input), 'latin1').toString('base64url');
  }
  return input + '.' + sign(null, Buffer.from(input, 'latin1'), entry.privateKey!).toString('base64url');
}

/**
 * Verifies a compact JWS against the ring (RFC 7515 §5.2) and returns its key, header and the
 * still-encoded payload. The payload is decoded by the caller, after the signature verified.
 */
export function verifyJws(state: KeyringState, input: unknown, maxLength: number): VerifiedJws {
  const token = compact(input, maxLength);
  // RFC 7515 §7.1: exactly three segments.
  const dot1 = token.indexOf('.');
  const dot2 = token.indexOf('.', dot1 + 1);
  if (dot1 === -1 || dot2 === -1 || token.indexOf('.', dot2 + 1) !== -1) {
    throw new SessionError('TOKEN_MALFORMED', 'A signed token has 3 segments');
  }
  const h = token.slice(0, dot1);
  const p = token.slice(dot1 + 1, dot2);
  const s = token.slice(dot2 + 1);
  if (!hasCanonicalEnd(h) || !hasCanonicalEnd(p) || !hasCanonicalEnd(s)) {
    throw new SessionError('TOKEN_MALFORMED', 'Invalid base64url');
  }
  // A JWT payload is a JSON object (RFC 7519 §7.2 step 10). An empty signature is left to the
  // length check below, after the algorithm: `alg: none` tokens then fail as TOKEN_ALG.
  if (h === '' || p === '') throw new SessionError('TOKEN_MALFORMED', 'Empty segment');

  let entry: KeyEntry;
  let header: Readonly<ProtectedHeader>;
  let typ: string | undefined;
  const issued = state.headers.get(h);
  if (issued !== undefined && issued.aad === undefined) {
    ({ entry, header, typ } = issued);
  } else {
    header = parseHeader(h);
    // RFC 8725 §3.1: only algorithms the engine has keys for. Comparison is exact, as alg is
    // case-sensitive (RFC 7515 §4.1.1): `none`, `None`, `NONE`, `hs256`, `dir` all end here.
    if (header.alg !== 'HS256' && header.alg !== 'EdDSA') throw new SessionError('TOKEN_ALG');
    entry = keyFor(state, header.alg, header.kid);
    typ = header.typ === undefined ? undefined : normalizeTyp(header.typ);
  }

  // Canonical base64url (checked above) makes decoding 1:1: appending to or changing the
  // signature segment always changes the decoded bytes or their length.
  const signingInput = token.slice(0, dot2);
  if (entry.alg === 'HS256') {
    if (s.length !== HS256_CHARS) throw new SessionError('TOKEN_MALFORMED', 'Signature length');
    presented.write(s, 0, 'base64url');
    // The MAC comes as a 'binary' string, one character per byte: no Buffer of its own.
    expected.write(hmacSha256(entry.hmac!, signingInput), 0, 'latin1');
    // RFC 7518 §3.2: the comparison MUST be constant-time (timing attacks, RFC 7515 §10.9).
    if (!timingSafeEqual(expected, presented)) throw new SessionError('TOKEN_SIGNATURE');
  } else {
    if (s.length !== ED25519_CHARS) throw new SessionError('TOKEN_MALFORMED', 'Signature length');
    if (!verify(null, Buffer.from(signingInput, 'latin1'), entry.key, Buffer.from(s, 'base64url'))) {
      throw new SessionError('TOKEN_SIGNATURE');
    }
  }
  return { entry, header, typ, payload: p };
}
