/**
 * The built-in balancer against nginx (and HAProxy) in front of the same app instances, in one
 * run: requests per second and p99 through each, and the balancer's own CPU time per request.
 *
 *   node --import tsx --conditions=statecraft-source bench/cluster.ts
 *     [--quick] [--mode=stateless] [--instances=3] [--duration=5] [--warmup=2] [--rounds=3]
 *     [--connections=50] [--engines=nginx,haproxy]
 *     [--write-docs]   replace the "Cluster" section of docs/BENCHMARKS.md with the results
 *
 * One cluster of the reference app runs under the supervisor; the built-in balancer runs in
 * this process (which does nothing else while wrk drives it), nginx and HAProxy in their own
 * processes through `startRealBalancer`, all three pointing at the same instances. wrk (one
 * thread) sends the load. Rounds alternate the engines and the figure kept is the median.
 * Goal: the built-in balancer reaches at least 0.5x nginx's requests per second.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Mode } from '../packages/lab/src/app/modes.js';
import { startCluster } from '../packages/lab/src/cluster/cluster.js';
import { writeSection } from './lib/docs.js';
import { machineLine } from './lib/machine.js';
import { cpuTime } from './lib/proc.js';
import { figure, recordBench, startEntry } from './lib/results.js';
import { median } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    mode: { type: 'string', default: 'stateless' },
    instances: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    engines: { type: 'string', default: 'nginx,haproxy' },
    'write-docs': { type: 'boolean', default: false },
  },
});
const MODE = args.mode as Mode;
const INSTANCES = Number(args.instances);
// --quick: a short run that shows the harness works, not figures to quote.
const DURATION = args.quick ? 1 : Number(args.duration);
const WARMUP = args.quick ? 1 : Number(args.warmup);
const ROUNDS = args.quick ? 1 : Number(args.rounds);
const CONNECTIONS = Number(args.connections);
const GOAL = 0.5;

interface Engine {
  name: 'builtin' | 'nginx' | 'haproxy';
  url: string;
  /** CPU time of the balancer's processes so far, in microseconds. */
  cpuUs(): number;
  stop(): Promise<void>;
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  bad: number;
  cpuUsPerReq: number;
}

interface Scenario {
  id: string;
  label: string;
  path: string;
  cookie: string | null;
}

/** Pids of processes whose command line contains `needle`, and of their children. */
function processTree(needle: string): number[] {
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  const parents = new Set<number>();
  for (const d of all) {
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle)) parents.add(Number(d));
    } catch {}
  }
  const pids = new Set(parents);
  for (const d of all) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parents.has(ppid)) pids.add(Number(d));
    } catch {}
  }
  return [...pids];
}

function parseDuration(s: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(s.trim());
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : v * 60_000;
}

/** One wrk run; resolves with its figures and the balancer's CPU per request. */
function wrk(engine: Engine, s: Scenario, seconds: number): Promise<Run> {
  const cpuBefore = engine.cpuUs();
  const argv = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency'];
  if (s.cookie !== null) argv.push('-H', `Cookie: ${s.cookie}`);
  argv.push(engine.url + s.path);
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited with ${code}:\n${out}`));
      const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
      const bad =
        Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) +
        [...out.matchAll(/(?:connect|read|write|timeout) (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
      resolve({
        rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
        p50: parseDuration(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? ''),
        p99: parseDuration(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? ''),
        bad,
        cpuUsPerReq: total > 0 ? (engine.cpuUs() - cpuBefore) / total : Number.NaN,
      });
    });
  });
}

async function main(): Promise<void> {
  const started = new Date();
  const entry = startEntry('cluster', 'Built-in balancer vs nginx and HAProxy', 'bench/cluster.ts', {
    quick: args.quick,
    mode: MODE,
    instances: INSTANCES,
    duration: DURATION,
    warmup: WARMUP,
    rounds: ROUNDS,
    connections: CONNECTIONS,
  });
  process.stderr.write(`starting ${INSTANCES} ${MODE} instances and the built-in balancer…\n`);
  const cluster = await startCluster({ mode: MODE, instances: INSTANCES, adminPort: false });
  const engines: Engine[] = [];
  try {
    if (cluster.balancer.engine !== 'builtin') throw new Error('expected the built-in balancer');
    engines.push({
      name: 'builtin',
      url: cluster.url,
      cpuUs: () => {
        const u = process.cpuUsage();
        return u.user + u.system;
      },
      stop: async () => {},
    });
    const wanted = args.engines.split(',').filter(Boolean) as Array<'nginx' | 'haproxy'>;
    if (wanted.length > 0) {
      const real = (await import('../packages/lab/src/cluster/real/index.js')) as {
        startRealBalancer(o: {
          engine: 'nginx' | 'haproxy';
          mode: Mode;
          backends: { id: string; port: number }[];
        }): Promise<{ url: string; configPath: string; stop(): Promise<void> }>;
      };
      for (const name of wanted) {
        process.stderr.write(`starting ${name}…\n`);
        const lb = await real.startRealBalancer({
          engine: name,
          mode: MODE,
          backends: cluster.supervisor.ready(),
        });
        const pids = processTree(lb.configPath);
        engines.push({
          name,
          url: lb.url,
          cpuUs: () => pids.reduce((n, p) => n + (cpuTime(p) || 0), 0),
          stop: () => lb.stop(),
        });
      }
    }

    // One session for the authenticated scenario: with a stateless or shared mode any instance
    // accepts it, so every engine can route it anywhere.
    const login = await fetch(`${cluster.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'bench' }),
    });
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const scenarios: Scenario[] = [
      { id: 'public', label: 'GET /products (no session)', path: '/products', cookie: null },
      { id: 'me', label: `GET /me (${MODE} session)`, path: '/me', cookie },
    ];

    const results = new Map<string, Run[]>();
    for (const s of scenarios) {
      for (const e of engines) {
        process.stderr.write(`warm-up ${s.id} ${e.name}\n`);
        await wrk(e, s, WARMUP);
      }
      for (let r = 0; r < ROUNDS; r++) {
        // Alternate who goes first, so that drift (thermal, caches) does not favour one engine.
        const order = r % 2 === 0 ? engines : [...engines].reverse();
        for (const e of order) {
          const run = await wrk(e, s, DURATION);
          process.stderr.write(
            `${s.id} round ${r + 1} ${e.name}: ${Math.round(run.rps)} req/s p99 ${run.p99.toFixed(2)} ms ` +
              `${run.cpuUsPerReq.toFixed(1)} µs CPU/req${run.bad ? ` ${run.bad} errors` : ''}\n`,
          );
          const key = `${s.id}/${e.name}`;
          results.set(key, [...(results.get(key) ?? []), run]);
        }
      }
    }

    const summary = (s: Scenario, e: Engine): Run => {
      const runs = results.get(`${s.id}/${e.name}`) ?? [];
      return {
        rps: median(runs.map((x) => x.rps)),
        p50: median(runs.map((x) => x.p50)),
        p99: median(runs.map((x) => x.p99)),
        bad: runs.reduce((n, x) => n + x.bad, 0),
        cpuUsPerReq: median(runs.map((x) => x.cpuUsPerReq)),
      };
    };
    const nginx = engines.find((e) => e.name === 'nginx');
    const figures = scenarios.flatMap((s) =>
      engines.map((e) => {
        const r = summary(s, e);
        const ref = nginx ? summary(s, nginx) : null;
        return figure({
          id: `cluster/${s.id}/${e.name}`,
          label: `${s.label} through ${e.name}`,
          value: r.rps,
          unit: 'req/s',
          baseline: ref && e !== nginx ? { label: 'nginx', value: ref.rps } : null,
          goal: ref && e.name === 'builtin' ? { op: '>=', target: GOAL } : null,
          invalid: r.bad > 0,
          extra: { p50Ms: r.p50, p99Ms: r.p99, cpuUsPerReq: r.cpuUsPerReq, errors: r.bad },
        });
      }),
    );
    recordBench(entry.finish(figures));
    const md = markdown(started, scenarios, engines, summary, entry.machine);
    console.log(`\n${md}`);
    if (args['write-docs']) writeSection('Cluster', md);
  } finally {
    for (const e of engines) await e.stop();
    await cluster.stop();
  }
}

