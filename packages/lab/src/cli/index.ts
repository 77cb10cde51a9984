#!/usr/bin/env node
/**
 * The `statecraft` command.
 *
 *   statecraft [lab]       the lab: every architecture on a cluster, faults, the claims report (default)
 *   statecraft compare     single-process comparison of the four architectures
 *   statecraft serve       one instance of the reference app
 *   statecraft cluster     N instances behind a balancer, with the control API
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MODES, type Mode } from '../app/modes.js';
import { compare, table } from '../compare.js';
import { NET_FLAG_OPTIONS, netFlags } from './net-flags.js';

const USAGE = `usage:
  statecraft [lab]   [--modes sticky,shared,stateless,hybrid] [--instances 3] [--balancer builtin|nginx|haproxy]
                     [--store sqlite|redis://…|redis-cluster://…|redis-sentinel://…|postgres://…] [--rate 150] [--phase 2] [--warmup 1]
                     [--users 60] [--seed 1] [--out reports] [--json] [--app "node my-app.js"]
                     [--metrics-port 0]   (OpenMetrics of the running lab at /metrics; 0: a free port)
                     [--rtt 0.5ms] [--jitter 0.1ms] [--rtt-link store|instances|both] [--sweep-rtt 0,0.25,1,4]
                     (a fault proxy adds the RTT on the link; the store link needs --store redis://… or postgres://…)
                     [--ui] [--ui-port 0] [--duration S]   (live dashboard: the modes side by side at
                     --rate 20 each, steady load until Stop or S seconds, faults by hand)
  statecraft compare [--modes sticky,shared,stateless,hybrid] [--users N] [--json]
  statecraft serve   --mode M [--port 3000] [--store sqlite:/path|redis://…|postgres://…]
  statecraft cluster --mode M [--instances 3] [--balancer builtin|nginx|haproxy]
                     [--store sqlite:/path|redis://…|postgres://…] [--bus ipc|redis://…|postgres://…]
                     [--policy round-robin|least-conn|sticky-cookie|consistent-hash] [--port P] [--admin-port P]
  statecraft deploy  nginx|haproxy --mode M --backends host:port,host:port… [--listen host:port]
                     [--prefix /var/lib/statecraft-lb] [--out FILE]   (prints the config, or writes FILE)`;

class UsageError extends Error {}

function mode(value: string | undefined): Mode {
  if (value === undefined) throw new UsageError('--mode is required');
  if (!MODES.includes(value as Mode))
    throw new UsageError(`unknown mode ${value}; modes are ${MODES.join(', ')}`);
  return value as Mode;
}

function int(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} takes a whole number from ${min} to ${max}`);
  return n;
}

/** Resolves on SIGINT/SIGTERM, so commands that run until stopped can clean up. */
function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

async function runCompare(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      modes: { type: 'string', default: MODES.join(',') },
      users: { type: 'string', default: '50' },
      json: { type: 'boolean', default: false },
    },
  });
  const modes = values.modes.split(',').map((m) => mode(m.trim()));
  const users = int('users', values.users, 1, 10_000)!;
  const results = await compare(modes, users, (m) => process.stderr.write(`${m}\n`));
  if (values.json) console.log(JSON.stringify(results, null, 2));
  else {
    console.log(`\nstatecraft: one process, real HTTP on loopback, ${users} users per mode\n`);
    console.log(table(results));
  }
  return 0;
}

