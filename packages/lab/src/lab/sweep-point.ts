/**
 * One point of an RTT sweep: one mode on its own cluster with the fault proxy on the chosen
 * links at one RTT, a steady open-model phase (warm-up, then a baseline: no faults), and the
 * scaling probes C7 reads (the same closed-model burst against N instances and against one,
 * and an instance joining under load).
 */
import { type Cluster, startCluster } from '../cluster/index.js';
import type { NetOptions } from '../net/links.js';
import type { LiveCounters } from './live.js';
import { createGenerator, type GeneratorResults, planSchedule } from './load/index.js';
import type { LabConfig, Mode, ModeReport } from './model.js';
import { populate } from './probes/population.js';
import { probeScaling } from './probes/scaling.js';
import type { NetConfig, SweepPoint } from './sweep-model.js';

/** The links a mode's cluster gets: the store link only where the mode has a store on a network. */
export function netOptionsFor(mode: Mode, net: NetConfig): NetOptions {
  const s = { rttMs: net.rttMs, jitterMs: net.jitterMs };
  const stored = mode === 'shared' || mode === 'hybrid';
  return {
    ...(net.link !== 'instances' && stored ? { store: s } : {}),
    ...(net.link !== 'store' ? { instances: s } : {}),
  };
}

/** Store operations all ready instances reported, or null when one did not say. */
async function storeOps(c: Cluster): Promise<number | null> {
  const list = await c.supervisor.list();
  if (list.some((i) => i.state === 'ready' && typeof i.storeOps !== 'number')) return null;
  return list.reduce((a, i) => a + (i.storeOps ?? 0), 0);
}

/** What the store link's proxy has held so far, towards the store: chunks and total ms. */
async function storeHeld(c: Cluster): Promise<{ chunks: number; heldMs: number } | null> {
  const link = await c.net?.state('store');
  const proxy = link ? Object.values(link.proxies)[0] : undefined;
  return proxy ? { chunks: proxy.up.chunks, heldMs: proxy.up.heldMs } : null;
}

export interface PointRun {
  point: SweepPoint;
  /** The steady phase as a mode report (its time series feed the report's charts). */
  report: ModeReport;
  results: GeneratorResults;
}

/** Options of a sweep point beyond the lab's configuration. */
export interface PointOptions {
  /** Milliseconds of each scaling burst and of the join probe. @default 1500 */
  probeMs?: number;
  live?: LiveCounters;
}

export async function runPoint(
  mode: Mode,
  config: LabConfig,
  net: NetConfig,
  o: PointOptions = {},
): Promise<PointRun> {
  const probeMs = o.probeMs ?? 1500;
  const stored = mode === 'shared' || mode === 'hybrid';
  const cluster = await startCluster({
    mode,
    instances: config.instances,
    balancer: config.balancer,
    ...(stored && config.store !== 'sqlite' ? { store: config.store } : {}),
    ...(config.app === null ? {} : { command: config.app.split(/\s+/).filter(Boolean) }),
    net: netOptionsFor(mode, net),
  });
  try {
    // A fresh cluster is cold (connections, lazily loaded code, the proxy host starting): a few
    // users log in and fill a cart before the clock starts, so the warm-up is not spent on that.
    await populate(cluster.url, 20, 1, `${mode}${config.seed}-rtt${net.rttMs}`);
    const warmupMs = config.warmupSeconds * 1000;
    const gen = createGenerator({ target: cluster.url, connections: 16 });
    gen.beginPhase('warm-up', 'warmup');
    o.live?.track(mode, gen);
    const done = gen.run(
      planSchedule({
        seed: config.seed,
        rate: config.rate,
        durationMs: warmupMs + config.phaseSeconds * 1000,
        users: config.users,
      }),
    );
    await gen.until(warmupMs);
    gen.beginPhase('baseline', 'baseline');
    const ops0 = await storeOps(cluster);
    const held0 = await storeHeld(cluster);
    const results = await done;
    const ops1 = await storeOps(cluster);
    const held1 = await storeHeld(cluster);
    o.live?.settle(mode);
    const base = results.phases.find((p) => p.kind === 'baseline');

    const metrics: Record<string, number | null> = {
      p50_ms: base?.latency.p50 ?? null,
      p99_ms: base?.latency.p99 ?? null,
      throughput_rps: base?.throughput ?? null,
      store_ops_per_request:
        ops0 !== null && ops1 !== null && base && base.requests > 0
          ? Math.max(0, ops1 - ops0) / base.requests
          : null,
    };
    const notes: Record<string, string> = {};
    if (metrics.store_ops_per_request === null)
      notes.store_ops_per_request = 'the app did not report its store operations';

    // Scaling (C7): the same closed-model burst against N instances, then one.
    Object.assign(metrics, await probeScaling(cluster, config.seed, probeMs));

    // An instance joins under load: how evenly is load spread afterwards?
    await cluster.supervisor.add();
    const joinGen = createGenerator({ target: cluster.url, connections: 16 });
    joinGen.beginPhase('join', 'probe');
    const joined = await joinGen.run(
      planSchedule({ seed: config.seed + 1, rate: config.rate, durationMs: probeMs, users: config.users }),
    );
    const shares = Object.values(joined.loadShare);
    const n = cluster.supervisor.snapshot().filter((i) => i.state === 'ready').length;
    metrics.load_skew_after_join = shares.length > 0 ? Math.max(...shares) * n - 1 : null;

    const store =
      mode === 'sticky'
        ? 'memory'
        : mode === 'stateless'
          ? 'token'
          : (cluster.env.STATECRAFT_STORE ?? '').split(':')[0]!;
    const point: SweepPoint = {
      rttMs: net.rttMs,
      mode,
      store,
      metrics,
      notes,
      p50UncorrectedMs: base?.latencyUncorrected.p50 ?? null,
      measuredStoreOneWayMs:
        held0 && held1 && held1.chunks > held0.chunks
          ? (held1.heldMs - held0.heldMs) / (held1.chunks - held0.chunks)
          : null,
    };
    const report: ModeReport = {
      mode,
      store,
      balancer: config.balancer,
      instances: config.instances,
      connectionPolicy: results.connectionPolicy,
      phases: results.phases,
      series: results.series,
      faults: [],
      generator: results.generator,
      loadShare: results.loadShare,
      metrics,
      notes,
    };
    return { point, report, results };
  } finally {
    await cluster.stop();
  }
}
