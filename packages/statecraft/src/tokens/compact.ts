/**
 * Structure of the compact serialization (RFC 7515 §7.1, RFC 7516 §7.1), checked before any
 * base64url or JSON decoding: a cheap, bounded amount of work for whatever arrives.
 */
import { SessionError } from '../session/errors.js';
import { hasCanonicalEnd } from './base64url.js';

/** Default cap on token length, in characters. */
export const DEFAULT_MAX_LENGTH = 8192;

// The compact serialization is base64url segments joined by '.': nothing else may appear
// (RFC 7519 §7.2 steps 3 and 9: no line breaks, whitespace or other additional characters).
const CHARSET = /^[A-Za-z0-9_.-]+$/;

/**
 * Checks type, size and character set, in that order, and returns the token. The size check
 * comes first so that an oversized input costs one comparison and is never decoded: work spent
 * on a token must be bounded before anything in it is trusted (RFC 7519 §7.2 steps 1-2 parse
 * the structure before any decoding).
 */
export function compact(token: unknown, maxLength: number): string {
  if (typeof token !== 'string') throw new SessionError('TOKEN_MALFORMED', 'A token is a string');
  if (token.length > maxLength) throw new SessionError('TOKEN_TOO_LARGE');
  if (!CHARSET.test(token)) throw new SessionError('TOKEN_MALFORMED', 'Invalid character');
  return token;
}

/**
 * Splits a token that passed {@link compact} into exactly `count` segments, each the canonical
 * base64url form of its bytes. Which segments may be empty is for the caller to say. Stops at
 * the first segment too many, so a token of dots costs no more than a well-formed one. (JWS
 * splits at its two dots inline, on the hot path; JWE uses this.)
 */
export function segments(token: string, count: 3 | 5): string[] {
  const parts: string[] = [];
  let start = 0;
  for (;;) {
    const dot = token.indexOf('.', start);
    const part = dot === -1 ? token.slice(start) : token.slice(start, dot);
    if (!hasCanonicalEnd(part)) throw new SessionError('TOKEN_MALFORMED', 'Invalid base64url');
    parts.push(part);
    if (dot === -1) break;
    if (parts.length === count) throw new SessionError('TOKEN_MALFORMED', 'Too many segments');
    start = dot + 1;
  }
  if (parts.length !== count) throw new SessionError('TOKEN_MALFORMED', 'Too few segments');
  return parts;
}
