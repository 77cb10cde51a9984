/**
 * The behaviour every real balancer must show, run once against nginx and once against
 * HAProxy: round-robin spreads requests, the sticky cookie keeps a client on one instance and
 * moves it when that instance dies, the client address is forwarded, WebSockets pass on
 * `/chat`, a reload changes the backends, and the engine's own errors come through.
 * The engines are required: a missing binary fails these tests (`bash .ci/run services`).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { type EngineName, RealBalancerError, startRealBalancer } from '../../../src/cluster/real/index.js';
import { Client, type FixtureInstance, spread, startInstance } from './fixture.js';

const backendsOf = (list: FixtureInstance[]) => list.map((i) => ({ id: i.id, port: i.port }));

export function realBalancerSuite(engine: EngineName): void {
  describe(`${engine} in front of three instances`, () => {
    let instances: FixtureInstance[] = [];
    before(async () => {
      instances = await Promise.all(['i1', 'i2', 'i3'].map(startInstance));
    });
    after(async () => {
      await Promise.all(instances.map((i) => i.kill()));
    });

    test(`round-robin (${engine}) spreads requests over every instance`, async () => {
      const lb = await startRealBalancer({ engine, mode: 'shared', backends: backendsOf(instances) });
      try {
        const seen = await spread(lb.url, 12);
        assert.deepEqual([...seen.keys()].sort(), ['i1', 'i2', 'i3']);
        for (const [id, n] of seen) assert.ok(n >= 3, `${id} served ${n} of 12`);
        // No affinity cookie in round-robin modes.
        const r = await new Client(lb.url).get('/x');
        assert.equal(r.headers['set-cookie'], undefined);
      } finally {
        await lb.stop();
      }
    });

    test(`the client address reaches the instance in X-Forwarded-For (${engine})`, async () => {
      const lb = await startRealBalancer({ engine, mode: 'stateless', backends: backendsOf(instances) });
      try {
        const r = await new Client(lb.url).get('/who');
        assert.equal(r.status, 200);
        assert.equal(JSON.parse(r.body).forwardedFor, '127.0.0.1');
        const big = 'x'.repeat(300_000);
        const p = await new Client(lb.url).send('POST', '/upload', big);
        assert.equal(p.status, 200);
        assert.equal(JSON.parse(p.body).bytes, big.length);
      } finally {
        await lb.stop();
      }
    });

    test(`a WebSocket on /chat is upgraded through ${engine}`, async () => {
      const lb = await startRealBalancer({ engine, mode: 'hybrid', backends: backendsOf(instances) });
      try {
        const ws = new WebSocket(`${lb.url.replace('http', 'ws')}/chat`);
        const echo = await new Promise<string>((resolve, reject) => {
          ws.once('open', () => ws.send('hello'));
          ws.once('message', (m) => resolve(m.toString()));
          ws.once('error', reject);
        });
        assert.match(echo, /^i[123]:hello$/);
        ws.close();
      } finally {
        await lb.stop();
      }
    });

    test(`sticky (${engine}) keeps a client on one instance and moves it when that instance dies`, async () => {
      const own = await Promise.all(['s1', 's2', 's3'].map(startInstance));
      const lb = await startRealBalancer({ engine, mode: 'sticky', backends: backendsOf(own) });
      try {
        const client = new Client(lb.url);
        const first = await client.get('/me');
        assert.equal(first.status, 200);
        assert.ok(client.jar.has('sc_lb'), 'the balancer set its affinity cookie');
        for (let i = 0; i < 10; i++) assert.equal((await client.get(`/me/${i}`)).instance, first.instance);

        // Other clients are spread too: stickiness is per client, not one instance for all.
        const others = new Set<string>();
        for (let i = 0; i < 30; i++) others.add((await new Client(lb.url).get('/')).instance);
        assert.ok(others.size >= 2, `30 new clients all went to ${[...others]}`);

        await own.find((i) => i.id === first.instance)!.kill();
        const moved = await client.get('/me');
        assert.equal(moved.status, 200, moved.body);
        assert.notEqual(moved.instance, first.instance);
        for (let i = 0; i < 8; i++) {
          const r = await client.get(`/me/after/${i}`);
          assert.equal(r.status, 200);
          assert.equal(r.instance, moved.instance, `request ${i} after the move`);
        }
      } finally {
        await lb.stop();
        await Promise.all(own.map((i) => i.kill()));
      }
    });

    test(`reload (${engine}) puts a new set of backends in place`, async () => {
      const lb = await startRealBalancer({
        engine,
        mode: 'shared',
        backends: backendsOf(instances.slice(0, 1)),
      });
      try {
        assert.deepEqual([...(await spread(lb.url, 4)).keys()], ['i1']);
        await lb.reload(backendsOf(instances.slice(1)));
        assert.deepEqual(
          lb.backends().map((b) => b.id),
          ['i2', 'i3'],
        );
        assert.deepEqual([...(await spread(lb.url, 6)).keys()].sort(), ['i2', 'i3']);
        // A reload that cannot be rendered leaves the running config in place.
        await assert.rejects(lb.reload([{ id: 'not an id', port: 1 }]), TypeError);
        assert.deepEqual([...(await spread(lb.url, 4)).keys()].sort(), ['i2', 'i3']);
        // No instance at all: the balancer answers by itself, in the built-in balancer's shape.
        await lb.reload([]);
        const none = await new Client(lb.url).get('/me');
        assert.equal(none.status, 503);
        assert.equal(JSON.parse(none.body).error.code, 'NO_BACKEND');
        assert.equal(none.headers['retry-after'], '1');
        // Reloads asked for together run one after the other; the last one asked for wins.
        await Promise.all([lb.reload(backendsOf(instances)), lb.reload(backendsOf(instances.slice(0, 2)))]);
        assert.deepEqual([...(await spread(lb.url, 6)).keys()].sort(), ['i1', 'i2']);
      } finally {
        await lb.stop();
      }
    });

    if (engine === 'haproxy') {
      test('HAProxy stops sending requests to an instance whose /readyz answers 503', async () => {
        const own = await Promise.all(['d1', 'd2', 'd3'].map(startInstance));
        const lb = await startRealBalancer({ engine, mode: 'shared', backends: backendsOf(own) });
        try {
          assert.equal((await spread(lb.url, 6)).size, 3);
          own[2]!.drain();
          // Checks run every second and two failures take the instance out: wait for that.
          const deadline = Date.now() + 8000;
          let seen = await spread(lb.url, 6);
          while (seen.has('d3') && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 250));
            seen = await spread(lb.url, 6);
          }
          assert.deepEqual([...seen.keys()].sort(), ['d1', 'd2']);
        } finally {
          await lb.stop();
          await Promise.all(own.map((i) => i.kill()));
        }
      });
    }

    test(`${engine} answers in JSON with a balancer error code when every instance is dead`, async () => {
      const own = await Promise.all(['x1', 'x2'].map(startInstance));
      const lb = await startRealBalancer({ engine, mode: 'shared', backends: backendsOf(own) });
      try {
        await Promise.all(own.map((i) => i.kill()));
        const r = await new Client(lb.url).get('/me');
        // nginx: every connection refused is a 502; HAProxy: no server could take it, 503.
        assert.ok([502, 503].includes(r.status), `status ${r.status}`);
        assert.equal(r.headers['content-type'], 'application/json');
        assert.ok(['BAD_GATEWAY', 'NO_BACKEND'].includes(JSON.parse(r.body).error.code), r.body);
        const big = await new Client(lb.url).send('POST', '/upload', 'x'.repeat(1_100_000), true);
        assert.equal(big.status, 413);
        assert.equal(JSON.parse(big.body).error.code, 'BODY_TOO_LARGE');
      } finally {
        await lb.stop();
      }
    });

    test(`stop (${engine}) ends the engine and removes its directory`, async () => {
      const { existsSync } = await import('node:fs');
      const lb = await startRealBalancer({ engine, mode: 'shared', backends: backendsOf(instances) });
      assert.ok(existsSync(lb.configPath));
      await lb.stop();
      await lb.stop();
      assert.equal(existsSync(lb.dir), false);
      // Neither the main process nor any worker of its group is left.
      assert.throws(() => process.kill(-lb.pid, 0), { code: 'ESRCH' });
    });

    test(`a port already taken fails the start with ${engine}'s own message`, async () => {
      const taken = createServer();
      await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
      const port = (taken.address() as { port: number }).port;
      try {
        await assert.rejects(
          startRealBalancer({
            engine,
            mode: 'shared',
            backends: backendsOf(instances),
            port,
            timeoutMs: 8000,
          }),
          (e: unknown) => {
            assert.ok(e instanceof RealBalancerError);
            assert.equal(e.code, 'START_FAILED');
            assert.match(e.message, /in use|cannot bind/i);
            return true;
          },
        );
      } finally {
        taken.close();
      }
    });

    test(`a missing ${engine} binary is reported with the command that installs it`, async () => {
      await assert.rejects(
        startRealBalancer({
          engine,
          mode: 'shared',
          backends: backendsOf(instances),
          bin: `/nonexistent/${engine}`,
        }),
        (e: unknown) => {
          assert.ok(e instanceof RealBalancerError);
          assert.equal(e.code, 'ENGINE_MISSING');
          assert.match(e.message, /\.ci\/run/);
          assert.match(e.message, new RegExp(`apt-get install ${engine}`));
          return true;
        },
      );
    });
  });
}
