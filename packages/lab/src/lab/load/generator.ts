/**
 * The load generator. In the open model (the default) every planned arrival is sent at its
 * intended time whatever happened to the ones before it — a timer loop that catches up by the
 * clock, never by completions — so a stalled server keeps receiving (and queueing) requests the
 * way real users would send them, and every request's latency is measured from when it was
 * meant to start. An arrival that cannot start (too many requests in flight, or the generator
 * itself too far behind) is counted as a `dropped` error, never skipped silently.
 *
 * The closed model (N users, each sending its next request a think time after the previous
 * answer) is there for comparison: it is what most load tools do, and it stops sending exactly
 * when the server stalls.
 *
 * Per request the generator reuses one handler object (undici's dispatch handler and the
 * virtual user's request slot in one), parses no body the users do not check, and turns
 * headers into strings only for the three it reads.
 */
import { performance } from 'node:perf_hooks';
import type { GeneratorHealth, PhaseKind, TimePoint } from '../model.js';
import { type Action, DEFAULT_MIX, mixTable, pickAction } from './actions.js';
import { CacheJudge } from './cacheability.js';
import { DROPPED, transportErrorKind } from './errors.js';
import type { ClosedOptions, GeneratorOptions, GeneratorResults } from './generator-options.js';
import { InFlight, type Sink } from './handler.js';
import {
  assessHealth,
  type GeneratorSelfCheck,
  HealthMonitor,
  type HealthThresholds,
  type MonitorReading,
} from './health.js';
import { latencyHistogram, percentileMs, recordMs } from './histogram.js';
import { xoshiro128 } from './prng.js';
import { type AnswerSample, Recorder } from './recorder.js';
import type { Schedule } from './schedule.js';
import { type ConnectionPolicy, Transport } from './transport.js';
import { addUserCounters, emptyUserCounters } from './user-counters.js';
import { type UsersOptions, VirtualUsers } from './users.js';

export type { ClosedOptions, GeneratorOptions, GeneratorResults };

/** Arrivals handled per turn of the event loop before yielding to I/O. */
const BATCH = 512;

/**
 * A load generator for one run (one mode). Declare phases with `beginPhase`, start with `run`
 * (open model) or `runClosed`, read everything with `results()`.
 * @example
 * const gen = createGenerator({ target: cluster.url, connections: 32 });
 * gen.beginPhase('warm-up', 'warmup');
 * const done = gen.run(planSchedule({ seed, rate: 500, durationMs: 60_000, users: 1000 }));
 * await gen.until(10_000);
 * gen.beginPhase('baseline', 'baseline');
 * const results = await done;
 */
export function createGenerator(options: GeneratorOptions): LoadGenerator {
  return new LoadGenerator(options);
}

