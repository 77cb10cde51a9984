/**
 * Every store, each over a fresh namespace, for tests that must hold "on every store": a
 * temp-file SQLite, a unique Redis prefix, a unique PostgreSQL table. Redis and PostgreSQL must
 * be running (the tests fail, never skip, when they are not).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Clock, Store } from 'statecraft';
import { memoryStore } from 'statecraft/stores/memory';
import { postgresStore } from 'statecraft/stores/postgres';
import { redisStore } from 'statecraft/stores/redis';
import { sqliteStore } from 'statecraft/stores/sqlite';
import { postgresUrl, redisUrl, requirePostgres, requireRedis } from './services.js';

export interface StoreKit {
  store: Store;
  /** Closes the store and removes everything it wrote. */
  cleanup(): Promise<void>;
}

export type StoreName = 'memory' | 'sqlite' | 'redis' | 'postgres';
export const STORE_NAMES: readonly StoreName[] = ['memory', 'sqlite', 'redis', 'postgres'];

export async function makeStore(name: StoreName, clock?: Clock): Promise<StoreKit> {
  const tag = randomBytes(5).toString('hex');
  switch (name) {
    case 'memory': {
      const store = memoryStore({ sweepInterval: 0, ...(clock ? { clock } : {}) });
      return { store, cleanup: () => store.close() };
    }
    case 'sqlite': {
      const dir = mkdtempSync(join(tmpdir(), 'statecraft-store-'));
      const store = sqliteStore({ path: join(dir, 's.db'), sweepInterval: 0, ...(clock ? { clock } : {}) });
      return {
        store,
        async cleanup() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    case 'redis': {
      await requireRedis();
      const prefix = `sc-t-${tag}:`;
      const store = redisStore({ url: redisUrl(), prefix, ...(clock ? { clock } : {}) });
      return {
        store,
        async cleanup() {
          await store.close();
          const admin = new Redis(redisUrl());
          let cursor = '0';
          do {
            const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
            cursor = next;
            if (keys.length) await admin.del(...keys);
          } while (cursor !== '0');
          await admin.quit();
        },
      };
    }
    case 'postgres': {
      await requirePostgres();
      const table = `statecraft_t_${tag}`;
      const store = postgresStore({
        connectionString: postgresUrl(),
        table,
        sweepInterval: 0,
        ...(clock ? { clock } : {}),
      });
      return {
        store,
        async cleanup() {
          await store.close();
          const c = new pg.Client({ connectionString: postgresUrl() });
          await c.connect();
          await c.query(`DROP TABLE IF EXISTS "${table}", "${table}_migrations"`);
          await c.end();
        },
      };
    }
  }
}

/** Managers that share a store the test owns get views of it whose close() does nothing. */
export { unclosable } from 'statecraft';
