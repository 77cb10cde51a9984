/**
 * Protected headers: the ones this engine issues (encoded once per key and `typ`, then reused),
 * and strict parsing of any other.
 *
 * Checking a token first looks its header segment up among the headers the ring issues. A hit
 * is byte-for-byte a header this engine wrote, so its parsed form is already known and the
 * segment need not be decoded or parsed again; the signature or tag still covers those bytes
 * (RFC 7515 §5.2, RFC 7516 §5.2). Anything else takes the strict path below.
 */
import { SessionError } from '../session/errors.js';
import { b64uEncode } from './base64url.js';
import { decodeJsonObject } from './json.js';
import type { KeyEntry, KeyringState } from './keyring.js';
import type { ProtectedHeader } from './types.js';

/** A header this engine issues, ready to write and to recognise. */
export interface CachedHeader {
  readonly entry: KeyEntry;
  readonly encoded: string;
  readonly header: Readonly<ProtectedHeader>;
  /** `typ`, normalised by {@link normalizeTyp}. */
  readonly typ: string;
  /** JWE only: the additional authenticated data, ASCII of `encoded` (RFC 7516 §5.1 step 14). */
  readonly aad: Buffer | undefined;
}

// `typ` values come from application code, not from tokens, but cap them anyway so a caller
// passing per-request types cannot grow the cache without bound.
const MAX_TYPS = 16;

/**
 * The header `entry` issues with `typ`: `{alg, kid, typ}` for JWS (RFC 7515 §4.1), with `enc`
 * after `alg` for JWE (RFC 7516 §4.1.2).
 */
export function issuedHeader(state: KeyringState, entry: KeyEntry, typ: string): CachedHeader {
  const hit = entry.headers.get(typ);
  if (hit !== undefined) return hit;
  if (primeHeaders(state, typ)) return entry.headers.get(typ)!;
  return buildHeader(entry, typ);
}

/** Caches the headers of every key in the ring for `typ`; false when the cache is full. */
export function primeHeaders(state: KeyringState, typ: string): boolean {
  if (state.typs.has(typ)) return true;
  if (state.typs.size >= MAX_TYPS) return false;
  state.typs.add(typ);
  for (const entry of state.keys) {
    const h = buildHeader(entry, typ);
    entry.headers.set(typ, h);
    state.headers.set(h.encoded, h);
  }
  return true;
}

function buildHeader(entry: KeyEntry, typ: string): CachedHeader {
  const header: ProtectedHeader =
    entry.alg === 'dir'
      ? { alg: 'dir', enc: 'A256GCM', kid: entry.kid, typ }
      : { alg: entry.alg, kid: entry.kid, typ };
  const encoded = b64uEncode(JSON.stringify(header));
  return {
    entry,
    encoded,
    header: Object.freeze(header),
    typ: normalizeTyp(typ),
    aad: entry.alg === 'dir' ? Buffer.from(encoded, 'latin1') : undefined,
  };
}

/**
 * Parses a header this engine did not issue. Refuses what RFC 7515 §4.1 and RFC 7516 §4.1 do
 * not let a recipient ignore:
 * - `crit` (RFC 7515 §4.1.11): it names extensions the recipient must understand, and none are;
 * - `b64` (RFC 7797 §3): it changes what is signed, and is only meaningful through `crit`;
 * - `alg`, `kid`, `typ`, `enc` of the wrong JSON type.
 * `jku`, `jwk`, `x5u`, `x5c` are left alone and never read: keys come from the keyring only
 * (RFC 8725 §3.10 – no fetching, no key from the token itself).
 */
export function parseHeader(segment: string): ProtectedHeader {
  const header = decodeJsonObject(segment);
  if (Object.hasOwn(header, 'crit')) throw new SessionError('TOKEN_MALFORMED', 'Unsupported crit header');
  if (Object.hasOwn(header, 'b64')) throw new SessionError('TOKEN_MALFORMED', 'Unsupported b64 header');
  // RFC 7515 §4.1.1: alg MUST be present, a case-sensitive string.
  if (typeof header.alg !== 'string') throw new SessionError('TOKEN_MALFORMED', 'Missing alg');
  for (const name of ['kid', 'typ', 'enc'] as const) {
    const value = header[name];
    if (value !== undefined && typeof value !== 'string') {
      throw new SessionError('TOKEN_MALFORMED', `Header ${name} must be a string`);
    }
  }
  return header as ProtectedHeader;
}

/**
 * `typ` is a media type, compared case-insensitively (RFC 2045 §5.1); a value without `/` is
 * read as if `application/` were prepended (RFC 7515 §4.1.9). So `JWT`, `jwt` and
 * `application/jwt` are one type.
 *
 * @example
 * normalizeTyp('Session+JWT') // 'application/session+jwt'
 */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.includes('/') ? lower : `application/${lower}`;
}