function num(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${name} takes a number from ${min} to ${max}`);
  return n;
}

async function runLabCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      modes: { type: 'string', default: MODES.join(',') },
      // Left out, these come from the lab's DEFAULT_CONFIG, the one place they are set.
      instances: { type: 'string' },
      balancer: { type: 'string' },
      store: { type: 'string' },
      rate: { type: 'string' },
      phase: { type: 'string' },
      warmup: { type: 'string' },
      users: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string', default: 'reports' },
      json: { type: 'boolean', default: false },
      app: { type: 'string' },
      'metrics-port': { type: 'string', default: '0' },
      ...NET_FLAG_OPTIONS,
      ui: { type: 'boolean', default: false },
      'ui-port': { type: 'string', default: '0' },
      duration: { type: 'string' },
    },
  });
  const { DEFAULT_CONFIG: D, runLab } = await import('../lab/run.js');
  const balancer = (values.balancer ?? D.balancer) as 'builtin' | 'nginx' | 'haproxy';
  if (!['builtin', 'nginx', 'haproxy'].includes(balancer))
    throw new UsageError('--balancer is builtin, nginx or haproxy');
  const store = values.store ?? D.store;
  if (!/^(sqlite|(rediss?|redis-cluster|redis-sentinel):\/\/.+|postgres(ql)?:\/\/.+)$/.test(store)) {
    throw new UsageError(
      '--store is sqlite, redis://host:port, redis-cluster://host:port,host:port,…, ' +
        'redis-sentinel://host:port,…/primaryName or postgres://user@host/db',
    );
  }
  const { writeReport } = await import('../lab/report/files.js');
  const { renderTerminal } = await import('../lab/report/terminal.js');
  const config = {
    ...D,
    modes: [...new Set(values.modes.split(',').map((m) => mode(m.trim())))],
    instances: int('instances', values.instances ?? String(D.instances), 1, 16)!,
    balancer,
    store,
    // Four lanes at once on the dashboard: a rate two cores carry for all of them.
    rate: num('rate', values.rate ?? (values.ui ? '20' : String(D.rate)), 1, 100_000),
    phaseSeconds: num('phase', values.phase ?? String(D.phaseSeconds), 0.5, 600),
    warmupSeconds: num('warmup', values.warmup ?? String(D.warmupSeconds), 0, 600),
    users: int('users', values.users ?? String(D.users), 1, 100_000)!,
    seed: int('seed', values.seed ?? String(D.seed), 0, 2 ** 31)!,
    app: values.app ?? null,
    ...netFlags({ ...values, store }, (m) => new UsageError(m)),
  };
  if (values.ui && config.sweepRttMs) throw new UsageError('--ui and --sweep-rtt exclude each other');
  // A sweep runs every mode at every RTT (steady phases) instead of the fault timeline.
  const lab = config.sweepRttMs ? (await import('../lab/sweep.js')).runSweepOf : runLab;
  const { LiveCounters, serveMetrics } = await import('../lab/live.js');
  const live = new LiveCounters();
  const metrics = await serveMetrics(live, int('metrics-port', values['metrics-port'], 0, 65_535)!);
  const t0 = Date.now();
  const elapsed = () => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s]`;
  process.stderr.write(`${elapsed()} live metrics (OpenMetrics): ${metrics.url}\n`);
  // On a terminal, one line that keeps the run's pulse: phase, requests, errors, damage.
  const tty = process.stderr.isTTY === true;
  const pulse = tty
    ? setInterval(() => {
        const now = live.snapshot().at(-1);
        if (!now) return;
        const errors = Object.values(now.errors).reduce((a, b) => a + b, 0);
        process.stderr.write(
          `\r${elapsed()} ${now.mode} ${now.phase}: ${now.requests} requests, ${errors} errors, ${now.sessionsLost} sessions lost  `,
        );
      }, 500)
    : null;
  const log = (line: string) => process.stderr.write(`${tty ? '\r\x1b[K' : ''}${elapsed()} ${line}\n`);
  const ui = values.ui
    ? await (await import('../ui/index.js')).openDashboard(config, {
        port: int('ui-port', values['ui-port'], 0, 65_535)!,
        durationSeconds: values.duration === undefined ? null : num('duration', values.duration, 1, 86_400),
        log,
      })
    : null;
  const report = await lab(config, log, live, ui?.hooks)
    .catch((e: unknown) => {
      ui?.fail(e instanceof Error ? e.message : 'the run failed');
      throw e;
    })
    .finally(() => {
      if (pulse) clearInterval(pulse);
      metrics.server.close();
    });
  ui?.finish(report);
  if (tty) process.stderr.write('\r\x1b[K');
  const files = await writeReport(resolve(values.out), report);
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else console.log(renderTerminal(report, { color: process.stdout.isTTY === true }));
  console.log(`\nreport.json  ${files.json}\nreport.html  ${files.html}\nreport.csv   ${files.csv}`);
  if (ui) await ui.keepOpen();
  return report.valid ? 0 : 3;
}

async function runServe(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      mode: { type: 'string' },
      port: { type: 'string', default: '3000' },
      store: { type: 'string' },
    },
  });
  const m = mode(values.mode);
  await checkInstanceUrls(values);
  const port = int('port', values.port, 0, 65_535)!;
  process.env.PORT = String(port);
  process.env.INSTANCE_ID ??= 'i1';
  process.env.STATECRAFT_MODE = m;
  if (values.store) process.env.STATECRAFT_STORE = values.store;
  process.env.STATECRAFT_SECRET ??= randomBytes(32).toString('hex');
  console.log(`statecraft serve: mode ${m} on http://127.0.0.1:${port} (Ctrl-C drains and stops)`);
  // The app's process entry reads the instance contract from the environment set above.
  await import('../app/main.js');
  return -1; // the app owns the process from here
}

/** `--store` / `--bus` for `serve` and `cluster`, checked as the instances will read them. */
async function checkInstanceUrls(values: { store?: string; bus?: string }): Promise<void> {
  const { parseBus, parseStore } = await import('../app/env.js');
  try {
    if (values.store !== undefined) parseStore(values.store);
    if (values.bus !== undefined) parseBus(values.bus);
  } catch (e) {
    // The instance's message names its variable; here the user typed a flag.
    const message = (e as Error).message.replace(
      /^STATECRAFT_(STORE|BUS)/,
      (_, w: string) => `--${w.toLowerCase()}`,
    );
    throw new UsageError(message);
  }
}

