import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import {
  DEFAULT_POSTGRES_URL,
  DEFAULT_REDIS_URL,
  freePort,
  type PrivatePostgres,
  type PrivateRedis,
  postgresUrl,
  redisUrl,
  requirePostgres,
  requireRedis,
  ServiceUnavailableError,
  startPrivatePostgres,
  startPrivateRedis,
} from './services.js';

/** Resolves with the error code of a TCP connection attempt ('OK' when it connects). */
function tcpConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('OK');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

async function pgQuery<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('service URLs', () => {
  test('default to the local Redis and the test database unless the environment says otherwise', () => {
    assert.equal(redisUrl(), process.env.STATECRAFT_REDIS_URL || DEFAULT_REDIS_URL);
    assert.equal(postgresUrl(), process.env.STATECRAFT_PG_URL || DEFAULT_POSTGRES_URL);
  });
});

describe('requireRedis() and requirePostgres()', () => {
  test('the shared Redis answers', () => requireRedis());

  test('the shared PostgreSQL answers', () => requirePostgres());

  test('requireRedis() rejects with SERVICE_UNAVAILABLE for a closed port', async () => {
    const port = await freePort();
    await assert.rejects(requireRedis(`redis://127.0.0.1:${port}`), (err: unknown) => {
      assert.ok(err instanceof ServiceUnavailableError);
      assert.equal(err.code, 'SERVICE_UNAVAILABLE');
      assert.equal(err.service, 'redis');
      return true;
    });
  });

  test('requirePostgres() rejects with SERVICE_UNAVAILABLE for a closed port', async () => {
    const port = await freePort();
    await assert.rejects(requirePostgres(`postgres://postgres@127.0.0.1:${port}/test`), (err: unknown) => {
      assert.ok(err instanceof ServiceUnavailableError);
      assert.equal(err.code, 'SERVICE_UNAVAILABLE');
      assert.equal(err.service, 'postgres');
      return true;
    });
  });

  test('requireRedis() never puts the password in its message', async () => {
    const port = await freePort();
    await assert.rejects(requireRedis(`redis://:hunter2@127.0.0.1:${port}`), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.ok(!err.message.includes('hunter2'));
      return true;
    });
  });
});

describe('freePort()', () => {
  test('gives a port nothing listens on', async () => {
    const port = await freePort();
    assert.ok(port > 0 && port < 65536);
    assert.equal(await tcpConnect(port), 'ECONNREFUSED');
  });
});

describe('startPrivateRedis()', () => {
  let redis: PrivateRedis;
  before(async () => {
    redis = await startPrivateRedis();
  });
  after(() => redis.close());

  test('starts a Redis that answers on its own port', async () => {
    assert.equal(redis.url, `redis://127.0.0.1:${redis.port}`);
    assert.notEqual(redis.port, 6379);
    assert.equal(redis.running, true);
    await requireRedis(redis.url);
  });

  test('stop() shuts it down: connections are refused', async () => {
    await redis.stop();
    assert.equal(redis.running, false);
    assert.equal(await tcpConnect(redis.port), 'ECONNREFUSED');
    await assert.rejects(requireRedis(redis.url), ServiceUnavailableError);
  });

  test('start() brings it back on the same port', async () => {
    const port = redis.port;
    await redis.start();
    assert.equal(redis.port, port);
    await requireRedis(redis.url);
  });

  test('kill() ends it at once and start() brings it back again', async () => {
    await redis.kill();
    assert.equal(await tcpConnect(redis.port), 'ECONNREFUSED');
    await redis.start();
    await requireRedis(redis.url);
  });

  test('the shared Redis still answers', () => requireRedis());
});

describe('private server lifecycle', () => {
  test('close() is idempotent, removes the temp dir and forbids start()', async () => {
    const redis = await startPrivateRedis();
    assert.ok(existsSync(redis.dir));
    await Promise.all([redis.close(), redis.close()]);
    await redis.close();
    assert.equal(existsSync(redis.dir), false);
    assert.equal(await tcpConnect(redis.port), 'ECONNREFUSED');
    await assert.rejects(redis.start());
  });
});

describe('startPrivatePostgres()', () => {
  let db: PrivatePostgres;
  before(async () => {
    db = await startPrivatePostgres();
  });
  after(() => db.close());

  test('starts a PostgreSQL that answers on its own port', async () => {
    assert.equal(db.url, `postgres://postgres@127.0.0.1:${db.port}/postgres`);
    assert.notEqual(db.port, 5432);
    await requirePostgres(db.url);
    await pgQuery(db.url, 'create table kept (n int); insert into kept values (42)');
  });

  test('stop() shuts it down: connections are refused', async () => {
    await db.stop();
    assert.equal(db.running, false);
    assert.equal(await tcpConnect(db.port), 'ECONNREFUSED');
    await assert.rejects(requirePostgres(db.url), ServiceUnavailableError);
  });

  test('start() brings it back on the same port with its data', async () => {
    const port = db.port;
    await db.start();
    assert.equal(db.port, port);
    assert.deepEqual(await pgQuery(db.url, 'select n from kept'), [{ n: 42 }]);
  });

  test('kill() ends it at once; committed rows survive the restart', async () => {
    await pgQuery(db.url, 'insert into kept values (43)');
    await db.kill();
    assert.equal(await tcpConnect(db.port), 'ECONNREFUSED');
    await db.start();
    assert.deepEqual(await pgQuery(db.url, 'select n from kept order by n'), [{ n: 42 }, { n: 43 }]);
  });

  test('the shared PostgreSQL still answers', () => requirePostgres());
});
