/**
 * SQLite store: the embedded default for the `shared` architecture, where several processes on
 * one machine share one database file. WAL journaling lets readers run while one writer
 * commits; compare-and-set is a single conditional statement, so it holds across processes
 * without application locks. better-sqlite3 is synchronous: each call blocks the event loop
 * for its duration (microseconds), and for up to `busyTimeout` while another process holds
 * the write lock, which is why that default is short.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Clock } from '../../platform/clock.js';
import { systemClock } from '../../platform/clock.js';
import { SessionError } from '../../session/errors.js';
import type { Store, StoreOptions } from '../types.js';
import type { Statements } from './schema.js';
import { isIdentifier, migrate, prepare } from './schema.js';

interface CommonOptions extends StoreOptions {
  /** Table name: letters, digits and `_`. A `<table>_schema` table holds its schema version. @default 'statecraft_sessions' */
  table?: string;
  /** Milliseconds between sweeps of expired rows; 0 disables the timer. @default 60_000 */
  sweepInterval?: number;
}

interface PathOptions extends CommonOptions {
  /** Database file, created if missing (its directory must exist). `:memory:` for one-process tests. */
  path: string;
  /** Milliseconds to wait for another connection's write lock before failing. @default 1000 */
  busyTimeout?: number;
  database?: never;
  closeDatabase?: never;
}

interface HandleOptions extends CommonOptions {
  /**
   * An open better-sqlite3 handle. The store creates its table but leaves the connection's
   * settings (journal mode, busy timeout) to the caller, and cannot reopen it after a failure.
   */
  database: Database.Database;
  /** Close `database` in `close()`. @default false */
  closeDatabase?: boolean;
  path?: never;
  busyTimeout?: never;
}

export type SqliteStoreOptions = PathOptions | HandleOptions;

export interface SqliteStore extends Store {
  /** Deletes expired rows now, in batches; resolves how many. The sweep timer calls it. */
  sweep(): Promise<number>;
}

/** Rows deleted per sweep transaction. */
const SWEEP_BATCH = 500;

/** Lock contention: the connection is fine, only the moment was wrong. */
function isTransient(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** Blocks the thread for `ms`, as SQLite's own busy handler does between attempts. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Switches the file to WAL (a no-op once it is: the mode is stored in the file). Converting
 * a new file needs an exclusive lock and SQLite answers SQLITE_BUSY at once, without its busy
 * handler, when another process is converting it too; so the wait is done here.
 */
function enableWal(db: Database.Database, busyTimeout: number): void {
  const deadline = performance.now() + busyTimeout;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (e) {
      if (!isTransient(e) || performance.now() >= deadline) throw e;
      sleepSync(5);
    }
  }
}

function config(message: string): SessionError {
  return new SessionError('INVALID_CONFIG', message);
}

/**
 * @example
 * import { createSessions, stateful } from 'statecraft'
 * import { sqliteStore } from 'statecraft/stores/sqlite'
 * const sessions = createSessions(stateful({ store: sqliteStore({ path: '/var/lib/app/sessions.db' }) }))
 */
