/**
 * Adapter benchmarks: the same small app on Express and Fastify with statecraft and with the
 * session library users of each framework reach for, each server in its own child process,
 * load from autocannon in this process.
 *
 *   node --import tsx --conditions=statecraft-source bench/adapters/run.ts
 *     [--duration=5] [--warmup=3] [--rounds=3] [--connections=50] [--only=express-memory,…]
 *     [--write-docs]   replace the "Adapters" section of docs/BENCHMARKS.md with the results
 *     [--cpu-prof=DIR] write a V8 CPU profile of every server into DIR
 *
 * Every round logs in one session per connection first (fresh sessions, so no token or cookie
 * ages into a refresh during the run); requests then take the sessions in turn, so two requests
 * in flight almost never share a session (a write race would measure retries, not the library).
 * The order of the sides rotates each round; the figure kept is the median of the rounds.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeSection } from '../lib/docs.js';
import { figure, recordBench, startEntry } from '../lib/results.js';
import { load as loadServer, type Sample, type Server, startServer } from '../lib/server.js';
import { median } from '../lib/stats.js';

const root = resolve(import.meta.dirname, '../..');
const lib = join(root, 'packages/statecraft/src');

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
    'write-docs': { type: 'boolean', default: false },
    /** Render the figures of an earlier run (its JSON in reports/) instead of measuring. */
    from: { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});
// --quick: a short run that shows the harness works, not figures to quote.
const DURATION = args.quick ? 1 : Number(args.duration);
const WARMUP = args.quick ? 1 : Number(args.warmup);
const ROUNDS = args.quick ? 1 : Number(args.rounds);
const CONNECTIONS = Number(args.connections);
const GOAL = 1.3;

interface Side {
  label: string;
  file: string;
  env: Record<string, string>;
}

interface Pair {
  id: string;
  title: string;
  ours: Side;
  theirs: Side;
  /** The same app with no session at all: what no session library can beat. */
  bare: Side;
  note?: string;
}

const EXPRESS_BARE: Side = { label: 'Express, no session', file: 'express-none.ts', env: {} };
const FASTIFY_BARE: Side = { label: 'Fastify, no session', file: 'fastify-none.ts', env: {} };

interface Scenario {
  id: string;
  label: string;
  method: 'GET' | 'POST';
  path: string;
}

const SCENARIOS: Scenario[] = [
  { id: 'read', label: 'GET /me (read)', method: 'GET', path: '/me' },
  { id: 'touch', label: 'GET /touch (load only)', method: 'GET', path: '/touch' },
  { id: 'write', label: 'POST /visit (write)', method: 'POST', path: '/visit' },
];

async function redisAnswers(url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((ok) => {
    const s = connect({ host: hostname, port: Number(port || 6379) });
    s.setTimeout(1000, () => {
      s.destroy();
      ok(false);
    });
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => {
      s.destroy();
      ok(d.toString().startsWith('+PONG'));
    });
    s.once('error', () => ok(false));
  });
}

async function pairs(): Promise<Pair[]> {
  const out: Pair[] = [
    {
      id: 'express-memory',
      title: 'Express 5, in-process memory',
      ours: {
        label: 'statecraft middleware (stateful, memory store)',
        file: 'express-statecraft.ts',
        env: {},
      },
      theirs: { label: 'express-session (MemoryStore)', file: 'express-session.ts', env: {} },
      bare: EXPRESS_BARE,
    },
  ];
  const haveRedisStore = existsSync(join(lib, 'stores/redis/index.ts'));
  if (await redisAnswers()) {
    out.push({
      id: 'express-redis',
      title: 'Express 5, Redis',
      ours: haveRedisStore
        ? {
            label: 'statecraft middleware (stateful, redis store)',
            file: 'express-statecraft.ts',
            env: { STORE: 'redis' },
          }
        : { label: 'statecraft middleware (stateful, MEMORY store)', file: 'express-statecraft.ts', env: {} },
      theirs: {
        label: 'express-session + connect-redis',
        file: 'express-session.ts',
        env: { STORE: 'redis' },
      },
      bare: EXPRESS_BARE,
      ...(haveRedisStore ? {} : { note: 'statecraft/stores/redis does not exist yet: ours ran on memory' }),
    });
  } else {
    console.warn('Redis does not answer at 127.0.0.1:6379: the Redis pair is skipped');
  }
  out.push({
    id: 'fastify-memory',
    title: 'Fastify 5, in-process memory',
    ours: { label: 'statecraft plugin (stateful, memory store)', file: 'fastify-statecraft.ts', env: {} },
    theirs: { label: '@fastify/session (MemoryStore)', file: 'fastify-session.ts', env: {} },
    bare: FASTIFY_BARE,
  });
  if (existsSync(join(lib, 'strategies/stateless.ts'))) {
    out.push({
      id: 'fastify-stateless',
      title: 'Fastify 5, state in a sealed cookie',
      ours: {
        label: 'statecraft plugin (stateless, JWE dir+A256GCM)',
        file: 'fastify-statecraft.ts',
        env: { STRATEGY: 'stateless' },
      },
      theirs: { label: '@fastify/secure-session (secretbox)', file: 'fastify-secure-session.ts', env: {} },
      bare: FASTIFY_BARE,
    });
  }
  const only = args.only?.split(',');
  return only ? out.filter((p) => only.includes(p.id)) : out;
}

