/**
 * The one small interface every session store implements (memory, SQLite, Redis, PostgreSQL).
 *
 * A store never sees a session id: it is keyed by `key`, the SHA-256 of the id (OWASP Session
 * Management: a leaked store dump must not yield usable ids). A miss returns `null`. A store
 * that cannot reach its backend rejects with `SessionError('STORE_UNAVAILABLE')`, never with a
 * miss, so the manager fails closed instead of issuing an anonymous session.
 */

/** What a store keeps for one session. Times are milliseconds since the epoch. */
export interface SessionRecord {
  /** base64url SHA-256 of the session id. */
  key: string;
  /** The authenticated user, or null for an anonymous session. */
  userId: string | null;
  /** Session data as encoded by the codec (opaque to the store). */
  data: string;
  /** Starts at 1; every successful `set` stores `expected + 1`. Compare-and-set runs on it. */
  version: number;
  /** Schema version of `data`'s encoding, for migrations. */
  schema: number;
  createdAt: number;
  lastSeenAt: number;
  /** When the store may forget the record: min(lastSeenAt + idle, absoluteExpiresAt). */
  expiresAt: number;
  /** createdAt + absolute timeout; never moves. */
  absoluteExpiresAt: number;
  /** Client address, as resolved through the trusted-proxy setting; for `list(userId)`. */
  ip: string | null;
  userAgent: string | null;
}

/** A session store. Implementations live in `src/stores/<name>/`. */
export interface Store {
  /** Short name for logs and reports (`memory`, `sqlite`, `redis`, `postgres`). */
  readonly name: string;

  /** The record, or null when absent or expired (`expiresAt <= now`). */
  get(key: string): Promise<SessionRecord | null>;

  /**
   * Compare-and-set write. Stores `record` only if the stored version is `expected`
   * (`0` means: only if no live record has this key). `record.version` must be `expected + 1`.
   * Keeps the user index in step when `userId` is set or changes. Resolves `false` on conflict.
   */
  set(record: SessionRecord, expected: number): Promise<boolean>;

  /**
   * Slides expiry without a version change: sets `lastSeenAt` and `expiresAt` if the record
   * still exists. Never conflicts with a concurrent `set`.
   */
  touch(key: string, lastSeenAt: number, expiresAt: number): Promise<void>;

  /** Removes one record (and its user-index entry). Resolves true if it existed. */
  delete(key: string): Promise<boolean>;

  /** Live records of one user, from an index (never a scan of all sessions). */
  listByUser(userId: string): Promise<SessionRecord[]>;

  /** Removes every record of one user except `exceptKey`; resolves how many it removed. */
  deleteByUser(userId: string, exceptKey?: string): Promise<number>;

  /** Releases connections and timers. The store must not be used afterwards. */
  close(): Promise<void>;
}

/** Options every store takes. */
export interface StoreOptions {
  /** Used to decide what has expired; a test passes a manual clock. @default systemClock */
  clock?: import('../platform/clock.js').Clock;
}
