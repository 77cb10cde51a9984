/**
 * A whole cluster for one mode: N instances of the app under the supervisor, a balancer in
 * front (the built-in one, or nginx / HAProxy through `real/`), and the control API beside it.
 * The balancer follows the supervisor: an instance joins when it is ready and leaves when it
 * starts draining (before its SIGTERM, so no new request reaches it) or dies.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Mode } from '../app/modes.js';
import { NetLinks, type NetOptions } from '../net/links.js';
import { type Balancer, type BalancerOptions, startBalancer } from './balancer/index.js';
import { type PolicyName, policyForMode } from './balancer/policies/index.js';
import { type Control, startControl } from './control.js';
import { emitter } from './emitter.js';
import { type Supervisor, type SupervisorOptions, startSupervisor } from './supervisor.js';
import type { BackendSpec, ClusterEvent, EventSource } from './types.js';

export type BalancerEngine = 'builtin' | 'nginx' | 'haproxy';

/** What `real/index.ts` gives back for nginx and HAProxy (the parts the cluster uses). */
export interface RealBalancerHandle {
  readonly url: string;
  reload(backends: readonly BackendSpec[]): Promise<void>;
  stop(): Promise<void>;
}

/** The cluster's balancer: the built-in one, or a real engine's handle. */
export type ClusterBalancer =
  | (Balancer & { readonly engine: 'builtin' })
  | (RealBalancerHandle & { readonly engine: 'nginx' | 'haproxy' });

export interface ClusterOptions {
  mode: Mode;
  /** @default 3 */
  instances?: number;
  /** @default 'builtin' */
  balancer?: BalancerEngine;
  /**
   * `STATECRAFT_STORE` for `shared` and `hybrid` (`sqlite:/path`, `redis://…`, `postgres://…`).
   * @default `sqlite:<dir>/sessions.db`
   */
  store?: string;
  /** `STATECRAFT_BUS`. @default 'ipc' */
  bus?: string;
  /**
   * The built-in balancer's policy. @default the mode's: sticky-cookie for `sticky`, round-robin
   * otherwise. `sticky` behind round-robin is how the lab shows what stickiness is for (C6).
   */
  policy?: PolicyName;
  /** The app's argv. @default the reference app */
  command?: readonly string[];
  /** The balancer's port. @default a free port */
  port?: number;
  /** The control API's port; `false` for none. @default a free port */
  adminPort?: number | false;
  /** Browser origins allowed to call the control API (the dashboard's). @default none */
  adminOrigins?: readonly string[];
  /** Whole-cluster operations the control API serves at `POST /actions/:name`. @default none */
  adminActions?: Readonly<Record<string, (cluster: Cluster) => Promise<unknown>>>;
  /**
   * Fault proxies on the cluster's links: `store` between the instances and a networked store,
   * `instances` between the balancer and each instance. @default none (direct connections)
   */
  net?: NetOptions;
  /** Working directory (SQLite file, instance logs). @default a new temporary directory, removed by `stop()` */
  dir?: string;
  /** `STATECRAFT_SECRET` (64 hex characters). @default 32 random bytes */
  secret?: string;
  /** `STATECRAFT_PREFIX`. @default a random one per cluster */
  prefix?: string;
  /** More variables for every instance (e.g. `STATECRAFT_DRAIN_MS`). */
  env?: Record<string, string | undefined>;
  /** Built-in balancer settings other than policy, backends and port. */
  balancerOptions?: Omit<BalancerOptions, 'policy' | 'backends' | 'port'>;
  /** Supervisor settings other than command, instances and env. */
  supervisorOptions?: Omit<SupervisorOptions, 'command' | 'instances' | 'env' | 'dir' | 'beforeDrain'>;
}

export interface Cluster extends EventSource<ClusterEvent> {
  readonly mode: Mode;
  /** Where clients send requests: the balancer. */
  readonly url: string;
  /** The control API, or `null` when `adminPort` is `false`. */
  readonly adminUrl: string | null;
  /** The built-in balancer's policy, or the engine's (`sticky-cookie` / `round-robin`). */
  readonly policy: PolicyName;
  readonly supervisor: Supervisor;
  readonly balancer: ClusterBalancer;
  /** The cluster's working directory. */
  readonly dir: string;
  /** The environment every instance got, without the secret. */
  readonly env: Readonly<Record<string, string>>;
  /** The fault proxies on the cluster's links, or null when none was asked for. */
  readonly net: NetLinks | null;
  /** Stops the control API, the balancer, then drains the instances; removes a directory it created. */
  stop(): Promise<void>;
}

/** The instance-contract environment of a mode (the supervisor adds `PORT` and `INSTANCE_ID`). */
export function clusterEnvironment(o: ClusterOptions, dir: string): Record<string, string> {
  const env: Record<string, string> = {
    STATECRAFT_MODE: o.mode,
    STATECRAFT_BUS: o.bus ?? 'ipc',
    STATECRAFT_SECRET: o.secret ?? randomBytes(32).toString('hex'),
    STATECRAFT_PREFIX: o.prefix ?? `sc${randomBytes(4).toString('hex')}`,
  };
  if (o.mode === 'sticky') env.STATECRAFT_STORE = 'memory';
  else if (o.mode === 'shared' || o.mode === 'hybrid') {
    env.STATECRAFT_STORE = o.store ?? `sqlite:${join(dir, 'sessions.db')}`;
  }
  for (const [k, v] of Object.entries(o.env ?? {})) if (v !== undefined) env[k] = v;
  return env;
}

