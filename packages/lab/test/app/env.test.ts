import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import {
  InstanceEnvError,
  instanceEnvironment,
  parseBus,
  parseStore,
  prefixes,
  readInstanceEnv,
} from '../../src/app/env.js';

const SECRET = randomBytes(32).toString('hex');

function refused(env: NodeJS.ProcessEnv): InstanceEnvError {
  try {
    readInstanceEnv(env);
  } catch (e) {
    assert.ok(e instanceof InstanceEnvError);
    return e;
  }
  assert.fail('accepted');
}

test('the instance environment is read with its defaults', () => {
  const env = readInstanceEnv({ PORT: '4001', STATECRAFT_MODE: 'shared', STATECRAFT_BUS: 'ipc' });
  assert.equal(env.port, 4001);
  assert.equal(env.instanceId, 'i1');
  assert.equal(env.mode, 'shared');
  assert.deepEqual(env.bus, { kind: 'ipc' });
  assert.equal(env.secret, null);
  assert.equal(env.prefix, 'sc');
  assert.equal(env.drainMs, 10_000);
  assert.equal(env.eagerSessions, false);
  assert.equal(env.store?.kind, 'sqlite');
  assert.ok(env.store?.kind === 'sqlite' && env.store.path.startsWith(tmpdir()));
});

test('instanceEnvironment writes what readInstanceEnv reads', () => {
  const secret = randomBytes(32);
  const env = readInstanceEnv(
    instanceEnvironment({
      port: 4002,
      instanceId: 'i2',
      mode: 'hybrid',
      store: 'redis://127.0.0.1:6379/0',
      bus: 'postgres://u@127.0.0.1/db',
      secret,
      prefix: 'run-7',
      drainMs: 3000,
      eagerSessions: true,
    }),
  );
  assert.equal(env.port, 4002);
  assert.equal(env.instanceId, 'i2');
  assert.deepEqual(env.store, { kind: 'redis', url: 'redis://127.0.0.1:6379/0' });
  assert.deepEqual(env.bus, { kind: 'postgres', url: 'postgres://u@127.0.0.1/db' });
  assert.deepEqual(env.secret, secret);
  assert.equal(env.prefix, 'run-7');
  assert.equal(env.drainMs, 3000);
  assert.equal(env.eagerSessions, true);
});

test('sticky always keeps sessions in memory and stateless keeps no store, whatever is given', () => {
  const store = 'sqlite:/tmp/x.db';
  assert.deepEqual(readInstanceEnv({ PORT: '1', STATECRAFT_MODE: 'sticky', STATECRAFT_STORE: store }).store, {
    kind: 'memory',
  });
  const stateless = readInstanceEnv({
    PORT: '1',
    STATECRAFT_MODE: 'stateless',
    STATECRAFT_STORE: store,
    STATECRAFT_SECRET: SECRET,
  });
  assert.equal(stateless.store, null);
});

test('stateless and hybrid refuse to start without the shared secret', () => {
  for (const mode of ['stateless', 'hybrid']) {
    assert.equal(refused({ PORT: '1', STATECRAFT_MODE: mode }).variable, 'STATECRAFT_SECRET');
  }
});

test('a malformed variable is named, and its value is never in the message', () => {
  const cases: Array<[NodeJS.ProcessEnv, string, string]> = [
    [{ STATECRAFT_MODE: 'shared' }, 'PORT', ''],
    [{ PORT: '70000', STATECRAFT_MODE: 'shared' }, 'PORT', '70000'],
    [{ PORT: '1', STATECRAFT_MODE: 'clustered' }, 'STATECRAFT_MODE', 'clustered'],
    [
      { PORT: '1', STATECRAFT_MODE: 'hybrid', STATECRAFT_SECRET: 'ab'.repeat(31) },
      'STATECRAFT_SECRET',
      'abab',
    ],
    [
      { PORT: '1', STATECRAFT_MODE: 'shared', STATECRAFT_STORE: 'mysql://u:hunter2@h/db' },
      'STATECRAFT_STORE',
      'hunter2',
    ],
    [
      { PORT: '1', STATECRAFT_MODE: 'shared', STATECRAFT_BUS: 'amqp://u:hunter2@h' },
      'STATECRAFT_BUS',
      'hunter2',
    ],
    [{ PORT: '1', STATECRAFT_MODE: 'shared', STATECRAFT_PREFIX: 'a b' }, 'STATECRAFT_PREFIX', 'a b'],
    [{ PORT: '1', STATECRAFT_MODE: 'shared', INSTANCE_ID: 'i 1' }, 'INSTANCE_ID', 'i 1'],
  ];
  for (const [env, variable, value] of cases) {
    const e = refused(env);
    assert.equal(e.variable, variable);
    if (value) assert.ok(!e.message.includes(value), e.message);
  }
});

test('store and bus values name their engines', () => {
  assert.deepEqual(parseStore('memory'), { kind: 'memory' });
  assert.deepEqual(parseStore('sqlite:/abs/s.db'), { kind: 'sqlite', path: '/abs/s.db' });
  assert.equal(parseStore('rediss://h:6380').kind, 'redis');
  assert.equal(parseStore('postgresql://h/db').kind, 'postgres');
  assert.deepEqual(parseStore('redis-cluster://h1:7000,h2:7001'), {
    kind: 'redis',
    url: 'redis-cluster://h1:7000,h2:7001',
  });
  assert.equal(parseStore('redis-sentinel://s1:26379,s2:26379/sessions').kind, 'redis');
  assert.equal(parseBus('redis-cluster://h1:7000').kind, 'redis');
  assert.throws(() => parseStore('sqlite:'), InstanceEnvError);
  assert.deepEqual(parseBus('ipc'), { kind: 'ipc' });
  assert.equal(parseBus('redis://h').kind, 'redis');
  assert.throws(() => parseBus('memory'), InstanceEnvError);
});

test('the prefix gives Redis keys and SQL identifiers that cannot collide between runs', () => {
  assert.deepEqual(prefixes('sc'), { redis: 'sc:', sql: 'sc' });
  assert.deepEqual(prefixes('Run-7'), { redis: 'Run-7:', sql: 'run_7' });
  assert.deepEqual(prefixes('7ab'), { redis: '7ab:', sql: 'sc_7ab' });
});