export function sqliteStore(o: SqliteStoreOptions): SqliteStore {
  const clock: Clock = o.clock ?? systemClock;
  const table = o.table ?? 'statecraft_sessions';
  if (!isIdentifier(table)) throw config('table must be an identifier of letters, digits and _');
  const interval = o.sweepInterval ?? 60_000;
  if (!Number.isFinite(interval) || interval < 0) throw config('sweepInterval must be 0 or more');
  const user = o.database ?? null;
  if ((user === null) === (o.path === undefined)) throw config('give exactly one of path and database');
  const busyTimeout = o.busyTimeout ?? 1000;
  if (!Number.isInteger(busyTimeout) || busyTimeout < 0) throw config('busyTimeout must be an integer ≥ 0');

  // Only a plain file the store opened itself is watched and reopened after a failure: a new
  // in-memory database would be empty, a `file:` URI cannot be checked with stat(), and the
  // caller's handle is the caller's.
  const raw = o.path ?? '';
  const plainFile = raw !== ':memory:' && raw !== '' && !raw.startsWith('file:');
  // Resolved now, so a later process.chdir() cannot point a reopen at another file.
  const path = plainFile ? resolve(raw) : raw;
  const reopenable = user === null && plainFile;

  let conn: { db: Database.Database; s: Statements; dev: number; ino: number } | null = null;
  let closed = false;

  function open(): NonNullable<typeof conn> {
    if (user !== null) {
      migrate(user, table);
      return { db: user, s: prepare(user, table), dev: 0, ino: 0 };
    }
    const db = new Database(path, { timeout: busyTimeout });
    try {
      const id = reopenable ? statSync(path) : { dev: 0, ino: 0 };
      // WAL: readers never wait for the writer. NORMAL: a commit is not fsynced until the next
      // checkpoint, so it survives a process crash but the last ones may not survive power loss.
      enableWal(db, busyTimeout);
      db.pragma('synchronous = NORMAL');
      migrate(db, table);
      return { db, s: prepare(db, table), dev: id.dev, ino: id.ino };
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** Forgets the connection; the next operation opens a new one. */
  function drop(): void {
    if (conn === null) return;
    if (user === null) {
      try {
        conn.db.close();
      } catch {
        // Already unusable; nothing more to release.
      }
    }
    conn = null;
  }

  /**
   * True when the path no longer names the file this connection has open (deleted, its
   * directory removed, replaced by a restore). SQLite would keep writing to the unlinked
   * inode, where no other process sees the sessions; SQLite makes the same check itself
   * before commits in rollback mode but not in WAL mode.
   */
  function moved(c: NonNullable<typeof conn>): boolean {
    const st = statSync(path, { throwIfNoEntry: false });
    return st === undefined || st.ino !== c.ino || st.dev !== c.dev;
  }

  /** Runs one operation on an open connection; any failure is STORE_UNAVAILABLE, never a miss. */
  function use<T>(fn: (s: Statements) => T): T {
    if (closed) throw new SessionError('STORE_UNAVAILABLE', 'sqlite store is closed');
    try {
      if (conn !== null && reopenable && moved(conn)) drop();
      conn ??= open();
      return fn(conn.s);
    } catch (e) {
      // An I/O error or a lost file: reopen on the next call, so the store recovers by itself
      // once the file is usable again. Lock contention keeps the connection, and so does a
      // database that a reopen could not bring back (in-memory, or the caller's handle).
      if (reopenable && !isTransient(e)) drop();
      throw new SessionError('STORE_UNAVAILABLE', undefined, { cause: e });
    }
  }

  let sweeping: Promise<number> | null = null;

  async function sweepAll(): Promise<number> {
    const now = clock.now();
    let total = 0;
    for (;;) {
      const n = use((s) => s.sweep.run(now, SWEEP_BATCH).changes);
      total += n;
      if (n < SWEEP_BATCH) return total;
      // Let requests run between batches: each batch blocks the event loop while it deletes.
      await new Promise((r) => setImmediate(r));
    }
  }

  function sweep(): Promise<number> {
    sweeping ??= sweepAll().finally(() => {
      sweeping = null;
    });
    return sweeping;
  }

  // A failed sweep is retried by the next tick; requests report the same failure themselves.
  const timer = interval > 0 ? setInterval(() => void sweep().catch(() => {}), interval) : null;
  timer?.unref();

  return {
    name: 'sqlite',
    async get(key) {
      return use((s) => s.get.get(key, clock.now()) ?? null);
    },
    async set(record, expected) {
      const now = clock.now();
      return use((s) =>
        expected === 0
          ? s.create.run({ ...record, now }).changes === 1
          : s.update.run({ ...record, expected, now }).changes === 1,
      );
    },
    async touch(key, lastSeenAt, expiresAt) {
      use((s) => s.touch.run(lastSeenAt, expiresAt, key, clock.now()));
    },
    async delete(key) {
      const now = clock.now();
      const expiresAt = use((s) => s.delete.get(key));
      return expiresAt !== undefined && expiresAt > now;
    },
    async listByUser(userId) {
      return use((s) => s.listByUser.all(userId, clock.now()));
    },
    async deleteByUser(userId, exceptKey) {
      // Expired rows of the user go too, but only live ones are counted (they were sessions).
      const now = clock.now();
      const expiries = use((s) => s.deleteByUser.all(userId, exceptKey ?? null));
      return expiries.filter((t) => t > now).length;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      drop();
      if (user !== null && o.closeDatabase === true && user.open) user.close();
    },
    sweep,
  };
}
