/**
 * node:http with no session (the limit) against the library's node:http adapter in every
 * strategy and store, in one run: each server in its own child process, autocannon in this one.
 *
 *   node --import tsx --conditions=statecraft-source bench/http/run.ts
 *     [--quick] [--duration=2] [--warmup=2] [--rounds=5] [--connections=50] [--only=memory,jws]
 *     [--write-docs] [--cpu-prof=DIR]
 *
 * For each scenario every server is warmed up, then rounds follow with the order of the servers
 * rotating each round, so drift (neighbours, Redis, GC) falls on all of them. Kept: median
 * req/s, its min–max over the rounds, and the ratio to bare node:http (the median of the
 * per-round ratios, each against the bare server of the same round).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machineLine } from '../lib/machine.js';
import { publish } from '../lib/publish.js';
import { type Figure, figure, startEntry } from '../lib/results.js';
import { load, type Sample, type Server, startServer } from '../lib/server.js';
import { fmtGoal, fmtNum, fmtRatio, type Goal, median, spread } from '../lib/stats.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    rounds: { type: 'string' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
    'write-docs': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
});
const QUICK = args.quick;
const DURATION = Number(args.duration ?? (QUICK ? 1 : 2));
const WARMUP = Number(args.warmup ?? (QUICK ? 1 : 2));
const ROUNDS = Number(args.rounds ?? (QUICK ? 2 : 5));
const CONNECTIONS = Number(args.connections);

interface Setup {
  id: string;
  label: string;
  goal: Goal | null;
}

/** The issue's goals: the share of bare node:http's req/s each setup keeps. */
const SETUPS: Setup[] = [
  { id: 'bare', label: 'node:http, no session', goal: null },
  { id: 'memory', label: 'stateful, memory store', goal: { op: '>=', target: 0.85 } },
  { id: 'sqlite', label: 'stateful, SQLite store', goal: null },
  { id: 'redis', label: 'stateful, Redis store', goal: null },
  { id: 'postgres', label: 'stateful, PostgreSQL store', goal: null },
  { id: 'jws', label: 'stateless, HS256 cookie (JWS)', goal: { op: '>=', target: 0.8 } },
  { id: 'jwe', label: 'stateless, sealed cookie (JWE)', goal: null },
  { id: 'hybrid', label: 'hybrid, HS256 access token + SQLite', goal: null },
];

const SCENARIOS = [
  { id: 'read', label: 'GET /me (read)', method: 'GET', path: '/me' },
  { id: 'write', label: 'POST /visit (write)', method: 'POST', path: '/visit' },
] as const;

const only = args.only?.split(',');
const setups = SETUPS.filter((s) => s.id === 'bare' || !only || only.includes(s.id));
const settings = {
  quick: QUICK,
  duration: DURATION,
  warmup: WARMUP,
  rounds: ROUNDS,
  connections: CONNECTIONS,
};
const entry = startEntry('http', 'node:http adapter vs bare node:http', 'bench/http/run.ts', settings);
console.log(`Machine: ${machineLine(entry.machine)}`);

