/**
 * Hybrid strategy: stateless web servers in front of a stateful session server. The client
 * holds a short-lived access token (verified with no store round trip) joined to the session
 * id; the store holds the session and is the only thing that can refresh the token. Writes go
 * to the store with compare-and-set (no lost updates), then a new token is issued.
 *
 * Revocation is immediate: logout and revokeUser delete from the store, record a marker
 * ("tokens of this session/user issued before `at` must be refreshed") and the manager
 * publishes it on the bus, so every instance sends those tokens back to the store, where the
 * session no longer exists. Markers are kept in the store as records of a reserved user for
 * as long as a token can live, so an instance that (re)starts loads them and does not reopen a
 * revoked session.
 */
import { isSessionError } from '../session/errors.js';
import { isWellFormedId, newSessionId, storeKey } from '../session/id.js';
import type { ResolvedOptions } from '../session/options.js';
import type { SessionRecord, Store } from '../stores/types.js';
import { endChain, openSuccessor, TOMBSTONE, tombstone } from './rotation.js';
import { StatefulStrategy } from './stateful.js';
import {
  stateFromClaims,
  type TokenClaims,
  type TokenCodec,
  type TokenOptions,
  tokenCodec,
} from './token-claims.js';
import type {
  Change,
  RevocationEvent,
  SessionInfo,
  SessionState,
  Strategy,
  StrategyFactory,
} from './types.js';
import { applyChange } from './types.js';

export interface HybridOptions extends TokenOptions {
  store: Store;
  /** Seconds an access token is trusted without asking the store. @default 300 */
  accessTtl?: number;
  /**
   * Refresh rotation: every refresh moves the session to a new id. Requests racing a refresh
   * with the old credential within `grace` seconds join the same successor; the old credential
   * presented after that ends the whole session and is reported (`reason: 'reuse'`).
   * `false` keeps one id for the session's life. @default { grace: 10 }
   */
  rotation?: false | { grace?: number };
}

/** The user id under which revocation markers are stored; `login()` refuses it. */
export const REVOCATIONS_USER = '~statecraft~revocations';
const SEP = '~';

/**
 * @example
 * const sessions = createSessions(
 *   hybrid({ store: redisStore(), keys: [{ kid: 'k1', alg: 'HS256', secret }], format: 'jws' }),
 *   { bus: redisBus() },
 * )
 */
export function hybrid(h: HybridOptions): StrategyFactory {
  return (o) => new HybridStrategy(h, tokenCodec(h, o), o);
}

