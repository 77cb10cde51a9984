/**
 * Caching (C13). The run's own GET answers are judged as they arrive (load/cacheability.ts);
 * this file adds the two measurements the run itself cannot make:
 *
 * - `probeEagerCaching`: the same traffic (same mix, rate and users) for a short while against
 *   one instance of the mode that starts a session for every visitor of the catalogue, as
 *   frameworks that save uninitialized sessions do, judged the same way.
 * - `probeProxyCache`: real nginx with a `proxy_cache` zone for the catalogue in front of the
 *   mode's instances; anonymous catalogue requests are sent through it and the instances' own
 *   request counters say how many still reached them.
 *
 * `cachingMetrics` turns both into the figures the C13 rule reads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterEnvironment, startCluster, startSupervisor } from '../../cluster/index.js';
import type { Cacheability, CacheCounts } from '../load/cacheability.js';
import { createGenerator, planSchedule } from '../load/index.js';
import type { LabConfig, Mode } from '../model.js';

/** How long the eager-session probe sends, after its own short warm-up. */
export const EAGER_PROBE_MS = 1500;
/** Anonymous catalogue requests sent through nginx's cache. */
export const PROXY_CACHE_REQUESTS = 200;
/** The catalogue paths the probes ask for and nginx caches. */
export const CATALOGUE_PATHS = ['/products', '/products/tea-1', '/products/cup-1'] as const;

/** Where the probes' clusters run: the mode's store and app, as the run's own cluster. */
export interface ProbeTarget {
  mode: Mode;
  config: LabConfig;
  /** `STATECRAFT_STORE` for `shared` and `hybrid` (undefined: the default SQLite file). */
  store?: string;
  /** The app's argv (`--app`). */
  command?: string[];
}

/**
 * The run's traffic, briefly, against one instance of the mode with eager sessions (behind the
 * run's balancer engine and policy, so an affinity cookie counts as it does in the run).
 */
export async function probeEagerCaching(t: ProbeTarget): Promise<Cacheability> {
  const cluster = await startCluster({
    mode: t.mode,
    instances: 1,
    balancer: t.config.balancer,
    adminPort: false,
    env: { STATECRAFT_EAGER_SESSIONS: '1' },
    ...(t.store === undefined ? {} : { store: t.store }),
    ...(t.command === undefined ? {} : { command: t.command }),
  });
  try {
    const gen = createGenerator({ target: cluster.url, connections: 8 });
    gen.beginPhase('eager-sessions', 'probe');
    const r = await gen.run(
      planSchedule({
        seed: t.config.seed + 2,
        rate: t.config.rate,
        durationMs: EAGER_PROBE_MS,
        users: t.config.users,
      }),
    );
    return r.cacheability;
  } finally {
    await cluster.stop();
  }
}

/** What the nginx cache probe saw. */
export interface ProxyCacheResult {
  /** Anonymous catalogue requests sent through nginx. */
  sent: number;
  /** Those answered 200 or 304. */
  answered: number;
  /** Requests the instances counted while the probe ran: what still reached the origin. */
  origin: number;
}

/**
 * Anonymous catalogue requests through real nginx with a `proxy_cache` zone, in front of
 * `instances` instances of the mode with lazy sessions. The instances count every request they
 * receive; nginx answers its own status path and checks nothing actively, so the difference of
 * their counts over the probe is the catalogue traffic that reached them.
 *
 * @throws RealBalancerError `ENGINE_MISSING` when nginx is not installed.
 */
export async function probeProxyCache(
  t: ProbeTarget,
  requests = PROXY_CACHE_REQUESTS,
  instances = 2,
): Promise<ProxyCacheResult> {
  const { startRealBalancer } = await import('../../cluster/real/index.js');
  const dir = mkdtempSync(join(tmpdir(), `statecraft-cache-${t.mode}-`));
  const env = clusterEnvironment({ mode: t.mode, ...(t.store === undefined ? {} : { store: t.store }) }, dir);
  const supervisor = await startSupervisor({ command: t.command, instances, env, dir });
  let nginx: Awaited<ReturnType<typeof startRealBalancer>> | null = null;
  try {
    nginx = await startRealBalancer({
      engine: 'nginx',
      mode: t.mode,
      backends: supervisor.ready(),
      cachePaths: ['/products'],
    });
    const count = async () => (await supervisor.list()).reduce((n, i) => n + (i.requests ?? 0), 0);
    const before = await count();
    let answered = 0;
    let next = 0;
    // A few anonymous visitors at a time, each request without a cookie.
    const worker = async () => {
      while (next < requests) {
        const path = CATALOGUE_PATHS[next++ % CATALOGUE_PATHS.length]!;
        const res = await fetch(nginx!.url + path, { signal: AbortSignal.timeout(5000) });
        await res.arrayBuffer();
        if (res.status === 200 || res.status === 304) answered++;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    return { sent: requests, answered, origin: Math.max(0, (await count()) - before) };
  } finally {
    await nginx?.stop();
    await supervisor.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const share = (n: number, of: number): number | null => (of > 0 ? n / of : null);

function add(a: CacheCounts, b: CacheCounts): CacheCounts {
  return {
    responses: a.responses + b.responses,
    storable: a.storable + b.storable,
    shareable: a.shareable + b.shareable,
  };
}

/**
 * The C13 figures of one mode: the run's GET answers (lazy sessions), the eager-session probe's,
 * and the nginx probe's, or null for a part that was not measured.
 */
export function cachingMetrics(
  lazy: Cacheability,
  eager: Cacheability | null,
  proxy: ProxyCacheResult | null,
): Record<string, number | null> {
  const all = add(lazy.anonymous, lazy.authenticated);
  const m: Record<string, number | null> = {
    get_responses: all.responses,
    get_shareable_responses: all.shareable,
    get_shareable_share: share(all.shareable, all.responses),
    anonymous_get_responses: lazy.anonymous.responses,
    anonymous_shareable_share: share(lazy.anonymous.shareable, lazy.anonymous.responses),
    authenticated_get_responses: lazy.authenticated.responses,
    authenticated_storable_responses: lazy.authenticated.storable,
    eager_get_shareable_share: null,
    eager_anonymous_shareable_share: null,
    eager_authenticated_storable_responses: null,
    proxy_cache_catalogue_requests: proxy?.sent ?? null,
    proxy_cache_origin_requests: proxy?.origin ?? null,
  };
  if (eager !== null) {
    const e = add(eager.anonymous, eager.authenticated);
    m.eager_get_shareable_share = share(e.shareable, e.responses);
    m.eager_anonymous_shareable_share = share(eager.anonymous.shareable, eager.anonymous.responses);
    m.eager_authenticated_storable_responses = eager.authenticated.storable;
  }
  return m;
}

/**
 * Every C13 figure of one mode: the run's own GET answers (`lazy`), the eager-session probe,
 * and nginx's cache when the run is behind nginx. A figure not measured is null with its reason
 * in `notes`.
 */
export async function measureCaching(
  t: ProbeTarget,
  lazy: Cacheability,
  notes: Record<string, string>,
  log: (line: string) => void,
): Promise<Record<string, number | null>> {
  log('  caching: eager sessions');
  const eager = await probeEagerCaching(t);
  let proxy: ProxyCacheResult | null = null;
  if (t.config.balancer === 'nginx') {
    log('  caching: nginx proxy_cache');
    proxy = await probeProxyCache(t);
  } else {
    for (const name of ['proxy_cache_catalogue_requests', 'proxy_cache_origin_requests']) {
      notes[name] = 'measured behind nginx only (--balancer nginx)';
    }
  }
  return cachingMetrics(lazy, eager, proxy);
}
