/**
 * Graceful shutdown of a reference app instance (src/app/main.ts) under a steady load, the way a
 * cluster stops one: twenty clients log in and read their session through the built-in balancer, each on a
 * new connection, while the supervisor drains instance i1 (out of the balancer, then SIGTERM).
 * Requests already in flight on i1 (five of them held half-sent on its own port) complete,
 * readiness fails at once, the process exits with 0 before its drain deadline, and no client
 * request fails.
 *
 * Clients that connect to an instance directly while its listener closes can have their
 * connection reset by the kernel (it was queued, never accepted by the process); that is why
 * the instance leaves the balancer before it gets SIGTERM (docs/SECURITY.md).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Cluster, startCluster } from '../../src/cluster/cluster.js';
import { Client } from '../app/helpers.js';

const CLIENTS = 20;
const HELD = 5;
const DRAIN_MS = 8000;

let started: Cluster | null = null;
// A test that failed or timed out half-way still leaves no instance behind.
after(() => started?.stop());

type Outcome = { status: number; instance: string | undefined } | { error: string };

/**
 * One request on a connection of its own: a POST of `json`, or a GET without it. `hold` sends
 * the headers and the body's first bytes only; `finish()` sends the rest.
 */
function send(port: number, path: string, cookie: string, json?: unknown, hold = false) {
  const body = json === undefined ? '' : JSON.stringify(json);
  const req = request({
    host: '127.0.0.1',
    port,
    path,
    method: json === undefined ? 'GET' : 'POST',
    agent: false,
    headers: {
      ...(json === undefined
        ? {}
        : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
      cookie,
    },
  });
  const outcome = new Promise<Outcome>((done) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', () =>
        done({ status: res.statusCode!, instance: res.headers['x-instance-id'] as string }),
      );
      res.on('error', (e: NodeJS.ErrnoException) => done({ error: e.code ?? e.message }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => done({ error: e.code ?? e.message }));
  });
  if (hold) req.write(body.slice(0, 8));
  else req.end(body);
  return { outcome, finish: () => req.end(body.slice(8)) };
}

test('SIGTERM under load: readiness fails at once, in-flight requests complete, exit 0 before the deadline, no request dropped', {
  timeout: 90_000,
}, async () => {
  const cluster = await startCluster({
    mode: 'shared',
    instances: 2,
    adminPort: false,
    env: { STATECRAFT_DRAIN_MS: String(DRAIN_MS) },
  });
  started = cluster;
  try {
    const lb = new URL(cluster.url);
    const user = await new Client(cluster.url).login('reader');
    const buyer = await new Client(cluster.url).login('buyer');
    const i1 = cluster.supervisor.snapshot().find((i) => i.id === 'i1')!;
    const exit = new Promise<{ code: number | null; at: number }>((resolve) =>
      cluster.onEvent((e) => {
        if (e.source === 'supervisor' && e.type === 'exit' && e.id === 'i1')
          resolve({ code: e.code, at: e.at });
      }),
    );

    const outcomes: Outcome[] = [];
    let running = true;
    const load = Array.from({ length: CLIENTS }, async (_, c) => {
      // Logins (a store write each) and reads of a session, in turn.
      for (let n = 0; running; n++) {
        const r =
          n % 2
            ? send(Number(lb.port), '/me', user.cookie)
            : send(Number(lb.port), '/login', '', { user: `c${c}` });
        outcomes.push(await r.outcome);
      }
    });
    await sleep(1000);

    // In flight on i1 itself when it is told to stop: held half-sent, finished during the drain.
    const held = Array.from({ length: HELD }, (_, k) =>
      send(i1.port, '/cart/items', buyer.cookie, { sku: `held-${k}`, qty: 1 }, true),
    );
    // A readiness probe half-sent to i1 (an idle connection would be closed by the drain).
    const probe = connect(i1.port, '127.0.0.1');
    await once(probe, 'connect');
    const probeClosed = once(probe, 'close');
    let probeText = '';
    probe.on('data', (d) => {
      probeText += d;
    });
    probe.write('GET /readyz HTTP/1.1\r\nHost: t\r\n');
    await sleep(200);

    const before = outcomes.length;
    const t0 = Date.now();
    const drained = cluster.supervisor.drain('i1');
    await sleep(300);
    probe.write('\r\n');
    for (const h of held) h.finish();
    const heldOutcomes = await Promise.all(held.map((h) => h.outcome));
    const cart = await buyer.call<{ items: { sku: string }[] }>('GET', '/cart');
    await probeClosed;
    await drained;
    const { code, at } = await exit;
    await sleep(500);
    running = false;
    await Promise.all(load);

    const failed = outcomes.filter((o) => !('status' in o) || o.status !== 200);
    const fromI1 = outcomes.slice(before).filter((o) => 'instance' in o && o.instance === 'i1').length;
    console.log(
      `shutdown: ${outcomes.length} requests through the balancer (${before} before the drain, ${fromI1} answered by i1 after it began), ${failed.length} failed; ${HELD} held requests: ${heldOutcomes.map((o) => ('status' in o ? o.status : o.error)).join(',')}; i1 exit ${code} after ${at - t0} ms (deadline ${DRAIN_MS} ms)`,
    );
    assert.match(probeText, /^HTTP\/1\.1 503 /);
    assert.match(probeText, /"code":"DRAINING"/);
    assert.deepEqual(
      heldOutcomes.map((o) => ('status' in o ? o.status : o.error)),
      Array(HELD).fill(200),
    );
    assert.equal(cart.body.items.length, HELD, 'what the held requests wrote is in the store');
    assert.ok(before > 0 && outcomes.length > before, 'load ran before and after the drain');
    assert.deepEqual(failed, []);
    assert.equal(code, 0);
    assert.ok(at - t0 < DRAIN_MS, `exited after ${at - t0} ms`);
  } finally {
    started = null;
    await cluster.stop();
  }
});
