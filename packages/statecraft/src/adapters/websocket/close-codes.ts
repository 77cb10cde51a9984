/**
 * Close codes the WebSocket adapter ends a connection with. RFC 6455 §7.4.2 keeps 4000–4999
 * for applications, so these never collide with the protocol's own codes (1000–2999) or with
 * registered extensions (3000–3999). Clients switch on the code; the reason is for people.
 */
import { SessionError } from '../../session/errors.js';

/** Default close codes, and what a client should do on each. */
export const CLOSE_CODES = {
  /** The session was ended on some instance (logout, log out everywhere, new id): log in again. */
  SESSION_REVOKED: 4001,
  /** The session reached its idle or absolute expiry: log in again. */
  SESSION_EXPIRED: 4002,
  /** The session could not be re-checked (store unavailable): reconnect after a pause. */
  SESSION_UNVERIFIED: 4003,
} as const;

/** Why the adapter closes a connection. */
export type CloseCause = 'revoked' | 'expired' | 'unverified';

/** Close reasons: short (a close frame carries at most 123 bytes of reason) and free of secrets. */
export const CLOSE_REASONS: Readonly<Record<CloseCause, string>> = {
  revoked: 'session revoked',
  expired: 'session expired',
  unverified: 'session could not be verified',
};

/** Overrides of the default codes; each must be in the application range 4000–4999. */
export interface CloseCodes {
  /** @default 4001 */
  revoked?: number;
  /** @default 4002 */
  expired?: number;
  /** @default 4003 */
  unverified?: number;
}

/** The codes in use, validated once at start-up. */
export function resolveCloseCodes(c: CloseCodes = {}): Readonly<Record<CloseCause, number>> {
  const codes = {
    revoked: c.revoked ?? CLOSE_CODES.SESSION_REVOKED,
    expired: c.expired ?? CLOSE_CODES.SESSION_EXPIRED,
    unverified: c.unverified ?? CLOSE_CODES.SESSION_UNVERIFIED,
  };
  for (const [cause, code] of Object.entries(codes)) {
    if (!Number.isInteger(code) || code < 4000 || code > 4999) {
      throw new SessionError('INVALID_CONFIG', `closeCodes.${cause} must be an integer in 4000-4999`);
    }
  }
  return codes;
}
