import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { after, afterEach, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { StrategyFactory } from 'statecraft';
import { createSessions, hybrid, stateful } from 'statecraft';
import { redisBus } from 'statecraft/bus/redis';
import { redisStore } from 'statecraft/stores/redis';
import { redisUrl, requireRedis } from '../helpers/services.js';
import type { WsServer } from './fixtures/websocket-client.js';
import { clients, closed, loggedIn, open, roundTrip, startWsServer } from './fixtures/websocket-client.js';

const fixture = fileURLToPath(new URL('./fixtures/websocket-revoker.ts', import.meta.url));

type Reply =
  | { op: 'ready' }
  | { op: 'revoked'; n: number; startedAt: number; doneAt: number }
  | { op: 'error'; message: string };

/** The next reply of the child with this `op`; fails at once on an error reply or an exit. */
function reply<K extends Reply['op']>(
  child: ChildProcess,
  op: K,
  ms = 10_000,
): Promise<Extract<Reply, { op: K }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no ${op} from the child within ${ms} ms`)), ms);
    const onMessage = (m: Reply) => {
      if (m.op === 'error') done(new Error(`child failed: ${m.message}`));
      else if (m.op === op) done(null, m as Extract<Reply, { op: K }>);
    };
    const onExit = (code: number | null) => done(new Error(`child exited with ${code} before ${op}`));
    const done = (e: Error | null, m?: Extract<Reply, { op: K }>) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (e) reject(e);
      else resolve(m!);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

const CASES: ReadonlyArray<{ name: 'stateful' | 'hybrid' }> = [{ name: 'stateful' }, { name: 'hybrid' }];

describe('WebSocket adapter across processes (Redis store + Redis bus)', () => {
  before(() => requireRedis());

  const children: ChildProcess[] = [];
  const servers: WsServer<Record<string, unknown>>[] = [];
  afterEach(async () => {
    for (const c of clients) c.terminate();
    clients.clear();
    await Promise.all(servers.splice(0).map((s) => s.close()));
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill();
  });
  after(() => {
    for (const c of children) c.kill();
  });

  for (const { name } of CASES) {
    test(`revokeUser on another process closes the connection within 1 s (${name})`, async (t) => {
      const url = redisUrl();
      // Keys and channels of this test alone.
      const prefix = `sc-test-ws-${name}-${randomBytes(4).toString('hex')}:`;
      const secret = randomBytes(32);
      const store = redisStore({ url, prefix });
      const strategy: StrategyFactory =
        name === 'hybrid'
          ? hybrid({ store, keys: [{ kid: 'k1', alg: 'HS256', secret }], format: 'jws' })
          : stateful({ store });
      const bus = redisBus({ url, prefix });
      const sessions = createSessions(strategy, { bus });
      t.after(async () => {
        await sessions.close();
        await bus.close();
      });
      await sessions.ready();
      const srv = await startWsServer(sessions);
      servers.push(srv);

      const alice = await loggedIn(sessions, 'alice');
      const bob = await loggedIn(sessions, 'bob');
      const ws = await open(srv.url, { cookie: alice.cookie });
      const bystander = await open(srv.url, { cookie: bob.cookie });

      const child = fork(fixture, [], {
        execArgv: ['--conditions=statecraft-source', '--import', 'tsx'],
        env: {
          ...process.env,
          NODE_OPTIONS: '',
          REDIS_URL: url,
          PREFIX: prefix,
          STRATEGY: name,
          SECRET: secret.toString('hex'),
        },
      });
      children.push(child);
      await reply(child, 'ready', 20_000);

      const end = closed(ws, 3000);
      const revoked = reply(child, 'revoked');
      child.send({ op: 'revoke', userId: 'alice' });
      const { code, at } = await end;
      const r = await revoked;

      assert.equal(r.n, 1);
      assert.equal(code, 4001);
      const fromCall = at - r.startedAt;
      const fromPublish = at - r.doneAt;
      t.diagnostic(
        `${name}: revokeUser() called → client saw 4001: ${fromCall.toFixed(1)} ms ` +
          `(after revokeUser() resolved: ${fromPublish.toFixed(1)} ms)`,
      );
      assert.ok(fromCall < 1000, `closed ${fromCall.toFixed(1)} ms after the revocation`);
      // Only the revoked user's connection was closed.
      assert.equal(await roundTrip(bystander), 'echo:ping');
      assert.deepEqual(srv.sockets.ofUser('alice'), []);

      child.send({ op: 'exit' });
      const [exitCode] = await once(child, 'exit');
      assert.equal(exitCode, 0);
    });
  }
});
