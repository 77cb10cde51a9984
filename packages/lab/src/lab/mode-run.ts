/**
 * One mode's run: a cluster of the mode, open-model load through the planned phases with the
 * faults fired on time, then the probes (damage, revocation, concurrency, replay, memory,
 * round-robin for sticky, scaling), and every figure the claim rules read, by name.
 */
import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Cluster, type ClusterOptions, startCluster } from '../cluster/index.js';
import type { LiveCounters } from './live.js';
import { createGenerator, type GeneratorResults, type LoadGenerator, planSchedule } from './load/index.js';
import type { FaultEvent, LabConfig, Mode, ModeReport, PhaseMetrics } from './model.js';
import type { PhasePlan, RunPlan } from './plan.js';
import { measureCaching } from './probes/caching.js';
import { ProbeClient } from './probes/client.js';
import { probeConcurrency } from './probes/concurrency.js';
import { probeIdempotency } from './probes/idempotency.js';
import { assess, type Damage, populate } from './probes/population.js';
import { probeRevocation } from './probes/revocation.js';
import { probeScaling } from './probes/scaling.js';
import { netOptionsFor } from './sweep-point.js';

export type Progress = (line: string) => void;

const sum = (xs: Iterable<number>) => [...xs].reduce((a, b) => a + b, 0);
// Failures of the system under test: `dropped` arrivals are the generator's own (and make the
// run invalid), not the server's.
const errorsOf = (p: PhaseMetrics | undefined) =>
  p ? sum(Object.entries(p.errors).flatMap(([kind, n]) => (kind === 'dropped' ? [] : [n]))) : 0;

async function rssTotal(c: Cluster): Promise<number> {
  return sum((await c.supervisor.list()).map((i) => i.rss ?? 0));
}

/** Store operations and bus publishes all instances reported, or null when one did not say. */
async function storeOps(c: Cluster): Promise<number | null> {
  const list = await c.supervisor.list();
  if (list.some((i) => i.state === 'ready' && typeof i.storeOps !== 'number')) return null;
  return sum(list.map((i) => i.storeOps ?? 0));
}

/** Fires one planned fault; resolves when it is over. */
async function fire(c: Cluster, p: PhasePlan, log: Progress): Promise<void> {
  const f = p.fault!;
  if (f.kind === 'kill') {
    log(`  SIGKILL ${f.target}`);
    await c.supervisor.kill(f.target!);
  } else if (f.kind === 'roll') {
    await roll(c, log);
  }
}

/** A rolling restart: each instance drained and started again in turn (a dead one just started). */
export async function roll(c: Cluster, log: Progress): Promise<void> {
  for (const i of c.supervisor.snapshot()) {
    if (i.state === 'dead') {
      await c.supervisor.restart(i.id);
      continue;
    }
    log(`  drain and restart ${i.id}`);
    await c.supervisor.drain(i.id);
    await c.supervisor.restart(i.id);
  }
}

/** The store's footprint outside the instances, when it is a file we can measure. */
function storeBytes(c: Cluster): number | null {
  const store = c.env.STATECRAFT_STORE ?? '';
  if (!store.startsWith('sqlite:')) return null;
  const file = store.slice('sqlite:'.length);
  let n = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      n += statSync(f).size;
    } catch {
      // No WAL yet.
    }
  }
  return n;
}

/** How the live dashboard takes part in a mode's run (`statecraft lab --ui`). */
export interface ModeHooks {
  /** Cluster options the dashboard needs: its origin, and the lane's operations. */
  options?: Pick<ClusterOptions, 'adminOrigins' | 'adminActions'>;
  /** Awaited before the cluster starts. */
  starting?(): Promise<void>;
  /** The cluster is up (its instances can be watched and broken from here on). */
  cluster?(cluster: Cluster): void;
  /** The load is about to start; faults done by hand go into `faults`. */
  started?(gen: LoadGenerator, faults: FaultEvent[]): void;
  /**
   * Steady load, one phase after the warm-up, until `until` resolves or `maxMs` has passed,
   * instead of the planned phases and faults: the faults are the user's.
   */
  steady?: { until: Promise<void>; maxMs: number };
  /** Awaited before the probes; what it resolves is called once the cluster is stopped. */
  probes?(): Promise<() => void>;
  /** The mode's run failed (its cluster is stopped). */
  failed?(error: unknown): void;
}

/** Steady load: the warm-up, then one `live` phase until told to stop or the schedule ends. */
async function steadyLoad(
  gen: LoadGenerator,
  done: Promise<unknown>,
  until: Promise<void>,
  warmupMs: number,
): Promise<void> {
  let over = false;
  const end = Promise.race([until, done]).then(() => {
    over = true;
  });
  await Promise.race([end, gen.until(warmupMs)]);
  if (!over) gen.beginPhase('live', 'baseline');
  await end;
  gen.stop();
}

export interface ModeRun {
  report: ModeReport;
  faults: FaultEvent[];
  results: GeneratorResults;
}

/** `--app CMD`: any program implementing docs/app-contract.md, started once per instance. */
function appCommand(config: LabConfig): { command?: string[] } {
  return config.app === null ? {} : { command: config.app.split(/\s+/).filter(Boolean) };
}

