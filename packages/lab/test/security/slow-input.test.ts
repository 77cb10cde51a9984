/**
 * Oversized and slow input to the two servers a client reaches: the built-in balancer and the
 * reference app (in stateless mode, so no store is involved). Each gets the same attacks over raw
 * TCP: a request head over the limit (431), a body over the limit declared or streamed (413, and
 * nothing buffered past the limit), headers trickled byte by byte (slowloris: closed after the
 * headers timeout), a body trickled (closed after the request timeout), and 200 slowloris
 * connections at once (memory stays bounded, a normal request is served meanwhile, and every
 * one is closed by the server). After each attack the server answers a normal request.
 *
 * The timeouts are shortened here (1 s for headers, 2 s per request) so the file runs in
 * seconds; the test of the app's defaults checks what production gets.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSessions } from 'statecraft';
import { createApp } from '../../src/app/app.js';
import { modeStrategy } from '../../src/app/modes.js';
import { startBalancer } from '../../src/cluster/balancer/index.js';

const HEADERS_MS = 1000;
const REQUEST_MS = 2000;
const SLOW_CONNECTIONS = 200;
const MB = 1024 * 1024;

interface Target {
  name: string;
  port: number;
  /** A path that answers 200 to GET. */
  ok: string;
  /** A path that takes a POST body. */
  post: string;
  /** The body limit. */
  maxBody: number;
  close(): Promise<void>;
}

/** A raw connection: what it received, and when the server closed it. */
async function raw(port: number): Promise<{ socket: Socket; text: () => string; closed: Promise<number> }> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise<void>((r) => socket.once('connect', () => r()));
  let text = '';
  socket.on('data', (d) => {
    text += d.toString('latin1');
  });
  const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now())));
  return { socket, text: () => text, closed };
}

