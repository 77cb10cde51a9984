/**
 * Registered claims (RFC 7519 §4.1): set when issuing, checked when verifying. Times are
 * NumericDate, seconds since the epoch (RFC 7519 §2); the clock gives milliseconds.
 */
import { type Clock, systemClock } from '../platform/clock.js';
import { SessionError } from '../session/errors.js';
import { normalizeTyp } from './header.js';
import { isTokenCache } from './opened.js';
import type { IssueOptions, JwtPayload, VerifyOptions } from './types.js';

/** The largest clock-skew leeway accepted, in seconds. */
export const MAX_LEEWAY = 60;

/**
 * Validates verification options: a bad value is a configuration error, raised whatever the
 * token, so it shows on the first request rather than hiding behind refusals.
 */
export function checkVerifyOptions(opts: VerifyOptions): void {
  const { leeway, maxLength, cache } = opts;
  // A large leeway quietly extends every token's lifetime; a minute covers real clock skew.
  if (leeway !== undefined && !(typeof leeway === 'number' && leeway >= 0 && leeway <= MAX_LEEWAY)) {
    throw new SessionError('INVALID_CONFIG', `leeway must be between 0 and ${MAX_LEEWAY} seconds`);
  }
  if (maxLength !== undefined && !(Number.isSafeInteger(maxLength) && maxLength > 0)) {
    throw new SessionError('INVALID_CONFIG', 'maxLength must be a positive integer');
  }
  if (cache !== undefined && !isTokenCache(cache)) {
    throw new SessionError('INVALID_CONFIG', 'cache must come from createTokenCache()');
  }
}

/**
 * Checks the header `typ` against the expected one, if any (RFC 8725 §3.11: explicit typing
 * keeps one kind of token from being accepted as another). `actual` is already normalised.
 */
export function checkTyp(actual: string | undefined, expected: string | undefined): void {
  if (expected === undefined) return;
  // Callers pass the same type on every request: normalise it once.
  if (expected !== lastTyp) {
    lastTyp = expected;
    lastNormalized = normalizeTyp(expected);
  }
  if (actual !== lastNormalized) throw new SessionError('TOKEN_CLAIM', 'Unexpected typ');
}

let lastTyp: string | undefined;
let lastNormalized = '';

/**
 * Checks registered claims against the options and the clock:
 * - `exp` (RFC 7519 §4.1.4): now must be before it, give or take the leeway; required unless
 *   `requireExp: false`;
 * - `nbf` (§4.1.5): now must not be before it;
 * - `iat` (§4.1.6): must not be in the future;
 * - `iss` (§4.1.1, RFC 8725 §3.8): one of `issuer`, when given;
 * - `aud` (§4.1.3, RFC 8725 §3.9): shares a value with `audience`; a token with an audience is
 *   refused when none is configured, as §4.1.3 requires;
 * - every registered claim present has its registered type (`sub`, `jti` strings too).
 */
export function checkClaims(payload: JwtPayload, opts: VerifyOptions): void {
  const now = (opts.clock ?? systemClock).now() / 1000;
  const leeway = opts.leeway ?? 0;
  const { exp, nbf, iat, iss, sub, aud, jti } = payload;

  if (exp !== undefined) {
    if (!isNumericDate(exp)) claim('exp must be a number');
    if (now >= exp + leeway) throw new SessionError('TOKEN_EXPIRED');
  } else if (opts.requireExp !== false) claim('exp is required');
  if (nbf !== undefined) {
    if (!isNumericDate(nbf)) claim('nbf must be a number');
    if (nbf > now + leeway) claim('Token not yet valid');
  }
  if (iat !== undefined) {
    if (!isNumericDate(iat)) claim('iat must be a number');
    if (iat > now + leeway) claim('Token issued in the future');
  }

  if (sub !== undefined && typeof sub !== 'string') claim('sub must be a string');
  if (jti !== undefined && typeof jti !== 'string') claim('jti must be a string');
  if (iss !== undefined && typeof iss !== 'string') claim('iss must be a string');
  if (opts.issuer !== undefined && (iss === undefined || !oneOf(opts.issuer, iss))) claim('Unexpected iss');

  if (aud !== undefined) {
    if (typeof aud === 'string') {
      if (opts.audience === undefined || !oneOf(opts.audience, aud)) claim('Unexpected aud');
    } else if (Array.isArray(aud)) {
      if (!aud.every((a) => typeof a === 'string')) claim('aud must hold strings');
      const expected = opts.audience;
      if (expected === undefined || !aud.some((a) => oneOf(expected, a))) claim('Unexpected aud');
    } else claim('aud must be a string or an array of strings');
  } else if (opts.audience !== undefined) claim('aud is required');
}

/**
 * The claims to issue: `payload`, plus what the options set. Option-set claims win over the
 * payload's; the payload itself is never modified.
 */
export function issueClaims(payload: JwtPayload, opts: IssueOptions): JwtPayload {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new SessionError('INVALID_CONFIG', 'The payload must be a JSON object');
  }
  const { expiresIn, issuer, audience } = opts;
  if (expiresIn === undefined && issuer === undefined && audience === undefined) return payload;
  const claims: JwtPayload = { ...payload };
  if (issuer !== undefined) claims.iss = issuer;
  if (audience !== undefined) claims.aud = audience;
  if (expiresIn !== undefined) {
    if (!(Number.isFinite(expiresIn) && expiresIn > 0)) {
      throw new SessionError('INVALID_CONFIG', 'expiresIn must be a positive number of seconds');
    }
    const now = nowSeconds(opts.clock ?? systemClock);
    claims.iat ??= now;
    claims.exp = now + expiresIn;
  }
  return claims;
}

/** Now as a whole NumericDate: the usual form of `iat`, and what other libraries write. */
function nowSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

// RFC 7519 §2: a NumericDate is a JSON number. JSON.parse turns 1e400 into Infinity: refuse it.
function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function oneOf(expected: string | readonly string[], value: string): boolean {
  return typeof expected === 'string' ? expected === value : expected.includes(value);
}

function claim(message: string): never {
  throw new SessionError('TOKEN_CLAIM', message);
}
