/**
 * A Session: one request's view of one session. Reads and writes are in memory; `commit()`
 * persists them through the strategy and yields the headers to send. Nothing is written and no
 * cookie is set for a session that stored nothing (lazy sessions).
 */

import type { Change, SessionState, Strategy } from '../strategies/types.js';
import { SessionError } from './errors.js';
import { newSessionId, storeKey } from './id.js';
import type { ResolvedOptions } from './options.js';
import { clearCookie, sessionCookie } from './transport.js';

/** Session data shape; `createSessions<Data>()` types `get`/`set` with it. */
export type SessionData = Record<string, unknown>;

/** What a commit asks the adapter to send. */
export interface CommitResult {
  /** A `Set-Cookie` header value, when the cookie must be set, refreshed or cleared. */
  setCookie: string | null;
  /** The credential, when it is new or changed (for bearer clients). */
  token: string | null;
}

export interface RequestMeta {
  ip?: string | null;
  userAgent?: string | null;
}

const NOTHING: CommitResult = Object.freeze({ setCookie: null, token: null });

export class Session<D extends SessionData = SessionData> {
  #state: SessionState;
  #changes: Change[] = [];
  #dirty = false;
  /** The request carried a credential that must be cleared unless a new one replaces it. */
  #clear: boolean;
  #noTouch = false;
  /** This commit persists a login (or regeneration): enforce the per-user cap after it. */
  #loggedIn = false;
  #committing: Promise<CommitResult> | null = null;
  #handle: string | null = null;

  /** @internal Made by `Sessions.load`. */
  constructor(
    private readonly strategy: Strategy,
    private readonly o: ResolvedOptions,
    state: SessionState | null,
    private readonly meta: RequestMeta,
    staleCredential: boolean,
    private readonly onEnded: (handle: string) => Promise<void>,
    /** Claims this process's one touch of `handle` for the current window (single flight). */
    private readonly claimTouch: (handle: string, now: number) => boolean = () => true,
  ) {
    this.#state = state ?? this.#fresh(null, {});
    this.#clear = staleCredential;
  }