export async function runMode(
  mode: Mode,
  config: LabConfig,
  plan: RunPlan,
  log: Progress,
  live?: LiveCounters,
  hooks: ModeHooks = {},
): Promise<ModeRun> {
  const storeFlag =
    mode === 'shared' || mode === 'hybrid' ? (config.store === 'sqlite' ? {} : { store: config.store }) : {};
  await hooks.starting?.();
  const cluster = await startCluster({
    mode,
    instances: config.instances,
    balancer: config.balancer,
    ...storeFlag,
    ...appCommand(config),
    // `--rtt`: the fault proxy on the chosen links (none by default).
    ...(config.net ? { net: netOptionsFor(mode, config.net) } : {}),
    ...hooks.options,
  });
  hooks.cluster?.(cluster);
  let release = () => {};
  const metrics: Record<string, number | null> = {};
  const notes: Record<string, string> = {};
  const faults: FaultEvent[] = [];
  try {
    log(
      `${mode}: ${config.instances} instances behind ${config.balancer} (${cluster.policy}) at ${cluster.url}`,
    );
    const tag = `${mode}${config.seed}`;

    // Memory and store size per 1,000 sessions (C3).
    const rss0 = await rssTotal(cluster);
    const bytes0 = storeBytes(cluster);
    const crowd = await populate(cluster.url, 300, 1, `${tag}-mem`);
    await sleep(300);
    const rss1 = await rssTotal(cluster);
    const bytes1 = storeBytes(cluster);
    metrics.rss_mb_per_1k_sessions = ((rss1 - rss0) / 1e6) * (1000 / crowd.length);
    metrics.store_bytes_per_1k_sessions =
      bytes0 !== null && bytes1 !== null ? ((bytes1 - bytes0) * 1000) / crowd.length : null;
    if (metrics.store_bytes_per_1k_sessions === null) {
      notes.store_bytes_per_1k_sessions =
        mode === 'sticky' || mode === 'stateless'
          ? 'no store outside the instances'
          : 'store size not measured for this engine';
    }

    // Users whose damage the kill and the roll are judged by.
    const people = await populate(cluster.url, 60, 2, `${tag}-pop`);
    const before = await assess(people);

    // Open-model load through the planned phases.
    const gen = createGenerator({ target: cluster.url, connections: 16 });
    const schedule = planSchedule({
      seed: config.seed,
      rate: config.rate,
      durationMs: hooks.steady?.maxMs ?? plan.durationMs,
      users: config.users,
    });
    gen.beginPhase(plan.phases[0]!.name, plan.phases[0]!.kind);
    live?.track(mode, gen);
    hooks.started?.(gen, faults);
    const done = gen.run(schedule);
    if (hooks.steady) await steadyLoad(gen, done, hooks.steady.until, config.warmupSeconds * 1000);
    let afterKill: Promise<Damage> | null = null;
    let afterRoll: Promise<Damage> | null = null;
    let opsAtBaseline: Promise<number | null> | null = null;
    let opsBaseline: [number | null, number | null] | null = null;
    for (const p of hooks.steady ? [] : plan.phases.slice(1)) {
      if (gen.now() >= plan.durationMs) break;
      await gen.until(p.startMs);
      if (gen.now() >= plan.durationMs) break;
      gen.beginPhase(p.name, p.kind);
      log(`  ${p.name} at ${(p.startMs / 1000).toFixed(1)} s`);
      // Damage is read as the phase begins, beside the load, not in its way.
      if (p.name === 'after-kill') afterKill = assess(people);
      if (p.name === 'after-roll') afterRoll = assess(people);
      if (p.name === 'baseline') opsAtBaseline = storeOps(cluster);
      if (p.name === 'kill' && opsAtBaseline) opsBaseline = [await opsAtBaseline, await storeOps(cluster)];
      if (p.fault) {
        const startMs = gen.now();
        await fire(cluster, p, log);
        faults.push({
          mode,
          kind: p.fault.kind,
          ...(p.fault.target ? { target: p.fault.target } : {}),
          startMs,
          endMs: gen.now(),
        });
      }
    }
    const results = await done;
    live?.settle(mode);
    release = (await hooks.probes?.()) ?? release;
    const killDamage = afterKill ? await afterKill : null;
    const rollDamage = afterRoll ? await afterRoll : null;

    const phase = (name: string) => results.phases.find((x) => x.name === name);
    const base = phase('baseline');
    metrics.p50_ms = base?.latency.p50 ?? null;
    metrics.p99_ms = base?.latency.p99 ?? null;
    metrics.throughput_rps = base?.throughput ?? null;
    const killPhase = phase('kill');
    metrics.failed_requests_during_kill = errorsOf(killPhase);
    metrics.failed_share_during_kill =
      killPhase && killPhase.requests > 0 ? errorsOf(killPhase) / killPhase.requests : null;
    metrics.failed_requests_after_kill = errorsOf(phase('after-kill'));
    metrics.failed_requests_during_roll = errorsOf(phase('roll'));
    metrics.sessions_lost_after_kill = killDamage ? killDamage.sessionsLost - before.sessionsLost : null;
    metrics.cart_items_lost_after_kill = killDamage ? killDamage.cartItemsLost - before.cartItemsLost : null;
    // Users lost to the kill stay lost: the roll is judged on the users who survived it.
    metrics.sessions_lost_during_roll =
      rollDamage && killDamage ? rollDamage.sessionsLost - killDamage.sessionsLost : null;

    const b = results.bytes;
    metrics.request_bytes_per_req = b.requests > 0 ? b.requestBytes / b.requests : null;
    metrics.response_bytes_per_req = b.requests > 0 ? b.responseBytes / b.requests : null;
    metrics.credential_bytes = b.requests > 0 ? b.credentialBytes / b.requests : null;

    // Caching (C13): the run's GET answers, then eager sessions and nginx's cache.
    const cacheTarget = { mode, config, ...storeFlag, ...appCommand(config) };
    Object.assign(metrics, await measureCaching(cacheTarget, results.cacheability, notes, log));

    // Probes on the settled cluster.
    const rev = await probeRevocation(cluster.url, cluster.supervisor.ready(), `${tag}-rev`);
    metrics.revocation_delay_ms = rev.delayMs;
    if (rev.delayMs === null) notes.revocation_delay_ms = rev.status;
    const con = await probeConcurrency(cluster.url, `${tag}-con`, 20);
    metrics.concurrent_items_lost = con.lost;
    metrics.concurrent_items_sent = con.acknowledged;
    const idem = await probeIdempotency(cluster.url, tag);
    metrics.duplicate_checkouts_with_key = idem.duplicatesWithKey;
    metrics.duplicate_checkouts_without_key = idem.duplicatesWithoutKey;

    // Behind plain round-robin (C6): this cluster already is, except sticky's.
    metrics.session_loss_share_round_robin = await roundRobinLoss(mode, config, cluster, tag, log);

    // Scaling (C7): the same closed-model burst against N instances, then one.
    Object.assign(metrics, await probeScaling(cluster, config.seed));
    const [ops0, ops1] = opsBaseline ?? [null, null];
    metrics.store_ops_per_request =
      ops0 !== null && ops1 !== null && base && base.requests > 0
        ? Math.max(0, ops1 - ops0) / base.requests
        : null;
    if (metrics.store_ops_per_request === null)
      notes.store_ops_per_request = 'the app did not report its store operations';

    // An instance joins under load: how evenly is load spread afterwards?
    await cluster.supervisor.add();
    const joinGen = createGenerator({ target: cluster.url, connections: 16 });
    joinGen.beginPhase('join', 'probe');
    const joined = await joinGen.run(
      planSchedule({ seed: config.seed + 1, rate: config.rate, durationMs: 1500, users: config.users }),
    );
    const shares = Object.values(joined.loadShare);
    const n = cluster.supervisor.snapshot().filter((i) => i.state === 'ready').length;
    metrics.load_skew_after_join = shares.length > 0 ? Math.max(...shares) * n - 1 : null;

    metrics.wrong_user_responses =
      results.users.wrongUser +
      joined.users.wrongUser +
      (rollDamage?.wrongUser ?? 0) +
      (killDamage?.wrongUser ?? 0);

    const report: ModeReport = {
      mode,
      store:
        mode === 'sticky'
          ? 'memory'
          : mode === 'stateless'
            ? 'token'
            : (cluster.env.STATECRAFT_STORE ?? '').split(':')[0]!,
      balancer: config.balancer,
      instances: config.instances,
      connectionPolicy: results.connectionPolicy,
      phases: results.phases,
      series: results.series,
      faults,
      generator: results.generator,
      loadShare: results.loadShare,
      metrics,
      notes,
    };
    return { report, faults, results };
  } finally {
    await cluster.stop();
    release();
  }
}

/** Share of authenticated requests refused when the mode runs behind plain round-robin. */
async function roundRobinLoss(
  mode: Mode,
  config: LabConfig,
  current: Cluster,
  tag: string,
  log: Progress,
): Promise<number> {
  // Each user logs in and comes back at once, user after user: with nothing else in flight,
  // plain round-robin sends the next request elsewhere (a crowd logging in first and coming
  // back in the same order would land on the same instances again and hide the loss).
  const measure = async (url: string) => {
    let refused = 0;
    let total = 0;
    for (let u = 0; u < 20; u++) {
      const client = new ProbeClient(url);
      await client.send('POST', '/login', { user: `${tag}-rr-u${u}` });
      for (let k = 0; k < 3; k++) {
        total++;
        if ((await client.send('GET', '/me')).status === 401) refused++;
      }
    }
    return refused / total;
  };
  if (mode !== 'sticky') return measure(current.url);
  log('  sticky behind round-robin');
  const rr = await startCluster({
    mode,
    instances: config.instances,
    balancer: 'builtin',
    policy: 'round-robin',
    ...appCommand(config),
  });
  try {
    return await measure(rr.url);
  } finally {
    await rr.stop();
  }
}
