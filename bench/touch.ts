/**
 * Store writes per request for one unmodified session with `touchAfter` set (issue: throttled
 * touch). A node:http server with the stateful strategy over a counting SQLite store serves
 * one session's cookie as fast as autocannon can send it (well over 1,000 requests/s here);
 * the store's writes (set + touch) are counted and compared with the number of touchAfter
 * windows the run spanned. Goal: at most one write per window.
 *
 *   node --import tsx --conditions=statecraft-source bench/touch.ts [--seconds=6] [--touch-after=1]
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createSessions, type Store, stateful } from 'statecraft';
import { withSessions } from 'statecraft/adapters/node-http';
import { sqliteStore } from 'statecraft/stores/sqlite';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '6' }, 'touch-after': { type: 'string', default: '1' } },
});
const seconds = Number(values.seconds);
const touchAfter = Number(values['touch-after']);

const dir = mkdtempSync(join(tmpdir(), 'statecraft-touch-'));
const inner = sqliteStore({ path: join(dir, 's.db') });
const writes = { set: 0, touch: 0 };
const store: Store = {
  name: inner.name,
  get: (k) => inner.get(k),
  set: (r, e) => {
    writes.set++;
    return inner.set(r, e);
  },
  touch: (k, l, x) => {
    writes.touch++;
    return inner.touch(k, l, x);
  },
  delete: (k) => inner.delete(k),
  listByUser: (u) => inner.listByUser(u),
  deleteByUser: (u, e) => inner.deleteByUser(u, e),
  close: () => inner.close(),
};
const sessions = createSessions(stateful({ store }), { touchAfter, idle: 600 });
const server = createServer(
  withSessions(sessions, async (req, res, session) => {
    if (req.url === '/login') await session.login('bench');
    res.end('ok');
  }),
);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const login = await fetch(`${url}/login`);
const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
writes.set = 0;
writes.touch = 0;

const result = await autocannon({
  url: `${url}/me`,
  connections: 20,
  duration: seconds,
  headers: { cookie },
});
const total = writes.set + writes.touch;
const windows = Math.ceil(seconds / touchAfter) + 1;
const rate = result.requests.average;
console.log('one unmodified session, stateful + SQLite, node:http');
console.log(`requests            ${result.requests.total} (${rate.toFixed(0)}/s average)`);
console.log(`store writes        ${total} (set ${writes.set}, touch ${writes.touch})`);
console.log(
  `touchAfter windows  ${windows} (${seconds} s / ${touchAfter} s, plus the one the run started in)`,
);
console.log(`writes per request  ${(total / result.requests.total).toFixed(6)}`);
console.log(
  `writes per window   ${(total / windows).toFixed(2)}  ${total <= windows ? 'goal met (≤ 1)' : 'GOAL MISSED (> 1)'}`,
);
console.log(`rate goal ≥ 1000/s  ${rate >= 1000 ? 'met' : 'MISSED'}`);

server.close();
await sessions.close();
rmSync(dir, { recursive: true, force: true });
