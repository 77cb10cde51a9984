/**
 * The built-in balancer in front of real instances (the fixture app under the supervisor):
 * policies on the wire, health checks, retries, WebSockets, limits and counters. One set of
 * three instances serves the whole file; a test that kills one starts it again.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { type Balancer, type BalancerOptions, startBalancer } from '../../src/cluster/balancer/index.js';
import type { Policy } from '../../src/cluster/balancer/policies/index.js';
import { freePort } from '../../src/cluster/ports.js';
import { type Supervisor, startSupervisor } from '../../src/cluster/supervisor.js';
import { Client, fixtureCommand, nextEvent, waitFor } from './helpers.js';

let sup: Supervisor;
const open: Balancer[] = [];
const servers: Server[] = [];

async function balancer(o: BalancerOptions = {}): Promise<Balancer> {
  const lb = await startBalancer({ backends: sup.ready(), ...o });
  open.push(lb);
  return lb;
}

/** Always the first healthy backend: makes a test's first attempt land where it wants. */
const firstPick: Policy = { name: 'round-robin', pick: (_input, pool) => pool[0] };

/** An instance that reads a request and drops the connection without answering. */
async function droppingBackend(): Promise<{ port: number; received: () => number }> {
  let received = 0;
  const server = createServer((socket) => {
    socket.once('data', () => {
      received++;
      socket.destroy();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, received: () => received };
}

const port = (id: string) => sup.ready().find((b) => b.id === id)!.port;

before(async () => {
  sup = await startSupervisor({ command: fixtureCommand, instances: 3 });
});

after(async () => {
  for (const lb of open) await lb.close();
  for (const s of servers) s.close();
  await sup.stop();
});

describe('the built-in balancer', () => {
  it('spreads requests round-robin and tells instances who the client is', async () => {
    const lb = await balancer();
    const c = new Client(lb.url);
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await c.post('/echo', { n: i }, { 'x-forwarded-for': '203.0.113.9' });
      assert.equal(r.status, 200);
      seen.push(r.instance!);
      const headers = (r.body as { headers: Record<string, string> }).headers;
      assert.equal(headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
      assert.equal(headers['x-forwarded-proto'], 'http');
      assert.equal(headers['x-forwarded-host'], new URL(lb.url).host);
      assert.equal((r.body as { body: string }).body, JSON.stringify({ n: i }));
    }
    assert.deepEqual([...new Set(seen)].sort(), ['i1', 'i2', 'i3']);
    assert.deepEqual(seen.slice(0, 3), seen.slice(3));
  });

  it('keeps a client on its instance with the sc_lb cookie and moves it, re-setting the cookie, when the instance dies', async () => {
    const lb = await balancer({ policy: 'sticky-cookie' });
    const c = new Client(lb.url);
    const first = await c.get('/count');
    const home = first.instance!;
    assert.equal(c.jar.get('sc_lb'), home);
    for (let i = 2; i <= 5; i++) {
      const r = await c.get('/count');
      assert.equal(r.instance, home);
      assert.equal((r.body as { count: number }).count, (first.body as { count: number }).count + i - 1);
      assert.equal(r.headers.getSetCookie().length, 0, 'the cookie is set once, not on every response');
    }
    await sup.kill(home);
    const moved = await c.get('/count');
    assert.equal(moved.status, 200);
    assert.notEqual(moved.instance, home);
    assert.equal(c.jar.get('sc_lb'), moved.instance, 'the affinity cookie now names the new instance');
    await sup.restart(home);
  });

  it('sends a request to the least busy instance with least-conn, and one session key to one instance with consistent-hash', async () => {
    const lc = await balancer({ policy: 'least-conn' });
    const c = new Client(lc.url);
    // Two slow requests keep two instances busy: every quick request goes to the third.
    const busy = [c.get('/slow?ms=600'), c.get('/slow?ms=600')];
    await waitFor(() => lc.counters().total.inFlight === 2, 2000, 'the slow requests to start');
    const idle = lc.backends().find((b) => b.inFlight === 0)!.id;
    for (let i = 0; i < 5; i++) assert.equal((await c.get('/whoami')).instance, idle);
    await Promise.all(busy);

    const ch = await balancer({ policy: 'consistent-hash' });
    const owners = new Map<string, Set<string>>();
    for (const sid of ['a', 'b', 'c', 'd', 'e', 'f']) {
      const client = new Client(ch.url);
      client.jar.set('sid', sid);
      const seen = new Set<string>();
      for (let i = 0; i < 3; i++) seen.add((await client.get('/whoami')).instance!);
      owners.set(sid, seen);
    }
    for (const [sid, seen] of owners)
      assert.equal(seen.size, 1, `session ${sid} went to ${[...seen].join(', ')}`);
  });

  it('ejects a killed instance within a second without any request, and takes it back once it is ready', async () => {
    const lb = await balancer();
    const ejected = nextEvent(lb, (e) => e.type === 'eject' && e.id === 'i2', 3000);
    const killedAt = Date.now();
    await sup.kill('i2');
    const e = await ejected;
    assert.ok(e.at - killedAt < 1000, `ejected after ${e.at - killedAt} ms`);
    assert.equal(lb.backends().find((b) => b.id === 'i2')!.healthy, false);
    const c = new Client(lb.url);
    for (let i = 0; i < 6; i++) assert.notEqual((await c.get('/whoami')).instance, 'i2');

    const restored = nextEvent(lb, (e) => e.type === 'restore' && e.id === 'i2', 5000);
    await sup.restart('i2');
    const readyAt = Date.now();
    const r = await restored;
    assert.ok(r.at - readyAt < 1000, `taken back ${r.at - readyAt} ms after it was ready`);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add((await c.get('/whoami')).instance!);
    assert.ok(seen.has('i2'));
  });

  it('retries an idempotent GET on another instance when its instance refuses the connection', async () => {
    const dead = await freePort();
    const lb = await balancer({
      health: false,
      policy: firstPick,
      backends: [{ id: 'gone', port: dead }, ...sup.ready()],
    });
    const c = new Client(lb.url);
    for (let i = 0; i < 5; i++) {
      const r = await c.get('/whoami');
      assert.equal(r.status, 200);
    }
    const counters = lb.counters().backends;
    assert.equal(counters.gone!.requests, 1, 'a refused connection ejects the instance at once');
    assert.equal(counters.gone!.retries, 1);
    assert.equal(counters.gone!.healthy, false);
  });

  it('retries even a POST when the connection was refused: the request never reached the instance', async () => {
    const dead = await freePort();
    const lb = await balancer({
      health: false,
      policy: firstPick,
      backends: [{ id: 'gone', port: dead }, ...sup.ready()],
    });
    const r = await new Client(lb.url).post('/echo', { order: 1 });
    assert.equal(r.status, 200);
    assert.equal((r.body as { body: string }).body, '{"order":1}');
  });

  it('does not retry a POST whose connection dropped after sending: 502, while GET, PUT and keyed POSTs are retried', async () => {
    const dropping = await droppingBackend();
    const backends = [{ id: 'flaky', port: dropping.port }, ...sup.ready()];
    const lb = await balancer({ health: false, policy: firstPick, backends });
    const c = new Client(lb.url);

    const post = await c.post('/echo', { pay: 1 });
    assert.equal(post.status, 502);
    assert.equal((post.body as { error: { code: string } }).error.code, 'BAD_GATEWAY');
    assert.equal(post.instance, null);

    assert.equal((await c.get('/whoami')).status, 200);
    assert.equal((await c.request('PUT', '/echo', { x: 1 })).status, 200);
    const keyed = await c.post('/echo', { pay: 2 }, { 'idempotency-key': 'order-2' });
    assert.equal(keyed.status, 200);
    assert.equal((keyed.body as { body: string }).body, '{"pay":2}', 'the retried request carries its body');

    assert.equal(dropping.received(), 4, 'every request reached the dropping instance first');
    const flaky = lb.counters().backends.flaky!;
    assert.equal(flaky.errors, 4);
    assert.equal(flaky.retries, 3);
    assert.equal(lb.counters().unrouted.badGateway, 1);
  });

  it('answers 503 NO_BACKEND when no instance is healthy, and 504 when the only one is too slow', async () => {
    const none = await balancer({ backends: [] });
    const r = await new Client(none.url).get('/whoami');
    assert.equal(r.status, 503);
    assert.equal((r.body as { error: { code: string } }).error.code, 'NO_BACKEND');
    assert.equal(r.headers.get('retry-after'), '1');

    const slow = await balancer({ backends: [{ id: 'i1', port: port('i1') }], responseTimeoutMs: 300 });
    const t = await new Client(slow.url).get('/slow?ms=2000');
    assert.equal(t.status, 504);
    assert.equal((t.body as { error: { code: string } }).error.code, 'GATEWAY_TIMEOUT');
  });

  it('proxies a WebSocket to the instance the policy picks, and counts it', async () => {
    const lb = await balancer({ policy: 'sticky-cookie' });
    const ws = new WebSocket(`${lb.url.replace('http', 'ws')}/ws`, { headers: { cookie: 'sc_lb=i3' } });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const replies: string[] = [];
    for (const m of ['one', 'two']) {
      const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
      ws.send(m);
      replies.push(await reply);
    }
    assert.deepEqual(replies, ['i3:one', 'i3:two']);
    assert.equal(lb.counters().backends.i3!.websockets, 1);
    ws.close();
    await waitFor(() => lb.counters().backends.i3!.websockets === 0, 2000, 'the socket to close');
    assert.equal(lb.counters().backends.i3!.websocketsTotal, 1);

    // A refused upgrade is relayed as the instance gave it.
    const refused = new WebSocket(`${lb.url.replace('http', 'ws')}/nowhere`);
    const status = await new Promise<number>((resolve) =>
      refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    assert.equal(status, 404);
  });

  it('bounds slow and oversized requests: 408 for headers too slow, 431 for headers too large, 413 for bodies', async () => {
    const lb = await balancer({ headersTimeoutMs: 300, requestTimeoutMs: 600, maxBodyBytes: 1024 });
    const { port: lbPort } = lb;
    // Slowloris: the headers never end. The balancer must not hold the connection for long.
    const started = Date.now();
    const answer = await new Promise<string>((resolve) => {
      const s = connect(lbPort, '127.0.0.1', () => s.write('GET /whoami HTTP/1.1\r\nHost: x\r\nX-a: 1\r\n'));
      let text = '';
      s.on('data', (d) => {
        text += d.toString();
      });
      s.on('close', () => resolve(text));
      s.on('error', () => {});
    });
    assert.match(answer, /^HTTP\/1\.1 408/);
    assert.ok(Date.now() - started < 3000, `held for ${Date.now() - started} ms`);

    const big = await fetch(`${lb.url}/whoami`, { headers: { 'x-big': 'a'.repeat(20_000) } });
    assert.equal(big.status, 431);
    const body = await fetch(`${lb.url}/echo`, { method: 'POST', body: 'b'.repeat(5000) });
    assert.equal(body.status, 413);
    assert.equal(((await body.json()) as { error: { code: string } }).error.code, 'BODY_TOO_LARGE');
  });

  it('lets a request in flight on a removed instance finish, and sends that instance nothing new', async () => {
    const lb = await balancer({ policy: 'sticky-cookie' });
    const pinned = new Client(lb.url);
    pinned.jar.set('sc_lb', 'i1');
    const slow = pinned.get('/slow?ms=400');
    await waitFor(() => lb.counters().backends.i1!.inFlight === 1, 2000, 'the slow request to start');
    lb.setBackends(sup.ready().filter((b) => b.id !== 'i1'));
    const r = await slow;
    assert.equal(r.status, 200);
    assert.equal(r.instance, 'i1');
    for (let i = 0; i < 4; i++) assert.notEqual((await pinned.get('/whoami')).instance, 'i1');
    assert.equal(lb.counters().backends.i1!.present, false);
  });

  it('counts requests, statuses and bytes per instance, and starts again from zero on reset', async () => {
    const lb = await balancer({ backends: [{ id: 'i1', port: port('i1') }] });
    const c = new Client(lb.url);
    await c.get('/whoami');
    await c.get('/nope');
    await c.post('/echo', 'x'.repeat(100));
    const i1 = lb.counters().backends.i1!;
    assert.equal(i1.requests, 3);
    assert.equal(i1.status['2xx'], 2);
    assert.equal(i1.status['4xx'], 1);
    assert.equal(i1.inFlight, 0);
    assert.ok(i1.bytesIn > 100 + 3 * 40, `bytesIn ${i1.bytesIn}`);
    assert.ok(i1.bytesOut > 3 * 60, `bytesOut ${i1.bytesOut}`);
    assert.equal(lb.counters().total.requests, 3);
    lb.resetCounters();
    assert.equal(lb.counters().backends.i1!.requests, 0);
    assert.equal(lb.counters().total.bytesOut, 0);
  });

  it('cuts the client off when its instance dies in the middle of a response', async () => {
    // An instance that starts a chunked response, then dies.
    const half = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 50);
    });
    await new Promise<void>((r) => half.listen(0, '127.0.0.1', () => r()));
    const halfPort = (half.address() as { port: number }).port;
    const lb = await balancer({ health: false, backends: [{ id: 'half', port: halfPort }] });
    const r = await fetch(`${lb.url}/`);
    assert.equal(r.status, 200);
    await assert.rejects(r.text());
    half.close();
    assert.equal(lb.counters().backends.half!.errors, 1);
  });
});
