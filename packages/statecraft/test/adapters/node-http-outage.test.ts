/**
 * The store goes away under a running server: protected requests get 503 STORE_UNAVAILABLE
 * (never an anonymous session, never a crash), and service resumes by itself within 2 s of the
 * store answering again. Real servers: a private redis-server and a private PostgreSQL that the
 * test stops and starts.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSessions, type Store, stateful } from 'statecraft';
import { postgresStore } from 'statecraft/stores/postgres';
import { redisStore } from 'statecraft/stores/redis';
import { type ShopData, shopApp } from '../helpers/app.js';
import { Client, listen } from '../helpers/http.js';
import { type PrivateServer, startPrivatePostgres, startPrivateRedis } from '../helpers/services.js';

const engines: Array<[string, () => Promise<PrivateServer>, (url: string) => Store]> = [
  ['redis', startPrivateRedis, (url) => redisStore({ url })],
  ['postgres', startPrivatePostgres, (url) => postgresStore({ connectionString: url })],
];

for (const [name, startServer, makeStore] of engines) {
  describe(`node:http server over ${name} when ${name} stops`, () => {
    test('answers 503 STORE_UNAVAILABLE while it is down and serves again within 2 s of its return', async () => {
      const backend = await startServer();
      const sessions = createSessions<ShopData>(stateful({ store: makeStore(backend.url) }));
      const server = await listen(shopApp(sessions));
      const crashes: unknown[] = [];
      const onCrash = (e: unknown) => crashes.push(e);
      process.on('uncaughtException', onCrash);
      process.on('unhandledRejection', onCrash);
      try {
        const c = new Client(server.url);
        assert.equal((await c.request('POST', '/login', { user: 'ada' })).status, 200);
        assert.equal((await c.request('POST', '/cart', { item: 'kept' })).status, 200);

        await backend.stop();
        for (let i = 0; i < 3; i++) {
          const t0 = performance.now();
          const r = await c.request('GET', '/me');
          assert.equal(r.status, 503);
          assert.equal((r.json as { error: { code: string } }).error.code, 'STORE_UNAVAILABLE');
          assert.ok(performance.now() - t0 < 2500, 'a refusal must come quickly');
        }

        await backend.start();
        const back = performance.now();
        let status = 0;
        let me: Awaited<ReturnType<Client['request']>> | null = null;
        while (performance.now() - back < 5000) {
          me = await c.request('GET', '/me');
          status = me.status;
          if (status !== 503) break;
          await sleep(50);
        }
        const recovery = performance.now() - back;
        console.log(`# ${name}: service back ${recovery.toFixed(0)} ms after the store answered`);
        assert.ok(recovery <= 2000, `recovered after ${recovery.toFixed(0)} ms`);
        if (name === 'postgres') {
          // PostgreSQL kept the session across its restart.
          assert.equal(status, 200);
          assert.deepEqual(me!.json!.cart, ['kept']);
        } else {
          // This Redis runs without persistence (--save "" --appendonly no): its restart lost
          // the session, so the user is asked to log in again, and can.
          assert.equal(status, 401);
          assert.equal((await c.request('POST', '/login', { user: 'ada' })).status, 200);
          assert.equal((await c.request('GET', '/me')).status, 200);
        }
        assert.deepEqual(crashes, []);
      } finally {
        process.off('uncaughtException', onCrash);
        process.off('unhandledRejection', onCrash);
        await server.close();
        await sessions.close();
        await backend.close();
      }
    });
  });
}