  #fresh(userId: string | null, data: SessionData): SessionState {
    const now = this.o.clock.now();
    const absoluteExpiresAt = now + this.o.absoluteMs;
    return {
      // Drawn when first needed: most requests without a session never store anything.
      id: '',
      userId,
      data,
      version: 0,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: Math.min(now + this.o.idleMs, absoluteExpiresAt),
      absoluteExpiresAt,
      ip: this.meta.ip ?? null,
      userAgent: this.meta.userAgent ?? null,
    };
  }

  /** True until the session has been persisted once. */
  get isNew(): boolean {
    return this.#state.version === 0;
  }

  /** The authenticated user, or null. */
  get userId(): string | null {
    return this.#state.userId;
  }

  /** A non-secret handle for this session (SHA-256 of its id): safe to log and show. */
  get handle(): string {
    this.#handle ??= storeKey(this.#id());
    return this.#handle;
  }

  get createdAt(): number {
    return this.#state.createdAt;
  }

  get expiresAt(): number {
    return this.#state.expiresAt;
  }

  /** @internal The secret id, for `revokeUser(..., { except })` and the WebSocket adapter. */
  get internalId(): string {
    return this.#id();
  }

  /** The session's id, drawn from the CSPRNG the first time a new session needs one. */
  #id(): string {
    if (this.#state.id === '') this.#state.id = newSessionId(this.o.random);
    return this.#state.id;
  }

  get<K extends keyof D & string>(key: K): D[K] | undefined {
    return this.#state.data[key] as D[K] | undefined;
  }

  has(key: keyof D & string): boolean {
    return Object.hasOwn(this.#state.data, key);
  }

  /** A shallow copy of all data. */
  toObject(): Partial<D> {
    return { ...this.#state.data } as Partial<D>;
  }

  set<K extends keyof D & string>(key: K, value: D[K]): this {
    this.#record({ op: 'set', key, value });
    return this;
  }

  delete(key: keyof D & string): this {
    this.#record({ op: 'delete', key });
    return this;
  }

  /**
   * Changes one key from its current value. If another request wrote the session first,
   * `fn` runs again on the value that request stored, so no update is lost.
   *
   * @example
   * session.update('cart', (cart = []) => [...cart, item])
   */
  update<K extends keyof D & string>(key: K, fn: (current: D[K] | undefined) => D[K]): D[K] {
    const c: Change = { op: 'update', key, fn: fn as (v: unknown) => unknown };
    this.#record(c);
    return this.#state.data[key] as D[K];
  }

  #record(c: Change): void {
    const d = this.#state.data;
    if (c.op === 'set') d[c.key] = c.value;
    else if (c.op === 'delete') delete d[c.key];
    else d[c.key] = c.fn(d[c.key]);
    this.#changes.push(c);
    this.#dirty = true;
  }

  /**
   * Authenticates the session as `userId` under a new id (OWASP: regenerate on login, against
   * fixation). The old id is ended in the store at once. Data is kept unless `keepData: false`.
   */
  async login(userId: string, opts: { keepData?: boolean } = {}): Promise<void> {
    if (
      typeof userId !== 'string' ||
      userId.length === 0 ||
      userId.length > 256 ||
      userId.startsWith('~statecraft~')
    ) {
      throw new SessionError('INVALID_CONFIG', 'userId must be a non-empty string of at most 256 characters');
    }
    const data = opts.keepData === false ? {} : this.#state.data;
    await this.#end();
    this.#state = this.#fresh(userId, data);
    this.#changes = [];
    this.#dirty = true;
    this.#loggedIn = true;
  }

  /** A new id for the same user and data (after a privilege change); the old id ends. */
  async regenerate(): Promise<void> {
    const { userId, data } = this.#state;
    await this.#end();
    this.#state = this.#fresh(userId, data);
    this.#changes = [];
    this.#dirty = true;
  }

  /** Ends the session server-side; the commit clears the cookie. The object stays usable as a new anonymous session. */
  async logout(): Promise<void> {
    await this.#end();
    this.#state = this.#fresh(null, {});
    this.#changes = [];
    this.#dirty = false;
  }

  async #end(): Promise<void> {
    if (this.#state.version > 0) {
      await this.strategy.destroy(this.#state);
      await this.onEnded(this.handle);
      this.#clear = true;
    }
    this.#handle = null;
  }

  /**
   * True when `commit()` has something to do: changes to write, a credential to re-issue or
   * clear, or a sliding expiry that may be due (or a commit already running). Synchronous, so an
   * adapter can send a response that commits nothing at once instead of waiting on a promise.
   * When it is false, `commit()` would resolve with no headers and write nothing. Static, so
   * that it takes no name from the session's data in the Express adapter's `req.session`.
   */
  static pending(session: Session<SessionData>): boolean {
    if (session.#dirty || session.#clear || session.#committing !== null) return true;
    const s = session.#state;
    if (s.version === 0) return false;
    if (s.reissue === true) return true;
    return !session.#noTouch && session.o.clock.now() - s.lastSeenAt >= session.o.touchAfterMs;
  }

  /** This request does not count as activity (polling endpoints): no sliding-expiry refresh. */
  skipTouch(): void {
    this.#noTouch = true;
  }

  /**
   * Persists changes (compare-and-set, replaying this request's changes on conflict), slides
   * expiry at most once per `touchAfter`, and says which headers to send. Safe to call twice.
   */
  commit(): Promise<CommitResult> {
    this.#committing ??= this.#commit().finally(() => {
      this.#committing = null;
    });
    return this.#committing;
  }

  async #commit(): Promise<CommitResult> {
    const now = this.o.clock.now();
    const s = this.#state;
    if (this.#dirty) {
      this.#id();
      s.lastSeenAt = now;
      s.expiresAt = Math.min(now + this.o.idleMs, s.absoluteExpiresAt);
      if (this.meta.ip !== undefined) s.ip = this.meta.ip;
      if (this.meta.userAgent !== undefined) s.userAgent = this.meta.userAgent;
      const { state, credential } = await this.strategy.save(s, this.#changes);
      this.#state = state;
      this.#changes = [];
      this.#dirty = false;
      this.#clear = false;
      if (this.#loggedIn) {
        this.#loggedIn = false;
        await this.#enforceCap(state);
      }
      return this.#issue(credential, state.expiresAt - now);
    }
    // Concurrent requests of one session all see it due at once: only one of them writes.
    const due =
      !this.#noTouch &&
      s.version > 0 &&
      now - s.lastSeenAt >= this.o.touchAfterMs &&
      this.claimTouch(this.handle, now);
    if (s.version > 0 && (due || s.reissue)) {
      if (due) {
        s.lastSeenAt = now;
        s.expiresAt = Math.min(now + this.o.idleMs, s.absoluteExpiresAt);
      }
      const credential = await this.strategy.touch(s, due);
      return credential === null ? NOTHING : this.#issue(credential, s.expiresAt - now);
    }
    if (this.#clear) {
      this.#clear = false;
      return { setCookie: this.o.transport.includes('cookie') ? clearCookie(this.o) : null, token: null };
    }
    return NOTHING;
  }

  /**
   * Keeps at most `maxPerUser.limit` sessions. Runs after the new session is stored, against
   * the index, and every login does it: the last of concurrent logins to read the index sees
   * them all, so the limit holds when the dust settles. Sessions are ranked by one total order
   * (creation time, then handle), so every login agrees on who is past the limit and nothing
   * that should survive is ended: `evict-oldest` keeps the newest `limit`; `refuse` keeps the
   * oldest `limit`, and a login ranked past them fails with `SESSION_LIMIT`.
   */
  async #enforceCap(state: SessionState): Promise<void> {
    const cap = this.o.maxPerUser;
    if (!cap || state.userId === null) return;
    const all = await this.strategy.list(state.userId);
    if (all.length <= cap.limit) return;
    all.sort((a, b) => a.createdAt - b.createdAt || (a.handle < b.handle ? -1 : 1));
    const excess = cap.onLimit === 'refuse' ? all.slice(cap.limit) : all.slice(0, all.length - cap.limit);
    const mine = this.handle;
    let refused = false;
    for (const s of excess) {
      if (s.handle === mine) refused = true;
      if (await this.strategy.revokeSession(s.handle)) await this.onEnded(s.handle);
    }
    if (refused && cap.onLimit === 'refuse') {
      this.#state = this.#fresh(null, {});
      this.#handle = null;
      throw new SessionError('SESSION_LIMIT');
    }
  }

  #issue(credential: string, maxAgeMs: number): CommitResult {
    return {
      setCookie: this.o.transport.includes('cookie') ? sessionCookie(this.o, credential, maxAgeMs) : null,
      token: credential,
    };
  }
}
