/**
 * Table layout, migrations and prepared statements of the SQLite store.
 *
 * The table name is interpolated into SQL (SQLite cannot bind identifiers), so it is checked
 * against a strict identifier pattern first and quoted as well. Every value is bound.
 */
import type Database from 'better-sqlite3';
import type { SessionRecord } from '../types.js';

/** Letters, digits and `_`, not starting with a digit; short enough to leave room for suffixes. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/**
 * `MIGRATIONS[v]` takes a table from schema version `v` to `v + 1`. The version lives in a
 * one-row `<table>_schema` table rather than `PRAGMA user_version`, which is one number per
 * file and often owned by the application's own migration tool when it passes its handle.
 * Every step is idempotent (`IF NOT EXISTS`), so a step interrupted before its version was
 * recorded can run again. Later steps must stay readable by older code (add, never rename),
 * so processes of two releases can share a file during a rolling deploy.
 */
const MIGRATIONS: ReadonlyArray<(t: string) => string> = [
  (t) => `
    CREATE TABLE IF NOT EXISTS "${t}" (
      key                 TEXT    NOT NULL PRIMARY KEY,
      user_id             TEXT,
      data                TEXT    NOT NULL,
      version             INTEGER NOT NULL,
      schema              INTEGER NOT NULL,
      created_at          INTEGER NOT NULL,
      last_seen_at        INTEGER NOT NULL,
      expires_at          INTEGER NOT NULL,
      absolute_expires_at INTEGER NOT NULL,
      ip                  TEXT,
      user_agent          TEXT
    ) STRICT;
    CREATE INDEX IF NOT EXISTS "${t}_user_id" ON "${t}" (user_id) WHERE user_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS "${t}_expires_at" ON "${t}" (expires_at);
  `,
];

/** The schema version this code reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

function currentVersion(db: Database.Database, meta: string): number {
  const exists = db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?`).get(meta);
  if (exists === undefined) return 0;
  const v = db.prepare(`SELECT version FROM "${meta}" WHERE id = 1`).pluck().safeIntegers(false).get();
  return typeof v === 'number' ? v : 0;
}

/**
 * Brings `table` up to `SCHEMA_VERSION`. The common case (already current) is one read and
 * takes no lock. Otherwise `BEGIN IMMEDIATE` takes the write lock, so when two processes start
 * together one migrates and the other waits (up to busy_timeout), then finds nothing to do.
 */
export function migrate(db: Database.Database, table: string): void {
  const meta = `${table}_schema`;
  if (currentVersion(db, meta) >= SCHEMA_VERSION) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    const from = currentVersion(db, meta);
    db.exec(
      `CREATE TABLE IF NOT EXISTS "${meta}" (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL) STRICT`,
    );
    for (let v = from; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!(table));
    if (from < SCHEMA_VERSION) {
      db.prepare(
        `INSERT INTO "${meta}" (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version`,
      ).run(SCHEMA_VERSION);
    }
    db.exec('COMMIT');
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw e;
  }
}

/** Columns read back under the names of `SessionRecord`, so a row is a record as is. */
const RECORD = `key, user_id AS userId, data, version, schema, created_at AS createdAt,
  last_seen_at AS lastSeenAt, expires_at AS expiresAt, absolute_expires_at AS absoluteExpiresAt,
  ip, user_agent AS userAgent`;

const ASSIGN = `user_id = @userId, data = @data, version = @version, schema = @schema,
  created_at = @createdAt, last_seen_at = @lastSeenAt, expires_at = @expiresAt,
  absolute_expires_at = @absoluteExpiresAt, ip = @ip, user_agent = @userAgent`;

type WriteParams = SessionRecord & { now: number; expected?: number };

export interface Statements {
  get: Database.Statement<[key: string, now: number], SessionRecord>;
  create: Database.Statement<[WriteParams]>;
  update: Database.Statement<[WriteParams]>;
  touch: Database.Statement<[lastSeenAt: number, expiresAt: number, key: string, now: number]>;
  /** Resolves the deleted row's expires_at, so an expired row is removed but not reported. */
  delete: Database.Statement<[key: string], number>;
  listByUser: Database.Statement<[userId: string, now: number], SessionRecord>;
  /** Resolves each deleted row's expires_at (the key kept is bound as null when there is none). */
  deleteByUser: Database.Statement<[userId: string, exceptKey: string | null], number>;
  sweep: Database.Statement<[now: number, limit: number]>;
}

/** Prepares every statement once per connection. */
export function prepare(db: Database.Database, table: string): Statements {
  const t = `"${table}"`;
  // Integers come back as numbers even if the caller's handle has defaultSafeIntegers(true):
  // every time is far below 2^53.
  const p = <P extends unknown[], R = unknown>(sql: string) => db.prepare<P, R>(sql).safeIntegers(false);
  return {
    get: p(`SELECT ${RECORD} FROM ${t} WHERE key = ? AND expires_at > ?`),
    // Expected version 0: insert, or take over a row that has expired but not been swept yet.
    // A live row makes the upsert's WHERE false, so nothing changes and `changes` is 0.
    create: p(
      `INSERT INTO ${t} (key, user_id, data, version, schema, created_at, last_seen_at, expires_at,
         absolute_expires_at, ip, user_agent)
       VALUES (@key, @userId, @data, @version, @schema, @createdAt, @lastSeenAt, @expiresAt,
         @absoluteExpiresAt, @ip, @userAgent)
       ON CONFLICT (key) DO UPDATE SET ${ASSIGN} WHERE ${t}.expires_at <= @now`,
    ),
    update: p(`UPDATE ${t} SET ${ASSIGN} WHERE key = @key AND version = @expected AND expires_at > @now`),
    touch: p(`UPDATE ${t} SET last_seen_at = ?, expires_at = ? WHERE key = ? AND expires_at > ?`),
    delete: p<[string], number>(`DELETE FROM ${t} WHERE key = ? RETURNING expires_at`).pluck(),
    listByUser: p(`SELECT ${RECORD} FROM ${t} WHERE user_id = ? AND expires_at > ?`),
    deleteByUser: p<[string, string | null], number>(
      `DELETE FROM ${t} WHERE user_id = ? AND key IS NOT ? RETURNING expires_at`,
    ).pluck(),
    // Bounded batches keep each write transaction short, so other processes get the lock between them.
    sweep: p(`DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} WHERE expires_at <= ? LIMIT ?)`),
  };
}
