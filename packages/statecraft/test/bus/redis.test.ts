import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { isSessionError } from 'statecraft';
import type { RedisBus } from 'statecraft/bus/redis';
import { redisBus } from 'statecraft/bus/redis';
import type { PrivateRedis } from '../helpers/services.js';
import { redisUrl, requireRedis, startPrivateRedis } from '../helpers/services.js';
import { fixture, inbox, testBus } from './conformance.js';

const runPrefix = `sc-test-${randomBytes(4).toString('hex')}:`;
const unavailable = (e: unknown) => isSessionError(e, 'STORE_UNAVAILABLE');

/** Resolves the next time `bus` fires onReconnect; rejects after `ms`. */
function nextReconnect(bus: RedisBus, ms = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      remove();
      reject(new Error(`onReconnect did not fire within ${ms} ms`));
    }, ms);
    const remove = bus.onReconnect(() => {
      clearTimeout(timer);
      remove();
      resolve();
    });
  });
}

testBus('redis', {
  async create(n, options) {
    await requireRedis();
    return Array.from({ length: n }, () => redisBus({ url: redisUrl(), prefix: runPrefix, ...options }));
  },
  lifecycle: async () => [fixture('lifecycle.ts'), 'redis', redisUrl(), runPrefix],
});

describe('redis bus', () => {
  before(() => requireRedis());

  test('a channel is named <prefix>bus:<channel> on the server, both ways', async () => {
    const prefix = `sc-test-${randomBytes(4).toString('hex')}:`;
    const bus = redisBus({ url: redisUrl(), prefix });
    const raw = new Redis(redisUrl());
    const rawSub = new Redis(redisUrl());
    try {
      assert.equal(bus.serverChannel('news'), `${prefix}bus:news`);
      const fromBus = inbox('raw subscriber');
      rawSub.on('message', (ch: string, m: string) => fromBus.handler(`${ch} ${m}`));
      await rawSub.subscribe(`${prefix}bus:news`);
      const fromRaw = inbox('bus subscriber');
      await bus.subscribe('news', fromRaw.handler);

      await bus.publish('news', 'from the bus');
      assert.deepEqual(await fromBus.count(1), [`${prefix}bus:news from the bus`]);
      await raw.publish(`${prefix}bus:news`, 'from redis-cli');
      assert.deepEqual(await fromRaw.count(2), ['from the bus', 'from redis-cli']);
    } finally {
      await bus.close();
      raw.disconnect();
      rawSub.disconnect();
    }
  });

  test('a bus on your own client publishes through it and leaves it open on close()', async () => {
    const client = new Redis(redisUrl());
    const bus = redisBus({ client, prefix: runPrefix });
    try {
      const box = inbox();
      await bus.subscribe('own-client', box.handler);
      await bus.publish('own-client', 'hi');
      assert.deepEqual(await box.count(1), ['hi']);
      await bus.close();
      assert.equal(client.status, 'ready');
      assert.equal(await client.ping(), 'PONG');
    } finally {
      await bus.close();
      client.disconnect();
    }
  });

  test('the heartbeat leaves a healthy subscriber connection alone', async () => {
    const bus = redisBus({ url: redisUrl(), prefix: runPrefix, heartbeatInterval: 100 });
    try {
      let reconnects = 0;
      bus.onReconnect(() => reconnects++);
      const box = inbox();
      await bus.subscribe('healthy', box.handler);
      await sleep(1000); // some ten PINGs, each answered in time
      await bus.publish('healthy', 'still subscribed');
      assert.deepEqual(await box.count(1), ['still subscribed']);
      assert.equal(reconnects, 0);
    } finally {
      await bus.close();
    }
  });

  test('redisBus() refuses both `url` and `client`, with INVALID_CONFIG', () => {
    const client = new Redis(redisUrl(), { lazyConnect: true });
    assert.throws(
      () => redisBus({ url: redisUrl(), client }),
      (e: unknown) => isSessionError(e, 'INVALID_CONFIG'),
    );
    client.disconnect();
  });
});

describe('redis bus when the server goes away', () => {
  let server: PrivateRedis;
  before(async () => {
    server = await startPrivateRedis();
  });
  after(() => server?.close());

  test('after Redis restarts, onReconnect fires and subscriptions work again', async () => {
    const a = redisBus({ url: server.url });
    const b = redisBus({ url: server.url });
    try {
      const inA = inbox('a');
      const inB = inbox('b');
      await a.subscribe('revoked', inA.handler);
      await b.subscribe('revoked', inB.handler);
      await a.publish('revoked', 'u1');
      await inA.got('u1');
      await inB.got('u1');

      const reconnectedA = nextReconnect(a);
      const reconnectedB = nextReconnect(b);
      await server.stop();
      await server.start();
      await Promise.all([reconnectedA, reconnectedB]);

      // Right after onReconnect, the subscriptions are active again: nothing may be missed.
      await b.publish('revoked', 'u2');
      assert.deepEqual(await inA.count(2), ['u1', 'u2']);
      assert.deepEqual(await inB.count(2), ['u1', 'u2']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('publish() and subscribe() while Redis is down reject with STORE_UNAVAILABLE', async () => {
    const bus = redisBus({ url: server.url });
    try {
      await bus.subscribe('up', () => {});
      await server.stop();
      await assert.rejects(bus.publish('up', 'lost'), unavailable);
      await assert.rejects(
        bus.subscribe('down', () => {}),
        unavailable,
      );
    } finally {
      await server.start();
      await bus.close();
    }
  });

  test('a subscriber connection that stops answering is replaced, and onReconnect fires', async () => {
    const bus = redisBus({ url: server.url, heartbeatInterval: 100 });
    const admin = new Redis(server.url);
    try {
      const box = inbox();
      await bus.subscribe('quiet', box.handler);
      const reconnected = nextReconnect(bus);
      // The server keeps every connection open but answers nothing for 1.5 s: the PING hangs.
      await admin.client('PAUSE', 1500, 'ALL');
      await reconnected;
      await bus.publish('quiet', 'heard');
      assert.deepEqual(await box.count(1), ['heard']);
    } finally {
      admin.disconnect();
      await bus.close();
    }
  });
});
