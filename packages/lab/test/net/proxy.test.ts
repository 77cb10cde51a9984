/**
 * The fault proxy against a real echo server on loopback: each behaviour (delay, jitter,
 * bandwidth cap, reset, blackhole, a change at run time) measured from the client's side. The
 * bounds are generous: they tell a delay that works from one that does not, not the machine's
 * speed.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type FaultProxy, LinkSettingsError, parseMillis, startFaultProxy } from '../../src/net/index.js';

let echo: Server;
let echoPort: number;

before(async () => {
  echo = createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  echoPort = (echo.address() as { port: number }).port;
});
after(() => echo.close());

async function open(port: number): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port, noDelay: true });
  await once(s, 'connect');
  return s;
}

/** Sends `bytes` and resolves once as many came back, with the time it took in ms. */
function roundTrip(s: Socket, bytes: Buffer): Promise<number> {
  const t0 = performance.now();
  let got = 0;
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      got += d.length;
      if (got >= bytes.length) {
        s.off('data', onData);
        s.off('error', reject);
        resolve(performance.now() - t0);
      }
    };
    s.on('data', onData);
    s.once('error', reject);
    s.write(bytes);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function medianRtt(proxy: FaultProxy, n = 15): Promise<number> {
  const s = await open(proxy.port);
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push(await roundTrip(s, Buffer.from(`ping ${i}\n`)));
  s.destroy();
  return median(times);
}

const target = () => ({ host: '127.0.0.1', port: echoPort });

describe('fault proxy', () => {
  it('adds the round-trip time it is given, half each way, and nothing when open', async () => {
    const p = await startFaultProxy({ target: target() });
    try {
      const open0 = await medianRtt(p);
      p.set({ rttMs: 20 });
      const delayed = await medianRtt(p);
      assert.ok(delayed >= 19, `20 ms RTT measured as ${delayed.toFixed(2)} ms`);
      assert.ok(delayed < 20 + open0 + 15, `20 ms RTT measured as ${delayed.toFixed(2)} ms`);
      const st = p.state();
      assert.ok(st.up.meanHeldMs !== null && st.down.meanHeldMs !== null);
      // Each way held about 10 ms for the delayed chunks (mixed with the open ones before).
      assert.ok(st.up.chunks >= 30 && st.down.chunks >= 30);
    } finally {
      await p.close();
    }
  });

  it('keeps sub-millisecond delays below a millisecond of error', async () => {
    const p = await startFaultProxy({ target: target() });
    try {
      const base = await medianRtt(p, 31);
      p.set({ rttMs: 0.5 });
      const half = await medianRtt(p, 31);
      p.set({ rttMs: 2 });
      const two = await medianRtt(p, 31);
      assert.ok(half - base >= 0.4, `0.5 ms added ${(half - base).toFixed(3)} ms`);
      assert.ok(half - base < 1.5, `0.5 ms added ${(half - base).toFixed(3)} ms`);
      assert.ok(two - base >= 1.9, `2 ms added ${(two - base).toFixed(3)} ms`);
      assert.ok(two - base < 3.5, `2 ms added ${(two - base).toFixed(3)} ms`);
    } finally {
      await p.close();
    }
  });

  it('spreads round trips with jitter, never reordering bytes', async () => {
    const p = await startFaultProxy({ target: target(), settings: { rttMs: 2, jitterMs: 10 } });
    try {
      const s = await open(p.port);
      const times: number[] = [];
      for (let i = 0; i < 20; i++) times.push(await roundTrip(s, Buffer.from('x')));
      assert.ok(Math.min(...times) >= 1.9);
      assert.ok(Math.max(...times) - Math.min(...times) > 3, `spread ${times.map((t) => t.toFixed(1))}`);
      // Order: many small writes at once come back as one ordered stream.
      const parts = Array.from({ length: 200 }, (_, i) => `${i},`);
      const expected = parts.join('');
      let got = '';
      const done = new Promise<void>((resolve) => {
        s.on('data', (d: Buffer) => {
          got += d.toString();
          if (got.length >= expected.length) resolve();
        });
      });
      for (const part of parts) s.write(part);
      await done;
      assert.equal(got, expected);
      s.destroy();
    } finally {
      await p.close();
    }
  });

  it('caps bandwidth', async () => {
    // 64 KiB at 256 KiB/s each way: at least 250 ms there (the echo's answer overlaps it).
    const p = await startFaultProxy({ target: target(), settings: { bandwidthBytesPerSec: 256 * 1024 } });
    try {
      const s = await open(p.port);
      const ms = await roundTrip(s, Buffer.alloc(64 * 1024, 7));
      assert.ok(ms >= 230, `64 KiB took ${ms.toFixed(1)} ms`);
      assert.ok(ms < 2000, `64 KiB took ${ms.toFixed(1)} ms`);
      s.destroy();
    } finally {
      await p.close();
    }
  });

  it('resets open connections and refuses new ones until lifted', async () => {
    const p = await startFaultProxy({ target: target() });
    try {
      const s = await open(p.port);
      await roundTrip(s, Buffer.from('hi'));
      // events.once() would reject on the error: wait for the close by hand.
      const closed = new Promise((resolve) => s.once('close', resolve));
      const failed = once(s, 'error');
      p.set({ fault: 'reset' });
      const [err] = (await failed) as [NodeJS.ErrnoException];
      await closed;
      assert.equal(err.code, 'ECONNRESET');
      const again = connect({ host: '127.0.0.1', port: p.port });
      const [err2] = (await once(again, 'error')) as [NodeJS.ErrnoException];
      assert.equal(err2.code, 'ECONNRESET');
      p.set({ fault: 'pass' });
      const s3 = await open(p.port);
      assert.ok((await roundTrip(s3, Buffer.from('back'))) < 1000);
      s3.destroy();
    } finally {
      await p.close();
    }
  });

  it('holds bytes in a blackhole and delivers them, in order, once lifted', async () => {
    const p = await startFaultProxy({ target: target() });
    try {
      const s = await open(p.port);
      p.set({ fault: 'blackhole' });
      let got = '';
      s.on('data', (d: Buffer) => {
        got += d.toString();
      });
      s.write('one,');
      s.write('two');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(got, '', 'nothing crosses a blackhole');
      assert.equal(p.state().connections, 1, 'the connection stays open');
      p.set({ fault: 'pass' });
      const t0 = Date.now();
      while (got.length < 7 && Date.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 10));
      assert.equal(got, 'one,two');
      s.destroy();
    } finally {
      await p.close();
    }
  });

  it('refuses bad settings with a stable code and parses durations', async () => {
    assert.equal(parseMillis('0.5ms'), 0.5);
    assert.equal(parseMillis('0.5'), 0.5);
    assert.equal(parseMillis('250us'), 0.25);
    assert.equal(parseMillis('1s'), 1000);
    assert.throws(() => parseMillis('fast'), LinkSettingsError);
    const p = await startFaultProxy({ target: target() });
    try {
      for (const bad of [{ rttMs: -1 }, { fault: 'melt' }, { colour: 'red' }, [], null]) {
        assert.throws(
          () => p.set(bad),
          (e: unknown) => e instanceof LinkSettingsError && e.code === 'NET_BAD_SETTINGS',
        );
      }
      assert.equal(p.settings().rttMs, 0);
    } finally {
      await p.close();
    }
  });
});
