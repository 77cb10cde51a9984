/**
 * The Redis store over a real Redis Cluster (3 primaries, 3 replicas, started for this file):
 * the conformance suite unchanged, and the operations that span a user's sessions when those
 * sit on different shards.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { createSessions, stateful } from 'statecraft';
import { redisStore } from 'statecraft/stores/redis';
import { type PrivateRedisCluster, startRedisCluster } from '../helpers/redis-cluster.js';
import { freePort } from '../helpers/services.js';
import { testStore } from './conformance.js';

let started: Promise<PrivateRedisCluster> | undefined;
/** One cluster for the whole file, started on first use. */
const cluster = () => {
  started ??= startRedisCluster();
  return started;
};
after(async () => {
  await (await started)?.close();
});

const newPrefix = () => `sc-test-${randomUUID()}:`;

testStore('redis-cluster', {
  async create(clock) {
    return redisStore({ url: (await cluster()).url, prefix: newPrefix(), clock });
  },
  async unreachable() {
    return redisStore({ url: `redis-cluster://127.0.0.1:${await freePort()}` });
  },
});

describe('redis store on a cluster', () => {
  test('revokeUser ends every session of a user whose sessions sit on several shards', async () => {
    const c = await cluster();
    const prefix = newPrefix();
    const store = redisStore({ url: c.url, prefix });
    const sessions = createSessions(stateful({ store }));
    try {
      const user = `u-${randomUUID()}`;
      const credentials: string[] = [];
      for (let i = 0; i < 8; i++) {
        const s = await sessions.loadCredential(null);
        await s.login(user);
        await s.commit();
        credentials.push(s.internalId);
      }
      const records = await store.listByUser(user);
      assert.equal(records.length, 8);
      const owners = await Promise.all(records.map((r) => c.owner(`${prefix}s:{${r.key}}`)));
      const shards = new Set(owners.map((o) => o.port));
      const index = await c.owner(`${prefix}u:{${user}}`);
      console.log(
        `# 8 sessions in slots ${owners.map((o) => o.slot).join(',')} on ${shards.size} shards; index in slot ${index.slot}`,
      );
      assert.ok(shards.size >= 2, `all sessions on one shard (${[...shards].join(',')})`);

      assert.equal(await sessions.revokeUser(user), 8);
      assert.deepEqual(await store.listByUser(user), []);
      for (const r of records) assert.equal(await store.get(r.key), null);
      for (const id of credentials) assert.equal((await sessions.loadCredential(id)).userId, null);
      // Nothing of the user is left on any node, not even an empty index.
      const admin = c.client();
      try {
        const left = await Promise.all(
          [...records.map((r) => `${prefix}s:{${r.key}}`), `${prefix}u:{${user}}`].map((k) =>
            admin.exists(k),
          ),
        );
        assert.deepEqual(
          left,
          left.map(() => 0),
        );
      } finally {
        admin.disconnect();
      }
    } finally {
      await sessions.close();
      await store.close();
    }
  });

  test('list() reports the sessions of a user spread over several shards', async () => {
    const c = await cluster();
    const store = redisStore({ url: c.url, prefix: newPrefix() });
    const sessions = createSessions(stateful({ store }));
    try {
      const user = `u-${randomUUID()}`;
      for (let i = 0; i < 6; i++) {
        const s = await sessions.loadCredential(null);
        await s.login(user);
        await s.commit();
      }
      assert.equal((await sessions.list(user)).length, 6);
    } finally {
      await sessions.close();
      await store.close();
    }
  });
});
