/**
 * Failures without an answer are counted by kind: nobody listening is `refused`, a connection
 * cut mid-request is `reset`, an answer that never comes is a `timeout`; answers of 400 and up
 * are `http_<status>`.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import { freePort } from '../../../src/cluster/ports.js';
import { createGenerator } from '../../../src/lab/load/generator.js';
import { planSchedule } from '../../../src/lab/load/schedule.js';

const servers: Server[] = [];

async function listen(server: Server): Promise<string> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

after(() => {
  for (const s of servers) {
    (s as { closeAllConnections?: () => void }).closeAllConnections?.();
    s.close();
  }
});

const plan = () => planSchedule({ seed: 1, rate: 50, durationMs: 400, users: 4, mix: { me: 1 } });

describe('errors', () => {
  it('counts a target nobody listens on as refused', async () => {
    const port = await freePort();
    const r = await createGenerator({ target: `http://127.0.0.1:${port}` }).run(plan());
    assert.deepEqual(Object.keys(r.errors), ['refused']);
    assert.equal(r.errors.refused, r.phases[0]!.requests);
    assert.equal(r.phases[0]!.errorRate, 1);
  });

  it('counts a connection cut before the answer as reset', async () => {
    const url = await listen(createServer((socket) => socket.once('data', () => socket.destroy())));
    const r = await createGenerator({ target: url }).run(plan());
    assert.deepEqual(Object.keys(r.errors), ['reset']);
  });

  it('counts an answer that never comes as a timeout', async () => {
    const url = await listen(createServer(() => {}));
    const r = await createGenerator({ target: url, timeoutMs: 200 }).run(plan());
    assert.deepEqual(Object.keys(r.errors), ['timeout']);
    assert.equal(r.errors.timeout, r.phases[0]!.requests);
  });

  it('counts answers of 400 and up by status, with their latency', async () => {
    const url = await listen(
      createHttpServer((_req, res) => {
        res.writeHead(503, { 'x-instance-id': 'x' }).end();
      }),
    );
    const r = await createGenerator({ target: url }).run(plan());
    assert.deepEqual(Object.keys(r.errors), ['http_503']);
    assert.ok(r.phases[0]!.latency.max > 0);
    assert.deepEqual(r.loadShare, { x: 1 });
  });
});
