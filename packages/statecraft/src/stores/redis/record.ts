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

/** The fields `HMGET` asks for, in the order `fromValues` reads them. */
export const FIELDS = [
  F.version,
  F.expiresAt,
  F.userId,
  F.data,
  F.schema,
  F.createdAt,
  F.lastSeenAt,
  F.absoluteExpiresAt,
  F.ip,
  F.userAgent,
] as const;

/**
 * The record an `HMGET key ...FIELDS` reply holds, or null when the hash is absent (every value
 * null). HMGET rather than HGETALL: a flat array of values in a known order, without the field
 * names and without ioredis building an object of them.
 */
export function fromValues(key: string, v: readonly (string | null)[]): SessionRecord | null {
  const version = v[0];
  const expiresAt = v[1];
  if (version == null || expiresAt == null) return null;
  return {
    key,
    userId: v[2] ?? null,
    data: v[3] ?? '',
    version: Number(version),
    schema: Number(v[4]),
    createdAt: Number(v[5]),
    lastSeenAt: Number(v[6]),
    expiresAt: Number(expiresAt),
    absoluteExpiresAt: Number(v[7]),
    ip: v[8] ?? null,
    userAgent: v[9] ?? null,
  };
}
