/**
 * The control API, on a cluster of the fixture app: every endpoint, the event stream, the
 * origin check, and the balancer following what the supervisor does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Cluster, startCluster } from '../../src/cluster/cluster.js';
import type { InstanceInfo } from '../../src/cluster/types.js';
import { Client, fixtureCommand, waitFor } from './helpers.js';

let cluster: Cluster;
const DASHBOARD = 'http://127.0.0.1:9999';

/** Server-Sent Events read from `GET /events`, parsed as they come. */
async function subscribe(
  url: string,
): Promise<{ events: Array<{ event: string; data: unknown }>; close(): void }> {
  const ac = new AbortController();
  const r = await fetch(`${url}/events`, { signal: ac.signal });
  assert.equal(r.headers.get('content-type'), 'text/event-stream');
  const events: Array<{ event: string; data: unknown }> = [];
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for await (const chunk of r.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  return { events, close: () => ac.abort() };
}

const admin = (path: string, init?: RequestInit) => fetch(`${cluster.adminUrl}${path}`, init);
const post = (path: string, headers: Record<string, string> = {}) => admin(path, { method: 'POST', headers });
const balancerIds = () =>
  cluster.balancer.engine === 'builtin' ? cluster.balancer.backends().map((b) => b.id) : [];

before(async () => {
  cluster = await startCluster({
    mode: 'shared',
    instances: 3,
    command: fixtureCommand,
    adminOrigins: [DASHBOARD],
  });
});

after(async () => {
  await cluster.stop();
});

describe('the control API', () => {
  it('lists the instances with their figures', async () => {
    const r = await admin('/instances');
    assert.equal(r.status, 200);
    const { instances } = (await r.json()) as { instances: InstanceInfo[] };
    assert.deepEqual(
      instances.map((i) => [i.id, i.state]),
      [
        ['i1', 'ready'],
        ['i2', 'ready'],
        ['i3', 'ready'],
      ],
    );
    for (const i of instances) assert.ok(i.pid !== null && i.rss !== null && i.requests !== null);
  });

  it('kills an instance, which leaves the balancer at once, and streams the events', async () => {
    const stream = await subscribe(cluster.adminUrl!);
    await waitFor(() => stream.events.length > 0, 2000, 'the snapshot');
    assert.equal(stream.events[0]!.event, 'snapshot');
    assert.equal((stream.events[0]!.data as { instances: InstanceInfo[] }).instances.length, 3);

    const r = await post('/instances/i2/kill');
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as InstanceInfo).state, 'dead');
    assert.deepEqual(balancerIds(), ['i1', 'i3']);
    await waitFor(
      () =>
        stream.events.some(
          (e) => e.event === 'supervisor.state' && (e.data as { id: string; state: string }).state === 'dead',
        ),
      2000,
      'the dead event',
    );
    assert.ok(stream.events.some((e) => e.event === 'supervisor.exit'));
    assert.ok(stream.events.some((e) => e.event === 'balancer.backends'));
    stream.close();
    const c = new Client(cluster.url);
    for (let i = 0; i < 4; i++) assert.notEqual((await c.get('/whoami')).instance, 'i2');
  });

  it('restarts an instance, which rejoins the balancer once ready', async () => {
    const r = await post('/instances/i2/restart');
    assert.equal(r.status, 200);
    const info = (await r.json()) as InstanceInfo;
    assert.equal(info.state, 'ready');
    assert.equal(info.restarts, 1);
    assert.deepEqual(balancerIds(), ['i1', 'i2', 'i3']);
  });

  it('drains an instance, taking it out of the balancer before it gets SIGTERM', async () => {
    const order: string[] = [];
    const off = cluster.onEvent((e) => {
      if (e.type === 'backends') order.push(`backends:${e.ids.join(',')}`);
      if (e.type === 'exit') order.push(`exit:${e.id}`);
    });
    const r = await post('/instances/i3/drain');
    off();
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as InstanceInfo).state, 'dead');
    assert.equal(order[0], 'backends:i1,i2');
    assert.ok(order.indexOf('exit:i3') > 0);
  });

  it('adds an instance with POST /instances', async () => {
    const r = await post('/instances');
    assert.equal(r.status, 201);
    const info = (await r.json()) as InstanceInfo;
    assert.equal(info.id, 'i4');
    assert.equal(info.state, 'ready');
    assert.deepEqual(balancerIds(), ['i1', 'i2', 'i4']);
  });

  it('serves the balancer’s per-instance counters', async () => {
    await new Client(cluster.url).get('/whoami');
    const r = await admin('/counters');
    assert.equal(r.status, 200);
    const body = (await r.json()) as {
      policy: string;
      backends: Record<string, { requests: number }>;
      total: { requests: number };
    };
    assert.equal(body.policy, 'round-robin');
    assert.ok(body.total.requests > 0);
    assert.ok('i1' in body.backends);
  });

  it('answers unknown instances, paths and methods with JSON errors', async () => {
    const unknown = await post('/instances/i42/kill');
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'UNKNOWN_INSTANCE');
    const path = await admin('/nope');
    assert.equal(path.status, 404);
    assert.equal(((await path.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
    const method = await admin('/instances/i1/kill');
    assert.equal(method.status, 405);
  });

  it('refuses a POST from a web page of another origin, and lets the dashboard’s origin in', async () => {
    const evil = await post('/instances/i1/kill', { origin: 'http://evil.example' });
    assert.equal(evil.status, 403);
    assert.equal(((await evil.json()) as { error: { code: string } }).error.code, 'ORIGIN_NOT_ALLOWED');
    assert.equal(cluster.supervisor.snapshot().find((i) => i.id === 'i1')!.state, 'ready');

    const list = await admin('/instances', { headers: { origin: DASHBOARD } });
    assert.equal(list.headers.get('access-control-allow-origin'), DASHBOARD);
    const other = await admin('/instances', { headers: { origin: 'http://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  it('hands out the mode’s environment without the secret', () => {
    assert.equal(cluster.env.STATECRAFT_MODE, 'shared');
    assert.equal(cluster.env.STATECRAFT_BUS, 'ipc');
    assert.match(cluster.env.STATECRAFT_STORE!, /^sqlite:.*sessions\.db$/);
    assert.equal('STATECRAFT_SECRET' in cluster.env, false);
  });
});

describe('startCluster', () => {
  it('refuses a policy that a real balancer cannot run, before starting anything', async () => {
    await assert.rejects(
      startCluster({ mode: 'sticky', balancer: 'nginx', policy: 'round-robin', command: fixtureCommand }),
      /policy round-robin needs the built-in balancer/,
    );
  });
});
