import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type IpcHub, ipcHub } from 'statecraft/bus/ipc';
import { WebSocket } from 'ws';
import { type InstanceSettings, instanceEnvironment } from '../../src/app/env.js';
import type { CartItem } from '../../src/app/shop.js';
import { Client, eventually, repoRoot, sourceExecArgv } from './helpers.js';

const MAIN = resolve(import.meta.dirname, '../../src/app/main.ts');

interface Forked {
  child: ChildProcess;
  port: number;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

const children = new Set<ChildProcess>();

/** Forks main.ts with the instance environment; resolves once it reports where it listens. */
async function forkMain(settings: Omit<InstanceSettings, 'port'>, hub?: IpcHub): Promise<Forked> {
  const child = fork(MAIN, [], {
    cwd: repoRoot,
    execArgv: sourceExecArgv,
    env: { ...process.env, NODE_OPTIONS: '', ...instanceEnvironment({ port: 0, ...settings }) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      r({ code, signal });
    }),
  );
  hub?.attach(child);
  const port = await new Promise<number>((resolvePort, reject) => {
    child.on('message', (m: { type?: string; port?: number }) => {
      if (m?.type === 'listening') resolvePort(m.port!);
    });
    exited.then(({ code }) => reject(new Error(`main.ts exited with ${code}: ${err}`)));
  });
  return { child, port, url: `http://127.0.0.1:${port}`, stdout: () => out, stderr: () => err, exited };
}

/** Asks for the instance's figures the way the supervisor does. */
async function stats(child: ChildProcess): Promise<Record<string, unknown>> {
  const reply = new Promise<Record<string, unknown>>((r) => {
    const on = (m: Record<string, unknown>) => {
      if (m?.type !== 'stats') return;
      child.off('message', on);
      r(m);
    };
    child.on('message', on);
  });
  child.send({ type: 'stats?' });
  return reply;
}

/** A raw HTTP/1.1 connection, to hold a request half-sent. */
async function raw(port: number): Promise<{ socket: Socket; text: () => string; ended: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (d) => {
    text += d;
  });
  const ended = new Promise<void>((r) => socket.once('close', () => r()));
  socket.on('error', () => {});
  return { socket, text: () => text, ended };
}

after(() => {
  for (const c of children) c.kill('SIGKILL');
});

