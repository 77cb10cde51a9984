import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { SessionRecord, Store } from 'statecraft';
import { isSessionError, manualClock } from 'statecraft';
import { postgresStore } from 'statecraft/stores/postgres';
import { queries } from '../../src/stores/postgres/queries.js';
import { LATEST, names } from '../../src/stores/postgres/schema.js';
import { liveRecord as rec } from '../helpers/records.js';
import { freePort, postgresUrl, requirePostgres, startPrivatePostgres } from '../helpers/services.js';
import { testStore } from './conformance.js';

const MIN = 60_000;
const unavailable = (e: unknown) => isSessionError(e, 'STORE_UNAVAILABLE');
const newTable = () => `statecraft_test_${randomBytes(6).toString('hex')}`;

/** Runs `sql` on the shared server over a short-lived pool. */
async function admin<T>(fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: postgresUrl(), max: 2 });
  pool.on('error', () => {});
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

async function dropTables(tables: string[]): Promise<void> {
  if (tables.length === 0) return;
  await admin(async (pool) => {
    for (const t of tables) {
      await pool.query(`DROP TABLE IF EXISTS public."${t}", public."${t}_migrations"`);
    }
  });
}

/** Awaits `p` and returns how long it took to settle, in ms, and its rejection if any. */
async function timed(p: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const t0 = performance.now();
  try {
    await p;
    return { ms: performance.now() - t0, error: undefined };
  } catch (error) {
    return { ms: performance.now() - t0, error };
  }
}

{
  const tables: string[] = [];
  testStore('postgres', {
    async create(clock) {
      await requirePostgres();
      const table = newTable();
      tables.push(table);
      return postgresStore({ connectionString: postgresUrl(), table, clock, sweepInterval: 0 });
    },
    async unreachable() {
      // Nothing listens on a port that was free a moment ago: connections are refused at once.
      const url = `postgres://postgres@127.0.0.1:${await freePort()}/test`;
      return postgresStore({ connectionString: url, table: newTable(), sweepInterval: 0 });
    },
    teardown: () => dropTables(tables),
  });
}

