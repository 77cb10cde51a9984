/** A live session record for store tests: 30 minutes idle expiry, 12 hours absolute. */
import { randomUUID } from 'node:crypto';
import type { Clock, SessionRecord } from 'statecraft';

const MIN = 60_000;

export function liveRecord(at: Clock | number, over: Partial<SessionRecord> = {}): SessionRecord {
  const now = typeof at === 'number' ? at : at.now();
  return {
    key: `k-${randomUUID()}`,
    userId: null,
    data: '[{"a":1},1]',
    version: 1,
    schema: 1,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 30 * MIN,
    absoluteExpiresAt: now + 12 * 60 * MIN,
    ip: null,
    userAgent: null,
    ...over,
  };
}
