import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSessionError } from 'statecraft';
import { parseRedisUrl, redisStore } from 'statecraft/stores/redis';
import { liveRecord } from '../helpers/records.js';
import { redisUrl, requireRedis, startPrivateRedis } from '../helpers/services.js';

const invalid = (e: unknown) => isSessionError(e, 'INVALID_CONFIG');

test('a redis-cluster URL lists its seed nodes and credentials', () => {
  assert.deepEqual(parseRedisUrl('redis-cluster://app:p%40ss@10.0.0.1:7000,[::1]:7001,redis-2'), {
    kind: 'cluster',
    nodes: [
      { host: '10.0.0.1', port: 7000 },
      { host: '::1', port: 7001 },
      { host: 'redis-2', port: 6379 },
    ],
    username: 'app',
    password: 'p@ss',
  });
});

test('a redis-sentinel URL names its Sentinels, the primary and the database', () => {
  assert.deepEqual(parseRedisUrl('redis-sentinel://:secret@s1:26380,s2/sessions?db=2'), {
    kind: 'sentinel',
    sentinels: [
      { host: 's1', port: 26380 },
      { host: 's2', port: 26379 },
    ],
    name: 'sessions',
    password: 'secret',
    db: 2,
  });
});

test('redis:// and rediss:// URLs are left to ioredis as they are', () => {
  assert.deepEqual(parseRedisUrl('rediss://h:6380/1'), { kind: 'single', url: 'rediss://h:6380/1' });
});

test('malformed URLs are INVALID_CONFIG and the error does not echo a password', () => {
  for (const url of [
    'redis-sentinel://:hunter2@s1:26379',
    'redis-sentinel://s1/a/b',
    'redis-sentinel://s1/p?tls=1',
    'redis-cluster://:hunter2@h:99999',
    'redis-cluster://h:7000/0',
    'redis-cluster://',
    'http://h',
    'not a url',
  ]) {
    assert.throws(
      () => parseRedisUrl(url),
      (e: unknown) => invalid(e) && !String(e).includes('hunter2'),
      url,
    );
  }
});

test('waitForReplicas is refused on a Cluster and with a zero timeout', async () => {
  assert.throws(
    () =>
      redisStore({ url: 'redis-cluster://127.0.0.1:1', waitForReplicas: { replicas: 1, timeoutMs: 100 } }),
    invalid,
  );
  await requireRedis();
  assert.throws(
    () => redisStore({ url: redisUrl(), waitForReplicas: { replicas: 1, timeoutMs: 0 } }),
    invalid,
  );
});

test('with waitForReplicas and no replica a write is refused as STORE_NOT_REPLICATED, never acknowledged', async () => {
  const server = await startPrivateRedis();
  const store = redisStore({ url: server.url, waitForReplicas: { replicas: 1, timeoutMs: 50 } });
  try {
    const r = liveRecord({ now: () => Date.now() }, { userId: 'u-1' });
    await assert.rejects(store.set(r, 0), (e: unknown) => isSessionError(e, 'STORE_NOT_REPLICATED'));
    await assert.rejects(store.delete(r.key), (e: unknown) => isSessionError(e, 'STORE_NOT_REPLICATED'));
  } finally {
    await store.close();
    await server.close();
  }
});
