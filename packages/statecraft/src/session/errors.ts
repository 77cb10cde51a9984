/**
 * Typed errors with stable string codes.
 *
 * Every refusal the library makes is a `SessionError` whose `code` never changes between
 * releases (callers switch on it) and whose `status` is the HTTP status an adapter answers
 * with. `docs/errors.md` lists every code; `test/session/errors.test.ts` keeps the two in sync.
 */

/** Code → HTTP status and a default message. Add a code here, in docs/errors.md, and nowhere else. */
export const ERROR_CODES = {
  /** The store did not answer (down, timed out, refused): fail closed, never an anonymous session. */
  STORE_UNAVAILABLE: { status: 503, message: 'The session store is unavailable' },
  /** The store took a write but fewer replicas than required confirmed it in time (Redis `waitForReplicas`). */
  STORE_NOT_REPLICATED: { status: 503, message: 'The session store could not replicate the write' },
  /** A compare-and-set write kept losing to concurrent writers. */
  SESSION_CONFLICT: { status: 409, message: 'The session was changed concurrently' },
  /** A protected route was reached without an authenticated session. */
  SESSION_REQUIRED: { status: 401, message: 'Authentication required' },
  /** The credential was valid once but has been revoked (logout, log out everywhere). */
  SESSION_REVOKED: { status: 401, message: 'The session was revoked' },
  /** The strategy cannot do this (for example `revokeUser` in `stateless`: nothing server-side to end). */
  STRATEGY_UNSUPPORTED: { status: 501, message: 'Not supported by this session strategy' },
  /** A login would exceed `maxPerUser` and the policy is `refuse`. */
  SESSION_LIMIT: { status: 429, message: 'Too many sessions for this user' },
  /** A cookie-authenticated WebSocket upgrade came from another origin (cross-site WebSocket hijacking). */
  ORIGIN_FORBIDDEN: { status: 403, message: 'Origin not allowed' },
  /** A request header carrying credentials is larger than the configured limit. */
  HEADER_TOO_LARGE: { status: 431, message: 'Request header too large' },
  /** The Set-Cookie this commit would send is larger than browsers keep (RFC 6265 §6.1). */
  COOKIE_TOO_LARGE: { status: 500, message: 'The session cookie would exceed 4096 bytes' },
  /** Options given to the library are invalid; raised at start-up, never per request. */
  INVALID_CONFIG: { status: 500, message: 'Invalid configuration' },
  /** A token is not well formed (charset, segments, base64url, JSON, trailing bytes). */
  TOKEN_MALFORMED: { status: 401, message: 'Malformed token' },
  /** A token is larger than the configured cap; it was refused before decoding. */
  TOKEN_TOO_LARGE: { status: 401, message: 'Token too large' },
  /** The token's algorithm is not on the key's allowlist (including every spelling of `none`). */
  TOKEN_ALG: { status: 401, message: 'Token algorithm not allowed' },
  /** The token names a key id this keyring does not hold (never held, or removed). */
  TOKEN_KEY_UNKNOWN: { status: 401, message: 'Unknown token key' },
  /** The signature or authentication tag does not verify. */
  TOKEN_SIGNATURE: { status: 401, message: 'Token signature invalid' },
  /** The token's `exp` is in the past (beyond the leeway). */
  TOKEN_EXPIRED: { status: 401, message: 'Token expired' },
  /** A registered claim (`nbf`, `iat`, `iss`, `aud`, `typ`) failed its check. */
  TOKEN_CLAIM: { status: 401, message: 'Token claim check failed' },
  /** A key given to the keyring is too short or of the wrong kind; raised at start-up. */
  TOKEN_KEY_INVALID: { status: 500, message: 'Invalid token key' },
  /** A bus cannot carry this message (PostgreSQL NOTIFY: 8000 bytes or more, or a NUL character). */
  BUS_MESSAGE_INVALID: { status: 500, message: 'The bus cannot carry this message' },
} as const satisfies Record<string, { status: number; message: string }>;

export type SessionErrorCode = keyof typeof ERROR_CODES;

/**
 * The one error class the library throws.
 *
 * @example
 * try { await sessions.load(req) } catch (e) {
 *   if (e instanceof SessionError && e.code === 'STORE_UNAVAILABLE') res.statusCode = e.status
 * }
 */
export class SessionError extends Error {
  override readonly name = 'SessionError';
  readonly code: SessionErrorCode;
  /** HTTP status an adapter answers with. */
  readonly status: number;

  constructor(code: SessionErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ERROR_CODES[code].message, options);
    this.code = code;
    this.status = ERROR_CODES[code].status;
  }

  /** A JSON body safe to send to clients: code and message, nothing from the cause. */
  toJSON(): { error: { code: SessionErrorCode; message: string } } {
    return { error: { code: this.code, message: ERROR_CODES[this.code].message } };
  }
}

/** True when `e` is a SessionError, optionally with the given code. */
export function isSessionError(e: unknown, code?: SessionErrorCode): e is SessionError {
  return e instanceof SessionError && (code === undefined || e.code === code);
}
