/**
 * Store round trips per request for each strategy: a node:http server with the library's
 * adapter over a counting store wrapper (packages/statecraft/test/helpers/counting-store.ts),
 * requests sent one at a time, calls divided by requests. Scenarios: login, read, read in a new
 * window (stateful: past `touchAfter`; hybrid: past the access token's life), write.
 *
 *   node --import tsx --conditions=statecraft-source bench/scaling/roundtrips.ts [--quick] [--requests=200]
 *     [--write-docs]
 *
 * Counts, not timings: the same on any machine. Stateless keeps no store, so it has none to count.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createSessions, hybrid, manualClock, type StrategyFactory, stateful, stateless } from 'statecraft';
import { withSessions } from 'statecraft/adapters/node-http';
import { memoryStore } from 'statecraft/stores/memory';
import { countingStore, type Op } from '../../packages/statecraft/test/helpers/counting-store.js';
import { machineLine } from '../lib/machine.js';
import { publish } from '../lib/publish.js';
import { type Figure, figure, startEntry } from '../lib/results.js';
import { fmtNum } from '../lib/stats.js';
import { sessionData } from './records.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    requests: { type: 'string' },
    'write-docs': { type: 'boolean', default: false },
  },
});
const N = Number(args.requests ?? (args.quick ? 50 : 200));
const entry = startEntry('roundtrips', 'Store round trips per request', 'bench/scaling/roundtrips.ts', {
  quick: args.quick,
  requests: N,
});
console.log(`Machine: ${machineLine(entry.machine)}`);

const secret = Buffer.alloc(32, 7);
const keys = [{ kid: 'k1', alg: 'HS256' as const, secret }];
const TOUCH_AFTER = 60;
const ACCESS_TTL = 300;

interface Strategy {
  id: string;
  label: string;
  make(store: ReturnType<typeof countingStore>): StrategyFactory;
  /** Seconds to move the clock before each request of the "new window" scenario. */
  window: number | null;
}

const STRATEGIES: Strategy[] = [
  { id: 'stateful', label: 'stateful', make: (store) => stateful({ store }), window: TOUCH_AFTER + 1 },
  {
    id: 'stateless',
    label: 'stateless (HS256)',
    make: () => stateless({ keys, format: 'jws' }),
    window: null,
  },
  {
    id: 'hybrid',
    label: 'hybrid (HS256 access token)',
    make: (store) => hybrid({ store, keys, format: 'jws', accessTtl: ACCESS_TTL }),
    window: ACCESS_TTL + 1,
  },
];

const OPS: Op[] = ['get', 'set', 'touch', 'delete', 'listByUser', 'deleteByUser'];
const figures: Figure[] = [];
const rows: string[] = [];

for (const s of STRATEGIES) {
  const clock = manualClock(Date.now());
  const store = countingStore(memoryStore({ clock }));
  const sessions = createSessions(s.make(store), {
    clock,
    touchAfter: TOUCH_AFTER,
    idle: 3600,
    absolute: 86_400 * 30,
  });
  const server = createServer(
    withSessions(sessions, async (req, res, session) => {
      if (req.url === '/login') {
        await session.login('bench');
        for (const [k, v] of Object.entries(sessionData(1))) session.set(k, v);
      } else if (req.url === '/visit') session.update('visits', (n = 0) => (n as number) + 1);
      else session.get('cart');
      res.end(session.userId === null ? 'anonymous' : 'ok');
    }),
  );
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let cookie = '';
  /** One request; follows the credential the server sets, as a browser would. */
  const send = async (path: string, method = 'GET') => {
    const r = await fetch(url + path, { method, headers: cookie ? { cookie } : {} });
    const set = r.headers.getSetCookie()[0]?.split(';')[0];
    if (set) cookie = set;
    if ((await r.text()) !== 'ok') throw new Error(`${s.id} ${path}: not logged in`);
  };
  const scenarios: { id: string; label: string; run: () => Promise<void> }[] = [
    {
      id: 'login',
      label: 'login',
      run: async () => {
        cookie = '';
        await send('/login', 'POST');
      },
    },
    { id: 'read', label: 'read', run: () => send('/me') },
    ...(s.window === null
      ? []
      : [
          {
            id: 'read-new-window',
            label: s.id === 'hybrid' ? 'read, access token expired (refresh)' : 'read, past touchAfter',
            run: async () => {
              clock.advance(s.window! * 1000);
              await send('/me');
            },
          },
        ]),
    { id: 'write', label: 'write', run: () => send('/visit', 'POST') },
  ];
  try {
    for (const sc of scenarios) {
      cookie = '';
      await send('/login', 'POST');
      store.reset();
      for (let i = 0; i < N; i++) await sc.run();
      const per = Object.fromEntries(OPS.map((op) => [op, store.calls[op] / N]));
      const total = OPS.reduce((n, op) => n + store.calls[op], 0) / N;
      figures.push(
        figure({
          id: `roundtrips/${s.id}/${sc.id}`,
          label: `${s.label}: ${sc.label}`,
          value: total,
          unit: 'store calls/request',
          extra: per,
        }),
      );
      const detail = OPS.filter((op) => per[op]! > 0)
        .map((op) => `${op} ${fmtNum(per[op]!, 2)}`)
        .join(', ');
      rows.push(`| ${s.label} | ${sc.label} | ${fmtNum(total, 2)} | ${detail || '—'} |`);
      console.log(`${s.label.padEnd(28)} ${sc.label.padEnd(38)} ${fmtNum(total, 2)} (${detail || 'none'})`);
    }
  } finally {
    server.close();
    await sessions.close();
  }
}

publish(
  entry.finish(figures),
  'Store round trips per request',
  [
    `node:http and the library's adapter over a counting wrapper of the memory store; ${N} requests per ` +
      'scenario, one at a time, each following the credential the previous one set; a manual clock ' +
      `moves ${TOUCH_AFTER + 1} s (stateful, past \`touchAfter\`) or ${ACCESS_TTL + 1} s (hybrid, past the ` +
      'access token) before each "new window" request. Calls per request, in all and by operation ' +
      '(each is one round trip on Redis or PostgreSQL). Stateless keeps nothing in a store.',
    '',
    '| strategy | request | store calls/request | by operation |',
    '|---|---|--:|---|',
    ...rows,
    '',
  ],
  args['write-docs'],
);