function start(side: Side): Promise<Server> {
  return startServer(join(import.meta.dirname, 'servers', side.file), side.env, args['cpu-prof']);
}

function load(server: Server, s: Scenario, seconds: number): Promise<Sample> {
  return loadServer(server, { method: s.method, path: s.path, seconds, connections: CONNECTIONS });
}

interface Row {
  pair: Pair;
  scenario: Scenario;
  ours: Sample;
  theirs: Sample;
  bare: Sample;
}

async function runPair(p: Pair): Promise<Row[]> {
  const servers = [await start(p.ours), await start(p.theirs), await start(p.bare)];
  const rows: Row[] = [];
  try {
    for (const s of SCENARIOS) {
      for (const server of servers) await load(server, s, WARMUP);
      const samples: Sample[][] = [[], [], []];
      for (let r = 0; r < ROUNDS; r++) {
        // Rotate who goes first, so drift (thermal, GC, Redis, neighbours) falls on every side.
        for (let k = 0; k < servers.length; k++) {
          const j = (r + k) % servers.length;
          samples[j]!.push(await load(servers[j]!, s, DURATION));
        }
      }
      const pick = (xs: Sample[]): Sample => ({
        rps: median(xs.map((x) => x.rps)),
        p99: median(xs.map((x) => x.p99)),
        bad: xs.reduce((n, x) => n + x.bad, 0),
        cpuUs: median(xs.map((x) => x.cpuUs)),
      });
      const row = {
        pair: p,
        scenario: s,
        ours: pick(samples[0]!),
        theirs: pick(samples[1]!),
        bare: pick(samples[2]!),
      };
      rows.push(row);
      console.log(line(row));
    }
  } finally {
    await Promise.all(servers.map((x) => x.stop()));
  }
  return rows;
}

function verdict(r: Row): string {
  const ratio = r.ours.rps / r.theirs.rps;
  if (r.ours.bad > 0 || r.theirs.bad > 0) return 'invalid (errors)';
  return ratio >= GOAL && r.ours.p99 <= r.theirs.p99 ? 'met' : 'missed';
}

const us = (x: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(0));
const ratioOf = (a: number, b: number) => (Number.isNaN(a / b) ? 'n/a' : `${(a / b).toFixed(2)}x`);

function line(r: Row): string {
  return (
    `${r.pair.id.padEnd(18)} ${r.scenario.id.padEnd(6)}` +
    ` ours ${Math.round(r.ours.rps)} req/s p99 ${r.ours.p99} ms ${us(r.ours.cpuUs)} µs CPU` +
    ` | theirs ${Math.round(r.theirs.rps)} req/s p99 ${r.theirs.p99} ms ${us(r.theirs.cpuUs)} µs CPU` +
    ` | ${ratioOf(r.ours.rps, r.theirs.rps)} req/s, ${ratioOf(r.theirs.cpuUs, r.ours.cpuUs)} CPU ${verdict(r)}` +
    ` | no session ${Math.round(r.bare.rps)} req/s ${us(r.bare.cpuUs)} µs CPU`
  );
}

