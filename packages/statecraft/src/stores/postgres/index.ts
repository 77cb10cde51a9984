/**
 * PostgreSQL store: durable sessions shared by every process that reaches the database.
 *
 * One table (created and migrated on first use), one statement per operation, compare-and-set
 * in the statement's WHERE clause so no transaction is held across a round trip. Expired rows
 * are invisible to every read at once and deleted later by `sweep()`, in batches, on a timer.
 *
 * Any failure of the database (refused, timed out, shut down, pool ended) rejects with
 * `STORE_UNAVAILABLE`; the pool opens fresh connections once the server answers again, so the
 * store recovers without being recreated.
 */

import type { Pool, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import pg from 'pg';
import type { Clock } from '../../platform/clock.js';
import { systemClock } from '../../platform/clock.js';
import { SessionError } from '../../session/errors.js';
import type { SessionRecord, Store, StoreOptions } from '../types.js';
import type { Row } from './queries.js';
import { queries, SWEEP_BATCH, toRecord } from './queries.js';
import { migrate, names } from './schema.js';

export interface PostgresStoreOptions extends StoreOptions {
  /**
   * Your own pool. The store does not end it on `close()` unless `closePool` is true. Give it an
   * `error` listener: an idle client losing its connection emits `error` on the pool, and an
   * EventEmitter without a listener throws.
   */
  pool?: Pool;
  /** Used when no `pool` is given; the store then owns (and ends) the pool it creates. */
  connectionString?: string;
  /** End `pool` on `close()` even though the caller created it. @default false */
  closePool?: boolean;
  /** Table name; `<table>_migrations` and two indexes are named after it. @default 'statecraft_sessions' */
  table?: string;
  /** An existing schema. @default 'public' */
  schema?: string;
  /** Milliseconds between sweeps of expired rows; 0 disables the timer. @default 60_000 */
  sweepInterval?: number;
}

export interface PostgresStore extends Store {
  /** Deletes expired rows now, in batches; resolves how many. */
  sweep(): Promise<number>;
}

export const DEFAULT_CONNECTION_STRING = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * The pool the store creates for itself: bounded waits everywhere, so an outage surfaces as a
 * fast STORE_UNAVAILABLE instead of requests piling up behind a dead socket.
 */
function ownPool(connectionString: string): Pool {
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    // Also bounds the wait for a free client when all ten are busy.
    connectionTimeoutMillis: 1000,
    // Client side: gives up on a server that stopped answering mid-query.
    query_timeout: 2000,
    // Server side: the backend cancels the statement, so it does not keep running unobserved.
    statement_timeout: 2000,
  });
  // An idle client whose server went away emits `error` here; the pool has already dropped it
  // and the next query opens a new connection. Without a listener the process would crash.
  pool.on('error', () => {});
  return pool;
}

/**
 * @example
 * import { postgresStore } from 'statecraft/stores/postgres'
 * const store = postgresStore({ connectionString: process.env.DATABASE_URL })
 */
export function postgresStore(o: PostgresStoreOptions = {}): PostgresStore {
  const clock: Clock = o.clock ?? systemClock;
  const n = names(o.schema ?? 'public', o.table ?? 'statecraft_sessions');
  const q = queries(n);
  const pool = o.pool ?? ownPool(o.connectionString ?? DEFAULT_CONNECTION_STRING);
  const endPool = o.pool === undefined || o.closePool === true;
  let closed = false;

  // The first call of any operation runs the migrations and every call awaits them. A failure
  // is not cached: the next call tries again (the database may just have been down).
  let ready: Promise<void> | null = null;
  function migrated(): Promise<void> {
    ready ??= (async () => {
      const client = await pool.connect();
      try {
        await migrate(client, n);
        client.release();
      } catch (err) {
        // Destroy rather than reuse a connection that failed mid-transaction.
        client.release(err instanceof Error ? err : true);
        throw err;
      }
    })().catch((err: unknown) => {
      ready = null;
      throw err;
    });
    return ready;
  }

  /** Runs one statement after the migrations; every failure becomes STORE_UNAVAILABLE. */
  async function run<R extends QueryResultRow>(config: QueryConfig): Promise<QueryResult<R>> {
    if (closed) throw new SessionError('STORE_UNAVAILABLE', 'postgres store is closed');
    try {
      await migrated();
      return await pool.query<R>(config);
    } catch (cause) {
      // Refused, timed out, terminated (57P01 and friends), or `pool.end()` already called:
      // the message is the library's own, the cause keeps the driver's error for logs.
      throw new SessionError('STORE_UNAVAILABLE', undefined, { cause });
    }
  }

  let sweeping: Promise<number> | null = null;
  function sweep(): Promise<number> {
    // One sweep at a time per store: a slow one must not stack up behind the timer.
    sweeping ??= (async () => {
      let total = 0;
      for (;;) {
        const { rowCount } = await run(q.sweep(clock.now()));
        total += rowCount ?? 0;
        if ((rowCount ?? 0) < SWEEP_BATCH) return total;
      }
    })().finally(() => {
      sweeping = null;
    });
    return sweeping;
  }

  const interval = o.sweepInterval ?? 60_000;
  // A failed timed sweep is retried at the next tick; reads never depend on it.
  const timer = interval > 0 ? setInterval(() => sweep().catch(() => {}), interval) : null;
  timer?.unref();

  return {
    name: 'postgres',
    async get(key) {
      const { rows } = await run<Row>(q.get(key, clock.now()));
      return rows.length === 0 ? null : toRecord(rows[0]!);
    },
    async set(record: SessionRecord, expected) {
      const now = clock.now();
      const { rowCount } = await run(
        expected === 0 ? q.create(record, now) : q.replace(record, expected, now),
      );
      return rowCount === 1;
    },
    async touch(key, lastSeenAt, expiresAt) {
      await run(q.touch(key, lastSeenAt, expiresAt, clock.now()));
    },
    async delete(key) {
      const now = clock.now();
      const { rows } = await run<{ expires_at: string }>(q.delete(key));
      return rows.some((r) => Number(r.expires_at) > now);
    },
    async listByUser(userId) {
      const { rows } = await run<Row>(q.listByUser(userId, clock.now()));
      return rows.map(toRecord);
    },
    async deleteByUser(userId, exceptKey) {
      const { rows } = await run<{ n: number }>(q.deleteByUser(userId, exceptKey ?? null, clock.now()));
      return rows[0]?.n ?? 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      if (endPool) await pool.end();
    },
    sweep,
  };
}