describe('main.ts as an instance process', () => {
  let dir: string;
  const secret = randomBytes(32).toString('hex');
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'statecraft-main-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('prints one line at start (mode, port, store kind) and never the secret or a path', async () => {
    const store = `sqlite:${join(dir, 'line.db')}`;
    const app = await forkMain({ instanceId: 'i7', mode: 'hybrid', store, secret });
    const lines = app.stdout().trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, new RegExp(`i7: mode hybrid, port ${app.port}, store sqlite, bus none`));
    assert.ok(!app.stdout().includes(secret) && !app.stderr().includes(secret));
    assert.ok(!app.stdout().includes(dir));
    app.child.kill('SIGTERM');
    assert.equal((await app.exited).code, 0);
  });

  test('a bad environment stops it with exit code 2, naming the variable without its value', async () => {
    const child = fork(MAIN, [], {
      cwd: repoRoot,
      execArgv: sourceExecArgv,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        PORT: '0',
        STATECRAFT_MODE: 'stateless',
        STATECRAFT_SECRET: 'not-hex-but-secret-words',
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
    });
    const [code] = await once(child, 'exit');
    assert.equal(code, 2);
    assert.match(err, /STATECRAFT_SECRET/);
    assert.ok(!err.includes('secret-words'));
  });

  test('answers stats? with rss, requests and, in sticky, the sessions it holds', async () => {
    const sticky = await forkMain({ instanceId: 'i1', mode: 'sticky' });
    const shared = await forkMain({
      instanceId: 'i2',
      mode: 'shared',
      store: `sqlite:${join(dir, 'stats.db')}`,
    });
    try {
      for (const user of ['ann', 'bob', 'cy']) await new Client(sticky.url).login(user);
      await new Client(shared.url).login('ann');
      const s1 = await stats(sticky.child);
      assert.equal(s1.sessions, 3);
      assert.equal(s1.requests, 3);
      assert.ok((s1.rss as number) > 10_000_000);
      const s2 = await stats(shared.child);
      assert.equal(s2.sessions, null);
      assert.equal(s2.requests, 1);
    } finally {
      sticky.child.kill('SIGTERM');
      shared.child.kill('SIGTERM');
      await Promise.all([sticky.exited, shared.exited]);
    }
  });

  test('two hybrid instances on the IPC bus share chat lines and revocations', async () => {
    const hub = ipcHub();
    const store = `sqlite:${join(dir, 'hybrid.db')}`;
    const a = await forkMain({ instanceId: 'i1', mode: 'hybrid', store, bus: 'ipc', secret }, hub);
    const b = await forkMain({ instanceId: 'i2', mode: 'hybrid', store, bus: 'ipc', secret }, hub);
    try {
      const ann = await new Client(a.url).login('ann');
      // The token minted on a is honoured by b: same secret, same derived key.
      const onB = new Client(b.url);
      onB.cookie = ann.cookie;
      assert.equal((await onB.call('GET', '/me')).status, 200);

      const bob = await new Client(b.url).login('bob');
      const wsA = new WebSocket(`ws://127.0.0.1:${a.port}/chat`, { headers: { cookie: ann.cookie } });
      const wsB = new WebSocket(`ws://127.0.0.1:${b.port}/chat`, { headers: { cookie: bob.cookie } });
      const got: unknown[] = [];
      wsB.on('message', (d) => got.push(JSON.parse(String(d))));
      const closedA = new Promise<number>((r) => wsA.once('close', (c) => r(c)));
      await Promise.all([once(wsA, 'open'), once(wsB, 'open')]);
      wsA.send(JSON.stringify({ text: 'over ipc' }));
      await eventually(() => got.length > 0, 5000, 'the line on b');
      assert.deepEqual(got[0], { from: 'ann', text: 'over ipc', instance: 'i1' });

      // Log ann out everywhere from b (another session of hers): a refuses her token at once
      // and closes her socket.
      const annOnB = await new Client(b.url).login('ann');
      assert.equal((await annOnB.call('POST', '/logout-everywhere')).status, 200);
      assert.equal(await closedA, 4001);
      const replay = new Client(a.url);
      replay.cookie = ann.cookie;
      assert.equal((await replay.call('GET', '/me')).status, 401);
      wsB.close();
    } finally {
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
      await hub.close();
    }
  });

  test('SIGTERM drains: readiness 503 at once, in-flight requests complete, idle connections close, exit 0', async () => {
    const store = `sqlite:${join(dir, 'drain.db')}`;
    const app = await forkMain({ instanceId: 'i1', mode: 'shared', store, drainMs: 8000 });
    const user = await new Client(app.url).login('dora');

    // An idle keep-alive connection, after one complete exchange.
    const idle = await raw(app.port);
    idle.socket.write('GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n');
    await eventually(() => idle.text().includes('"ok":true'), 5000, 'the health answer');

    // Ten cart additions in flight: headers and half of each body sent.
    const IN_FLIGHT = 10;
    const uploads = Array.from({ length: IN_FLIGHT }, (_, k) => {
      const body = JSON.stringify({ sku: `drain-${k}`, qty: 1 });
      const req = request(`${app.url}/cart/items`, {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          cookie: user.cookie,
        },
      });
      const answered = new Promise<{ status: number; connection: string | undefined; body: string }>(
        (r, reject) => {
          req.on('response', (res) => {
            let text = '';
            res.on('data', (d) => {
              text += d;
            });
            res.on('end', () =>
              r({ status: res.statusCode!, connection: res.headers.connection, body: text }),
            );
          });
          req.on('error', reject);
        },
      );
      req.write(body.slice(0, 10));
      return { req, rest: body.slice(10), answered };
    });
    // A readiness probe whose request line is in, its headers not finished.
    const probe = await raw(app.port);
    probe.socket.write('GET /readyz HTTP/1.1\r\nHost: t\r\n');
    await sleep(300); // let the server take every request in

    const t0 = Date.now();
    app.child.kill('SIGTERM');
    await idle.ended;
    assert.ok(Date.now() - t0 < 2000, 'closed by the drain, not by its idle timeout (5 s)');
    await assert.rejects(fetch(`${app.url}/healthz`), 'no new connection is accepted');

    probe.socket.write('\r\n');
    await probe.ended;
    assert.match(probe.text(), /^HTTP\/1\.1 503 /);
    assert.match(probe.text(), /connection: close/i);
    assert.match(probe.text(), /"code":"DRAINING"/);

    for (const u of uploads) u.req.end(u.rest);
    const answers = await Promise.all(uploads.map((u) => u.answered));
    for (const a of answers) {
      assert.equal(a.status, 200, a.body);
      assert.equal(a.connection, 'close');
    }
    const { code } = await app.exited;
    assert.equal(code, 0);

    // What was acknowledged is in the store: a new instance over the same file sees it.
    const next = await forkMain({ instanceId: 'i2', mode: 'shared', store });
    try {
      const cart = await new Client(next.url).call<{ items: CartItem[] }>('GET', '/cart', {
        headers: { cookie: user.cookie },
      });
      assert.equal(cart.status, 200);
      assert.equal(cart.body.items.filter((i) => i.sku.startsWith('drain-')).length, IN_FLIGHT);
    } finally {
      next.child.kill('SIGTERM');
      await next.exited;
    }
  });

  test('the instance leaves by itself when its supervisor goes away', async () => {
    const app = await forkMain({ instanceId: 'i1', mode: 'stateless', secret });
    app.child.disconnect();
    const { code } = await app.exited;
    assert.equal(code, 0);
  });
});
