/**
 * A session record as a Redis hash: one field per record field, a null field left out.
 *
 * A hash rather than one encoded string: the scripts read `version`, `expiresAt` and `userId`
 * and rewrite `lastSeenAt` and `expiresAt` in place, without decoding and re-encoding the record
 * in Lua (cjson would round numbers to 14 digits and re-escape the data, and every touch would
 * rewrite the whole, possibly large, record). `data` is kept as sent, with no escaping overhead.
 */
import type { SessionRecord } from '../types.js';
import { F } from './scripts.js';

/** The record as HSET field/value pairs (the key is the Redis key, not a field). */
export function toFields(r: SessionRecord): (string | number)[] {
  const out: (string | number)[] = [
    F.version,
    r.version,
    F.schema,
    r.schema,
    F.data,
    r.data,
    F.createdAt,
    r.createdAt,
    F.lastSeenAt,
    r.lastSeenAt,
    F.expiresAt,
    r.expiresAt,
    F.absoluteExpiresAt,
    r.absoluteExpiresAt,
  ];
  if (r.userId !== null) out.push(F.userId, r.userId);
  if (r.ip !== null) out.push(F.ip, r.ip);
  if (r.userAgent !== null) out.push(F.userAgent, r.userAgent);
  return out;
}

/** The record an HGETALL reply holds, or null when the hash is absent (an empty reply). */
export function fromHash(key: string, h: Record<string, string>): SessionRecord | null {
  const version = h[F.version];
  const expiresAt = h[F.expiresAt];
  if (version === undefined || expiresAt === undefined) return null;
  return {
    key,
    userId: h[F.userId] ?? null,
    data: h[F.data] ?? '',
    version: Number(version),
    schema: Number(h[F.schema]),
    createdAt: Number(h[F.createdAt]),
    lastSeenAt: Number(h[F.lastSeenAt]),
    expiresAt: Number(expiresAt),
    absoluteExpiresAt: Number(h[F.absoluteExpiresAt]),
    ip: h[F.ip] ?? null,
    userAgent: h[F.userAgent] ?? null,
  };
}