async function runCluster(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      mode: { type: 'string' },
      instances: { type: 'string', default: '3' },
      balancer: { type: 'string', default: 'builtin' },
      store: { type: 'string' },
      bus: { type: 'string' },
      policy: { type: 'string' },
      port: { type: 'string' },
      'admin-port': { type: 'string' },
    },
  });
  const m = mode(values.mode);
  await checkInstanceUrls(values);
  const instances = int('instances', values.instances, 1, 32)!;
  const balancer = values.balancer as 'builtin' | 'nginx' | 'haproxy';
  if (!['builtin', 'nginx', 'haproxy'].includes(balancer))
    throw new UsageError('--balancer is builtin, nginx or haproxy');
  const { isPolicyName, POLICIES, startCluster } = await import('../cluster/index.js');
  if (values.policy !== undefined && !isPolicyName(values.policy))
    throw new UsageError(`--policy is ${POLICIES.join(', ')}`);
  process.stderr.write(`starting ${instances} ${m} instances behind the ${balancer} balancer…\n`);
  const port = int('port', values.port, 1, 65_535);
  const adminPort = int('admin-port', values['admin-port'], 1, 65_535);
  const cluster = await startCluster({
    mode: m,
    instances,
    balancer,
    ...(values.store ? { store: values.store } : {}),
    ...(values.bus ? { bus: values.bus } : {}),
    ...(values.policy ? { policy: values.policy } : {}),
    ...(port ? { port } : {}),
    ...(adminPort ? { adminPort } : {}),
  });
  const list = cluster.supervisor.snapshot();
  console.log(
    `statecraft cluster: mode ${m}, ${list.length} instances, ${balancer} balancer (${cluster.policy})`,
  );
  console.log(`  app       ${cluster.url}`);
  if (cluster.adminUrl) console.log(`  control   ${cluster.adminUrl}/instances`);
  for (const i of list) console.log(`  ${i.id.padEnd(9)} http://127.0.0.1:${i.port} (pid ${i.pid})`);
  console.log('Ctrl-C stops every instance.');
  await untilStopped();
  process.stderr.write('stopping…\n');
  await cluster.stop();
  return 0;
}

function hostPort(s: string, what: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  const port = Number(s.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new UsageError(`${what}: expected host:port, got ${s}`);
  }
  return { host: s.slice(0, i), port };
}

async function runDeploy(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      mode: { type: 'string' },
      backends: { type: 'string' },
      listen: { type: 'string', default: '0.0.0.0:8080' },
      prefix: { type: 'string', default: '/var/lib/statecraft-lb' },
      out: { type: 'string' },
    },
  });
  const engine = positionals[0];
  if (engine !== 'nginx' && engine !== 'haproxy') throw new UsageError('deploy takes nginx or haproxy');
  const m = mode(values.mode);
  if (!values.backends) throw new UsageError('--backends is required (host:port,host:port…)');
  const backends = values.backends
    .split(',')
    .map((b, i) => ({ id: `app${i + 1}`, ...hostPort(b.trim(), '--backends') }));
  const { renderNginx, renderHaproxy } = await import('../cluster/real/index.js');
  const options = {
    mode: m,
    backends,
    listen: hostPort(values.listen, '--listen'),
    prefix: values.prefix,
    logs: 'stdio' as const,
  };
  const text = engine === 'nginx' ? renderNginx(options) : renderHaproxy(options);
  if (values.out) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(values.out, text);
    const check = engine === 'nginx' ? `nginx -t -c ${values.out}` : `haproxy -c -f ${values.out}`;
    process.stderr.write(
      `wrote ${values.out}: ${engine} for ${m} over ${backends.length} backends.\n` +
        `It keeps its files under ${values.prefix}: create ${values.prefix}/tmp first, then check it with: ${check}\n`,
    );
  } else process.stdout.write(text);
  return 0;
}

async function main(): Promise<number> {
  const [first, ...rest] = process.argv.slice(2);
  const help = (a: string) => a === '-h' || a === '--help';
  if (first === 'help' || process.argv.slice(2).some(help)) {
    console.log(USAGE);
    return 0;
  }
  const command = first === undefined || first.startsWith('-') ? 'lab' : first;
  const args = command === first ? rest : process.argv.slice(2);
  switch (command) {
    case 'lab':
      return runLabCommand(args);
    case 'compare':
      return runCompare(args);
    case 'serve':
      return runServe(args);
    case 'cluster':
      return runCluster(args);
    case 'deploy':
      return runDeploy(args);
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e) => {
    if (e instanceof UsageError || String((e as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) {
      console.error(`${e.message}\n${USAGE}`);
      process.exit(2);
    }
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
