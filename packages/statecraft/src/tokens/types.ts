/**
 * Types shared by the token engine: claims, protected headers, options and results.
 */
import type { Clock } from '../platform/clock.js';
import type { Random } from '../platform/random.js';
import type { TokenCache } from './opened.js';

/** Algorithms a key can be used with: one per key (RFC 8725 §3.1, §3.2). */
export type JwsAlg = 'HS256' | 'EdDSA';
/** Key management algorithm for sealed tokens: the key is the content encryption key (RFC 7518 §4.5). */
export type JweAlg = 'dir';
/** Content encryption for sealed tokens (RFC 7518 §5.3). */
export type JweEnc = 'A256GCM';

/**
 * A JWT Claims Set (RFC 7519 §4). Registered claims are typed; anything else is the
 * application's. Times are NumericDate: seconds since the epoch (RFC 7519 §2).
 */
export interface JwtPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [claim: string]: unknown;
}

/** A JOSE protected header as read from a token (RFC 7515 §4, RFC 7516 §4). */
export interface ProtectedHeader {
  alg: string;
  enc?: string;
  kid?: string;
  typ?: string;
  [parameter: string]: unknown;
}

/** Options shared by issuing and checking. */
interface TimeOptions {
  /** Source of the current time, in milliseconds. Default: the system clock. */
  clock?: Clock;
}

/** Options for {@link signToken} and {@link sealToken}. */
export interface IssueOptions extends TimeOptions {
  /**
   * Header `typ` (RFC 7515 §4.1.9). Default `'JWT'`. Give each kind of token its own type, and
   * check it on verification, so one kind cannot be replayed as another (RFC 8725 §3.11).
   */
  typ?: string;
  /** Sets `iat` to now (unless given) and `exp` to now + `expiresIn` seconds. */
  expiresIn?: number;
  /** Sets `iss`. */
  issuer?: string;
  /** Sets `aud`. */
  audience?: string | string[];
}

/** Options for {@link signToken}. */
export interface SignOptions extends IssueOptions {
  /** Sign with the newest key of this algorithm. Default: the newest key able to sign. */
  alg?: JwsAlg;
}

/** Options for {@link sealToken}. */
export interface SealOptions extends IssueOptions {
  /** Source of the 96-bit IVs. Default: the pooled CSPRNG. */
  random?: Random;
}

/** Options for {@link verifyToken} and {@link openToken}. */
export interface VerifyOptions extends TimeOptions {
  /** Clock skew allowed on `exp`, `nbf` and `iat`, in seconds; at most 60. Default 0. */
  leeway?: number;
  /** Accepted `iss` values; the claim is then required. */
  issuer?: string | readonly string[];
  /**
   * Accepted `aud` values; the claim is then required. A token that carries `aud` is refused
   * when no audience is configured (RFC 7519 §4.1.3).
   */
  audience?: string | readonly string[];
  /** Required header `typ`, compared as a media type (RFC 7515 §4.1.9). Default: not checked. */
  typ?: string;
  /** Largest token accepted, in characters, checked before anything is decoded. Default 8192. */
  maxLength?: number;
  /** Whether `exp` must be present. Default true. */
  requireExp?: boolean;
  /**
   * {@link openToken} only: tokens already opened with this keyring are taken from this memory
   * (see `createTokenCache`) instead of being decrypted again; every claim is checked anew.
   * (Not for tokens as they are sealed: in a stateless deployment the next request with a new
   * token mostly reaches another instance, and hashing every new token would cost each write
   * about what it saves.)
   */
  cache?: TokenCache;
}

/** What a verified or opened token yields. */
export interface VerifiedToken<P extends JwtPayload = JwtPayload> {
  payload: P;
  /** The protected header. Shared between tokens of the same key: read it, do not change it. */
  header: Readonly<ProtectedHeader>;
  /** Id of the key that verified the token (named in the header, or the only key of its algorithm). */
  kid: string;
  /**
   * True when that key is no longer the one the keyring issues with: re-issue the token so that
   * the old key can be removed from the ring.
   */
  stale: boolean;
}