function markdown(
  started: Date,
  scenarios: Scenario[],
  engines: Engine[],
  summary: (s: Scenario, e: Engine) => Run,
  machine: Parameters<typeof machineLine>[0],
): string {
  const nginx = engines.find((e) => e.name === 'nginx');
  const f = (x: number, d = 0) => (Number.isNaN(x) ? 'n/a' : x.toFixed(d));
  const out = [
    '## Cluster',
    '',
    'Command:',
    '',
    '```sh',
    'node --import tsx --conditions=statecraft-source bench/cluster.ts' +
      (args.duration !== '5' || args.rounds !== '3' || args.connections !== '50' || args.mode !== 'stateless'
        ? ` --mode=${MODE} --duration=${DURATION} --rounds=${ROUNDS} --connections=${CONNECTIONS}`
        : ''),
    '```',
    '',
    `Machine: ${machineLine(machine)}; run ${started.toISOString().slice(0, 16)}Z.`,
    '',
    `${INSTANCES} instances of the reference app in \`${MODE}\` mode under the supervisor, behind each ` +
      'balancer in turn (round-robin, keep-alive to the instances): the built-in one (Node, one process), ' +
      'nginx (one worker) and HAProxy, all on this machine with the instances and wrk (1 thread, ' +
      `${CONNECTIONS} connections). ${WARMUP} s warm-up, then ${ROUNDS} rounds of ${DURATION} s per engine, ` +
      'engines alternating; medians. "CPU µs/req" is the balancer processes\' own CPU time per request ' +
      '(from /proc and process.cpuUsage()): the instances share the cores with every balancer alike, so ' +
      "req/s mostly measures the instances, and CPU per request is the balancer's own cost. " +
      `Goal: built-in ≥ ${GOAL}x nginx req/s.`,
    '',
    '| scenario | balancer | req/s | p50 ms | p99 ms | CPU µs/req | req/s vs nginx | CPU vs nginx | errors |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const s of scenarios) {
    const ref = nginx ? summary(s, nginx) : null;
    for (const e of engines) {
      const r = summary(s, e);
      out.push(
        `| ${s.label} | ${e.name} | ${f(r.rps)} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${f(r.cpuUsPerReq, 1)} | ` +
          `${ref ? `${(r.rps / ref.rps).toFixed(2)}x` : 'n/a'} | ` +
          `${ref ? `${(r.cpuUsPerReq / ref.cpuUsPerReq).toFixed(2)}x` : 'n/a'} | ${r.bad} |`,
      );
    }
  }
  if (nginx) {
    const ratios = scenarios.map((s) => summary(s, engines[0]!).rps / summary(s, nginx).rps);
    const worst = Math.min(...ratios);
    out.push(
      '',
      `Built-in vs nginx, worst scenario: ${worst.toFixed(2)}x req/s — goal ${GOAL}x ${worst >= GOAL ? 'met' : 'missed'}.`,
    );
  }
  out.push('');
  return out.join('\n');
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  },
);
