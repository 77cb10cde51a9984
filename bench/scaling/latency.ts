/**
 * Latency of a session load from each store: `store.get` of a random one of 1,000 live sessions,
 * one call at a time, timed call by call; p50 and p99 against the memory store's in the same run.
 *
 *   node --import tsx --conditions=statecraft-source bench/scaling/latency.ts [--quick] [--calls=10000]
 *     [--write-docs]
 *
 * Redis (127.0.0.1:6379) and PostgreSQL (127.0.0.1:5432, db test) must answer: a store that
 * cannot be reached fails the run rather than dropping out of the table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Store } from 'statecraft';
import { memoryStore } from 'statecraft/stores/memory';
import { postgresStore } from 'statecraft/stores/postgres';
import { redisStore } from 'statecraft/stores/redis';
import { sqliteStore } from 'statecraft/stores/sqlite';
import { machineLine } from '../lib/machine.js';
import { publish } from '../lib/publish.js';
import { type Figure, figure, startEntry } from '../lib/results.js';
import { fmtNum, fmtRatio, quantile } from '../lib/stats.js';
import { loginRecord } from './records.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    calls: { type: 'string' },
    'write-docs': { type: 'boolean', default: false },
  },
});
const CALLS = Number(args.calls ?? (args.quick ? 1000 : 10_000));
const SESSIONS = 1000;
const entry = startEntry('latency', 'Session load latency per store', 'bench/scaling/latency.ts', {
  quick: args.quick,
  calls: CALLS,
  sessions: SESSIONS,
});
console.log(`Machine: ${machineLine(entry.machine)}`);

const dir = mkdtempSync(join(tmpdir(), 'statecraft-bench-latency-'));
const STORES: { id: string; make: () => Store }[] = [
  { id: 'memory', make: () => memoryStore({ sweepInterval: 0 }) },
  { id: 'sqlite', make: () => sqliteStore({ path: join(dir, 's.db') }) },
  {
    id: 'redis',
    make: () =>
      redisStore({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: `bench:${process.pid}:` }),
  },
  {
    id: 'postgres',
    make: () =>
      postgresStore({
        connectionString: process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
        table: 'bench_sessions',
      }),
  },
];

interface Timing {
  p50: number;
  p99: number;
  mean: number;
}

async function time(store: Store): Promise<Timing> {
  const now = Date.now();
  const keys: string[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const r = loginRecord(i, now);
    if (!(await store.set(r, 0))) throw new Error(`${store.name}: set refused a fresh key`);
    keys.push(r.key);
  }
  // Warm-up: JIT, connection pools, prepared statements.
  for (let i = 0; i < Math.min(500, CALLS); i++) await store.get(keys[i % SESSIONS]!);
  const us: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const key = keys[Math.floor(Math.random() * SESSIONS)]!;
    const t0 = performance.now();
    const r = await store.get(key);
    us.push((performance.now() - t0) * 1000);
    if (r === null) throw new Error(`${store.name}: a live session was not found`);
  }
  for (const k of keys) await store.delete(k);
  return { p50: quantile(us, 0.5), p99: quantile(us, 0.99), mean: us.reduce((a, b) => a + b, 0) / us.length };
}

const timings = new Map<string, Timing>();
try {
  for (const s of STORES) {
    const store = s.make();
    try {
      timings.set(s.id, await time(store));
    } finally {
      await store.close();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const base = timings.get('memory')!;
const figures: Figure[] = STORES.map((s) => {
  const t = timings.get(s.id)!;
  return figure({
    id: `latency/${s.id}`,
    label: `store.get p50, ${s.id}`,
    value: t.p50,
    unit: 'µs',
    baseline: s.id === 'memory' ? null : { label: 'memory store p50', value: base.p50 },
    extra: { p99: t.p99, mean: t.mean, p99VsMemory: t.p99 / base.p99 },
  });
});
for (const f of figures) {
  const e = f.extra as Record<string, number>;
  console.log(
    `${f.id.padEnd(18)} p50 ${fmtNum(f.value, 1)} µs p99 ${fmtNum(e.p99!, 1)} µs mean ${fmtNum(e.mean!, 1)} µs` +
      (f.ratio === null ? '' : ` (${fmtRatio(f.ratio, 1)} memory p50)`),
  );
}

publish(
  entry.finish(figures),
  'Session load latency per store',
  [
    `\`store.get\` of a random one of ${fmtNum(SESSIONS)} live sessions, ${fmtNum(CALLS)} calls one at a time ` +
      'after a warm-up, each timed alone (so it includes the event-loop turn a real load costs). Redis and ' +
      'PostgreSQL on this machine (loopback): the figures are the client, the protocol and the server, not a ' +
      'network. Ratios against the memory store in the same run.',
    '',
    '| store | p50 µs | p99 µs | mean µs | p50 vs memory | p99 vs memory |',
    '|---|--:|--:|--:|--:|--:|',
    ...figures.map((f) => {
      const e = f.extra as Record<string, number>;
      return (
        `| ${f.id.split('/')[1]} | ${fmtNum(f.value, 1)} | ${fmtNum(e.p99!, 1)} | ${fmtNum(e.mean!, 1)} | ` +
        `${f.ratio === null ? '1.0x' : fmtRatio(f.ratio, 1)} | ${fmtRatio(e.p99VsMemory!, 1)} |`
      );
    }),
    '',
  ],
  args['write-docs'],
);
