/**
 * One lane of the dashboard: a mode's cluster and load as the page sees them. It keeps the
 * per-second points and a log of events, turns the cluster's events into log lines and into
 * fault bands for the report (a kill, drain or restart done by hand is a fault of the run), and
 * reads the instances' figures through the cluster's control API.
 */
import type { Cluster, ClusterEvent, InstanceInfo } from '../cluster/index.js';
import type { LoadGenerator } from '../lab/load/index.js';
import type { FaultEvent, LabConfig, Mode, TimePoint } from '../lab/model.js';
import { storeRestartable } from './actions.js';

export type TileState = 'starting' | 'alive' | 'draining' | 'dead';

export interface Tile {
  id: string;
  state: TileState;
  rss: number | null;
  sessions: number | null;
  /** Share of the requests answered over the last few seconds, 0…1; null before any. */
  share: number | null;
  restarts: number;
}

export interface LogLine {
  /** Seconds since the lane's load started. */
  t: number;
  text: string;
  kind: 'fault' | 'info' | 'action' | 'error';
}

/** What does not change during a run: shown in the lane's header. */
export interface LaneInfo {
  mode: Mode;
  adminUrl: string | null;
  store: string;
  balancer: string;
  policy: string;
  /** `true`, or why the lane has no "restart store". */
  storeRestart: true | string;
  /** Added delay on the link to the store, when the run has one. */
  storeRttMs: number;
}

/** The lane at one moment; `points` and `log` hold only what is new since the previous frame. */
export interface LaneFrame {
  mode: Mode;
  info: LaneInfo | null;
  phase: string;
  t: number;
  requests: number;
  errors: number;
  sessionsLost: number;
  cartItemsLost: number;
  inFlight: number;
  tiles: Tile[];
  points: TimePoint[];
  log: LogLine[];
}

const SHARE_WINDOW = 3;
const KEEP_LOG = 200;

function tileState(s: InstanceInfo['state']): TileState {
  return s === 'ready' ? 'alive' : s;
}

export class Lane {
  readonly mode: Mode;
  info: LaneInfo | null = null;
  phase = 'starting';
  readonly points: TimePoint[] = [];
  readonly log: LogLine[] = [];
  #cluster: Cluster | null = null;
  #gen: LoadGenerator | null = null;
  #faults: FaultEvent[] = [];
  #figures = new Map<string, InstanceInfo>();
  #counts: Record<string, number>[] = [];
  #logSent = 0;
  #open = new Map<string, { kind: FaultEvent['kind']; startMs: number }>();
  #rolling: number | null = null;
  #loadOver = false;
  /** The tiles of the last frame, for a page that connects later. */
  tiles: Tile[] = [];
  #last: LaneFrame | null = null;
  /** Lane operations still running: the probes wait for them. */
  readonly #pending = new Set<Promise<unknown>>();
  #off: (() => void) | null = null;
  readonly #config: LabConfig;
  readonly #changed: () => void;

  constructor(mode: Mode, config: LabConfig, changed: () => void) {
    this.mode = mode;
    this.#config = config;
    this.#changed = changed;
  }

