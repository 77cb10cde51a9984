import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createSessions } from 'statecraft';
import { memoryStore } from 'statecraft/stores/memory';
import { WebSocket } from 'ws';
import { createApp } from '../../src/app/app.js';
import type { ChatLine } from '../../src/app/chat.js';
import { type Mode, modeStrategy } from '../../src/app/modes.js';
import type { ShopData } from '../../src/app/shop.js';
import { Client, eventually, type ModeFixture, modeFixture, type RunningApp } from './helpers.js';

/** A chat socket that records what it receives. */
interface Peer {
  ws: WebSocket;
  lines: unknown[];
  /** Resolves with the close code. */
  closed: Promise<number>;
  next(match: (m: unknown) => boolean, ms?: number): Promise<unknown>;
}

async function connect(app: RunningApp, client: Client): Promise<Peer> {
  const ws = new WebSocket(`ws://127.0.0.1:${app.port}/chat`, { headers: { cookie: client.cookie } });
  const lines: unknown[] = [];
  ws.on('message', (d) => lines.push(JSON.parse(String(d))));
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  await once(ws, 'open');
  return {
    ws,
    lines,
    closed,
    async next(match, ms = 5000) {
      await eventually(() => lines.some(match), ms, 'a chat message');
      return lines.find(match);
    },
  };
}

/** The HTTP status an upgrade was refused with. */
async function refusal(app: RunningApp, cookie: string): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${app.port}/chat`, { headers: cookie ? { cookie } : {} });
  ws.on('error', () => {});
  const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
  ws.terminate();
  return res.statusCode;
}

const isLine = (text: string) => (m: unknown) => (m as ChatLine).text === text;

for (const mode of ['shared', 'hybrid', 'stateless', 'sticky'] as const satisfies readonly Mode[]) {
  describe(`chat across two instances in ${mode} mode`, () => {
    let fx: ModeFixture;
    let a: RunningApp;
    let b: RunningApp;
    before(async () => {
      fx = modeFixture(mode);
      a = await fx.start('i1');
      b = await fx.start('i2');
    });
    after(() => fx.close());

    test('a line sent on one instance reaches the users of both, marked with its sender and instance', async () => {
      const ann = await new Client(a.url).login('ann');
      const bob = await new Client(b.url).login('bob');
      const pa = await connect(a, ann);
      const pb = await connect(b, bob);
      pa.ws.send(JSON.stringify({ text: 'hello from a' }));
      const expected: ChatLine = { from: 'ann', text: 'hello from a', instance: 'i1' };
      assert.deepEqual(await pb.next(isLine('hello from a')), expected);
      assert.deepEqual(await pa.next(isLine('hello from a')), expected, 'the sender receives it too');
      pb.ws.send(JSON.stringify({ text: 'hi from b' }));
      assert.deepEqual(await pa.next(isLine('hi from b')), {
        from: 'bob',
        text: 'hi from b',
        instance: 'i2',
      });
      pa.ws.close();
      pb.ws.close();
    });

    test('an upgrade without an authenticated session is refused with 401', async () => {
      assert.equal(await refusal(a, ''), 401);
      assert.equal(await refusal(a, 'sid=not-a-session'), 401);
    });

    test('a message that is not {text} is answered with an error code and not broadcast', async () => {
      const cy = await new Client(a.url).login('cy');
      const p = await connect(a, cy);
      p.ws.send('not json');
      assert.equal(
        ((await p.next((m) => 'error' in (m as object))) as { error: { code: string } }).error.code,
        'BAD_JSON',
      );
      p.lines.length = 0;
      p.ws.send(JSON.stringify({ text: '' }));
      p.ws.send(JSON.stringify({ text: 'x'.repeat(501) }));
      p.ws.send(JSON.stringify({ msg: 'hi' }));
      await eventually(() => p.lines.length === 3, 5000, 'three refusals');
      for (const m of p.lines) assert.equal((m as { error: { code: string } }).error.code, 'BAD_INPUT');
      // Lines arrive in order: had a refused message been published, it would be here first.
      p.ws.send(JSON.stringify({ text: 'valid' }));
      await p.next(isLine('valid'));
      assert.equal(p.lines.length, 4);
      p.ws.close();
    });

    test('logging out closes the chat socket of that session with 4001', async () => {
      const dee = await new Client(b.url).login('dee');
      const p = await connect(b, dee);
      await dee.call('POST', '/logout');
      assert.equal(await p.closed, 4001);
    });

    if (mode === 'shared' || mode === 'hybrid') {
      test('logging out everywhere on one instance closes the user’s sockets on the other', async () => {
        const onA = await new Client(a.url).login('eli');
        const onB = new Client(b.url);
        onB.cookie = (await new Client(a.url).login('eli')).cookie; // a second session, used on b
        const pa = await connect(a, onA);
        const pb = await connect(b, onB);
        const r = await onB.call('POST', '/logout-everywhere');
        assert.equal(r.status, 200);
        assert.equal(await pa.closed, 4001);
        assert.equal(await pb.closed, 4001);
      });
    }
  });
}

test('without a bus, chat reaches the sockets of its own instance', async () => {
  const store = memoryStore();
  const sessions = createSessions<ShopData>(modeStrategy('sticky', { store }));
  const server = createApp({ mode: 'sticky', sessions, instanceId: 'solo', log: () => {} });
  await server.app.ready();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const app = { port, url: `http://127.0.0.1:${port}` } as RunningApp;
  try {
    const ann = await connect(app, await new Client(app.url).login('ann'));
    const bob = await connect(app, await new Client(app.url).login('bob'));
    ann.ws.send(JSON.stringify({ text: 'alone' }));
    assert.deepEqual(await bob.next(isLine('alone')), { from: 'ann', text: 'alone', instance: 'solo' });
  } finally {
    await server.app.close();
    await sessions.close();
  }
});
