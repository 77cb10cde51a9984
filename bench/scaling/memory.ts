/**
 * Memory per session in the memory store at 10k, 100k and 1M sessions, against the JSON size
 * of the session's data. Each count runs in a fresh child process with `--expose-gc`: heapUsed
 * and RSS are read after a full GC before and after the store is filled, and the deltas divided
 * by the count. Goal: at most 2x the data's JSON size per session at 1M.
 *
 *   node --import tsx --conditions=statecraft-source bench/scaling/memory.ts [--quick] [--write-docs]
 *     [--counts=10000,100000,1000000]
 *
 * The records are what the manager writes at login: key (SHA-256 of a fresh id), user, data
 * encoded by the default codec, times, client address and user agent; every string its own
 * copy, as a server parsing each request gets.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { SessionRecord } from 'statecraft';
import { memoryStore } from 'statecraft/stores/memory';
import { machineLine } from '../lib/machine.js';
import { publish } from '../lib/publish.js';
import { type Figure, figure, figuresTable, startEntry } from '../lib/results.js';
import { fmtGoal, fmtNum, fmtRatio } from '../lib/stats.js';
import { loginRecord, sessionData } from './records.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    counts: { type: 'string' },
    child: { type: 'string' },
    'write-docs': { type: 'boolean', default: false },
  },
});

interface ChildResult {
  n: number;
  heapPerSession: number;
  rssPerSession: number;
  estimatePerSession: number;
  dataJson: number;
  recordJson: number;
}

async function child(n: number): Promise<ChildResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the child with --expose-gc');
  const store = memoryStore({ maxSessions: n, sweepInterval: 0 });
  const now = Date.now();
  let sample: SessionRecord | null = null;
  gc();
  const before = process.memoryUsage();
  for (let i = 0; i < n; i++) {
    const r = loginRecord(i, now + i);
    if (!(await store.set(r, 0))) throw new Error('set refused a fresh key');
    sample ??= r;
  }
  gc();
  const after = process.memoryUsage();
  const stats = store.stats();
  if (stats.sessions !== n) throw new Error(`the store kept ${stats.sessions} of ${n} sessions`);
  const result = {
    n,
    heapPerSession: (after.heapUsed - before.heapUsed) / n,
    rssPerSession: (after.rss - before.rss) / n,
    estimatePerSession: stats.bytes / n,
    dataJson: JSON.stringify(sessionData(0)).length,
    recordJson: JSON.stringify(sample).length,
  };
  await store.close();
  return result;
}

if (args.child) {
  process.stdout.write(`${JSON.stringify(await child(Number(args.child)))}\n`);
  process.exit(0);
}

const counts = (args.counts ?? (args.quick ? '10000,100000' : '10000,100000,1000000')).split(',').map(Number);
const entry = startEntry('memory', 'Memory per session, memory store', 'bench/scaling/memory.ts', {
  quick: args.quick,
  counts: counts.join(','),
});
console.log(`Machine: ${machineLine(entry.machine)}`);
const GOAL_AT = 1_000_000;
const figures: Figure[] = [];
for (const n of counts) {
  const r = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--max-old-space-size=8192',
      '--import',
      'tsx',
      '--conditions=statecraft-source',
      import.meta.filename,
      `--child=${n}`,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
  );
  if (r.status !== 0) throw new Error(`the child for ${n} sessions exited with ${r.status}`);
  const c = JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
  const f = figure({
    id: `memory/${n}`,
    label: `${fmtNum(n)} sessions: heap per session`,
    value: c.heapPerSession,
    unit: 'bytes',
    baseline: { label: "data's JSON", value: c.dataJson },
    goal: n === GOAL_AT ? { op: '<=', target: 2 } : null,
    extra: {
      rssPerSession: c.rssPerSession,
      storeEstimatePerSession: c.estimatePerSession,
      recordJson: c.recordJson,
      ratioToRecordJson: c.heapPerSession / c.recordJson,
    },
  });
  figures.push(f);
  console.log(
    `${fmtNum(n).padStart(9)} sessions: heap ${fmtNum(c.heapPerSession)} B/session, RSS ${fmtNum(c.rssPerSession)} B, ` +
      `store estimate ${fmtNum(c.estimatePerSession)} B; data JSON ${c.dataJson} B (${fmtRatio(f.ratio!)}), ` +
      `whole record JSON ${c.recordJson} B (${fmtRatio(c.heapPerSession / c.recordJson)}) ` +
      fmtGoal(f.ratio!, f.goal, f.status),
  );
}

publish(
  entry.finish(figures),
  'Memory per session',
  [
    'The memory store filled with n login records (key, user, data in the default codec, times, ' +
      'client address, user agent) in a fresh `--expose-gc` process per count; heapUsed and RSS after ' +
      "a full GC, before and after, divided by n. Baseline: the JSON size of the session's data " +
      `(${figures[0]?.baseline?.value} bytes: user, role, org, theme, locale, a two-item cart, a counter). ` +
      `Goal: ≤ 2x at ${fmtNum(GOAL_AT)} sessions, read strictly: against the data's JSON alone. A record ` +
      'also carries what every session needs whatever its data (the 43-character key, the user, the ' +
      'client address and user agent, five times and a version), so the second table sets the heap ' +
      'against the whole record as JSON too.',
    '',
    figuresTable(figures),
    '',
    "| sessions | heap B/session | RSS B/session | store's own estimate B/session | whole record as JSON, B | heap ÷ record JSON |",
    '|--:|--:|--:|--:|--:|--:|',
    ...figures.map((f) => {
      const e = f.extra as Record<string, number>;
      return (
        `| ${fmtNum(Number(f.id.split('/')[1]))} | ${fmtNum(f.value)} | ${fmtNum(e.rssPerSession!)} | ` +
        `${fmtNum(e.storeEstimatePerSession!)} | ${e.recordJson} | ${fmtRatio(e.ratioToRecordJson!)} |`
      );
    }),
    '',
  ],
  args['write-docs'],
);
