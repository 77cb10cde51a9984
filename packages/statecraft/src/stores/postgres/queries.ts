/**
 * The store's SQL, one statement per operation, and the mapping between rows and records.
 *
 * Every statement is a named prepared statement (parsed and planned once per connection). The
 * names carry an id derived from schema and table, because node-postgres refuses to reuse a name
 * with a different text on one connection, and two stores may share a pool.
 *
 * Expiry is judged by the caller's clock (`$now`), never by the server's, so a manual clock in a
 * test and the server agree on what is live.
 */
import type { QueryConfig } from 'pg';
import type { SessionRecord } from '../types.js';
import type { Names } from './schema.js';

/** Rows in the shape `SELECT ${COLUMNS}` returns; pg hands `bigint` back as a string. */
export interface Row {
  key: string;
  user_id: string | null;
  data: Buffer;
  version: number;
  schema: number;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  absolute_expires_at: string;
  ip: string | null;
  user_agent: string | null;
}

const COLUMNS =
  'key, user_id, data, version, schema, created_at, last_seen_at, expires_at, absolute_expires_at, ip, user_agent';

/** Rows deleted per sweep statement: short transactions, short row locks. */
export const SWEEP_BATCH = 1000;

export function toRecord(r: Row): SessionRecord {
  return {
    key: r.key,
    userId: r.user_id,
    data: r.data.toString('utf8'),
    version: r.version,
    schema: r.schema,
    // Milliseconds since the epoch stay well inside Number.MAX_SAFE_INTEGER.
    createdAt: Number(r.created_at),
    lastSeenAt: Number(r.last_seen_at),
    expiresAt: Number(r.expires_at),
    absoluteExpiresAt: Number(r.absolute_expires_at),
    ip: r.ip,
    userAgent: r.user_agent,
  };
}

/** `$1 … $11` in COLUMNS order. */
function values(r: SessionRecord): unknown[] {
  return [
    r.key,
    r.userId,
    Buffer.from(r.data, 'utf8'),
    r.version,
    r.schema,
    r.createdAt,
    r.lastSeenAt,
    r.expiresAt,
    r.absoluteExpiresAt,
    r.ip,
    r.userAgent,
  ];
}

export type Queries = ReturnType<typeof queries>;

/** Builders of the `{ name, text, values }` configs, for one table. */
export function queries(n: Names) {
  const t = n.table;
  const name = (op: string) => `statecraft_${n.id}_${op}`;
  const statement =
    (op: string, text: string) =>
    (vals: unknown[]): QueryConfig => ({
      name: name(op),
      text,
      values: vals,
    });

  const get = statement('get', `SELECT ${COLUMNS} FROM ${t} WHERE key = $1 AND expires_at > $2`);

  // expected 0: insert, or take over the key only if the row there has expired. ON CONFLICT
  // makes concurrent creators of one key safe: the loser sees the winner's live row and writes
  // nothing, so rowCount is 0.
  const create = statement(
    'create',
    `INSERT INTO ${t} AS t (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (key) DO UPDATE SET
       user_id = EXCLUDED.user_id, data = EXCLUDED.data, version = EXCLUDED.version,
       schema = EXCLUDED.schema, created_at = EXCLUDED.created_at, last_seen_at = EXCLUDED.last_seen_at,
       expires_at = EXCLUDED.expires_at, absolute_expires_at = EXCLUDED.absolute_expires_at,
       ip = EXCLUDED.ip, user_agent = EXCLUDED.user_agent
     WHERE t.expires_at <= $12`,
  );

  // expected > 0: under READ COMMITTED, writers racing on one row queue on its lock and each
  // re-checks the WHERE against the row the previous one committed, so exactly one matches.
  const replace = statement(
    'replace',
    `UPDATE ${t} SET
       user_id = $2, data = $3, version = $4, schema = $5, created_at = $6, last_seen_at = $7,
       expires_at = $8, absolute_expires_at = $9, ip = $10, user_agent = $11
     WHERE key = $1 AND version = $12 AND expires_at > $13`,
  );

  const touch = statement(
    'touch',
    `UPDATE ${t} SET last_seen_at = $2, expires_at = $3 WHERE key = $1 AND expires_at > $4`,
  );

  // Removes the row even when expired (it is dead weight), but reports only a live one.
  const remove = statement('delete', `DELETE FROM ${t} WHERE key = $1 RETURNING expires_at`);

  // `user_id = $1` implies `user_id IS NOT NULL`, so the planner uses the partial index.
  const listByUser = statement(
    'list_by_user',
    `SELECT ${COLUMNS} FROM ${t} WHERE user_id = $1 AND expires_at > $2`,
  );

  const deleteByUser = statement(
    'delete_by_user',
    `WITH gone AS (
       DELETE FROM ${t} WHERE user_id = $1 AND key IS DISTINCT FROM $2 RETURNING expires_at
     )
     SELECT count(*)::integer AS n FROM gone WHERE expires_at > $3`,
  );

  // The outer `expires_at <= $1` is not redundant: if a writer revives the key (create over an
  // expired row) between the subquery and the delete, the delete re-checks its own WHERE on the
  // new row and spares it; `IN (…)` alone would delete a live session. SKIP LOCKED lets sweepers
  // in several processes share the work instead of queueing on each other's rows.
  const sweep = statement(
    'sweep',
    `DELETE FROM ${t} WHERE expires_at <= $1 AND key IN (
       SELECT key FROM ${t} WHERE expires_at <= $1 LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED
     )`,
  );

  return {
    get: (key: string, now: number) => get([key, now]),
    create: (r: SessionRecord, now: number) => create([...values(r), now]),
    replace: (r: SessionRecord, expected: number, now: number) => replace([...values(r), expected, now]),
    touch: (key: string, lastSeenAt: number, expiresAt: number, now: number) =>
      touch([key, lastSeenAt, expiresAt, now]),
    delete: (key: string) => remove([key]),
    listByUser: (userId: string, now: number) => listByUser([userId, now]),
    deleteByUser: (userId: string, exceptKey: string | null, now: number) =>
      deleteByUser([userId, exceptKey, now]),
    sweep: (now: number) => sweep([now]),
  };
}
