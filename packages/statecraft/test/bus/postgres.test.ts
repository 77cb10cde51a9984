import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { isSessionError } from 'statecraft';
import type { PostgresBus } from 'statecraft/bus/postgres';
import { LISTENER_NAME, MAX_PAYLOAD_BYTES, postgresBus } from 'statecraft/bus/postgres';
import { identifier, MAX_IDENTIFIER_BYTES } from '../../src/bus/postgres/channel.js';
import type { PrivatePostgres } from '../helpers/services.js';
import { postgresUrl, requirePostgres, startPrivatePostgres } from '../helpers/services.js';
import { fixture, inbox, testBus } from './conformance.js';

const unavailable = (e: unknown) => isSessionError(e, 'STORE_UNAVAILABLE');
const invalidMessage = (e: unknown) => isSessionError(e, 'BUS_MESSAGE_INVALID');

/** Resolves the next time `bus` fires onReconnect; rejects after `ms`. */
function nextReconnect(bus: PostgresBus, ms = 15_000): Promise<void> {
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

function newPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  return pool;
}

testBus('postgres', {
  async create(n, options) {
    await requirePostgres();
    return Array.from({ length: n }, () => postgresBus({ connectionString: postgresUrl(), ...options }));
  },
  lifecycle: async () => [fixture('lifecycle.ts'), 'postgres', postgresUrl()],
});

describe('postgres bus channel names', () => {
  test('every channel name maps to a distinct identifier of at most 63 bytes that needs no quoting', () => {
    const names = [
      '',
      'a',
      'A',
      'a-b',
      'a_b',
      'a.b',
      'revoked',
      'ünïcödé ✓',
      'x'.repeat(200),
      `${'x'.repeat(199)}y`,
      'Robert"); DROP TABLE students;--',
    ];
    const ids = names.map((n) => identifier('sc_', n));
    assert.equal(new Set(ids).size, names.length);
    for (const id of ids) {
      assert.ok(Buffer.byteLength(id) <= MAX_IDENTIFIER_BYTES, `${id} is too long`);
      assert.match(id, /^sc_[a-z0-9_]*$/);
    }
    assert.equal(identifier('sc_', 'revoked'), identifier('sc_', 'revoked'));
    assert.match(identifier('sc_', 'revoked'), /^sc_revoked_[0-9a-f]{16}$/);
    assert.equal(Buffer.byteLength(identifier('a'.repeat(30), 'x'.repeat(100))), MAX_IDENTIFIER_BYTES);
  });

  test('a prefix that is not a short lower-case identifier start is refused with INVALID_CONFIG', () => {
    for (const prefix of ['', 'SC_', '1sc', 'sc:', 'a'.repeat(31), 'sc"']) {
      assert.throws(
        () => postgresBus({ connectionString: postgresUrl(), prefix }),
        (e: unknown) => isSessionError(e, 'INVALID_CONFIG'),
        prefix,
      );
    }
  });
});