type StartReal = (o: {
  engine: 'nginx' | 'haproxy';
  mode: Mode;
  backends: readonly BackendSpec[];
  port?: number;
}) => Promise<RealBalancerHandle>;

/** `startRealBalancer` from `./real/index.js`, loaded only when nginx or HAProxy is asked for. */
async function loadReal(engine: string): Promise<StartReal> {
  const where = new URL('./real/index.js', import.meta.url).href;
  let mod: { startRealBalancer?: unknown };
  try {
    mod = (await import(where)) as { startRealBalancer?: unknown };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('real/index')) {
      throw new Error(
        `balancer '${engine}' is not available in this build: cluster/real/index.js is missing`,
      );
    }
    throw e;
  }
  if (typeof mod.startRealBalancer !== 'function') {
    throw new Error(
      `balancer '${engine}' is not available: cluster/real/index.js exports no startRealBalancer()`,
    );
  }
  return mod.startRealBalancer as StartReal;
}

/**
 * @example
 * const c = await startCluster({ mode: 'shared', instances: 3 })
 * await fetch(`${c.url}/login`, { method: 'POST', body: JSON.stringify({ user: 'ann' }) })
 * await c.supervisor.kill('i2')
 * await c.stop()
 */
export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const engine = o.balancer ?? 'builtin';
  if (engine !== 'builtin' && o.policy !== undefined && o.policy !== policyForMode(o.mode)) {
    throw new Error(`policy ${o.policy} needs the built-in balancer: ${engine} runs the mode's own policy`);
  }
  const startReal = engine === 'builtin' ? null : await loadReal(engine);
  const ownDir = o.dir === undefined;
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), `statecraft-cluster-${o.mode}-`));
  const env = clusterEnvironment(o, dir);
  const net = o.net ? new NetLinks(o.net) : null;
  const events = emitter<ClusterEvent>();
  const offs: Array<() => void> = [];

  // Filled in once the balancer runs; instances drained before that have nothing to leave.
  let follow: () => Promise<void> = async () => {};
  let supervisor: Supervisor | null = null;
  let balancer: ClusterBalancer | null = null;
  let control: Control | null = null;
  // The actions act on the finished cluster, made once everything below has started.
  let self: Cluster | null = null;

  const cleanup = async () => {
    for (const off of offs) off();
    // The balancer goes first: the instances' last drains have nothing left to update.
    follow = async () => {};
    await control?.close();
    if (balancer?.engine === 'builtin') await balancer.close();
    else await balancer?.stop();
    await supervisor?.stop();
    await net?.close();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };

  try {
    // The instances reach the store through its link's proxy: they get the proxy's address.
    // Sticky's memory and stateless's token are no store on a network: nothing to delay.
    if (net && env.STATECRAFT_STORE && env.STATECRAFT_STORE !== 'memory') {
      env.STATECRAFT_STORE = await net.storeUrl(env.STATECRAFT_STORE);
    }
    // The balancer reaches each instance through its own proxy when the instances link is on.
    const via = (list: BackendSpec[]) => (net ? net.backends(list) : Promise.resolve(list));
    supervisor = await startSupervisor({
      ...o.supervisorOptions,
      command: o.command,
      instances: o.instances ?? 3,
      env,
      dir,
      beforeDrain: () => follow(),
    });
    const sup = supervisor;
    offs.push(sup.onEvent((e) => events.emit(e)));

    if (startReal === null) {
      const b = await startBalancer({
        ...o.balancerOptions,
        policy: o.policy ?? policyForMode(o.mode),
        backends: await via(sup.ready()),
        port: o.port,
      });
      balancer = Object.assign(b, { engine: 'builtin' as const });
      offs.push(b.onEvent((e) => events.emit(e)));
      follow = async () => b.setBackends(await via(sup.ready()));
    } else {
      const real = await startReal({
        engine: engine as 'nginx' | 'haproxy',
        mode: o.mode,
        backends: await via(sup.ready()),
        port: o.port,
      });
      balancer = Object.assign(real, { engine: engine as 'nginx' | 'haproxy' });
      // Reloads run one at a time, each with the list of its moment.
      let reloads: Promise<void> = Promise.resolve();
      follow = () => {
        reloads = reloads
          .then(async () => real.reload(await via(sup.ready())))
          .catch((e: unknown) =>
            process.emitWarning(e instanceof Error ? e : String(e), 'StatecraftClusterWarning'),
          );
        return reloads;
      };
    }
    // Every change of state (ready, draining, dead) may change the list.
    offs.push(
      sup.onEvent((e) => {
        if (e.type === 'state') void follow();
      }),
    );

    if (o.adminPort !== false) {
      control = await startControl({
        supervisor: sup,
        balancer: balancer.engine === 'builtin' ? balancer : null,
        events,
        port: o.adminPort,
        allowOrigins: o.adminOrigins,
        net,
        actions: Object.fromEntries(
          Object.entries(o.adminActions ?? {}).map(([name, act]) => [
            name,
            async () => {
              if (self === null) throw new Error('the cluster is still starting');
              return act(self);
            },
          ]),
        ),
      });
    }
  } catch (e) {
    await cleanup();
    throw e;
  }

  const { STATECRAFT_SECRET: _secret, ...shown } = env;
  let stopping: Promise<void> | null = null;
  self = {
    mode: o.mode,
    url: balancer.url,
    adminUrl: control?.url ?? null,
    policy: balancer.engine === 'builtin' ? balancer.policy : policyForMode(o.mode),
    supervisor,
    balancer,
    dir,
    env: shown,
    net,
    onEvent: events.onEvent,
    stop() {
      stopping ??= cleanup();
      return stopping;
    },
  };
  return self;
}
