/**
 * The links of a cluster: the balancer reaches each instance through its own proxy, the
 * instances reach a Redis store through one, and the control API reads and changes them while
 * the cluster runs. A store the instances open from a file (SQLite) has no link to delay.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requireRedis } from '../../../statecraft/test/helpers/services.js';
import { type Cluster, startCluster } from '../../src/cluster/cluster.js';
import { NetLinkError } from '../../src/net/index.js';
import { fixtureCommand } from '../cluster/helpers.js';

async function timeGet(url: string, n = 9): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await fetch(url);
    await r.arrayBuffer();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

describe('instances link', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({
      mode: 'stateless',
      instances: 2,
      command: fixtureCommand,
      net: { instances: { rttMs: 30 } },
      adminOrigins: ['http://127.0.0.1:9999'],
    });
  });
  after(() => c?.stop());

  it('puts a proxy per instance between the balancer and the instances', async () => {
    const links = (await (await fetch(`${c.adminUrl}/net`)).json()) as {
      links: Array<{ name: string; oneWayMs: number; proxies: Record<string, { target: { port: number } }> }>;
    };
    assert.deepEqual(
      links.links.map((l) => l.name),
      ['instances'],
    );
    const link = links.links[0]!;
    assert.equal(link.oneWayMs, 15);
    assert.equal(c.net!.current().instances?.rttMs, 30, 'the live state says the same, synchronously');
    const ports = c.supervisor.ready().map((i) => i.port);
    assert.deepEqual(
      Object.values(link.proxies)
        .map((p) => p.target.port)
        .sort(),
      [...ports].sort(),
    );
    // Through the balancer a request pays the link's RTT; straight to an instance it does not.
    const via = await timeGet(`${c.url}/healthz`);
    const direct = await timeGet(`http://127.0.0.1:${ports[0]}/healthz`);
    assert.ok(via - direct >= 28, `through the link ${via.toFixed(1)} ms, direct ${direct.toFixed(1)} ms`);
  });

  it('changes the delay at run time through PUT /net/instances', async () => {
    const r = await fetch(`${c.adminUrl}/net/instances`, { method: 'PUT', body: '{"rttMs":0}' });
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as { oneWayMs: number }).oneWayMs, 0);
    const fast = await timeGet(`${c.url}/healthz`);
    const port = c.supervisor.ready()[0]!.port;
    const direct = await timeGet(`http://127.0.0.1:${port}/healthz`);
    assert.ok(
      fast - direct < 15,
      `with the delay lifted ${fast.toFixed(1)} ms, direct ${direct.toFixed(1)} ms`,
    );
  });

  it('refuses bad settings, unknown links and foreign origins', async () => {
    const bad = await fetch(`${c.adminUrl}/net/instances`, { method: 'PUT', body: '{"rttMs":-3}' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'NET_BAD_SETTINGS');
    const none = await fetch(`${c.adminUrl}/net/store`);
    assert.equal(none.status, 404);
    const big = await fetch(`${c.adminUrl}/net/instances`, { method: 'PUT', body: 'x'.repeat(10_000) });
    assert.equal(big.status, 413);
    const foreign = await fetch(`${c.adminUrl}/net/instances`, {
      method: 'PUT',
      body: '{"fault":"reset"}',
      headers: { origin: 'http://evil.example' },
    });
    assert.equal(foreign.status, 403);
  });
});

describe('store link', () => {
  it('sends the instances to a Redis store through the proxy', async () => {
    await requireRedis();
    const c = await startCluster({
      mode: 'shared',
      instances: 1,
      store: 'redis://127.0.0.1:6379',
      net: { store: { rttMs: 1 } },
    });
    try {
      const state = await c.net!.state('store');
      const port = state!.proxies.store!.listen;
      assert.equal(c.env.STATECRAFT_STORE, `redis://127.0.0.1:${port}`);
      const login = await fetch(`${c.url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'net-ann' }),
      });
      assert.equal(login.status, 200);
      const after = await c.net!.state('store');
      assert.ok(after!.proxies.store!.up.bytes > 0, 'store commands crossed the proxy');
      assert.ok((after!.proxies.store!.up.meanHeldMs ?? 0) >= 0.45);
    } finally {
      await c.stop();
    }
  });

  it('refuses a store link over SQLite, which has no network', async () => {
    await assert.rejects(
      startCluster({ mode: 'shared', instances: 1, net: { store: { rttMs: 1 } } }),
      (e: unknown) => e instanceof NetLinkError && e.code === 'NET_NO_STORE_LINK',
    );
  });
});
