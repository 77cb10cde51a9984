/**
 * A node:http server over SQLite when the database fails under it: the file locked by another
 * connection past the busy timeout, its directory removed, its file replaced by garbage. Every
 * request that needs the store is answered 503 `STORE_UNAVAILABLE` (fail closed: never an
 * anonymous session, never a 500), and the same process serves again once the file is usable.
 * Redis and PostgreSQL stopping are covered by test/adapters/node-http-outage.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { createSessions, stateful } from 'statecraft';
import { type SqliteStore, sqliteStore } from 'statecraft/stores/sqlite';
import { type ShopData, shopApp } from '../helpers/app.js';
import { Client, listen } from '../helpers/http.js';

const code = (r: { json: Record<string, unknown> | null }) =>
  (r.json?.error as { code?: string } | undefined)?.code;

describe('node:http server over SQLite when the database fails', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'statecraft-sqlite-outage-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  async function server(dir: string) {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'sessions.db');
    const store: SqliteStore = sqliteStore({ path: file, busyTimeout: 200, sweepInterval: 0 });
    const sessions = createSessions<ShopData>(stateful({ store }));
    const app = await listen(shopApp(sessions));
    return {
      file,
      url: app.url,
      async close() {
        await app.close();
        await sessions.close();
      },
    };
  }

  test('a file locked past the busy timeout: writes answer 503 STORE_UNAVAILABLE, and succeed once the lock is released', async () => {
    const s = await server(join(root, 'locked'));
    try {
      const c = new Client(s.url);
      assert.equal((await c.request('POST', '/login', { user: 'ada' })).status, 200);
      const other = new Database(s.file);
      other.exec('BEGIN EXCLUSIVE');
      try {
        const add = await c.request('POST', '/cart', { item: 'during-lock' });
        assert.equal(add.status, 503);
        assert.equal(code(add), 'STORE_UNAVAILABLE');
        assert.equal(add.headers.get('set-cookie'), null, 'no new session is handed out');
        const fresh = await new Client(s.url).request('POST', '/login', { user: 'eve' });
        assert.equal(fresh.status, 503);
        assert.equal(code(fresh), 'STORE_UNAVAILABLE');
      } finally {
        other.exec('COMMIT');
        other.close();
      }
      assert.equal((await c.request('POST', '/cart', { item: 'after-lock' })).status, 200);
      const me = await c.request('GET', '/me');
      assert.equal(me.status, 200);
      assert.deepEqual((me.json as { cart: string[] }).cart, ['after-lock']);
    } finally {
      await s.close();
    }
  });

  test('a removed database directory: every request answers 503 STORE_UNAVAILABLE, and the process serves again once it is back', async () => {
    const dir = join(root, 'volume');
    const s = await server(dir);
    try {
      const c = new Client(s.url);
      assert.equal((await c.request('POST', '/login', { user: 'ada' })).status, 200);
      rmSync(dir, { recursive: true });
      for (const [method, path] of [
        ['GET', '/me'],
        ['POST', '/cart'],
        ['POST', '/logout'],
      ] as const) {
        const r = await c.request(method, path, method === 'POST' ? { item: 'x' } : undefined);
        assert.equal(r.status, 503, `${method} ${path}`);
        assert.equal(code(r), 'STORE_UNAVAILABLE');
      }
      mkdirSync(dir);
      // A new, empty database: the old session is gone (401), never resurrected or anonymous.
      assert.equal((await c.request('GET', '/me')).status, 401);
      assert.equal((await c.request('POST', '/login', { user: 'ada' })).status, 200);
      assert.equal((await c.request('GET', '/me')).status, 200);
    } finally {
      await s.close();
    }
  });

  test('a database file replaced by garbage: 503 STORE_UNAVAILABLE, and service once a database is back', async () => {
    const s = await server(join(root, 'garbage'));
    try {
      const c = new Client(s.url);
      assert.equal((await c.request('POST', '/login', { user: 'ada' })).status, 200);
      for (const f of [s.file, `${s.file}-wal`, `${s.file}-shm`]) rmSync(f, { force: true });
      writeFileSync(s.file, 'not a database '.repeat(512));
      const r = await c.request('GET', '/me');
      assert.equal(r.status, 503);
      assert.equal(code(r), 'STORE_UNAVAILABLE');
      assert.equal((await new Client(s.url).request('POST', '/login', { user: 'eve' })).status, 503);
      rmSync(s.file);
      const again = new Client(s.url);
      assert.equal((await again.request('POST', '/login', { user: 'ada' })).status, 200);
      assert.equal((await again.request('GET', '/me')).status, 200);
    } finally {
      await s.close();
    }
  });
});
