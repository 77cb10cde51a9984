/**
 * The table layout and its migrations.
 *
 * Migrations are numbered steps, each idempotent (`IF NOT EXISTS`), recorded in
 * `<table>_migrations`. They run in one transaction under a transaction-scoped advisory lock, so
 * several processes starting at once on a new database serialize instead of racing on the
 * catalog (two concurrent `CREATE TABLE IF NOT EXISTS` can still fail on pg_type's unique index).
 */
import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { SessionError } from '../../session/errors.js';

// PostgreSQL truncates identifiers past 63 bytes; the longest name derived from the table is
// `<table>_expires_at_idx` (15 more characters), so the table name keeps within 48.
const MAX_TABLE = 63 - '_expires_at_idx'.length;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Quoted names of everything the store creates, plus a stable id for statement and lock names. */
export interface Names {
  /** `"schema"."table"` */
  table: string;
  /** `"schema"."table_migrations"` */
  migrations: string;
  userIndex: string;
  expiresIndex: string;
  /** 16 hex characters derived from schema and table: prefixes prepared-statement names. */
  id: string;
  /** Signed 64-bit advisory-lock key, as a decimal string (pg sends bigint as text). */
  lockKey: string;
}

function quote(name: string): string {
  // Validated against IDENTIFIER, so it holds no quote to double.
  return `"${name}"`;
}

/** Validates the identifiers (they are interpolated into SQL) and derives every name from them. */
export function names(schema: string, table: string): Names {
  if (!IDENTIFIER.test(schema) || schema.length > 63) {
    throw new SessionError('INVALID_CONFIG', 'postgres store: schema must match [A-Za-z_][A-Za-z0-9_]{0,62}');
  }
  if (!IDENTIFIER.test(table) || table.length > MAX_TABLE) {
    throw new SessionError(
      'INVALID_CONFIG',
      `postgres store: table must match [A-Za-z_][A-Za-z0-9_]* and be at most ${MAX_TABLE} characters`,
    );
  }
  const digest = createHash('sha256').update(`statecraft:${schema}.${table}`).digest();
  return {
    table: `${quote(schema)}.${quote(table)}`,
    migrations: `${quote(schema)}.${quote(`${table}_migrations`)}`,
    userIndex: quote(`${table}_user_id_idx`),
    expiresIndex: quote(`${table}_expires_at_idx`),
    id: digest.subarray(0, 8).toString('hex'),
    lockKey: digest.readBigInt64BE(8).toString(),
  };
}

interface Migration {
  version: number;
  statements(n: Names): string[];
}

/**
 * Append only: a released step never changes, a new one gets the next number.
 *
 * `data` is `bytea`, not `text`: the codec's output is opaque and may hold U+0000, which a
 * PostgreSQL `text` value cannot. Times are `bigint` milliseconds, like `SessionRecord`.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: (n) => [
      `CREATE TABLE IF NOT EXISTS ${n.table} (
        key text PRIMARY KEY,
        user_id text,
        data bytea NOT NULL,
        version integer NOT NULL,
        schema integer NOT NULL,
        created_at bigint NOT NULL,
        last_seen_at bigint NOT NULL,
        expires_at bigint NOT NULL,
        absolute_expires_at bigint NOT NULL,
        ip text,
        user_agent text
      )`,
      // Partial: anonymous sessions (most of them) stay out of the user index.
      `CREATE INDEX IF NOT EXISTS ${n.userIndex} ON ${n.table} (user_id) WHERE user_id IS NOT NULL`,
      `CREATE INDEX IF NOT EXISTS ${n.expiresIndex} ON ${n.table} (expires_at)`,
    ],
  },
];

/** The highest migration version this code knows. */
export const LATEST = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Brings the schema up to date on `client`; safe to run from many processes at once. */
export async function migrate(client: PoolClient, n: Names): Promise<void> {
  await client.query('BEGIN');
  try {
    // Released at COMMIT or ROLLBACK, so a crashed migration never leaves it held.
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [n.lockKey]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${n.migrations} (
        version integer PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const done = await client.query<{ version: number }>(`SELECT version FROM ${n.migrations}`);
    const applied = new Set(done.rows.map((r) => r.version));
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      for (const sql of m.statements(n)) await client.query(sql);
      await client.query(`INSERT INTO ${n.migrations} (version) VALUES ($1)`, [m.version]);
    }
    await client.query('COMMIT');
  } catch (err) {
    // The connection may be gone; the caller discards the client either way.
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