export class HybridStrategy implements Strategy {
  readonly kind = 'hybrid' as const;
  private readonly inner: StatefulStrategy;
  private readonly accessMs: number;
  /** handle → latest revocation time; userId → latest revocation time. */
  private readonly revokedSessions = new Map<string, number>();
  private readonly revokedUsers = new Map<string, number>();
  private loaded = false;
  /** Grace window of refresh rotation in ms, or null when rotation is off. */
  private readonly graceMs: number | null;
  notify?: (e: RevocationEvent) => void;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly h: HybridOptions,
    private readonly tokens: TokenCodec,
    private readonly o: ResolvedOptions,
  ) {
    this.inner = new StatefulStrategy(h.store, o);
    this.accessMs = (h.accessTtl ?? 300) * 1000;
    this.graceMs = h.rotation === false ? null : (h.rotation?.grace ?? 10) * 1000;
  }

  /** How long a marker must be kept: every token issued before it has expired by then. */
  private get markerTtl(): number {
    return this.accessMs + (this.h.leeway ?? 0) * 1000 + 1000;
  }

  applyRevocation(e: RevocationEvent): void {
    // A user revocation and a server-side change of the user's data both send that user's
    // older tokens back to the store: one refuses them (the sessions are gone), the other
    // re-issues them with the new data.
    const map = e.kind === 'session' ? this.revokedSessions : this.revokedUsers;
    const id = e.kind === 'session' ? e.handle : e.userId;
    if ((map.get(id) ?? 0) < e.at) map.set(id, e.at);
    this.prune();
  }

  private prune(): void {
    const cutoff = this.o.clock.now() - this.markerTtl;
    for (const map of [this.revokedSessions, this.revokedUsers]) {
      if (map.size < 256) continue;
      for (const [k, at] of map) if (at < cutoff) map.delete(k);
    }
  }

  async resync(): Promise<void> {
    const markers = await this.h.store.listByUser(REVOCATIONS_USER);
    for (const m of markers) {
      try {
        this.applyRevocation(JSON.parse(m.data) as RevocationEvent);
      } catch {
        // A marker that does not parse was not written by this library: ignore it.
      }
    }
    this.loaded = true;
  }

  private ready(): Promise<void> | null {
    if (this.loaded) return null;
    this.loading ??= this.resync().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private mustRefresh(c: TokenClaims): boolean {
    const s = this.revokedSessions.get(c.sid);
    if (s !== undefined && s >= c.t) return true;
    if (c.sub === undefined) return false;
    const u = this.revokedUsers.get(c.sub);
    return u !== undefined && u >= c.t;
  }

  async load(credential: string): Promise<SessionState | null> {
    const sep = credential.lastIndexOf(SEP);
    if (sep <= 0) return null;
    const id = credential.slice(sep + 1);
    if (!isWellFormedId(id)) return null;
    const wait = this.ready();
    if (wait) await wait;
    const handle = storeKey(id);
    let claims: TokenClaims | null = null;
    let stale = false;
    try {
      ({ claims, stale } = this.tokens.read(credential.slice(0, sep)));
    } catch (e) {
      // An expired access token is the normal path to a refresh; anything else is refused.
      if (!isSessionError(e, 'TOKEN_EXPIRED')) return null;
    }
    if (claims !== null) {
      // The token must belong to the id it travels with: no splicing of two credentials.
      if (claims.sid !== handle) return null;
      if (!this.mustRefresh(claims)) {
        try {
          const state = stateFromClaims(id, claims, this.tokens.data(claims));
          const now = this.o.clock.now();
          if (state.absoluteExpiresAt <= now) return null;
          // Past the idle expiry this token saw: another tab may have slid it since; ask the store.
          if (state.expiresAt > now) {
            if (stale) state.reissue = true;
            return state;
          }
        } catch {
          return null;
        }
      }
    }
    // Refresh from the store: the session server decides whether the session still exists.
    return this.refresh(id);
  }

  /**
   * The session behind `id` from the store, rotated to a new id when rotation is on and
   * `rotate` (a successor reached through a tombstone is not rotated again: racing requests
   * must all land on the same one).
   */
  private async refresh(id: string, rotate = true): Promise<SessionState | null> {
    const store = this.h.store;
    const key = storeKey(id);
    for (let attempt = 0; attempt < 5; attempt++) {
      const r = await store.get(key);
      if (r === null) return null;
      if (r.schema === TOMBSTONE) return this.follow(id, r.createdAt, r.data);
      const state = this.inner.decode(id, r);
      if (state === null) return null;
      state.reissue = true;
      if (this.graceMs === null || !rotate) return state;
      // Rotate: the successor first, then the tombstone, by compare-and-set on the old record.
      const successor = { ...state, id: newSessionId(this.o.random), version: 0 };
      const saved = await this.inner.save(successor, []);
      const now = this.o.clock.now();
      if (await store.set(tombstone(r, id, successor.id, now, this.o.random), r.version)) {
        saved.state.reissue = true;
        return saved.state;
      }
      // Another request rotated or wrote first: drop our successor and look again.
      await store.delete(storeKey(successor.id));
    }
    return null;
  }

  /** The old credential of a rotated session: join the successor in the grace window, else end it all. */
  private async follow(id: string, rotatedAt: number, sealed: string): Promise<SessionState | null> {
    const successorId = openSuccessor(sealed, id);
    if (successorId === null) return null;
    if (this.graceMs !== null && this.o.clock.now() - rotatedAt <= this.graceMs)
      return this.refresh(successorId, false);
    // Presented again after the grace window: two parties hold this session. End the chain.
    const ended = await endChain(this.h.store, id);
    for (const handle of ended) {
      await this.mark({ kind: 'session', handle, at: this.o.clock.now() });
      this.notify?.({ kind: 'session', handle, at: this.o.clock.now(), reason: 'reuse' });
    }
    return null;
  }

  private credential(state: SessionState): string {
    const tokenExp = Math.min(this.o.clock.now() + this.accessMs, state.expiresAt);
    return this.tokens.issue(state, storeKey(state.id), tokenExp) + SEP + state.id;
  }

  async save(
    state: SessionState,
    changes: readonly Change[],
  ): Promise<{ state: SessionState; credential: string }> {
    let saved: { state: SessionState };
    try {
      saved = await this.inner.save(state, changes);
    } catch (e) {
      // A parallel request rotated this session while we held the old credential: write to
      // the successor instead of failing (no false logout within the grace window).
      if (!isSessionError(e, 'SESSION_REVOKED') || state.version === 0) throw e;
      const successor = await this.refresh(state.id);
      if (successor === null || successor.id === state.id) throw e;
      for (const c of changes) applyChange(successor.data, c);
      saved = await this.inner.save({ ...successor, userId: state.userId }, changes);
    }
    saved.state.reissue = false;
    return { state: saved.state, credential: this.credential(saved.state) };
  }

  async touch(state: SessionState, slide: boolean): Promise<string | null> {
    if (slide) await this.inner.touch(state, true);
    state.reissue = false;
    return this.credential(state);
  }

  private async mark(e: RevocationEvent): Promise<void> {
    this.applyRevocation(e);
    const id = e.kind === 'session' ? e.handle : storeKey(e.userId);
    const expiresAt = e.at + this.markerTtl;
    const marker: SessionRecord = {
      key: `rv:${e.kind}:${id}:${e.at}`,
      userId: REVOCATIONS_USER,
      data: JSON.stringify(e),
      version: 1,
      schema: 0,
      createdAt: e.at,
      lastSeenAt: e.at,
      expiresAt,
      absoluteExpiresAt: expiresAt,
      ip: null,
      userAgent: null,
    };
    await this.h.store.set(marker, 0);
  }

  async destroy(state: SessionState): Promise<void> {
    // Logging out with a credential that was rotated meanwhile ends its successor too.
    const ended = await endChain(this.h.store, state.id);
    const now = this.o.clock.now();
    for (const handle of new Set([storeKey(state.id), ...ended]))
      await this.mark({ kind: 'session', handle, at: now });
  }

  list(userId: string): Promise<SessionInfo[]> {
    return userId === REVOCATIONS_USER ? Promise.resolve([]) : this.inner.list(userId);
  }

  async revokeUser(userId: string, exceptId?: string): Promise<number> {
    const n = await this.inner.revokeUser(userId, exceptId);
    await this.mark({ kind: 'user', userId, at: this.o.clock.now() });
    return n;
  }

  async revokeSession(handle: string): Promise<boolean> {
    const existed = await this.inner.revokeSession(handle);
    await this.mark({ kind: 'session', handle, at: this.o.clock.now() });
    return existed;
  }

  async updateUser(userId: string, fn: (data: Record<string, unknown>) => void): Promise<number> {
    const n = await this.inner.updateUser(userId, fn);
    await this.mark({ kind: 'refresh', userId, at: this.o.clock.now() });
    return n;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
