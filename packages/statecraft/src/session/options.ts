/**
 * Options of `createSessions`, with the secure defaults resolved in one place.
 *
 * Defaults follow OWASP Session Management: idle timeout 30 minutes, absolute timeout 12 hours,
 * cookies `HttpOnly`, `SameSite=Lax`, `Path=/`, no `Domain`, and `Secure` plus the `__Host-`
 * prefix in production (RFC 6265bis §4.1.3.2: a `__Host-` cookie is bound to one origin).
 */
import type { Codec } from '../codec/index.js';
import { defaultCodec } from '../codec/index.js';
import type { Clock } from '../platform/clock.js';
import { systemClock } from '../platform/clock.js';
import type { Random } from '../platform/random.js';
import { systemRandom } from '../platform/random.js';
import { SessionError } from './errors.js';

export interface CookieOptions {
  /** @default '__Host-sid' when secure, else 'sid' */
  name?: string;
  /** @default process.env.NODE_ENV === 'production' */
  secure?: boolean;
  /** @default 'lax' */
  sameSite?: 'lax' | 'strict' | 'none';
  /** Send `Max-Age` so the browser forgets the cookie when the store does. @default true */
  persistent?: boolean;
}

/**
 * What the manager needs of a bus (`statecraft/bus/*`): revocations made on one instance reach
 * every instance (hybrid tokens are refused at once; WebSockets of the session are closed).
 */
export interface SessionBus {
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  /** Called after the bus reconnected, so missed revocations can be reloaded. */
  onReconnect?(cb: () => void): void;
}

export interface SessionsOptions {
  /** Carries revocations between instances. Needed by `hybrid` on more than one instance. */
  bus?: SessionBus;
  /** Seconds without a request before a session ends. @default 1800 */
  idle?: number;
  /** Seconds after creation when a session ends, whatever its activity. @default 43200 */
  absolute?: number;
  /**
   * Seconds an unmodified session goes without a store write: sliding expiry is refreshed
   * at most once per window. @default 60 (capped to idle / 2)
   */
  touchAfter?: number;
  cookie?: CookieOptions;
  /** Where credentials are read from. @default ['cookie'] */
  transport?: ReadonlyArray<'cookie' | 'bearer'>;
  /** Largest `Cookie` or `Authorization` header read, checked before parsing. @default 8192 */
  maxHeaderBytes?: number;
  /**
   * At most `limit` live sessions per user. On a login past it, `evict-oldest` ends the user's
   * oldest sessions; `refuse` ends the new one and fails the login with `SESSION_LIMIT`.
   * Concurrent logins never leave more than `limit`. Not available in `stateless`.
   */
  maxPerUser?: { limit: number; onLimit?: 'evict-oldest' | 'refuse' };
  /** Compare-and-set attempts before `SESSION_CONFLICT`. @default 100 */
  maxConflictRetries?: number;
  /** Called when stored data has an older schema than the codec's. Return the upgraded data. */
  migrate?: (data: Record<string, unknown>, fromSchema: number) => Record<string, unknown>;
  codec?: Codec;
  clock?: Clock;
  random?: Random;
}

export interface ResolvedOptions {
  bus: SessionBus | undefined;
  idleMs: number;
  absoluteMs: number;
  touchAfterMs: number;
  cookieName: string;
  secure: boolean;
  sameSite: 'lax' | 'strict' | 'none';
  persistent: boolean;
  transport: ReadonlyArray<'cookie' | 'bearer'>;
  maxHeaderBytes: number;
  maxConflictRetries: number;
  maxPerUser: { limit: number; onLimit: 'evict-oldest' | 'refuse' } | undefined;
  migrate: ((data: Record<string, unknown>, fromSchema: number) => Record<string, unknown>) | undefined;
  codec: Codec;
  clock: Clock;
  random: Random;
}

function positive(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0)
    throw new SessionError('INVALID_CONFIG', `${name} must be a positive number`);
  return v;
}

export function resolveOptions(o: SessionsOptions = {}): ResolvedOptions {
  const idle = positive('idle', o.idle ?? 1800);
  const absolute = positive('absolute', o.absolute ?? 43_200);
  if (idle > absolute) throw new SessionError('INVALID_CONFIG', 'idle must not exceed absolute');
  const touchAfter = Math.min(o.touchAfter ?? 60, idle / 2);
  if (touchAfter < 0) throw new SessionError('INVALID_CONFIG', 'touchAfter must not be negative');
  const secure = o.cookie?.secure ?? process.env.NODE_ENV === 'production';
  const sameSite = o.cookie?.sameSite ?? 'lax';
  // Browsers drop SameSite=None cookies that are not Secure.
  if (sameSite === 'none' && !secure)
    throw new SessionError('INVALID_CONFIG', 'sameSite none requires secure');
  const cookieName = o.cookie?.name ?? (secure ? '__Host-sid' : 'sid');
  if (cookieName.startsWith('__Host-') && !secure) {
    throw new SessionError('INVALID_CONFIG', 'a __Host- cookie must be secure');
  }
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(cookieName)) {
    throw new SessionError('INVALID_CONFIG', 'cookie name is not an RFC 6265 token');
  }
  const transport = o.transport ?? ['cookie'];
  if (transport.length === 0) throw new SessionError('INVALID_CONFIG', 'transport must name at least one');
  return {
    bus: o.bus,
    idleMs: idle * 1000,
    absoluteMs: absolute * 1000,
    touchAfterMs: touchAfter * 1000,
    cookieName,
    secure,
    sameSite,
    persistent: o.cookie?.persistent ?? true,
    transport,
    maxHeaderBytes: positive('maxHeaderBytes', o.maxHeaderBytes ?? 8192),
    maxConflictRetries: positive('maxConflictRetries', o.maxConflictRetries ?? 100),
    maxPerUser: o.maxPerUser && {
      limit: positive('maxPerUser.limit', o.maxPerUser.limit),
      onLimit: o.maxPerUser.onLimit ?? 'evict-oldest',
    },
    migrate: o.migrate,
    codec: o.codec ?? defaultCodec,
    clock: o.clock ?? systemClock,
    random: o.random ?? systemRandom,
  };
}