describe('postgres bus', () => {
  let bus: PostgresBus;
  before(async () => {
    await requirePostgres();
    bus = postgresBus({ connectionString: postgresUrl() });
  });
  after(() => bus?.close());

  test(`a message of ${MAX_PAYLOAD_BYTES - 1} bytes arrives; one of ${MAX_PAYLOAD_BYTES} is refused with BUS_MESSAGE_INVALID`, async () => {
    const ch = `t-${randomUUID()}`;
    const box = inbox();
    await bus.subscribe(ch, box.handler);
    const largest = `${'é'.repeat(3999)}x`;
    assert.equal(Buffer.byteLength(largest), MAX_PAYLOAD_BYTES - 1);
    await assert.rejects(bus.publish(ch, `${largest}x`), invalidMessage);
    assert.throws(() => bus.notification(ch, `${largest}x`), invalidMessage);
    await bus.publish(ch, largest);
    assert.deepEqual(await box.count(1), [largest]);
  });

  test('a message with a NUL character is refused with BUS_MESSAGE_INVALID', async () => {
    await assert.rejects(bus.publish('c', 'a\0b'), invalidMessage);
  });

  test('notification() in your own transaction is delivered on commit, never on rollback', async () => {
    const ch = `t-${randomUUID()}`;
    const box = inbox();
    await bus.subscribe(ch, box.handler);
    const pool = newPool(postgresUrl());
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(bus.notification(ch, 'rolled back'));
      await client.query('ROLLBACK');

      await client.query('BEGIN');
      await client.query(bus.notification(ch, 'committed'));
      await bus.publish(ch, 'outside, first');
      await client.query('COMMIT');
      await bus.publish(ch, 'outside, after');
      // Delivered in commit order: the transaction's message comes when it commits.
      assert.deepEqual(await box.count(3), ['outside, first', 'committed', 'outside, after']);
    } finally {
      client.release();
      await pool.end();
    }
  });

  test('a bus on your own pool notifies through it and leaves it open on close()', async () => {
    const pool = newPool(postgresUrl());
    const own = postgresBus({ pool });
    try {
      const box = inbox();
      await own.subscribe('own-pool', box.handler);
      await own.publish('own-pool', 'hi');
      assert.deepEqual(await box.count(1), ['hi']);
      await own.close();
      assert.deepEqual((await pool.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
    } finally {
      await own.close();
      await pool.end();
    }
  });

  test('the heartbeat leaves a healthy LISTEN connection alone', async () => {
    const own = postgresBus({ connectionString: postgresUrl(), heartbeatInterval: 100 });
    try {
      let reconnects = 0;
      own.onReconnect(() => reconnects++);
      const box = inbox();
      await own.subscribe('healthy', box.handler);
      await sleep(1000); // some ten heartbeats, each answered in time
      await own.publish('healthy', 'still listening');
      assert.deepEqual(await box.count(1), ['still listening']);
      assert.equal(reconnects, 0);
    } finally {
      await own.close();
    }
  });

  test('pg_notify() on the identifier of a channel reaches the channel’s subscribers', async () => {
    const ch = `Raw-${randomUUID()}`;
    const box = inbox();
    await bus.subscribe(ch, box.handler);
    const pool = newPool(postgresUrl());
    try {
      await pool.query('SELECT pg_notify($1, $2)', [bus.identifier(ch), 'from SQL']);
      assert.deepEqual(await box.count(1), ['from SQL']);
    } finally {
      await pool.end();
    }
  });
});

describe('postgres bus when the server goes away', () => {
  let server: PrivatePostgres;
  before(async () => {
    server = await startPrivatePostgres();
  });
  after(() => server?.close());

  test('after PostgreSQL restarts, onReconnect fires and subscriptions work again', async () => {
    const a = postgresBus({ connectionString: server.url });
    const b = postgresBus({ connectionString: server.url });
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

      // Right after onReconnect, every channel is LISTENed again: nothing may be missed.
      await b.publish('revoked', 'u2');
      assert.deepEqual(await inA.count(2), ['u1', 'u2']);
      assert.deepEqual(await inB.count(2), ['u1', 'u2']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('publish() and subscribe() while PostgreSQL is down reject with STORE_UNAVAILABLE', async () => {
    const bus = postgresBus({ connectionString: server.url });
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

  test('a LISTEN connection that stops answering is replaced, and onReconnect fires', async () => {
    const bus = postgresBus({ connectionString: server.url, heartbeatInterval: 200 });
    const pool = newPool(server.url);
    let frozen: number | undefined;
    try {
      const box = inbox();
      await bus.subscribe('quiet', box.handler);
      const { rows } = await pool.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
        [LISTENER_NAME],
      );
      assert.equal(rows.length, 1);
      frozen = rows[0]!.pid;
      const reconnected = nextReconnect(bus);
      // The backend serving the LISTEN connection stops answering, its socket stays open.
      process.kill(frozen, 'SIGSTOP');
      await reconnected;
      await bus.publish('quiet', 'heard');
      assert.deepEqual(await box.count(1), ['heard']);
    } finally {
      if (frozen !== undefined) process.kill(frozen, 'SIGCONT');
      await bus.close();
      await pool.end();
    }
  });
});
