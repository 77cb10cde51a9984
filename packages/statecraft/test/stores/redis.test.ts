import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { connect, createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Store } from 'statecraft';
import { isSessionError, manualClock } from 'statecraft';
import { redisStore } from 'statecraft/stores/redis';
import { liveRecord as rec } from '../helpers/records.js';
import { freePort, redisUrl, requireRedis, startPrivateRedis } from '../helpers/services.js';
import { testStore } from './conformance.js';

const MIN = 60_000;
const unavailable = (e: unknown) => isSessionError(e, 'STORE_UNAVAILABLE');

/** A key prefix of this run's own: test files share one Redis and run in parallel. */
const newPrefix = () => `sc-test-${randomUUID()}:`;

/** Deletes every key under `prefix` (SCAN is fine here: it is test cleanup, not the store). */
async function dropPrefix(prefix: string): Promise<void> {
  const admin = new Redis(redisUrl());
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await admin.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await admin.quit();
  }
}

/**
 * A TCP proxy to a local port that can stop passing bytes (a hung server, a partition) while
 * keeping its connections open, then pass on what it held back.
 */
async function freezableProxy(targetPort: number) {
  let frozen = false;
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const link = (from: Socket, to: Socket) => {
    sockets.add(from);
    from.on('data', (chunk) => (frozen ? held.push(() => to.write(chunk)) : to.write(chunk)));
    from.on('error', () => to.destroy());
    from.on('close', () => {
      sockets.delete(from);
      to.destroy();
    });
  };
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    link(client, upstream);
    link(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    freeze() {
      frozen = true;
    },
    thaw() {
      frozen = false;
      for (const send of held.splice(0)) send();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const conformancePrefix = newPrefix();
testStore('redis', {
  async create(clock) {
    await requireRedis();
    return redisStore({ url: redisUrl(), prefix: conformancePrefix, clock });
  },
  async unreachable() {
    return redisStore({ url: `redis://127.0.0.1:${await freePort()}`, prefix: conformancePrefix });
  },
  teardown: () => dropPrefix(conformancePrefix),
});

describe('redis store', () => {
  const prefix = newPrefix();
  const sessionKey = (key: string) => `${prefix}s:{${key}}`;
  const userKey = (userId: string) => `${prefix}u:{${userId}}`;
  let admin: Redis;

  before(async () => {
    await requireRedis();
    admin = new Redis(redisUrl());
  });
  after(async () => {
    await dropPrefix(prefix);
    await admin.quit();
  });

  test('the commands of one turn of the event loop leave in one socket write', async () => {
    const client = new Redis(redisUrl());
    const clock = manualClock();
    const store = redisStore({ client, prefix, clock });
    try {
      const r = rec(clock);
      await store.set(r, 0);
      // Count what reaches the socket: one write of one command, or one writev of several.
      const stream = client.stream as Socket & {
        _write: (...a: unknown[]) => unknown;
        _writev: (...a: unknown[]) => unknown;
      };
      const writes: number[] = [];
      const write = stream._write;
      const writev = stream._writev;
      stream._write = function (...a) {
        writes.push(1);
        return write.apply(this, a);
      };
      stream._writev = function (...a) {
        writes.push((a[0] as unknown[]).length);
        return writev.apply(this, a);
      };
      const got = await Promise.all([r.key, 'k-a', 'k-b', r.key, 'k-c'].map((k) => store.get(k)));
      assert.deepEqual(
        got.map((x) => x?.key ?? null),
        [r.key, null, null, r.key, null],
      );
      assert.deepEqual(writes, [5]);
      // The next turn's commands are a batch of their own.
      await Promise.all([store.get('k-d'), store.delete('k-e')]);
      assert.deepEqual(writes, [5, 2]);
    } finally {
      await store.close();
      await client.quit();
    }
  });

  test('a write over a record leaves none of the fields the new record lacks', async () => {
    const clock = manualClock();
    const store = redisStore({ url: redisUrl(), prefix, clock });
    try {
      const u = `u-${randomUUID()}`;
      const r = rec(clock, { userId: u, ip: '203.0.113.9', userAgent: 'UA/1' });
      assert.equal(await store.set(r, 0), true);
      const bare = { ...r, version: 2, userId: null, ip: null, userAgent: null };
      assert.equal(await store.set(bare, 1), true);
      assert.deepEqual(await store.get(r.key), bare);
      assert.deepEqual((await admin.hkeys(sessionKey(r.key))).sort(), ['a', 'c', 'd', 'e', 'l', 'sv', 'v']);
      // The previous owner's index no longer names it.
      assert.deepEqual(await admin.zrange(userKey(u), 0, -1), []);
      const back = { ...r, version: 3, ip: '198.51.100.7' };
      assert.equal(await store.set(back, 2), true);
      assert.deepEqual(await store.get(r.key), back);
    } finally {
      await store.close();
    }
  });

  test('the first operation after creation waits for the connection instead of failing', async () => {
    const store = redisStore({ url: redisUrl(), prefix });
    try {
      assert.equal(await store.get('k-none'), null);
    } finally {
      await store.close();
    }
  });

  test('Redis itself forgets a record and an idle user index once their expiry passes', async () => {
    const store = redisStore({ url: redisUrl(), prefix });
    try {
      const u = `u-${randomUUID()}`;
      const r = rec({ now: () => Date.now() }, { userId: u });
      r.expiresAt = Date.now() + 300;
      assert.equal(await store.set(r, 0), true);
      for (const k of [sessionKey(r.key), userKey(u)]) {
        const pttl = await admin.pttl(k);
        assert.ok(pttl > 0 && pttl <= 300, `PTTL of ${k} is ${pttl}`);
      }
      await sleep(600);
      assert.equal(await admin.exists(sessionKey(r.key), userKey(u)), 0);
      assert.equal(await store.get(r.key), null);
    } finally {
      await store.close();
    }
  });

  test('touch() and a write carry a later expiry to the record TTL and the user index, never an earlier one', async () => {
    const clock = manualClock();
    const store = redisStore({ url: redisUrl(), prefix, clock });
    try {
      const u = `u-${randomUUID()}`;
      const r = rec(clock, { userId: u, expiresAt: clock.now() + MIN });
      await store.set(r, 0);
      await store.touch(r.key, clock.now(), clock.now() + 20 * MIN);
      const expect = async (minutes: number) => {
        for (const k of [sessionKey(r.key), userKey(u)]) {
          const pttl = await admin.pttl(k);
          assert.ok(pttl > (minutes - 1) * MIN && pttl <= minutes * MIN, `PTTL of ${k} is ${pttl}`);
        }
        assert.equal(Number(await admin.zscore(userKey(u), r.key)), clock.now() + minutes * MIN);
      };
      await expect(20);
      // A write of a session already in the index extends the index's TTL to its new expiry.
      await store.set({ ...r, version: 2, expiresAt: clock.now() + 30 * MIN }, 1);
      await expect(30);
      // A lower score (a writer that lost its race) lowers neither the score nor the index's TTL.
      await store.set({ ...r, version: 3, expiresAt: clock.now() + 2 * MIN }, 2);
      assert.equal(Number(await admin.zscore(userKey(u), r.key)), clock.now() + 30 * MIN);
      assert.ok((await admin.pttl(userKey(u))) > 29 * MIN);
    } finally {
      await store.close();
    }
  });

  test('reading a user index prunes expired members and sets its TTL to the newest member', async () => {
    const clock = manualClock();
    const store = redisStore({ url: redisUrl(), prefix, clock });
    try {
      const u = `u-${randomUUID()}`;
      const short = rec(clock, { userId: u, expiresAt: clock.now() + MIN });
      const long = rec(clock, { userId: u, expiresAt: clock.now() + 10 * MIN });
      await store.set(short, 0);
      await store.set(long, 0);
      assert.equal(await admin.zcard(userKey(u)), 2);
      clock.advance(2 * MIN);
      assert.deepEqual(
        (await store.listByUser(u)).map((r) => r.key),
        [long.key],
      );
      assert.deepEqual(await admin.zrange(userKey(u), 0, -1), [long.key]);
      // The index expires with its newest member, as the manual clock sees it: 8 minutes on.
      const pttl = await admin.pttl(userKey(u));
      assert.ok(pttl > 7 * MIN && pttl <= 8 * MIN, `PTTL ${pttl}`);
    } finally {
      await store.close();
    }
  });

  test('deleting the last session of a user removes the user index', async () => {
    const clock = manualClock();
    const store = redisStore({ url: redisUrl(), prefix, clock });
    try {
      const u = `u-${randomUUID()}`;
      const [a, b] = [rec(clock, { userId: u }), rec(clock, { userId: u })];
      await store.set(a, 0);
      await store.set(b, 0);
      await store.delete(a.key);
      assert.deepEqual(await admin.zrange(userKey(u), 0, -1), [b.key]);
      assert.equal(await store.deleteByUser(u), 1);
      assert.equal(await admin.exists(userKey(u), sessionKey(a.key), sessionKey(b.key)), 0);
    } finally {
      await store.close();
    }
  });

  test('an index member whose record belongs to someone else is neither listed nor deleted', async () => {
    const clock = manualClock();
    const store = redisStore({ url: redisUrl(), prefix, clock });
    try {
      const [u, v] = [`u-${randomUUID()}`, `u-${randomUUID()}`];
      const theirs = rec(clock, { userId: v });
      await store.set(theirs, 0);
      // What a writer that lost its compare-and-set can leave behind (the index is written first).
      await admin.zadd(userKey(u), theirs.expiresAt, theirs.key);
      assert.deepEqual(await store.listByUser(u), []);
      assert.equal(await store.deleteByUser(u), 0);
      assert.deepEqual(await store.get(theirs.key), theirs);
    } finally {
      await store.close();
    }
  });

  test('a Redis error rejects with STORE_UNAVAILABLE and its cause carries no command arguments', async () => {
    const clock = manualClock();
    const store = redisStore({ url: redisUrl(), prefix, clock });
    try {
      const r = rec(clock, { data: 'secret-session-data' });
      await admin.set(sessionKey(r.key), 'not a hash');
      const err = await store.set(r, 0).then(
        () => assert.fail('set() resolved'),
        (e: unknown) => e,
      );
      assert.ok(unavailable(err));
      const cause = (err as Error).cause as { command?: { name?: string; args?: unknown } };
      assert.equal(cause.command?.args, undefined);
      assert.doesNotMatch(JSON.stringify(cause.command ?? null), /secret-session-data/);
      await assert.rejects(store.get(r.key), unavailable);
    } finally {
      await store.close();
    }
  });

  test("a store given the user's own client leaves it open on close()", async () => {
    const client = new Redis(redisUrl());
    try {
      const store = redisStore({ client, prefix });
      await store.set(rec({ now: () => Date.now() }), 0);
      await store.close();
      assert.equal(await client.ping(), 'PONG');
      // The store itself is done with, even though the client is not.
      await assert.rejects(store.get('k-none'), unavailable);
    } finally {
      await client.quit();
    }
  });

  test("a user's lazy client without an offline queue is connected by the first operation", async () => {
    const client = new Redis(redisUrl(), { lazyConnect: true, enableOfflineQueue: false });
    const store = redisStore({ client, prefix, closeClient: true });
    try {
      assert.equal(client.status, 'wait');
      const r = rec({ now: () => Date.now() });
      assert.equal(await store.set(r, 0), true);
      assert.deepEqual(await store.get(r.key), r);
    } finally {
      await store.close();
    }
  });

  test('with closeClient the store closes the client it was given', async () => {
    const client = new Redis(redisUrl());
    const store = redisStore({ client, prefix, closeClient: true });
    await store.set(rec({ now: () => Date.now() }), 0);
    await store.close();
    assert.equal(client.status, 'end');
  });

  test('a client and a url together are refused as INVALID_CONFIG', () => {
    const client = new Redis(redisUrl(), { lazyConnect: true });
    assert.throws(
      () => redisStore({ client, url: redisUrl() }),
      (e: unknown) => isSessionError(e, 'INVALID_CONFIG'),
    );
    client.disconnect();
  });
});

describe('redis store through an outage', () => {
  test('fails fast while Redis is down and serves again within 2 s of its return, by itself', async () => {
    const server = await startPrivateRedis();
    const store = redisStore({ url: server.url });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
    try {
      const clock = { now: () => Date.now() };
      const u = `u-${randomUUID()}`;
      const r = rec(clock, { userId: u });
      assert.equal(await store.set(r, 0), true);
      assert.equal((await store.get(r.key))?.key, r.key);

      await server.stop();
      const operations: [string, () => Promise<unknown>][] = [
        ['get', () => store.get(r.key)],
        ['set', () => store.set({ ...r, version: 2 }, 1)],
        ['touch', () => store.touch(r.key, clock.now(), clock.now() + MIN)],
        ['delete', () => store.delete(r.key)],
        ['listByUser', () => store.listByUser(u)],
        ['deleteByUser', () => store.deleteByUser(u)],
      ];
      // Twice over: right after the stop, and once the client is in its reconnection loop.
      for (const round of [0, 1]) {
        if (round === 1) await sleep(400);
        for (const [name, op] of operations) {
          const started = performance.now();
          await assert.rejects(op(), unavailable, `${name} while down`);
          const ms = performance.now() - started;
          assert.ok(ms < 1500, `${name} took ${ms.toFixed(0)} ms to fail`);
        }
      }

      await server.start();
      const back = performance.now();
      const fresh = rec(clock, { userId: u });
      for (;;) {
        try {
          assert.equal(await store.set(fresh, 0), true);
          break;
        } catch (e) {
          assert.ok(unavailable(e), `unexpected ${String(e)}`);
          assert.ok(performance.now() - back <= 2000, 'the store did not recover within 2 s');
          await sleep(25);
        }
      }
      const recovered = performance.now() - back;
      assert.ok(recovered <= 2000, `recovered after ${recovered.toFixed(0)} ms`);
      assert.deepEqual(await store.get(fresh.key), fresh);
      assert.deepEqual(
        (await store.listByUser(u)).map((x) => x.key),
        [fresh.key],
      );
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      process.off('uncaughtException', onUnhandled);
      await store.close();
      await server.close();
    }
  });

  test('fails fast while Redis holds the connection open but stops answering, and resumes after', async () => {
    const server = await startPrivateRedis();
    const proxy = await freezableProxy(server.port);
    const store = redisStore({ url: proxy.url });
    try {
      const clock = { now: () => Date.now() };
      const u = `u-${randomUUID()}`;
      const r = rec(clock, { userId: u });
      assert.equal(await store.set(r, 0), true);

      proxy.freeze();
      const operations: [string, () => Promise<unknown>][] = [
        ['get', () => store.get(r.key)],
        ['set', () => store.set({ ...r, version: 2 }, 1)],
        ['touch', () => store.touch(r.key, clock.now(), clock.now() + MIN)],
        ['delete', () => store.delete(r.key)],
        ['listByUser', () => store.listByUser(u)],
        ['deleteByUser', () => store.deleteByUser(u)],
      ];
      await Promise.all(
        operations.map(async ([name, op]) => {
          const started = performance.now();
          await assert.rejects(op(), unavailable, `${name} while frozen`);
          const ms = performance.now() - started;
          assert.ok(ms < 1500, `${name} took ${ms.toFixed(0)} ms to fail`);
        }),
      );

      proxy.thaw();
      const back = performance.now();
      const fresh = rec(clock, { userId: u });
      assert.equal(await store.set(fresh, 0), true);
      assert.ok(performance.now() - back <= 2000);
      assert.deepEqual(await store.get(fresh.key), fresh);
    } finally {
      await store.close();
      await proxy.close();
      await server.close();
    }
  });

  test('a server that forgot the scripts (SCRIPT FLUSH) is sent them again', async () => {
    const server = await startPrivateRedis();
    const store = redisStore({ url: server.url });
    const admin = new Redis(server.url);
    try {
      const clock = { now: () => Date.now() };
      const r = rec(clock, { userId: `u-${randomUUID()}` });
      assert.equal(await store.set(r, 0), true);
      await admin.script('FLUSH');
      assert.equal(await store.set({ ...r, version: 2, data: 'v2' }, 1), true);
      assert.equal((await store.get(r.key))?.data, 'v2');
      assert.equal((await store.listByUser(r.userId!)).length, 1);
    } finally {
      await admin.quit();
      await store.close();
      await server.close();
    }
  });

  test('a store whose Redis never answered closes without hanging', async () => {
    const store: Store = redisStore({ url: `redis://127.0.0.1:${await freePort()}` });
    await assert.rejects(store.get('k-none'), unavailable);
    const started = performance.now();
    await store.close();
    assert.ok(performance.now() - started < 1000);
  });
});