export class LoadGenerator {
  readonly connectionPolicy: ConnectionPolicy;
  readonly #options: Required<Omit<GeneratorOptions, 'users' | 'thresholds'>> & {
    thresholds: Partial<HealthThresholds>;
  };
  readonly #usersOption: VirtualUsers | Omit<UsersOptions, 'count'>;
  #users: VirtualUsers | null = null;
  readonly #recorder = new Recorder();
  readonly #cache = new CacheJudge();
  readonly #monitor = new HealthMonitor();
  readonly #lag = latencyHistogram();
  #transport: Transport | null = null;
  readonly #free: InFlight[] = [];
  readonly #sink: Sink;
  readonly #instanceIds: { buf: Buffer; id: string }[] = [];
  readonly #sample: AnswerSample = {
    intendedMs: 0,
    sentMs: 0,
    doneMs: 0,
    status: 0,
    requestBytes: 0,
    responseBytes: 0,
    credentialBytes: 0,
    setCookieBytes: 0,
    instance: null,
  };

  #model: 'open' | 'closed' = 'open';
  #origin = 0;
  #running = false;
  #ended = false;
  #durationMs = 0;
  #stopAt = Number.POSITIVE_INFINITY;
  #reading: MonitorReading | null = null;
  /** Start of the first phase that is not a warm-up (null until one began). */
  #measuredFrom: number | null = null;

  #inFlight = 0;
  #maxInFlightSeen = 0;

  // Open model
  #arrivals: Schedule['arrivals'] = [];
  #next = 0;
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #dispatching = false;
  #abandoning = false;
  #drainTimer: NodeJS.Timeout | null = null;
  #finish: (() => void) | null = null;

  // Closed model
  #closed: {
    durationMs: number;
    thinkMs: number;
    pick: (u: number) => Action;
    active: number;
    timers: Set<NodeJS.Timeout>;
  } | null = null;

  constructor(options: GeneratorOptions) {
    const targets = typeof options.target === 'string' ? [options.target] : [...options.target];
    this.#options = {
      target: targets,
      connectionPolicy: options.connectionPolicy ?? 'keep-alive',
      connections: options.connections ?? 16,
      timeoutMs: options.timeoutMs ?? 10_000,
      maxInFlight: options.maxInFlight ?? 10_000,
      maxLagMs: options.maxLagMs ?? 500,
      thresholds: options.thresholds ?? {},
    };
    this.connectionPolicy = this.#options.connectionPolicy;
    this.#usersOption = options.users ?? {};
    const self = this;
    this.#sink = {
      now: () => this.now(),
      answered: (h) => this.#answered(h),
      failed: (h, err) => this.#failed(h, err),
      instance: (value) => this.#instance(value),
      cacheable: (h, status, raw) => this.#cache.judge(h.path, status, h.credentialKinds, raw),
      get users() {
        return self.#users!;
      },
    };
  }

  /** Milliseconds since the run started (0 before): the clock of phases, series and faults. */
  now(): number {
    return this.#running || this.#ended ? performance.now() - this.#origin : 0;
  }

  /** `performance.now()` at the run's start, to convert other timestamps to the run's clock. */
  get origin(): number {
    return this.#origin;
  }

  /** The virtual users (created by `run`/`runClosed` unless given). */
  get users(): VirtualUsers {
    if (this.#users === null) throw new Error('the users exist once the run has started');
    return this.#users;
  }

  /**
   * Running totals for a live view (the OpenMetrics endpoint, the dashboard): sums of counters,
   * no histogram work, cheap enough to call every second.
   */
  live(): {
    phase: string;
    requests: number;
    errors: Record<string, number>;
    dropped: number;
    inFlight: number;
    sessionsLost: number;
    cartItemsLost: number;
  } {
    const errors: Record<string, number> = {};
    let requests = 0;
    let dropped = 0;
    let sessionsLost = 0;
    let cartItemsLost = 0;
    for (const b of this.#recorder.phases) {
      requests += b.requests;
      dropped += b.dropped;
      sessionsLost += b.users.sessionsLost;
      cartItemsLost += b.users.cartItemsLost;
      for (const [k, n] of Object.entries(b.errors)) errors[k] = (errors[k] ?? 0) + n;
    }
    const phase = this.#recorder.phases[this.#recorder.phases.length - 1]?.name ?? 'idle';
    return { phase, requests, errors, dropped, inFlight: this.#inFlight, sessionsLost, cartItemsLost };
  }

  /**
   * For a live chart: the points of the whole seconds since `fromSecond` that are over (a
   * second's latency, filed under the requests' intended second, still grows while its late
   * answers arrive), and the answers per instance so far (the share of load each one carries).
   */
  liveSeries(fromSecond: number): { points: TimePoint[]; instances: Record<string, number> } {
    const instances: Record<string, number> = {};
    for (const b of this.#recorder.phases)
      for (const [id, n] of b.instances) instances[id] = (instances[id] ?? 0) + n;
    return { points: this.#recorder.points(fromSecond, Math.floor(this.now() / 1000)), instances };
  }

  /** Requests in flight right now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Resolves when the run's clock reaches `ms`. */
  async until(ms: number): Promise<void> {
    if (!this.#running && !this.#ended) throw new Error('the run has not started');
    // Timers run on the event loop's cached clock and may fire a little before `ms`.
    while (this.now() < ms) await new Promise((resolve) => setTimeout(resolve, Math.max(1, ms - this.now())));
  }

  /**
   * Starts a phase: requests whose intended start is at or after `atMs` (default: now) are
   * filed under it. Call before `run` for the first phase (it then starts at 0).
   */
  beginPhase(name: string, kind: PhaseKind, atMs?: number): void {
    if (this.#ended) throw new Error('the run is over');
    this.#recorder.begin(name, kind, atMs ?? this.now());
    // The self-check covers what verdicts use: it starts over when the warm-up ends, so that
    // start-up costs (compiling, connecting) do not count against the run.
    if (this.#running && kind !== 'warmup' && this.#measuredFrom === null) {
      this.#measuredFrom = atMs ?? this.now();
      this.#monitor.start();
    }
  }

  /** Runs the open model over a planned schedule; resolves once every request has finished. */
  run(plan: Schedule): Promise<GeneratorResults> {
    this.#begin('open', plan.config.users);
    this.#arrivals = plan.arrivals;
    this.#durationMs = plan.config.durationMs;
    const done = new Promise<void>((resolve) => {
      this.#finish = resolve;
    });
    this.#tick();
    return done.then(() => this.#end());
  }

  /** Runs the closed model for comparison; resolves once every user has finished. */
  runClosed(options: ClosedOptions): Promise<GeneratorResults> {
    const { users, durationMs, thinkMs = 0, mix = DEFAULT_MIX, seed } = options;
    if (!Number.isFinite(thinkMs) || thinkMs < 0) throw new RangeError('thinkMs must be >= 0');
    this.#begin('closed', users);
    this.#durationMs = durationMs;
    const table = mixTable(mix);
    const streams = Array.from({ length: users }, (_, u) => xoshiro128(seed, u + 1));
    const timers = new Set<NodeJS.Timeout>();
    this.#closed = {
      durationMs,
      thinkMs,
      pick: (u) => pickAction(table, streams[u]!.next()),
      active: users,
      timers,
    };
    const done = new Promise<void>((resolve) => {
      this.#finish = resolve;
    });
    // Users start spread over the first second (or the run, if shorter), not all at once.
    const spread = Math.min(1000, durationMs);
    for (let u = 0; u < users; u++) this.#closedNext(u, streams[u]!.next() * spread);
    if (users === 0) this.#maybeFinish();
    return done.then(() => this.#end());
  }

  /** Stops sending; requests in flight still finish (or time out). `run` then resolves. */
  stop(): void {
    if (!this.#running || this.#stopAt !== Number.POSITIVE_INFINITY) return;
    this.#stopAt = this.now();
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
    if (this.#closed) {
      for (const t of this.#closed.timers) clearTimeout(t);
      this.#closed.active -= this.#closed.timers.size;
      this.#closed.timers.clear();
    }
    this.#dispatching = false;
    this.#afterDispatch();
  }

  #begin(model: 'open' | 'closed', userCount: number): void {
    if (this.#running || this.#ended) throw new Error('a generator runs once');
    const u = this.#usersOption;
    if (u instanceof VirtualUsers) {
      if (u.count < userCount) {
        throw new RangeError(`the run needs ${userCount} users, ${u.count} were given`);
      }
      this.#users = u;
    } else {
      this.#users = new VirtualUsers({ ...u, count: userCount });
    }
    this.#transport = new Transport({
      targets: this.#options.target as string[],
      policy: this.#options.connectionPolicy,
      connections: this.#options.connections,
      timeoutMs: this.#options.timeoutMs,
    });
    this.#model = model;
    this.#running = true;
    this.#dispatching = true;
    if (this.#recorder.phases.length === 0) this.#recorder.begin('run', 'baseline', 0);
    if (this.#recorder.phases.some((p) => p.kind !== 'warmup')) this.#measuredFrom = 0;
    this.#monitor.start();
    this.#origin = performance.now();
  }

  // --- open model -------------------------------------------------------------------------

  /** Sends every arrival that is due, then sleeps until the next one. */
  #tick = (): void => {
    this.#timer = null;
    this.#immediate = null;
    if (!this.#dispatching) return;
    const arrivals = this.#arrivals;
    let now = this.now();
    let budget = BATCH;
    while (this.#next < arrivals.length) {
      const a = arrivals[this.#next]!;
      if (a.atMs > now) break;
      if (budget-- === 0) {
        this.#immediate = setImmediate(this.#tick); // yield to I/O, then catch up
        return;
      }
      this.#next++;
      this.#launch(a.user, a.action, a.atMs, now);
      if ((budget & 63) === 0) now = this.now();
    }
    if (this.#next >= arrivals.length) {
      this.#dispatching = false;
      this.#afterDispatch();
      return;
    }
    // Timers have millisecond resolution: sleep at least a millisecond, then catch up on
    // whatever came due. An arrival may so leave up to ~1 ms late (it shows in the dispatch
    // lag); yielding with setImmediate instead would spin a core between arrivals.
    const wait = arrivals[this.#next]!.atMs - now;
    this.#timer = setTimeout(this.#tick, Math.max(1, Math.floor(wait)));
  };

  /** Starts one request now, or drops it if it cannot start in time. */
  #launch(user: number, action: Action, intendedMs: number, now: number): void {
    // Only open-model arrivals can be dropped: a closed-model user simply waits its turn.
    if (
      this.#closed === null &&
      (this.#inFlight >= this.#options.maxInFlight || now - intendedMs > this.#options.maxLagMs)
    ) {
      this.#recorder.failure(this.#recorder.bucketAt(intendedMs), now, DROPPED);
      return;
    }
    const h = this.#free.pop() ?? new InFlight(this.#sink);
    const users = this.#users!;
    users.prepare(user, action, h);
    h.intendedMs = intendedMs;
    h.dispatchMs = now;
    h.requestBytes = this.#requestBytes(h);
    const opts = h.opts;
    opts.method = h.method;
    opts.path = h.path;
    opts.body = h.body;
    if (++this.#inFlight > this.#maxInFlightSeen) this.#maxInFlightSeen = this.#inFlight;
    const bucket = this.#recorder.bucketAt(intendedMs);
    bucket.started++;
    if (bucket.kind !== 'warmup') recordMs(this.#lag, now - intendedMs);
    this.#transport!.dispatch(user, opts, h);
  }

  /**
   * Bytes of the request as undici writes it: request line, host and connection lines, our
   * headers, `content-length` on POST, the blank line, the body (ASCII: the users build it).
   */
  #requestBytes(h: InFlight): number {
    let n = h.method.length + h.path.length + 12 + this.#transport!.fixedHeaderBytes(h.user) + 2;
    const headers = h.headers;
    for (let i = 0; i + 1 < headers.length; i += 2) n += headers[i]!.length + headers[i + 1]!.length + 4;
    if (h.method === 'POST') {
      const len = h.body === null ? 0 : h.body.length;
      n += 18 + String(len).length + len;
    }
    return n;
  }

  // --- closed model -----------------------------------------------------------------------

  /** Schedules user u's next request at `intendedMs`, or retires the user past the end. */
  #closedNext(u: number, intendedMs: number): void {
    const c = this.#closed!;
    if (intendedMs >= c.durationMs || intendedMs >= this.#stopAt) {
      this.#retire();
      return;
    }
    const fire = (): void => {
      c.timers.delete(timer);
      const now = this.now();
      this.#launch(u, c.pick(u), intendedMs, now);
    };
    const timer = setTimeout(fire, Math.max(0, intendedMs - this.now()));
    c.timers.add(timer);
  }

  // --- answers ----------------------------------------------------------------------------

  #answered(h: InFlight): void {
    const now = this.now();
    this.#inFlight--;
    const b = this.#recorder.bucketAt(h.intendedMs);
    const s = this.#sample;
    s.intendedMs = h.intendedMs;
    s.sentMs = h.sentMs >= 0 ? h.sentMs : h.dispatchMs;
    s.doneMs = now;
    s.status = h.status;
    s.requestBytes = h.requestBytes;
    s.responseBytes = h.responseBytes;
    s.credentialBytes = h.credentialBytes;
    s.setCookieBytes = h.setCookieBytes;
    s.instance = h.instance;
    this.#recorder.answer(b, s);
    this.#users!.complete(h, h.status, h.answerBody(), b.users);
    this.#release(h, now);
  }

  #failed(h: InFlight, err: Error): void {
    const now = this.now();
    this.#inFlight--;
    // Requests still pending when the drain deadline passed are cut by us: they timed out.
    const kind = this.#abandoning ? 'timeout' : transportErrorKind(err);
    const b = this.#recorder.bucketAt(h.intendedMs);
    this.#recorder.failure(b, now, kind);
    this.#users!.fail(h, b.users);
    this.#release(h, now);
  }

  #release(h: InFlight, now: number): void {
    const user = h.user;
    h.reset();
    this.#free.push(h);
    if (this.#closed) {
      const next = now + this.#closed.thinkMs;
      // Never from inside undici's callback: the next request starts on a later turn.
      if (this.#closed.thinkMs === 0) setImmediate(() => this.#closedNextNow(user, next));
      else this.#closedNext(user, next);
    }
    this.#maybeFinish();
  }

  #closedNextNow(u: number, intendedMs: number): void {
    const c = this.#closed!;
    if (intendedMs >= c.durationMs || intendedMs >= this.#stopAt) {
      this.#retire();
      return;
    }
    this.#launch(u, c.pick(u), intendedMs, this.now());
  }

  /** A closed-model user is done; the last one starts the drain deadline. */
  #retire(): void {
    if (--this.#closed!.active === 0) this.#afterDispatch();
    else this.#maybeFinish();
  }

  #instance(value: Buffer): string {
    const ids = this.#instanceIds;
    for (let i = 0; i < ids.length; i++) if (ids[i]!.buf.equals(value)) return ids[i]!.id;
    const id = value.toString('latin1');
    ids.push({ buf: Buffer.from(value), id });
    return id;
  }

  // --- the end ----------------------------------------------------------------------------

  /** Once nothing more will be sent: wait for in-flight requests, cut them at the deadline. */
  #afterDispatch(): void {
    if (this.#inFlight > 0 && this.#drainTimer === null) {
      this.#drainTimer = setTimeout(() => {
        this.#abandoning = true;
        void this.#transport?.destroy();
      }, this.#options.timeoutMs + 1000);
    }
    this.#maybeFinish();
  }

  #maybeFinish(): void {
    if (this.#inFlight > 0 || this.#finish === null) return;
    if (this.#closed ? this.#closed.active > 0 : this.#dispatching) return;
    const finish = this.#finish;
    this.#finish = null;
    finish();
  }

  async #end(): Promise<GeneratorResults> {
    if (this.#drainTimer) clearTimeout(this.#drainTimer);
    this.#reading = this.#monitor.stop();
    this.#running = false;
    this.#ended = true;
    await this.#transport?.close();
    return this.results();
  }

  /** Everything measured so far (final once `run` has resolved). */
  results(): GeneratorResults {
    const timeline = Math.min(this.#durationMs, this.#stopAt);
    const endMs = this.#ended ? timeline : Math.min(timeline, this.now());
    const snap = this.#recorder.snapshot(endMs);
    const reading = this.#reading ?? this.#monitor.read();
    // Rates over the measured part of the run (after the warm-up), or all of it if it was all
    // warm-up. The closed model has no target.
    const from = this.#measuredFrom ?? 0;
    const measured = this.#recorder.phases.filter((p) => this.#measuredFrom === null || p.kind !== 'warmup');
    let started = 0;
    let dropped = 0;
    for (const p of measured) {
      started += p.started;
      dropped += p.dropped;
    }
    const seconds = Math.max(0, endMs - from) / 1000;
    const planned = started + dropped;
    const generator: GeneratorHealth = {
      targetRate: this.#model === 'open' && seconds > 0 ? round1(planned / seconds) : 0,
      achievedRate: seconds > 0 ? round1(started / seconds) : 0,
      dropped,
      cpuPercent: reading.cpuPercent,
      eventLoopDelayP99Ms: reading.eventLoopDelayP99Ms,
    };
    const selfCheck: GeneratorSelfCheck = {
      ...generator,
      planned,
      started,
      dispatchLagP50Ms: percentileMs(this.#lag, 50),
      dispatchLagP99Ms: percentileMs(this.#lag, 99),
      eventLoopUtilization: reading.eventLoopUtilization,
      maxInFlight: this.#maxInFlightSeen,
    };
    const users = emptyUserCounters();
    for (const d of snap.details) addUserCounters(users, d.users);
    return {
      model: this.#model,
      connectionPolicy: this.connectionPolicy,
      connections: this.#transport?.connections ?? 0,
      durationMs: endMs,
      phases: snap.phases,
      phaseDetails: snap.details,
      series: snap.series,
      loadShare: snap.loadShare,
      bytes: snap.bytes,
      errors: snap.errors,
      users,
      cacheability: this.#cache.result(),
      generator,
      selfCheck,
      health: assessHealth(selfCheck, this.#options.thresholds),
    };
  }
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
