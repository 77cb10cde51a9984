import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { SessionRecord } from 'statecraft';
import { createSessions, isSessionError, manualClock, stateful } from 'statecraft';
import { sqliteStore } from 'statecraft/stores/sqlite';
import { liveRecord } from '../helpers/records.js';
import { testStore } from './conformance.js';

const unavailable = (e: unknown) => isSessionError(e, 'STORE_UNAVAILABLE');
const invalid = (e: unknown) => isSessionError(e, 'INVALID_CONFIG');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'statecraft-sqlite-'));
}

{
  const dir = tempDir();
  testStore('sqlite', {
    create: async (clock) => sqliteStore({ path: join(dir, 'sessions.db'), clock, sweepInterval: 0 }),
    // Its directory does not exist, so the file can never be opened.
    unreachable: async () => sqliteStore({ path: join(dir, 'missing', 'sessions.db'), sweepInterval: 0 }),
    teardown: async () => rmSync(dir, { recursive: true, force: true }),
  });
}

{
  const dir = tempDir();
  const db = new Database(join(dir, 'own.db'));
  testStore('sqlite (own handle)', {
    create: async (clock) => sqliteStore({ database: db, clock, sweepInterval: 0 }),
    // A handle its owner has closed.
    async unreachable() {
      const closed = new Database(join(dir, 'closed.db'));
      closed.close();
      return sqliteStore({ database: closed, sweepInterval: 0 });
    },
    async teardown() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

const MIN = 60_000;
let n = 0;

const rec = (now: number, over: Partial<SessionRecord> = {}): SessionRecord =>
  liveRecord(now, { key: `k-${++n}`, data: 'x', ...over });

/** Rows physically in the table, expired or not, read through a connection of its own. */
function rowCount(file: string, table = 'statecraft_sessions'): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  } finally {
    db.close();
  }
}

describe('sqlite store', () => {
  let dir: string;
  before(() => {
    dir = tempDir();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('two processes doing 25 concurrent increments each on one session lose none', {
    timeout: 60_000,
  }, async () => {
    const file = join(dir, 'two-processes.db');
    const fixture = fileURLToPath(new URL('./fixtures/sqlite-increment.ts', import.meta.url));
    const children: ChildProcess[] = [0, 1].map(() =>
      fork(fixture, [file], { execArgv: ['--import', 'tsx', '--conditions=statecraft-source'] }),
    );
    const exits = children.map((c) => once(c, 'exit'));
    // The next message of a child, or a failure as soon as it dies without one.
    const reply = (c: ChildProcess) =>
      new Promise<unknown>((resolve, reject) => {
        const died = (code: number | null) => reject(new Error(`child exited with ${code} before answering`));
        c.once('exit', died);
        c.once('message', (m) => {
          c.off('exit', died);
          resolve(m);
        });
      });
    const all = async (m?: unknown) => {
      const replies = children.map(reply);
      if (m !== undefined) for (const c of children) c.send(m as object);
      return Promise.all(replies);
    };
    try {
      assert.deepEqual(await all(), ['ready', 'ready']);
      // Both open the fresh file at the same moment: one creates the table, the other waits for it.
      assert.deepEqual(await all({ op: 'open' }), ['opened', 'opened']);

      const store = sqliteStore({ path: file, sweepInterval: 0 });
      const sessions = createSessions<{ n: number }>(stateful({ store }));
      const s = await sessions.loadCredential(null);
      s.set('n', 0);
      await s.commit();

      assert.deepEqual(await all({ op: 'increment', id: s.internalId, count: 25 }), [
        { ok: true },
        { ok: true },
      ]);
      await Promise.all(exits);
      assert.equal((await sessions.loadCredential(s.internalId)).get('n'), 50);
      await sessions.close();
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill();
    }
  });

  test('the database file is in WAL mode', async () => {
    const file = join(dir, 'wal.db');
    const store = sqliteStore({ path: file, sweepInterval: 0 });
    await store.get('any');
    const db = new Database(file);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
    await store.close();
  });

  test('creates its table, indexes and schema version once, under the configured name', async () => {
    const file = join(dir, 'schema.db');
    const a = sqliteStore({ path: file, table: 'web_sessions', sweepInterval: 0 });
    await a.get('any');
    const b = sqliteStore({ path: file, table: 'web_sessions', sweepInterval: 0 });
    await b.get('any');
    const db = new Database(file);
    const names = db
      .prepare(
        `SELECT name FROM sqlite_schema WHERE type IN ('table', 'index') AND name LIKE 'web_sessions%'`,
      )
      .pluck()
      .all();
    assert.deepEqual(names.sort(), [
      'web_sessions',
      'web_sessions_expires_at',
      'web_sessions_schema',
      'web_sessions_user_id',
    ]);
    assert.equal(db.prepare('SELECT version FROM web_sessions_schema').pluck().get(), 1);
    db.close();
    await a.close();
    await b.close();
  });

  test('listByUser(), deleteByUser() and sweep() are served by indexes, never a table scan', async () => {
    const file = join(dir, 'plans.db');
    const logged: string[] = [];
    const db = new Database(file, { verbose: (sql) => logged.push(String(sql)) });
    const clock = manualClock();
    const store = sqliteStore({ database: db, clock, sweepInterval: 0 });
    await store.set(rec(clock.now(), { userId: 'u1' }), 0);
    logged.length = 0;
    await store.listByUser('u1');
    await store.deleteByUser('u1', 'k-kept');
    await store.sweep();
    // Taken out of the log first: the EXPLAIN statements below are logged too.
    const statements = logged.splice(0);
    assert.equal(statements.length, 3);
    for (const sql of statements) {
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all()
        .map((r) => (r as { detail: string }).detail)
        .join('\n');
      assert.doesNotMatch(plan, /\bSCAN statecraft_sessions\b/, `${sql}\n${plan}`);
      assert.match(
        plan,
        /USING (COVERING )?INDEX statecraft_sessions_(user_id|expires_at)/,
        `${sql}\n${plan}`,
      );
    }
    await store.close();
    db.close();
  });

  test('sweep() deletes expired rows in batches and resolves how many', async () => {
    const file = join(dir, 'sweep.db');
    const clock = manualClock();
    const store = sqliteStore({ path: file, clock, sweepInterval: 0 });
    for (let i = 0; i < 1201; i++) await store.set(rec(clock.now(), { expiresAt: clock.now() + MIN }), 0);
    for (let i = 0; i < 3; i++) await store.set(rec(clock.now(), { expiresAt: clock.now() + 10 * MIN }), 0);
    assert.equal(await store.sweep(), 0);
    clock.advance(MIN);
    assert.equal(await store.sweep(), 1201);
    assert.equal(rowCount(file), 3);
    await store.close();
  });

  test('the sweep timer deletes expired rows by itself', async () => {
    const file = join(dir, 'sweep-timer.db');
    const clock = manualClock();
    const store = sqliteStore({ path: file, clock, sweepInterval: 20 });
    await store.set(rec(clock.now(), { expiresAt: clock.now() + MIN }), 0);
    await store.set(rec(clock.now(), { expiresAt: clock.now() + 10 * MIN }), 0);
    clock.advance(MIN);
    const deadline = Date.now() + 2000;
    while (rowCount(file) > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(rowCount(file), 1);
    await store.close();
  });

  test('a write rejects with STORE_UNAVAILABLE after about busyTimeout while another connection holds the lock, and works once it is released', async () => {
    const file = join(dir, 'locked.db');
    const clock = manualClock();
    const store = sqliteStore({ path: file, clock, busyTimeout: 300, sweepInterval: 0 });
    const r = rec(clock.now());
    await store.set(r, 0);
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    try {
      const t0 = performance.now();
      await assert.rejects(store.set({ ...r, version: 2 }, 1), unavailable);
      const waited = performance.now() - t0;
      assert.ok(waited >= 250 && waited < 1300, `waited ${waited} ms`);
      // WAL: readers do not wait for the writer.
      assert.equal((await store.get(r.key))?.version, 1);
    } finally {
      other.exec('COMMIT');
      other.close();
    }
    assert.equal(await store.set({ ...r, version: 2 }, 1), true);
    assert.equal((await store.get(r.key))?.version, 2);
    await store.close();
  });

  test('rejects with STORE_UNAVAILABLE while its directory is gone and recovers by itself once it is back', async () => {
    const home = join(dir, 'volume');
    mkdirSync(home);
    const clock = manualClock();
    const store = sqliteStore({ path: join(home, 'sessions.db'), clock, sweepInterval: 0 });
    const r = rec(clock.now());
    await store.set(r, 0);
    rmSync(home, { recursive: true });
    await assert.rejects(store.get(r.key), unavailable);
    await assert.rejects(store.set(rec(clock.now()), 0), unavailable);
    mkdirSync(home);
    // A new, empty database: the sessions of the removed file are gone, not resurrected.
    assert.equal(await store.get(r.key), null);
    const again = rec(clock.now());
    assert.equal(await store.set(again, 0), true);
    assert.deepEqual(await store.get(again.key), again);
    await store.close();
  });

  test('rejects with STORE_UNAVAILABLE when its file is not a database and recovers once the file is replaced', async () => {
    const file = join(dir, 'garbage.db');
    writeFileSync(file, 'not a database '.repeat(100));
    const clock = manualClock();
    const store = sqliteStore({ path: file, clock, sweepInterval: 0 });
    await assert.rejects(store.get('k'), unavailable);
    await assert.rejects(store.set(rec(clock.now()), 0), unavailable);
    rmSync(file);
    const r = rec(clock.now());
    assert.equal(await store.set(r, 0), true);
    assert.deepEqual(await store.get(r.key), r);
    await store.close();
  });

  test('after its file is deleted, the store moves to the new file at its path, as a process started later does', async () => {
    const file = join(dir, 'replaced.db');
    const clock = manualClock();
    const old = sqliteStore({ path: file, clock, sweepInterval: 0 });
    await old.get('any');
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    // A connection opened now gets a new file; the old one still holds the unlinked inode.
    const late = sqliteStore({ path: file, clock, sweepInterval: 0 });
    const r = rec(clock.now());
    assert.equal(await late.set(r, 0), true);
    assert.deepEqual(await old.get(r.key), r);
    const r2 = rec(clock.now());
    assert.equal(await old.set(r2, 0), true);
    assert.deepEqual(await late.get(r2.key), r2);
    await old.close();
    await late.close();
  });

  test('a closed store rejects with STORE_UNAVAILABLE and does not reopen', async () => {
    const store = sqliteStore({ path: join(dir, 'closed.db'), sweepInterval: 0 });
    await store.get('k');
    await store.close();
    await assert.rejects(store.get('k'), unavailable);
    await assert.rejects(store.sweep(), unavailable);
  });

  test('leaves the caller’s handle open on close() unless closeDatabase is set', async () => {
    const db = new Database(':memory:');
    await sqliteStore({ database: db, sweepInterval: 0 }).close();
    assert.equal(db.open, true);
    await sqliteStore({ database: db, closeDatabase: true, sweepInterval: 0 }).close();
    assert.equal(db.open, false);
  });

  test('an in-memory database serves one process', async () => {
    const clock = manualClock();
    const store = sqliteStore({ path: ':memory:', clock, sweepInterval: 0 });
    const r = rec(clock.now(), { userId: 'u' });
    assert.equal(await store.set(r, 0), true);
    assert.deepEqual(await store.listByUser('u'), [r]);
    await store.close();
  });

  test('refuses a table name that is not an identifier, and a missing or doubled target', () => {
    const path = join(dir, 'config.db');
    for (const table of ['', 'sessions; DROP TABLE users', 'a-b', '"quoted"', '1st', 'x'.repeat(49)]) {
      assert.throws(() => sqliteStore({ path, table }), invalid, table);
    }
    assert.throws(() => sqliteStore({} as never), invalid);
    assert.throws(() => sqliteStore({ path, database: new Database(':memory:') } as never), invalid);
    assert.throws(() => sqliteStore({ path, busyTimeout: -1 }), invalid);
    assert.throws(() => sqliteStore({ path, sweepInterval: -1 }), invalid);
  });
});
