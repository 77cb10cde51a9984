/**
 * Connection policies, load share and bytes on the wire. The fixture shops count the
 * connections they accept and the bytes their sockets read and wrote, and the generator's
 * figures must match them.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_MIX } from '../../../src/lab/load/actions.js';
import { createGenerator } from '../../../src/lab/load/generator.js';
import { planSchedule } from '../../../src/lab/load/schedule.js';
import { type RunningShop, startShop } from './helpers.js';

type Counted = RunningShop & { sockets: Socket[] };
const shops: Counted[] = [];

async function countedShop(id: string): Promise<Counted> {
  const s = await startShop({ instanceId: id });
  const sockets: Socket[] = [];
  s.shop.server.on('connection', (socket: Socket) => sockets.push(socket));
  const counted = Object.assign(s, { sockets });
  shops.push(counted);
  return counted;
}

let a: Counted;
let b: Counted;

before(async () => {
  a = await countedShop('a');
  b = await countedShop('b');
});

after(async () => {
  for (const s of shops) await s.close();
});

/** Sockets opened and bytes moved since `mark`. */
function traffic(s: Counted, mark: number) {
  const sockets = s.sockets.slice(mark);
  return {
    connections: sockets.length,
    read: sockets.reduce((n, x) => n + x.bytesRead, 0),
    written: sockets.reduce((n, x) => n + x.bytesWritten, 0),
  };
}

describe('connections', () => {
  it('keeps a pool of N connections per target with keep-alive', async () => {
    const marks = [a.sockets.length, b.sockets.length];
    const gen = createGenerator({ target: [a.url, b.url], connections: 3 });
    const r = await gen.run(planSchedule({ seed: 2, rate: 300, durationMs: 1500, users: 40 }));
    assert.equal(r.connectionPolicy, 'keep-alive');
    assert.equal(r.connections, 6);
    assert.ok(traffic(a, marks[0]!).connections <= 3);
    assert.ok(traffic(b, marks[1]!).connections <= 3);
    // Users are split between the targets; the share follows the x-instance-id answers.
    assert.deepEqual(Object.keys(r.loadShare), ['a', 'b']);
    assert.ok(Math.abs(r.loadShare.a! + r.loadShare.b! - 1) < 1e-9);
    assert.ok(r.loadShare.a! > 0.3 && r.loadShare.b! > 0.3, JSON.stringify(r.loadShare));
  });

  it('opens one connection per virtual user with new-connection-per-user', async () => {
    const marks = [a.sockets.length, b.sockets.length];
    const gen = createGenerator({ target: [a.url, b.url], connectionPolicy: 'new-connection-per-user' });
    const r = await gen.run(planSchedule({ seed: 3, rate: 300, durationMs: 1500, users: 10 }));
    assert.equal(r.connectionPolicy, 'new-connection-per-user');
    assert.equal(r.connections, 10);
    // The server sees them all (and may see one reopened, if a socket was closed under load).
    const seen = traffic(a, marks[0]!).connections + traffic(b, marks[1]!).connections;
    assert.ok(seen >= 10 && seen <= 11, `${seen} connections`);
    assert.equal(r.errors.dropped, undefined);
  });

  it('counts exactly the bytes the server read and wrote, and the credential among them', async () => {
    const mark = a.sockets.length;
    const gen = createGenerator({ target: a.url, connections: 2 });
    // The closed model: one request per user at a time, so each user logs in exactly once. No
    // anonymous catalogue views: every request but the logins carries the credential.
    const { browse: _anonymous, ...loggedIn } = DEFAULT_MIX;
    const r = await gen.runClosed({ seed: 8, users: 10, durationMs: 1500, thinkMs: 5, mix: loggedIn });
    const t = traffic(a, mark);
    assert.equal(r.bytes.requests, r.phases[0]!.requests);
    assert.equal(r.bytes.requestBytes, t.read);
    assert.equal(r.bytes.responseBytes, t.written);
    // Every request after the login carries `cookie: sid=<uuid>` (16 + 36 bytes); the logins
    // answered with `set-cookie`.
    const logins = r.users.logins;
    assert.equal(logins, 10);
    assert.equal(
      r.bytes.credentialBytes,
      (r.bytes.requests - logins) * 'cookie: sid=\r\n'.concat('x'.repeat(36)).length,
    );
    assert.equal(
      r.bytes.setCookieBytes,
      logins * 'set-cookie: sid=; HttpOnly; Path=/\r\n'.concat('x'.repeat(36)).length,
    );
  });
});
