/**
 * `startCluster` with nginx and HAProxy in front (through `real/`): the engine follows the
 * supervisor, reloading when an instance dies, drains or comes back. Fails when the engine is
 * not installed (.ci/run installs both).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startCluster } from '../../src/cluster/cluster.js';
import { Client, fixtureCommand } from './helpers.js';

for (const engine of ['nginx', 'haproxy'] as const) {
  describe(`a cluster behind ${engine}`, () => {
    it('spreads requests over the instances and follows kill, drain and restart', async () => {
      const cluster = await startCluster({
        mode: 'shared',
        instances: 3,
        balancer: engine,
        command: fixtureCommand,
      });
      try {
        assert.equal(cluster.balancer.engine, engine);
        assert.equal(cluster.policy, 'round-robin');
        const c = new Client(cluster.url);
        const seen = new Set<string>();
        for (let i = 0; i < 6; i++) seen.add((await c.get('/whoami')).instance!);
        assert.deepEqual([...seen].sort(), ['i1', 'i2', 'i3']);

        await cluster.supervisor.kill('i1');
        await cluster.supervisor.drain('i2');
        // The drain waited for the reload, so nothing is sent to i2 from here on; i1 is gone
        // from the config once the reload its death started is done.
        await new Promise((r) => setTimeout(r, 300));
        for (let i = 0; i < 6; i++) {
          const r = await c.get('/whoami');
          assert.equal(r.status, 200);
          assert.equal(r.instance, 'i3');
        }
        await cluster.supervisor.restart('i1');
        await new Promise((r) => setTimeout(r, 300));
        const back = new Set<string>();
        for (let i = 0; i < 6; i++) back.add((await c.get('/whoami')).instance!);
        assert.ok(back.has('i1'), `i1 is served again (${[...back].join(', ')})`);
      } finally {
        await cluster.stop();
      }
    });
  });
}
