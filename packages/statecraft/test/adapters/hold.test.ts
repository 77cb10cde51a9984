import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SessionError } from 'statecraft';
import { holdUntilCommitted, sendError } from 'statecraft/adapters/node-http';
import { listen } from '../helpers/http.js';

/** Serves one request with `handler` and returns what the client saw. */
async function once(handler: (res: ServerResponse) => void) {
  const server = await listen((_req, res) => handler(res));
  try {
    const r = await fetch(server.url, { signal: AbortSignal.timeout(5000) });
    return { status: r.status, text: await r.text(), headers: r.headers };
  } finally {
    await server.close();
  }
}

describe('holdUntilCommitted', () => {
  test('nothing leaves before the commit resolves; then every call is replayed in order', async () => {
    const events: string[] = [];
    const r = await once((res) => {
      holdUntilCommitted(res, async () => {
        await sleep(30);
        events.push('committed');
        res.setHeader('x-committed', 'yes');
      });
      res.writeHead(201, { 'content-type': 'text/plain' });
      res.write('a');
      res.end('b', () => events.push('sent'));
      events.push(`headersSent=${res.headersSent}`);
    });
    assert.deepEqual(events, ['headersSent=false', 'committed', 'sent']);
    assert.equal(r.status, 201);
    assert.equal(r.text, 'ab');
    assert.equal(r.headers.get('x-committed'), 'yes');
  });

  test('a failed commit is answered by fail, and what the handler writes after is dropped', async () => {
    const r = await once((res) => {
      holdUntilCommitted(
        res,
        async () => {
          throw new SessionError('STORE_UNAVAILABLE');
        },
        (e) => sendError(res, e),
      );
      res.write('partial');
      setTimeout(() => {
        res.write('late');
        res.end('done');
      }, 20);
    });
    assert.equal(r.status, 503);
    assert.deepEqual(JSON.parse(r.text), {
      error: { code: 'STORE_UNAVAILABLE', message: 'The session store is unavailable' },
    });
  });

  test('without fail, a failed commit is a bare 500', async () => {
    const r = await once((res) => {
      holdUntilCommitted(res, () => Promise.reject(new Error('db password hunter2')));
      res.end('ok');
    });
    assert.equal(r.status, 500);
    assert.equal(r.text, '');
  });

  test('a replayed call that throws becomes a bare 500, not an unhandled rejection', async () => {
    const r = await once((res) => {
      holdUntilCommitted(res, async () => {});
      res.writeHead(200, { 'x-bad': 'line\nbreak' });
      res.end('never');
    });
    assert.equal(r.status, 500);
  });

  test('calls made after the commit go straight through, even through saved references', async () => {
    const r = await once((res) => {
      holdUntilCommitted(res, async () => {});
      const write = res.write as (this: ServerResponse, chunk: string) => boolean;
      res.write('a');
      setTimeout(() => {
        write.call(res, 'b');
        res.end('c');
      }, 20);
    });
    assert.equal(r.text, 'abc');
  });

  test('two holds on one response: the send waits for both commits', async () => {
    const done: string[] = [];
    const r = await once((res) => {
      holdUntilCommitted(res, async () => {
        await sleep(10);
        done.push('first');
      });
      holdUntilCommitted(res, async () => {
        await sleep(40);
        done.push('second');
      });
      res.end('ok', () => done.push('sent'));
    });
    assert.equal(r.text, 'ok');
    assert.deepEqual(done, ['first', 'second', 'sent']);
  });
});
