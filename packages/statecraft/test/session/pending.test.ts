import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { createSessions, manualClock, Session, stateful } from 'statecraft';
import { withSessions } from 'statecraft/adapters/node-http';
import { memoryStore } from 'statecraft/stores/memory';
import { countingStore } from '../helpers/counting-store.js';
import { listen } from '../helpers/http.js';

const MIN = 60_000;

function setup() {
  const clock = manualClock();
  const store = countingStore(memoryStore({ clock, sweepInterval: 0 }));
  const sessions = createSessions(stateful({ store }), { clock, touchAfter: 60 });
  return { clock, store, sessions };
}

const req = (id: string) => ({ headers: { cookie: `sid=${id}` } });

async function stored(sessions: ReturnType<typeof setup>['sessions']): Promise<string> {
  const s = await sessions.load({ headers: {} });
  await s.login('ada');
  return /^sid=([^;]*)/.exec((await s.commit()).setCookie!)![1]!;
}

test('Session.pending says whether commit() has anything to do, and agrees with it', async () => {
  const { clock, store, sessions } = setup();
  const fresh = await sessions.load({ headers: {} });
  assert.equal(Session.pending(fresh), false, 'a new session that stored nothing');
  fresh.set('a', 1);
  assert.equal(Session.pending(fresh), true, 'a change');

  const id = await stored(sessions);
  const read = await sessions.load(req(id));
  read.get('a');
  assert.equal(Session.pending(read), false, 'a read inside the touch window');
  store.reset();
  assert.deepEqual(await read.commit(), { setCookie: null, token: null });
  assert.equal(store.calls.set + store.calls.touch, 0);

  clock.advance(2 * MIN);
  const due = await sessions.load(req(id));
  assert.equal(Session.pending(due), true, 'a sliding expiry due');
  assert.notEqual((await due.commit()).setCookie, null);

  clock.advance(2 * MIN);
  const polled = await sessions.load(req(id));
  polled.skipTouch();
  assert.equal(Session.pending(polled), false, 'skipTouch: the due touch is not made');

  const out = await sessions.load(req(id));
  await out.logout();
  assert.equal(Session.pending(out), true, 'a cookie to clear');
  assert.match((await out.commit()).setCookie!, /Max-Age=0/);

  const unknown = await sessions.load(req('A'.repeat(43)));
  assert.equal(Session.pending(unknown), true, 'a stale cookie to clear');
});

test('node:http: a response with nothing to commit leaves at once, one that changes the session waits', async (t) => {
  const { sessions } = setup();
  const id = await stored(sessions);
  const endedAtOnce: boolean[] = [];
  const server = await listen(
    withSessions(sessions, (r, res, s) => {
      if (r.method === 'POST') s.set('n', 1);
      res.end('ok');
      endedAtOnce.push(res.writableEnded);
    }),
  );
  t.after(() => server.close());
  const port = Number(new URL(server.url).port);
  const send = (method: string) =>
    new Promise<{ status: number; cc: string | undefined }>((ok, fail) => {
      const q = request({ host: '127.0.0.1', port, method, headers: { cookie: `sid=${id}` } }, (res) => {
        res.resume();
        res.on('end', () => ok({ status: res.statusCode!, cc: res.headers['cache-control'] }));
      });
      q.on('error', fail);
      q.end();
    });
  assert.deepEqual(await send('GET'), { status: 200, cc: 'no-store' });
  assert.deepEqual(await send('POST'), { status: 200, cc: 'no-store' });
  assert.deepEqual(endedAtOnce, [true, false]);
});