async function normalRequest(t: Target): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${t.port}${t.ok}`);
  await r.arrayBuffer();
  return r.status;
}

async function balancerTarget(): Promise<Target> {
  const backend: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
  const lb = await startBalancer({
    backends: [{ id: 'b1', port: (backend.address() as AddressInfo).port }],
    health: false,
    headersTimeoutMs: HEADERS_MS,
    requestTimeoutMs: REQUEST_MS,
  });
  return {
    name: 'the built-in balancer',
    port: lb.port,
    ok: '/',
    post: '/',
    maxBody: 8 * MB,
    async close() {
      await lb.close();
      backend.closeAllConnections();
      await new Promise((r) => backend.close(r));
    },
  };
}

async function appTarget(): Promise<Target> {
  const sessions = createSessions(modeStrategy('stateless', { secret: randomBytes(32) }));
  const server = createApp({
    mode: 'stateless',
    sessions: sessions as never,
    instanceId: 'i1',
    headersTimeoutMs: HEADERS_MS,
    requestTimeoutMs: REQUEST_MS,
    log: () => {},
  });
  await server.app.ready();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    name: 'the reference app',
    port: (server.address() as AddressInfo).port,
    ok: '/healthz',
    post: '/login',
    maxBody: 16 * 1024,
    async close() {
      await server.app.close();
      await sessions.close();
    },
  };
}

test('the reference app bounds slow clients by default: 10 s for headers, 30 s per request, 16 KiB heads', async () => {
  const sessions = createSessions(modeStrategy('stateless', { secret: randomBytes(32) }));
  const server = createApp({ mode: 'stateless', sessions: sessions as never, instanceId: 'i1' });
  assert.equal(server.headersTimeout, 10_000);
  assert.equal(server.requestTimeout, 30_000);
  // Set by node:http from the options, not in its types.
  assert.equal((server as unknown as { maxHeaderSize: number }).maxHeaderSize, 16 * 1024);
  await server.app.close();
  await sessions.close();
});

for (const make of [balancerTarget, appTarget]) {
  describe(`oversized and slow input to ${make === balancerTarget ? 'the built-in balancer' : 'the reference app'}`, () => {
    let t: Target;
    before(async () => {
      t = await make();
    });
    after(() => t.close());

    test('a request head over 16 KiB is answered 431 and the server serves on', async () => {
      const c = await raw(t.port);
      c.socket.write(`GET ${t.ok} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
      await c.closed;
      assert.match(c.text(), /^HTTP\/1\.1 431 /);
      assert.equal(await normalRequest(t), 200);
    });

    test('a body over the limit is refused with 413, declared or streamed, without buffering it', async () => {
      const declared = await raw(t.port);
      declared.socket.write(
        `POST ${t.post} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${100 * MB}\r\n\r\n`,
      );
      await Promise.race([declared.closed, sleep(3000)]);
      assert.match(declared.text(), /^HTTP\/1\.1 413 /);
      declared.socket.destroy();

      const rss = process.memoryUsage.rss();
      const streamed = await raw(t.port);
      streamed.socket.write(
        `POST ${t.post} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
      );
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const frame = Buffer.concat([
        Buffer.from(`${chunk.length.toString(16)}\r\n`),
        chunk,
        Buffer.from('\r\n'),
      ]);
      // Up to three times the limit (at least 24 MiB), or until the server answers or hangs up.
      let sent = 0;
      const cap = Math.max(3 * t.maxBody, 24 * MB);
      while (sent < cap && !streamed.socket.destroyed && streamed.text() === '') {
        if (!streamed.socket.write(frame))
          await Promise.race([new Promise((r) => streamed.socket.once('drain', r)), sleep(200)]);
        sent += chunk.length;
      }
      await Promise.race([streamed.closed, sleep(3000)]);
      streamed.socket.destroy();
      const grew = process.memoryUsage.rss() - rss;
      console.log(
        `${t.name}: streamed ${(sent / MB).toFixed(1)} MiB, answered ${JSON.stringify(streamed.text().split('\r\n')[0])}, RSS +${(grew / MB).toFixed(1)} MiB`,
      );
      assert.match(streamed.text(), /^HTTP\/1\.1 413 /);
      assert.ok(grew < t.maxBody + 32 * MB, `RSS grew by ${grew} bytes`);
      assert.equal(await normalRequest(t), 200);
    });

    test('headers trickled a byte at a time (slowloris) are cut off after the headers timeout', async () => {
      const c = await raw(t.port);
      const t0 = Date.now();
      c.socket.write(`GET ${t.ok} HTTP/1.1\r\nHost: x\r\n`);
      const drip = setInterval(() => c.socket.write('X'), 100);
      const closedAt = await Promise.race([c.closed, sleep(HEADERS_MS + 4000).then(() => 0)]);
      clearInterval(drip);
      c.socket.destroy();
      assert.ok(closedAt > 0, 'the server never closed the connection');
      const held = closedAt - t0;
      assert.ok(held >= HEADERS_MS * 0.9 && held < HEADERS_MS + 3000, `held for ${held} ms`);
      assert.match(c.text(), /^(HTTP\/1\.1 408 |$)/);
      assert.equal(await normalRequest(t), 200);
    });

    test('a body trickled a byte at a time is cut off after the request timeout', async () => {
      const c = await raw(t.port);
      const t0 = Date.now();
      c.socket.write(
        `POST ${t.post} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`,
      );
      const drip = setInterval(() => c.socket.write(' '), 100);
      const closedAt = await Promise.race([c.closed, sleep(REQUEST_MS + 4000).then(() => 0)]);
      clearInterval(drip);
      c.socket.destroy();
      assert.ok(closedAt > 0, 'the server never closed the connection');
      assert.ok(closedAt - t0 < REQUEST_MS + 3000, `held for ${closedAt - t0} ms`);
      assert.equal(await normalRequest(t), 200);
    });

    test(`${SLOW_CONNECTIONS} slowloris connections at once: bounded memory, normal requests served, every one closed by the server`, async () => {
      const rss = process.memoryUsage.rss();
      const conns = await Promise.all(Array.from({ length: SLOW_CONNECTIONS }, () => raw(t.port)));
      // Each sends 8 KiB of header lines, then a byte every 200 ms.
      for (const c of conns)
        c.socket.write(`GET ${t.ok} HTTP/1.1\r\nHost: x\r\nX-Pad: ${'p'.repeat(8 * 1024)}\r\n`);
      const drip = setInterval(() => {
        for (const c of conns) if (!c.socket.destroyed) c.socket.write('Y');
      }, 200);
      try {
        await sleep(HEADERS_MS / 2);
        const during = await normalRequest(t);
        const grew = process.memoryUsage.rss() - rss;
        const closed = await Promise.race([
          Promise.all(conns.map((c) => c.closed)).then(() => true),
          sleep(HEADERS_MS + 5000).then(() => false),
        ]);
        const open = conns.filter((c) => !c.socket.destroyed).length;
        console.log(
          `${t.name}: ${SLOW_CONNECTIONS} slow connections, RSS +${(grew / MB).toFixed(1)} MiB while open, ${open} left open after the timeout`,
        );
        assert.equal(during, 200, 'a normal request is served while the slow connections are open');
        assert.ok(grew < 48 * MB, `RSS grew by ${(grew / MB).toFixed(1)} MiB`);
        assert.ok(closed, `${open} connections were still open`);
      } finally {
        clearInterval(drip);
        for (const c of conns) c.socket.destroy();
      }
      assert.equal(await normalRequest(t), 200);
    });
  });
}
