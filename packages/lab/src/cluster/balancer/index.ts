/**
 * The built-in load balancer: an HTTP server on its own port that spreads requests and
 * WebSockets over the instances with a policy, checks their health, retries what is safe to
 * retry, and counts per instance. It plays the part nginx or HAProxy play in production, with
 * no install, and exposes what they keep to themselves (counters, ejections) to the lab.
 *
 * Slow clients are bounded like on a real edge proxy: headers must arrive within
 * `headersTimeoutMs`, the whole request within `requestTimeoutMs`, headers may not exceed
 * `maxHeaderSize` bytes (431), bodies not `maxBodyBytes` (413).
 */
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { emitter } from '../emitter.js';
import { listen } from '../ports.js';
import type { BackendSpec, BalancerEvent, EventSource } from '../types.js';
import { type BackendCounters, newUnroutedCounters, type UnroutedCounters } from './counters.js';
import { type ForwardContext, forward } from './forward.js';
import { type HealthOptions, startHealthChecks } from './health.js';
import { policy as namedPolicy, type Policy, type PolicyName } from './policies/index.js';
import { Pool } from './pool.js';
import { proxyUpgrade, type UpgradeContext } from './upgrade.js';

export type { BackendCounters, UnroutedCounters } from './counters.js';
export type { HealthOptions } from './health.js';
export type { Candidate, PickInput, Policy, PolicyName } from './policies/index.js';
export { isPolicyName, POLICIES, policy, policyForMode } from './policies/index.js';

export interface BalancerOptions {
  /** A policy name or a policy object. @default 'round-robin' */
  policy?: PolicyName | Policy;
  /** The first backends; `setBackends()` replaces them. */
  backends?: readonly BackendSpec[];
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Active health checks, or `false` for none (backends are then ejected only when they refuse connections). */
  health?: HealthOptions | false;
  /** @default 2000 */
  connectTimeoutMs?: number;
  /** Silence allowed from an instance while a request is in flight. @default 30000 */
  responseTimeoutMs?: number;
  /** Time a client has to send its request headers (slowloris). @default 10000 */
  headersTimeoutMs?: number;
  /** Time a client has to send its whole request. @default 30000 */
  requestTimeoutMs?: number;
  /** Idle time before a client's keep-alive connection is closed. @default 5000 */
  keepAliveTimeoutMs?: number;
  /** Larger request heads get 431. @default 16384 */
  maxHeaderSize?: number;
  /** Larger request bodies get 413. @default 8 MiB */
  maxBodyBytes?: number;
}

/** A backend's state and counters, as `backends()` reports them. */
export interface BackendStatus extends BackendCounters {
  id: string;
  port: number;
  healthy: boolean;
}

export interface BalancerCounters {
  /** By instance id, every instance ever routed to (also those removed since). */
  backends: Record<string, BackendCounters & { healthy: boolean; present: boolean }>;
  /** Requests the balancer answered itself. */
  unrouted: UnroutedCounters;
  /** Sums over `backends`. */
  total: {
    requests: number;
    errors: number;
    retries: number;
    inFlight: number;
    bytesIn: number;
    bytesOut: number;
  };
}

export interface Balancer extends EventSource<BalancerEvent> {
  readonly url: string;
  readonly port: number;
  readonly policy: PolicyName;
  /** Replaces the backends (the supervisor's ready instances). */
  setBackends(list: readonly BackendSpec[]): void;
  /** The current backends. */
  backends(): BackendStatus[];
  counters(): BalancerCounters;
  /** Starts the counters again from zero (between phases of a lab run). */
  resetCounters(): void;
  /** Stops listening, ends open connections and WebSockets. */
  close(): Promise<void>;
}

/**
 * @example
 * const lb = await startBalancer({ policy: 'sticky-cookie', backends: [{ id: 'i1', port: 4001 }] })
 * await fetch(`${lb.url}/me`)
 * lb.setBackends(supervisor.ready())
 */
export async function startBalancer(o: BalancerOptions = {}): Promise<Balancer> {
  const chosen = typeof o.policy === 'object' ? o.policy : namedPolicy(o.policy ?? 'round-robin');
  const events = emitter<BalancerEvent>();
  const pool = new Pool(events);
  const unrouted = newUnroutedCounters();
  pool.set(o.backends ?? []);
  const connectMs = o.connectTimeoutMs ?? 2000;
  const ctx: ForwardContext = {
    pool,
    policy: chosen,
    unrouted,
    timeouts: { connectMs, responseMs: o.responseTimeoutMs ?? 30_000 },
    maxBodyBytes: o.maxBodyBytes ?? 8 * 1024 * 1024,
  };
  const sockets = new Set<Socket>();
  const upgrades: UpgradeContext = { pool, policy: chosen, unrouted, connectMs, sockets };

  const server = createServer(
    {
      maxHeaderSize: o.maxHeaderSize ?? 16 * 1024,
      headersTimeout: o.headersTimeoutMs ?? 10_000,
      requestTimeout: o.requestTimeoutMs ?? 30_000,
      keepAliveTimeout: o.keepAliveTimeoutMs ?? 5000,
      // How often Node checks the two timeouts above; the default (30 s) would let a slow
      // client hold its connection long past them.
      connectionsCheckingInterval: 1000,
    },
    (req, res) => forward(ctx, req, res),
  );
  server.on('upgrade', (req, socket: Socket, head: Buffer) => proxyUpgrade(upgrades, req, socket, head));
  const health = o.health === false ? null : startHealthChecks(pool, o.health);

  const port = await listen(server, o.port, o.host);

  return {
    url: `http://${o.host ?? '127.0.0.1'}:${port}`,
    port,
    policy: chosen.name,
    onEvent: events.onEvent,
    setBackends: (list) => pool.set(list),
    backends: () =>
      pool.all().map((b) => ({ id: b.id, port: b.port, healthy: b.healthy, ...structuredClone(b.counters) })),
    counters() {
      const present = new Map(pool.all().map((b) => [b.id, b]));
      const backends: BalancerCounters['backends'] = {};
      const total = { requests: 0, errors: 0, retries: 0, inFlight: 0, bytesIn: 0, bytesOut: 0 };
      for (const [id, c] of pool.counters()) {
        const b = present.get(id);
        backends[id] = { ...structuredClone(c), healthy: b?.healthy ?? false, present: b !== undefined };
        for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += c[k];
      }
      return { backends, unrouted: { ...unrouted }, total };
    },
    resetCounters() {
      pool.resetCounters();
      Object.assign(unrouted, newUnroutedCounters());
    },
    async close() {
      health?.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      pool.close();
      await closed;
    },
  };
}
