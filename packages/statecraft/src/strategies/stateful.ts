/**
 * Stateful strategy: the client holds an opaque 256-bit id, the store holds everything else
 * under the id's SHA-256. Writes are compare-and-set on the record's version; on a conflict the
 * handler's changes are replayed on the newer version, so concurrent requests that change
 * different keys (or `update()` the same key) lose nothing.
 */
import { SessionError } from '../session/errors.js';
import { isWellFormedId, storeKey } from '../session/id.js';
import type { ResolvedOptions } from '../session/options.js';
import type { SessionRecord, Store } from '../stores/types.js';
import { TOMBSTONE } from './rotation.js';
import type { Change, SessionInfo, SessionState, Strategy, StrategyFactory } from './types.js';
import { applyChange, withVersion } from './types.js';

export interface StatefulOptions {
  store: Store;
}

/**
 * @example
 * const sessions = createSessions(stateful({ store: memoryStore() }))
 */
export function stateful(o: StatefulOptions): StrategyFactory {
  return (options) => new StatefulStrategy(o.store, options);
}

/** Jittered exponential backoff between compare-and-set attempts, capped at 25 ms. */
function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(25, 0.5 * 2 ** Math.min(attempt, 6));
  return new Promise((r) => setTimeout(r, ms));
}

export function recordToInfo(r: SessionRecord): SessionInfo {
  return {
    handle: r.key,
    userId: r.userId,
    createdAt: r.createdAt,
    lastSeenAt: r.lastSeenAt,
    expiresAt: r.expiresAt,
    ip: r.ip,
    userAgent: r.userAgent,
  };
}

export class StatefulStrategy implements Strategy {
  readonly kind = 'stateful' as const;

  constructor(
    readonly store: Store,
    private readonly o: ResolvedOptions,
  ) {}

  /** Decodes a record; data that fails to decode counts as no session (never a 500). */
  decode(id: string, r: SessionRecord): SessionState | null {
    const now = this.o.clock.now();
    if (r.expiresAt <= now || r.absoluteExpiresAt <= now || r.schema === TOMBSTONE) return null;
    let data: Record<string, unknown>;
    try {
      data = this.o.codec.decode(r.data);
      if (r.schema !== this.o.codec.schema && this.o.migrate) data = this.o.migrate(data, r.schema);
    } catch {
      return null;
    }
    return {
      id,
      userId: r.userId,
      data,
      version: r.version,
      createdAt: r.createdAt,
      lastSeenAt: r.lastSeenAt,
      expiresAt: r.expiresAt,
      absoluteExpiresAt: r.absoluteExpiresAt,
      ip: r.ip,
      userAgent: r.userAgent,
    };
  }

  async load(credential: string): Promise<SessionState | null> {
    // An id of the wrong shape is never looked up, so it can never be adopted.
    if (!isWellFormedId(credential)) return null;
    const r = await this.store.get(storeKey(credential));
    return r === null ? null : this.decode(credential, r);
  }

  private toRecord(s: SessionState, version: number): SessionRecord {
    return {
      key: storeKey(s.id),
      userId: s.userId,
      data: this.o.codec.encode(s.data),
      version,
      schema: this.o.codec.schema,
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt,
      expiresAt: s.expiresAt,
      absoluteExpiresAt: s.absoluteExpiresAt,
      ip: s.ip,
      userAgent: s.userAgent,
    };
  }

  async save(
    state: SessionState,
    changes: readonly Change[],
  ): Promise<{ state: SessionState; credential: string }> {
    let current = state;
    for (let attempt = 0; ; attempt++) {
      const next = current.version + 1;
      if (await this.store.set(this.toRecord(current, next), current.version)) {
        return { state: withVersion(current, next), credential: current.id };
      }
      if (attempt + 1 >= this.o.maxConflictRetries) throw new SessionError('SESSION_CONFLICT');
      // Someone wrote first: replay this request's changes on what they wrote.
      if (attempt > 0) await backoff(attempt);
      const fresh = await this.store.get(storeKey(state.id));
      if (fresh === null) {
        // Deleted under us (logout elsewhere, revokeUser, expiry): never resurrect it.
        if (current.version > 0) throw new SessionError('SESSION_REVOKED');
        throw new SessionError('SESSION_CONFLICT');
      }
      const base = this.decode(state.id, fresh);
      if (base === null) throw new SessionError('SESSION_REVOKED');
      for (const c of changes) applyChange(base.data, c);
      current = {
        ...base,
        userId: state.userId,
        lastSeenAt: state.lastSeenAt,
        expiresAt: state.expiresAt,
        ip: state.ip,
        userAgent: state.userAgent,
      };
    }
  }

  async touch(state: SessionState, slide: boolean): Promise<string | null> {
    if (!slide) return null;
    await this.store.touch(storeKey(state.id), state.lastSeenAt, state.expiresAt);
    return state.id;
  }

  async destroy(state: SessionState): Promise<void> {
    await this.store.delete(storeKey(state.id));
  }

  async list(userId: string): Promise<SessionInfo[]> {
    return (await this.store.listByUser(userId)).map(recordToInfo);
  }

  async revokeSession(handle: string): Promise<boolean> {
    return this.store.delete(handle);
  }

  async updateUser(userId: string, fn: (data: Record<string, unknown>) => void): Promise<number> {
    let n = 0;
    for (const r of await this.store.listByUser(userId)) {
      if (await this.updateKey(r.key, fn)) n++;
    }
    return n;
  }

  /** Compare-and-set loop on one record by its key; false when it is gone or undecodable. */
  private async updateKey(key: string, fn: (data: Record<string, unknown>) => void): Promise<boolean> {
    for (let attempt = 0; attempt < this.o.maxConflictRetries; attempt++) {
      const r = await this.store.get(key);
      if (r === null) return false;
      const state = this.decode('', r);
      if (state === null) return false;
      fn(state.data);
      const next = {
        ...r,
        data: this.o.codec.encode(state.data),
        schema: this.o.codec.schema,
        version: r.version + 1,
      };
      if (await this.store.set(next, r.version)) return true;
      await backoff(attempt);
    }
    throw new SessionError('SESSION_CONFLICT');
  }

  revokeUser(userId: string, exceptId?: string): Promise<number> {
    return this.store.deleteByUser(userId, exceptId === undefined ? undefined : storeKey(exceptId));
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
