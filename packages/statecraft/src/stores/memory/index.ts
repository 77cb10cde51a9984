/**
 * In-process memory store: the embedded default for `sticky` sessions. Bounded (least recently
 * used sessions are evicted past `maxSessions`), expiring (checked on read, swept on a timer),
 * and able to report its size so the lab can compare memory per session across architectures.
 * State lives and dies with the process: that is the point of measuring it.
 */

import type { Clock } from '../../platform/clock.js';
import { systemClock } from '../../platform/clock.js';
import { SessionError } from '../../session/errors.js';
import type { SessionRecord, Store, StoreOptions } from '../types.js';

export interface MemoryStoreOptions extends StoreOptions {
  /** Sessions kept before the least recently used is evicted. @default 100_000 */
  maxSessions?: number;
  /** Milliseconds between sweeps of expired sessions; 0 disables the timer. @default 60_000 */
  sweepInterval?: number;
}

export interface MemoryStore extends Store {
  /** Live sessions and an estimate of the bytes they hold (UTF-16 strings plus fixed overhead). */
  stats(): { sessions: number; bytes: number };
  /** Removes expired sessions now; resolves how many. */
  sweep(): number;
}

// Per-record overhead beyond its strings: the record object, its Map entry and index entry.
const RECORD_OVERHEAD = 160;

function recordBytes(r: SessionRecord): number {
  return (
    RECORD_OVERHEAD +
    2 *
      (r.key.length +
        r.data.length +
        (r.userId?.length ?? 0) +
        (r.ip?.length ?? 0) +
        (r.userAgent?.length ?? 0))
  );
}

// User agents, addresses and user ids repeat across sessions, but each request parses its own
// copy: keeping one copy of each saves a hundred bytes or more per session. Bounded, so that
// varied input cannot grow it without limit; long values are left alone.
const MAX_INTERNED = 10_000;
const MAX_INTERNED_LENGTH = 512;

function interner(): (s: string | null) => string | null {
  const seen = new Map<string, string>();
  return (s) => {
    if (s === null || s.length > MAX_INTERNED_LENGTH) return s;
    const hit = seen.get(s);
    if (hit !== undefined) return hit;
    if (seen.size >= MAX_INTERNED) seen.clear();
    seen.set(s, s);
    return s;
  };
}

/**
 * @example
 * import { memoryStore } from 'statecraft/stores/memory'
 * const store = memoryStore({ maxSessions: 50_000 })
 */
export function memoryStore(o: MemoryStoreOptions = {}): MemoryStore {
  const clock: Clock = o.clock ?? systemClock;
  const max = o.maxSessions ?? 100_000;
  // Map iteration order is insertion order: re-inserting on access keeps it LRU-ordered.
  const records = new Map<string, SessionRecord>();
  // A user's keys: one key as such (most users have one session), a Set from the second on,
  // which saves the Set's hundred-odd bytes per session.
  const byUser = new Map<string, string | Set<string>>();
  const keysOf = (userId: string): readonly string[] => {
    const k = byUser.get(userId);
    return k === undefined ? [] : typeof k === 'string' ? [k] : [...k];
  };
  let bytes = 0;
  let closed = false;
  const intern = interner();

  function check(): void {
    if (closed) throw new SessionError('STORE_UNAVAILABLE', 'memory store is closed');
  }

  function unindex(r: SessionRecord): void {
    if (r.userId === null) return;
    const keys = byUser.get(r.userId);
    if (keys === undefined) return;
    if (typeof keys === 'string') {
      if (keys === r.key) byUser.delete(r.userId);
      return;
    }
    keys.delete(r.key);
    if (keys.size === 0) byUser.delete(r.userId);
  }

  function remove(r: SessionRecord): void {
    records.delete(r.key);
    unindex(r);
    bytes -= recordBytes(r);
  }

  function live(key: string): SessionRecord | null {
    const r = records.get(key);
    if (r === undefined) return null;
    if (r.expiresAt <= clock.now()) {
      remove(r);
      return null;
    }
    return r;
  }

  function sweep(): number {
    const now = clock.now();
    let n = 0;
    for (const r of records.values()) {
      if (r.expiresAt <= now) {
        remove(r);
        n++;
      }
    }
    return n;
  }

  const interval = o.sweepInterval ?? 60_000;
  const timer = interval > 0 ? setInterval(sweep, interval) : null;
  timer?.unref();

  return {
    name: 'memory',
    async get(key) {
      check();
      const r = live(key);
      if (r === null) return null;
      records.delete(key);
      records.set(key, r);
      return { ...r };
    },
    async set(record, expected) {
      check();
      const old = live(record.key);
      if ((old?.version ?? 0) !== expected) return false;
      if (old) remove(old);
      const r = {
        ...record,
        userId: intern(record.userId),
        ip: intern(record.ip),
        userAgent: intern(record.userAgent),
      };
      records.set(r.key, r);
      bytes += recordBytes(r);
      if (r.userId !== null) {
        const keys = byUser.get(r.userId);
        if (keys === undefined) byUser.set(r.userId, r.key);
        else if (typeof keys !== 'string') keys.add(r.key);
        else if (keys !== r.key) byUser.set(r.userId, new Set([keys, r.key]));
      }
      // Evict least recently used sessions past the bound.
      while (records.size > max) {
        const oldest = records.values().next().value as SessionRecord;
        remove(oldest);
      }
      return true;
    },
    async touch(key, lastSeenAt, expiresAt) {
      check();
      const r = live(key);
      if (r === null) return;
      r.lastSeenAt = lastSeenAt;
      r.expiresAt = expiresAt;
    },
    async delete(key) {
      check();
      const r = live(key);
      if (r === null) return false;
      remove(r);
      return true;
    },
    async listByUser(userId) {
      check();
      const out: SessionRecord[] = [];
      for (const key of keysOf(userId)) {
        const r = live(key);
        if (r) out.push({ ...r });
      }
      return out;
    },
    async deleteByUser(userId, exceptKey) {
      check();
      let n = 0;
      for (const key of keysOf(userId)) {
        if (key === exceptKey) continue;
        const r = live(key);
        if (r) {
          remove(r);
          n++;
        }
      }
      return n;
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      records.clear();
      byUser.clear();
      bytes = 0;
    },
    stats: () => ({ sessions: records.size, bytes }),
    sweep,
  };
}