const file = join(import.meta.dirname, 'server.ts');
const servers: Server[] = [];
const figures: Figure[] = [];
try {
  for (const s of setups) servers.push(await startServer(file, { SETUP: s.id }, args['cpu-prof']));
  for (const sc of SCENARIOS) {
    const spec = { method: sc.method, path: sc.path, connections: CONNECTIONS };
    for (const server of servers) await load(server, { ...spec, seconds: WARMUP });
    const samples: Sample[][] = setups.map(() => []);
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < servers.length; k++) {
        const j = (r + k) % servers.length;
        samples[j]!.push(await load(servers[j]!, { ...spec, seconds: DURATION }));
      }
    }
    const bare = samples[0]!;
    for (const [j, s] of setups.entries()) {
      const xs = samples[j]!;
      const perRound = xs.map((x, r) => x.rps / bare[r]!.rps);
      const f = figure({
        id: `http/${sc.id}/${s.id}`,
        label: `${sc.label}: ${s.label}`,
        value: median(xs.map((x) => x.rps)),
        unit: 'req/s',
        spread: spread(xs.map((x) => x.rps)),
        baseline: j === 0 ? null : { label: 'bare node:http', value: median(bare.map((x) => x.rps)) },
        ratio: j === 0 ? null : median(perRound),
        goal: j === 0 ? null : s.goal,
        invalid: xs.some((x) => x.bad > 0) || bare.some((x) => x.bad > 0),
        extra: {
          ratioMin: Math.min(...perRound),
          ratioMax: Math.max(...perRound),
          p99Ms: median(xs.map((x) => x.p99)),
          cpuUsPerReq: median(xs.map((x) => x.cpuUs)),
          cpuRatio: median(bare.map((x) => x.cpuUs)) / median(xs.map((x) => x.cpuUs)),
          errors: xs.reduce((n, x) => n + x.bad, 0),
        },
      });
      figures.push(f);
      console.log(line(f));
    }
  }
} finally {
  await Promise.all(servers.map((s) => s.stop()));
}

function line(f: Figure): string {
  const e = f.extra as Record<string, number>;
  return (
    `${f.id.padEnd(22)} ${fmtNum(f.value).padStart(7)} req/s (${fmtNum(f.spread!.min)}–${fmtNum(f.spread!.max)})` +
    ` p99 ${e.p99Ms} ms ${fmtNum(e.cpuUsPerReq)} µs CPU/req` +
    (f.ratio === null
      ? ''
      : ` | ${fmtRatio(f.ratio)} of bare (${fmtRatio(e.ratioMin!)}–${fmtRatio(e.ratioMax!)}), CPU ${fmtRatio(e.cpuRatio!)}` +
        (f.goal ? ` | goal ${fmtGoal(f.ratio, f.goal, f.status)}` : '')) +
    (e.errors ? ` | ${e.errors} ERRORS` : '')
  );
}

// The reading of the figures (what limits each setup, what would close a missed goal) is kept
// beside the benchmark and travels with every regeneration of the section.
const notes = join(import.meta.dirname, 'NOTES.md');
publish(
  entry.finish(figures),
  'node:http adapter',
  [
    `Each server runs in its own child process, autocannon in the parent: ${CONNECTIONS} connections, one ` +
      `fresh session each, ${WARMUP} s warm-up per server, then ${ROUNDS} rounds of ${DURATION} s per server, ` +
      'the order rotating each round. "req/s" is the median over the rounds with its min–max; "ratio" is the ' +
      'median of the per-round ratios to bare node:http (same round), with their min–max; "CPU ratio" is bare ' +
      "node:http's server CPU time per request ÷ this one's (from /proc), the ratio on a core of its own.",
    '',
    '| scenario | setup | req/s | min–max | p99 ms | CPU µs/req | ratio vs bare | ratio min–max | CPU ratio | goal |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|---|',
    ...figures.map((f) => {
      const e = f.extra as Record<string, number>;
      const [sc, ...rest] = f.label.split(': ');
      return (
        `| ${sc} | ${rest.join(': ')} | ${fmtNum(f.value)} | ${fmtNum(f.spread!.min)}–${fmtNum(f.spread!.max)} | ` +
        `${e.p99Ms} | ${fmtNum(e.cpuUsPerReq)} | ${f.ratio === null ? '1.00x' : fmtRatio(f.ratio)} | ` +
        `${f.ratio === null ? '—' : `${fmtRatio(e.ratioMin!)}–${fmtRatio(e.ratioMax!)}`} | ` +
        `${f.ratio === null ? '1.00x' : fmtRatio(e.cpuRatio!)} | ${fmtGoal(f.ratio ?? Number.NaN, f.goal, f.status)}` +
        `${e.errors ? ` (${e.errors} errors)` : ''} |`
      );
    }),
    '',
    ...(existsSync(notes) ? [readFileSync(notes, 'utf8').trim(), ''] : []),
  ],
  args['write-docs'],
);