function markdown({ settings, rows, started, loadBefore, loadAfter }: Saved): string {
  const { duration, warmup, rounds, connections } = settings;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const out = [
    '## Adapters',
    '',
    'Command:',
    '',
    '```sh',
    'node --import tsx --conditions=statecraft-source bench/adapters/run.ts' +
      (duration !== 5 || rounds !== 3 || connections !== 50
        ? ` --duration=${duration} --rounds=${rounds} --connections=${connections}`
        : '') +
      (warmup !== 3 ? ` --warmup=${warmup}` : ''),
    '```',
    '',
    `Machine: ${availableParallelism()} CPUs (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
      `Node ${process.version}, ${process.platform}; run ${started.slice(0, 16)}Z, load average ` +
      `${loadBefore} before and ${loadAfter} after (the machine is shared). Each server runs ` +
      'in its own child process; autocannon runs in the parent, on the same machine.',
    '',
    `Load: ${connections} connections, one fresh session each, ${warmup} s warm-up then ${rounds} ` +
      `round${rounds === 1 ? '' : 's'} of ` +
      `${duration} s per side, the order of the sides rotating each round; median req/s and median p99. Goal: ≥ ${GOAL}x req/s at an ` +
      'equal or lower p99. "CPU µs/req" is the server process\'s CPU time (user + system, from /proc) per ' +
      'request: unlike req/s it does not depend on what else the machine runs, and "ratio CPU" (other ÷ ' +
      'statecraft) is the req/s ratio each would reach on a core of its own. "No session" is the same app ' +
      'with no session code, in the same rounds; "ceiling CPU" is the ratio a session layer costing nothing ' +
      'would reach against the other library.',
    '',
  ];
  const pairsRun = [...new Map(rows.map((r) => [r.pair.id, r.pair])).values()];
  for (const p of pairsRun) {
    out.push(`### ${p.title}: ${p.ours.label} vs ${p.theirs.label}`, '');
    if (p.note) out.push(`Note: ${p.note}.`, '');
    out.push(
      '| scenario | statecraft req/s | p99 ms | CPU µs/req | other req/s | p99 ms | CPU µs/req | ratio req/s | ratio CPU | goal | no session req/s | CPU µs/req | ceiling CPU |',
    );
    out.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|');
    for (const r of rows.filter((x) => x.pair.id === p.id)) {
      out.push(
        `| ${r.scenario.label} | ${Math.round(r.ours.rps)} | ${r.ours.p99} | ${us(r.ours.cpuUs)} | ` +
          `${Math.round(r.theirs.rps)} | ${r.theirs.p99} | ${us(r.theirs.cpuUs)} | ` +
          `${ratioOf(r.ours.rps, r.theirs.rps)} | ${ratioOf(r.theirs.cpuUs, r.ours.cpuUs)} | ${verdict(r)} | ` +
          `${Math.round(r.bare.rps)} | ${us(r.bare.cpuUs)} | ${ratioOf(r.theirs.cpuUs, r.bare.cpuUs)} |`,
      );
    }
    out.push('');
  }
  // The reading of the figures (what limits each pair, what would close a missed goal) is kept
  // beside the benchmark and travels with every regeneration of the section.
  const notes = join(import.meta.dirname, 'NOTES.md');
  if (existsSync(notes)) out.push(readFileSync(notes, 'utf8').trim(), '');
  return out.join('\n');
}

/** A row as a figure of bench/results.json, with the same verdict as the table. */
function toFigure(r: Row) {
  const v = verdict(r);
  const f = figure({
    id: `adapters/${r.pair.id}/${r.scenario.id}`,
    label: `${r.pair.title}, ${r.scenario.label}: ${r.pair.ours.label} vs ${r.pair.theirs.label}`,
    value: r.ours.rps,
    unit: 'req/s',
    baseline: { label: r.pair.theirs.label, value: r.theirs.rps },
    goal: { op: '>=', target: GOAL },
    extra: {
      p99Ms: r.ours.p99,
      otherP99Ms: r.theirs.p99,
      cpuUsPerReq: r.ours.cpuUs,
      otherCpuUsPerReq: r.theirs.cpuUs,
      cpuRatio: r.theirs.cpuUs / r.ours.cpuUs,
      noSessionRps: r.bare.rps,
      errors: r.ours.bad + r.theirs.bad,
    },
  });
  const status = v === 'met' ? ('met' as const) : v === 'missed' ? ('missed' as const) : ('invalid' as const);
  return {
    ...f,
    status,
    ...(status === 'missed' ? { why: "its p99 is higher than the other library's" } : {}),
  };
}

interface Saved {
  settings: { duration: number; warmup: number; rounds: number; connections: number };
  started: string;
  loadBefore: string;
  loadAfter: string;
  rows: Row[];
}

let run: Saved;
if (args.from) {
  run = JSON.parse(readFileSync(resolve(args.from), 'utf8')) as Saved;
} else {
  const started = new Date().toISOString();
  const loadBefore = loadavg()[0]!.toFixed(1);
  const entry = startEntry(
    'adapters',
    'Express and Fastify adapters vs their anchors',
    'bench/adapters/run.ts',
    {
      quick: args.quick,
      duration: DURATION,
      warmup: WARMUP,
      rounds: ROUNDS,
      connections: CONNECTIONS,
    },
  );
  const rows: Row[] = [];
  for (const p of await pairs()) rows.push(...(await runPair(p)));
  const settings = { duration: DURATION, warmup: WARMUP, rounds: ROUNDS, connections: CONNECTIONS };
  run = { settings, started, loadBefore, loadAfter: loadavg()[0]!.toFixed(1), rows };
  const out = join(root, 'reports/bench-adapters.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(run, null, 2));
  console.log(`results in ${out}`);
  recordBench(entry.finish(rows.map(toFigure)));
}
const md = markdown(run);
console.log(`\n${md}`);
if (args['write-docs']) writeSection('Adapters', md);