  /** Seconds since the load started. */
  #t(): number {
    return Math.round((this.#gen?.now() ?? 0) / 100) / 10;
  }

  note(text: string, kind: LogLine['kind'] = 'info'): void {
    this.log.push({ t: this.#t(), text, kind });
    const over = this.log.length - KEEP_LOG;
    if (over > 0) {
      this.log.splice(0, over);
      this.#logSent = Math.max(0, this.#logSent - over);
    }
    this.#changed();
  }

  attach(cluster: Cluster): void {
    this.#cluster = cluster;
    // `--rtt` on the store link delays the instances' way to a store on the network.
    const net = this.#config.net;
    const networked = /^(redis|rediss|postgres|postgresql):/.test(cluster.env.STATECRAFT_STORE ?? '');
    this.info = {
      mode: this.mode,
      adminUrl: cluster.adminUrl,
      store: (cluster.env.STATECRAFT_STORE ?? (this.mode === 'stateless' ? 'token' : 'none')).split(':')[0]!,
      balancer: this.#config.balancer,
      policy: cluster.policy,
      storeRestart: storeRestartable(cluster),
      storeRttMs: net && net.link !== 'instances' && networked ? net.rttMs : 0,
    };
    this.#off = cluster.onEvent((e) => this.#event(e));
    this.phase = 'set-up';
    this.note(`${cluster.supervisor.snapshot().length} instances behind ${cluster.policy}; measuring memory`);
  }

  load(gen: LoadGenerator, faults: FaultEvent[]): void {
    this.#gen = gen;
    this.#faults = faults;
    this.note('load started');
  }

  /** A fault done by hand, while the load runs, goes into the report with its band. */
  #fault(kind: FaultEvent['kind'], startMs: number, target?: string): void {
    if (this.#gen === null || this.#loadOver) return;
    this.#faults.push({
      mode: this.mode,
      kind,
      ...(target ? { target } : {}),
      startMs,
      endMs: Math.max(startMs, this.#gen.now()),
    });
  }

  #event(e: ClusterEvent): void {
    const now = this.#gen?.now() ?? 0;
    if (e.source === 'supervisor' && e.type === 'state') {
      if (e.state === 'draining') this.#open.set(e.id, { kind: 'drain', startMs: now });
      if (e.state === 'starting' && e.prev !== null) this.#open.set(e.id, { kind: 'restart', startMs: now });
      if (e.state === 'ready' && this.#open.get(e.id)?.kind === 'restart') {
        if (this.#rolling === null) this.#fault('restart', this.#open.get(e.id)!.startMs, e.id);
        this.#open.delete(e.id);
      }
      this.note(`${e.id} ${tileState(e.state)}`, e.state === 'dead' ? 'fault' : 'info');
    } else if (e.source === 'supervisor' && e.type === 'exit') {
      const open = this.#open.get(e.id);
      if (open?.kind === 'drain') {
        if (this.#rolling === null) this.#fault('drain', open.startMs, e.id);
        this.#open.delete(e.id);
      } else if (e.signal === 'SIGKILL') this.#fault('kill', now, e.id);
      const how = e.signal ? `${e.signal}` : `code ${e.code}`;
      this.note(`${e.id} exited (${how})${e.expected ? '' : ' by itself'}`, 'fault');
    } else if (e.source === 'balancer' && e.type === 'eject') {
      this.note(`balancer ejects ${e.id}: ${e.reason}`, 'fault');
    } else if (e.source === 'balancer' && e.type === 'restore') {
      this.note(`balancer takes ${e.id} back`);
    }
  }

  /** Resolves once no lane operation is running. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** The dashboard pressed a lane operation: its band spans the whole operation. */
  action(name: string, run: () => Promise<string>): Promise<{ done: string }> {
    const p = this.#action(name, run);
    this.#pending.add(p);
    void p.then(
      () => this.#pending.delete(p),
      () => this.#pending.delete(p),
    );
    return p;
  }

  async #action(name: string, run: () => Promise<string>): Promise<{ done: string }> {
    const startMs = this.#gen?.now() ?? 0;
    if (name === 'roll') this.#rolling = startMs;
    const kinds: Record<string, FaultEvent['kind']> = {
      roll: 'roll',
      'restart-store': 'store-restart',
      'logout-everywhere': 'logout-everywhere',
    };
    this.note(`${name} pressed`, 'action');
    try {
      const done = await run();
      this.note(`${name}: ${done}`, 'action');
      if (kinds[name]) this.#fault(kinds[name]!, startMs);
      return { done };
    } catch (e) {
      this.note(`${name} failed: ${e instanceof Error ? e.message : 'error'}`, 'error');
      throw e;
    } finally {
      if (name === 'roll') this.#rolling = null;
    }
  }

  /** Reads every instance's figures through the control API (RSS, live sessions). */
  async poll(): Promise<void> {
    const url = this.#cluster?.adminUrl;
    if (!url || this.phase === 'done') return;
    try {
      const r = await fetch(`${url}/instances`, { signal: AbortSignal.timeout(900) });
      const body = (await r.json()) as { instances: InstanceInfo[] };
      for (const i of body.instances) {
        // An instance too busy to answer within the supervisor's 300 ms reads as null: the
        // same process's last figures are the better guess.
        const was = this.#figures.get(i.id);
        const same = was !== undefined && was.pid === i.pid;
        this.#figures.set(i.id, {
          ...i,
          rss: i.rss ?? (same ? was.rss : null),
          sessions: i.sessions ?? (same ? was.sessions : null),
        });
      }
    } catch {
      // The cluster is stopping, or busy: the figures of the last answer stay.
    }
  }