describe('postgres store', () => {
  const tables: string[] = [];
  before(() => requirePostgres());
  after(() => dropTables(tables));

  function table(): string {
    const t = newTable();
    tables.push(t);
    return t;
  }

  test('five stores starting at once on a new table migrate it exactly once', async () => {
    const t = table();
    const clock = manualClock();
    const stores = Array.from({ length: 5 }, () =>
      postgresStore({ connectionString: postgresUrl(), table: t, clock, sweepInterval: 0 }),
    );
    try {
      const records = stores.map(() => rec(clock.now()));
      const written = await Promise.all(stores.map((s, i) => s.set(records[i]!, 0)));
      assert.deepEqual(written, [true, true, true, true, true]);
      // Every store sees every other store's writes: one table, not five.
      for (const s of stores) {
        for (const r of records) assert.deepEqual(await s.get(r.key), r);
      }
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }

    // A later start on the migrated table changes nothing and works.
    const again = postgresStore({ connectionString: postgresUrl(), table: t, clock, sweepInterval: 0 });
    assert.equal(await again.get('absent'), null);
    await again.close();

    await admin(async (pool) => {
      const applied = await pool.query<{ version: number }>(
        `SELECT version FROM public."${t}_migrations" ORDER BY version`,
      );
      assert.deepEqual(
        applied.rows.map((r) => r.version),
        Array.from({ length: LATEST }, (_, i) => i + 1),
      );
      const indexes = await pool.query<{ indexname: string }>(
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1 ORDER BY indexname",
        [t],
      );
      assert.deepEqual(
        indexes.rows.map((r) => r.indexname),
        [`${t}_expires_at_idx`, `${t}_pkey`, `${t}_user_id_idx`],
      );
    });
  });

  test('a failed migration is retried on the next call, in the configured schema', async () => {
    const schema = newTable();
    const store = postgresStore({
      connectionString: postgresUrl(),
      schema,
      table: 'sessions',
      sweepInterval: 0,
    });
    try {
      // The schema does not exist yet: the migration fails, and the failure is not remembered.
      await assert.rejects(store.get('k'), unavailable);
      await admin((pool) => pool.query(`CREATE SCHEMA "${schema}"`));
      const r = rec(Date.now());
      assert.equal(await store.set(r, 0), true);
      assert.deepEqual(await store.get(r.key), r);
      const n = await admin((pool) => pool.query(`SELECT count(*)::int AS n FROM "${schema}".sessions`));
      assert.equal(n.rows[0].n, 1);
    } finally {
      await store.close();
      await admin((pool) => pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    }
  });

  test('table and schema names that are not plain identifiers are refused at creation', () => {
    const invalid = (e: unknown) => isSessionError(e, 'INVALID_CONFIG');
    assert.throws(() => postgresStore({ table: 'sessions"; DROP TABLE users; --' }), invalid);
    assert.throws(() => postgresStore({ table: 'x'.repeat(49) }), invalid);
    assert.throws(() => postgresStore({ schema: 'my schema' }), invalid);
    assert.throws(() => postgresStore({ schema: '' }), invalid);
  });

  test('sweep() deletes every expired row, in batches, and keeps the live ones', async () => {
    const t = table();
    const clock = manualClock();
    const store = postgresStore({ connectionString: postgresUrl(), table: t, clock, sweepInterval: 0 });
    try {
      const live = rec(clock.now(), { expiresAt: clock.now() + 30 * MIN });
      const doomed = rec(clock.now(), { userId: 'u', expiresAt: clock.now() + MIN });
      await store.set(live, 0);
      await store.set(doomed, 0);
      // 2 500 more expiring rows, written directly: more than two batches of 1 000.
      await admin((pool) =>
        pool.query(
          `INSERT INTO public."${t}" (key, data, version, schema, created_at, last_seen_at, expires_at, absolute_expires_at)
           SELECT 'bulk-' || i, '\\x78'::bytea, 1, 1, $1::bigint, $1::bigint, $1::bigint + 60000, $1::bigint + 60000
           FROM generate_series(1, 2500) AS i`,
          [clock.now()],
        ),
      );
      assert.equal(await store.sweep(), 0);
      clock.advance(2 * MIN);
      assert.equal(await store.sweep(), 2501);
      assert.equal(await store.sweep(), 0);
      const left = await admin((pool) => pool.query<{ key: string }>(`SELECT key FROM public."${t}"`));
      assert.deepEqual(
        left.rows.map((r) => r.key),
        [live.key],
      );
    } finally {
      await store.close();
    }
  });

  test('the sweep timer removes expired rows by itself', async () => {
    const t = table();
    const clock = manualClock();
    const store = postgresStore({ connectionString: postgresUrl(), table: t, clock, sweepInterval: 50 });
    try {
      await store.set(rec(clock.now(), { expiresAt: clock.now() + MIN }), 0);
      clock.advance(2 * MIN);
      const count = () =>
        admin((pool) => pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM public."${t}"`));
      const deadline = Date.now() + 5000;
      while ((await count()).rows[0]!.n > 0) {
        assert.ok(Date.now() < deadline, 'the timer did not sweep within 5 s');
        await sleep(50);
      }
    } finally {
      await store.close();
    }
  });

  test('listByUser() and deleteByUser() are served by the user_id index', async () => {
    const t = table();
    const store = postgresStore({ connectionString: postgresUrl(), table: t, sweepInterval: 0 });
    await store.get('migrate');
    await store.close();
    const q = queries(names('public', t));
    await admin(async (pool) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        // A tiny table is cheaper to scan; forbid that to see whether the index can serve the
        // query at all, with the generic plan a prepared statement ends up using.
        await client.query('SET LOCAL enable_seqscan = off');
        await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
        const statements = [
          { sql: q.listByUser('u', 0).text, args: "'u', 0" },
          { sql: q.deleteByUser('u', null, 0).text, args: "'u', NULL, 0" },
        ];
        for (const [i, { sql, args }] of statements.entries()) {
          await client.query(`PREPARE explained_${i} AS ${sql}`);
          const plan = await client.query(`EXPLAIN EXECUTE explained_${i}(${args})`);
          const text = plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
          // `$1` in the plan shows it is the generic one; (Bitmap) Index Scan shows the index serves it.
          assert.match(text, /user_id = \$1/, text);
          assert.match(text, new RegExp(`Index Scan (?:using|on) "?${t}_user_id_idx`), text);
        }
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    });
  });

  test('a store given your pool does not end it on close(), unless closePool is set', async () => {
    const pool = new pg.Pool({ connectionString: postgresUrl(), max: 2 });
    pool.on('error', () => {});
    const t = table();
    const store = postgresStore({ pool, table: t, sweepInterval: 0 });
    const r = rec(Date.now());
    assert.equal(await store.set(r, 0), true);
    await store.close();
    assert.equal(pool.ended, false);
    assert.equal((await pool.query('SELECT 1 AS one')).rows[0].one, 1);
    // A closed store refuses work even though its pool is still open.
    await assert.rejects(store.get(r.key), unavailable);

    const owning = postgresStore({ pool, table: t, sweepInterval: 0, closePool: true });
    assert.deepEqual(await owning.get(r.key), r);
    await owning.close();
    assert.equal(pool.ended, true);
  });

  test('a store whose pool was ended elsewhere rejects with STORE_UNAVAILABLE', async () => {
    const pool = new pg.Pool({ connectionString: postgresUrl(), max: 1 });
    const store = postgresStore({ pool, table: table(), sweepInterval: 0 });
    await pool.end();
    await assert.rejects(store.get('k'), unavailable);
    await store.close();
  });

  describe('when its server stops and comes back', () => {
    const unexpected: unknown[] = [];
    const record = (e: unknown) => unexpected.push(e);
    before(() => {
      process.on('uncaughtException', record);
      process.on('unhandledRejection', record);
    });
    after(() => {
      process.off('uncaughtException', record);
      process.off('unhandledRejection', record);
    });

    for (const how of ['stop', 'kill'] as const) {
      const what = how === 'stop' ? 'a fast shutdown' : 'a crash';
      test(`after ${what}, operations fail fast and the same store serves again once it answers`, async () => {
        const db = await startPrivatePostgres();
        const store: Store = postgresStore({ connectionString: db.url, sweepInterval: 0 });
        try {
          const u = `u-${randomUUID()}`;
          const r = rec(Date.now(), { userId: u });
          assert.equal(await store.set(r, 0), true);
          // Several pooled connections sit idle when the server goes: each hears about it.
          await Promise.all(Array.from({ length: 5 }, () => store.get(r.key)));

          await db[how]();
          const ops: [string, () => Promise<unknown>][] = [
            ['get', () => store.get(r.key)],
            ['set', () => store.set({ ...r, version: 2 }, 1)],
            ['touch', () => store.touch(r.key, Date.now(), Date.now() + MIN)],
            ['delete', () => store.delete('k-other')],
            ['listByUser', () => store.listByUser(u)],
            ['deleteByUser', () => store.deleteByUser('u-other')],
          ];
          for (const [name, op] of ops) {
            const { ms, error } = await timed(op());
            assert.ok(
              unavailable(error),
              `${name} should reject with STORE_UNAVAILABLE, got ${String(error)}`,
            );
            assert.ok(ms < 2000, `${name} took ${Math.round(ms)} ms to fail`);
          }

          await db.start();
          const t0 = performance.now();
          let back: SessionRecord | null = null;
          for (;;) {
            try {
              back = await store.get(r.key);
              break;
            } catch (e) {
              assert.ok(unavailable(e), String(e));
              assert.ok(performance.now() - t0 < 2000, 'the store did not recover within 2 s');
              await sleep(20);
            }
          }
          const recovered = performance.now() - t0;
          assert.ok(recovered < 2000, `recovered after ${Math.round(recovered)} ms`);
          // Committed before the outage, so it survived it.
          assert.deepEqual(back, r);
          assert.equal(await store.set({ ...r, version: 2, data: 'after' }, 1), true);
          assert.deepEqual(unexpected, []);
        } finally {
          await store.close();
          await db.close();
        }
      });
    }
  });
});
