/**
 * Session state ⇄ token claims, shared by the stateless and hybrid strategies. Claim names are
 * short because every byte travels on every request (the lab measures it: claim C4).
 *
 *   sid  session handle          sub  user id (absent when anonymous)
 *   iat/exp  seconds (RFC 7519)  t    issue time: its milliseconds past `iat`
 *   c    ms from createdAt to t  a    ms from t to absoluteExpiresAt
 *   l    ms from lastSeenAt to t e    ms from t to the session's idle expiry (`exp` is the
 *                                     token's own, shorter in hybrid)
 *   v    store version           s    codec schema               d  encoded data
 *
 * Times are sent as offsets, exact to the millisecond, and read back as absolute times (the
 * issue time `t` is what revocation markers compare with): five 13-digit numbers become numbers
 * of 1 to 8 digits, some 60 characters less on every request. Tokens with absolute times, as
 * issued before (their `t` is past 10^12, an offset is below 1000), are still read.
 */
import type { Codec } from '../codec/index.js';
import { SessionError } from '../session/errors.js';
import type { ResolvedOptions } from '../session/options.js';
import type { JwtPayload, Keyring, KeySpec, VerifyOptions } from '../tokens/index.js';
import {
  createKeyring,
  createTokenCache,
  openToken,
  sealToken,
  signToken,
  verifyToken,
} from '../tokens/index.js';
import type { SessionState } from './types.js';

/** `typ` of session tokens, so no other token of the same keys is accepted as one (RFC 8725 §3.11). */
export const SESSION_TYP = 'session+jwt';

export interface TokenOptions {
  /** Keys, newest first (or a keyring). Rotation: add a new key in front, remove old ones later. */
  keys: Keyring | readonly KeySpec[];
  /** `jws`: signed, data readable by the client; `jwe`: sealed (dir + A256GCM), data private. @default 'jwe' */
  format?: 'jws' | 'jwe';
  issuer?: string;
  audience?: string;
  /** Clock skew tolerated on `exp`/`iat`, seconds, at most 60. @default 0 */
  leeway?: number;
  /**
   * Sealed tokens (`jwe`) this process remembers as opened, by their SHA-256, so that a client's
   * next request with the same token is not decrypted again (its claims are still checked);
   * `false` decrypts every time. Each remembered token costs about half a kilobyte.
   * @default 1000
   */
  cache?: number | false;
}

export interface TokenClaims extends JwtPayload {
  sid: string;
  t: number;
  c: number;
  a: number;
  l: number;
  e: number;
  v: number;
  s: number;
  d: unknown;
}

export interface TokenCodec {
  /** A token for `state`, valid until `tokenExpiresAt` (ms). */
  issue(state: SessionState, handle: string, tokenExpiresAt: number): string;
  /** Verified claims; throws the engine's `SessionError` (TOKEN_*) on any refusal. */
  read(token: string): { claims: TokenClaims; stale: boolean };
  /** Data and schema from claims; throws when they do not decode. */
  data(claims: TokenClaims): Record<string, unknown>;
}

function isKeyring(k: TokenOptions['keys']): k is Keyring {
  return !Array.isArray(k);
}

export function tokenCodec(t: TokenOptions, o: ResolvedOptions): TokenCodec {
  const keyring = isKeyring(t.keys) ? t.keys : createKeyring(t.keys as KeySpec[]);
  const sealed = (t.format ?? 'jwe') === 'jwe';
  // A keyring that cannot issue in the chosen format is a start-up error, not a 500 per login.
  const canIssue = sealed
    ? keyring.current('dir') !== undefined
    : keyring.current('HS256') !== undefined || keyring.current('EdDSA') !== undefined;
  if (!canIssue) {
    throw new SessionError(
      'INVALID_CONFIG',
      sealed
        ? "format 'jwe' needs a { alg: 'dir', enc: 'A256GCM' } key"
        : "format 'jws' needs an HS256 key or an EdDSA key with its private key",
    );
  }
  const codec: Codec = o.codec;
  const cache = sealed && t.cache !== false ? createTokenCache(t.cache ?? 1000) : undefined;
  const verify: VerifyOptions = {
    clock: o.clock,
    typ: SESSION_TYP,
    leeway: t.leeway ?? 0,
    ...(cache !== undefined ? { cache } : {}),
    ...(t.issuer !== undefined ? { issuer: t.issuer } : {}),
    ...(t.audience !== undefined ? { audience: t.audience } : {}),
  };
  const issueOpts = {
    clock: o.clock,
    typ: SESSION_TYP,
    random: o.random,
    ...(t.issuer !== undefined ? { issuer: t.issuer } : {}),
    ...(t.audience !== undefined ? { audience: t.audience } : {}),
  };
  return {
    issue(state, handle, tokenExpiresAt) {
      const now = o.clock.now();
      const iat = Math.floor(now / 1000);
      const claims: TokenClaims = {
        sid: handle,
        ...(state.userId !== null ? { sub: state.userId } : {}),
        iat,
        exp: Math.ceil(tokenExpiresAt / 1000),
        t: now - iat * 1000,
        c: now - state.createdAt,
        a: state.absoluteExpiresAt - now,
        l: now - state.lastSeenAt,
        e: state.expiresAt - now,
        v: state.version,
        s: codec.schema,
        d: codec.encodeValue ? codec.encodeValue(state.data) : codec.encode(state.data),
      };
      return sealed ? sealToken(claims, keyring, issueOpts) : signToken(claims, keyring, issueOpts);
    },
    read(token) {
      const r = sealed
        ? openToken<TokenClaims>(token, keyring, verify)
        : verifyToken<TokenClaims>(token, keyring, verify);
      const c = r.payload;
      if (
        typeof c.sid !== 'string' ||
        !Number.isSafeInteger(c.t) ||
        !Number.isSafeInteger(c.c) ||
        !Number.isSafeInteger(c.a) ||
        !Number.isSafeInteger(c.l) ||
        !Number.isSafeInteger(c.e) ||
        typeof c.v !== 'number' ||
        typeof c.s !== 'number' ||
        (c.sub !== undefined && typeof c.sub !== 'string')
      ) {
        throw new TypeError('session token claims are incomplete');
      }
      if (c.t >= 0 && c.t < 1000) {
        // Offsets (see the top of this file): absolute times from the issue time.
        if (!Number.isSafeInteger(c.iat)) throw new TypeError('session token claims are incomplete');
        const t = c.iat! * 1000 + c.t;
        c.t = t;
        c.c = t - c.c;
        c.a = t + c.a;
        c.l = t - c.l;
        c.e = t + c.e;
      }
      return { claims: c, stale: r.stale };
    },
    data(c) {
      let data =
        typeof c.d === 'string'
          ? codec.decode(c.d)
          : codec.decodeValue
            ? codec.decodeValue(c.d)
            : codec.decode(String(c.d));
      if (c.s !== codec.schema && o.migrate) data = o.migrate(data, c.s);
      return data;
    },
  };
}

/** State from verified claims; `id` is the strategy's own (a token id, or the hybrid session id). */
export function stateFromClaims(id: string, c: TokenClaims, data: Record<string, unknown>): SessionState {
  return {
    id,
    userId: c.sub ?? null,
    data,
    version: c.v,
    createdAt: c.c,
    lastSeenAt: c.l,
    expiresAt: c.e,
    absoluteExpiresAt: c.a,
    ip: null,
    userAgent: null,
  };
}