  /** The load is over: no more points (the run's clock goes on through the probes). */
  loadOver(): void {
    this.#loadOver = true;
    this.phase = 'waiting for probes';
    this.note('load stopped; waiting for its turn at the end-of-run probes');
  }

  probes(): void {
    this.phase = 'probes';
    this.note('load stopped; end-of-run probes (damage, revocation, scaling) run now');
  }

  failed(message: string): void {
    this.#loadOver = true;
    this.phase = 'failed';
    this.note(`this lane failed: ${message}`, 'error');
    this.#off?.();
  }

  done(): void {
    this.phase = 'done';
    this.#off?.();
    this.note('cluster stopped');
  }

  #tiles(tick: boolean): Tile[] {
    const cluster = this.#cluster;
    if (!cluster) return [];
    // Share of load over the last seconds: a killed instance drops to 0 at once.
    const counts = this.#gen?.liveSeries(Number.POSITIVE_INFINITY).instances ?? {};
    if (tick || this.#counts.length === 0) this.#counts.push(counts);
    if (this.#counts.length > SHARE_WINDOW + 1) this.#counts.shift();
    const first = this.#counts[0]!;
    const delta = (id: string) => (counts[id] ?? 0) - (first[id] ?? 0);
    const list = cluster.supervisor.snapshot();
    const total = list.reduce((n, i) => n + delta(i.id), 0);
    return list.map((i) => {
      const f = this.#figures.get(i.id);
      const state = tileState(i.state);
      return {
        id: i.id,
        state,
        rss: state === 'dead' ? null : (f?.rss ?? i.rss),
        sessions: state === 'dead' ? null : (f?.sessions ?? i.sessions),
        share: total > 0 ? delta(i.id) / total : null,
        restarts: i.restarts,
      };
    });
  }

  /** The lane now, with the points and log lines not sent before; `tick` once a second. */
  frame(tick: boolean): LaneFrame {
    const gen = this.#gen;
    const live = gen?.live();
    if (gen && !this.#loadOver && live) this.phase = live.phase;
    // The newest second is sent again: answers that came late have completed it since.
    const from = Math.max(0, this.points.length - 1);
    if (gen && !this.#loadOver)
      this.points.splice(from, Number.POSITIVE_INFINITY, ...gen.liveSeries(from).points);
    const log = this.log.slice(this.#logSent);
    this.#logSent = this.log.length;
    this.tiles = this.#tiles(tick);
    let errors = 0;
    for (const [kind, n] of Object.entries(live?.errors ?? {})) if (kind !== 'dropped') errors += n;
    this.#last = {
      mode: this.mode,
      info: this.info,
      phase: this.phase,
      t: this.#t(),
      requests: live?.requests ?? 0,
      errors,
      sessionsLost: live?.sessionsLost ?? 0,
      cartItemsLost: live?.cartItemsLost ?? 0,
      inFlight: live?.inFlight ?? 0,
      tiles: this.tiles,
      points: this.points.slice(from),
      log,
    };
    return this.#last;
  }

  /** Everything so far, for a page that connects late (the frames it missed, in one). */
  catchUp(): LaneFrame {
    const last = this.#last;
    return {
      mode: this.mode,
      info: this.info,
      phase: this.phase,
      t: last?.t ?? 0,
      requests: last?.requests ?? 0,
      errors: last?.errors ?? 0,
      sessionsLost: last?.sessionsLost ?? 0,
      cartItemsLost: last?.cartItemsLost ?? 0,
      inFlight: last?.inFlight ?? 0,
      tiles: this.tiles,
      points: this.points,
      log: this.log.slice(-100),
    };
  }
}
