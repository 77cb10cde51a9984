/**
 * The supervisor: runs N instances of an app, each on its own port with the instance contract's
 * environment (`INSTANCE_ID`, `PORT`, and the mode's variables), relays the IPC bus between
 * them, and kills, drains, restarts and adds instances on demand. Every change of state is an
 * event. It never restarts an instance by itself: the lab decides when a dead one comes back.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { type IpcHub, ipcHub } from 'statecraft/bus/ipc';
import { appCommand } from './command.js';
import { emitter } from './emitter.js';
import { type InstanceProcess, type InstanceStats, spawnInstance, waitReady } from './instance.js';
import { freePort } from './ports.js';
import type { EventSource, InstanceInfo, InstanceState, SupervisorEvent } from './types.js';

export interface SupervisorOptions {
  /** argv of the app (`node` means this Node binary). @default the reference app */
  command?: readonly string[];
  /** How many instances to start. */
  instances: number;
  /** Variables added to this process's environment for every instance (`STATECRAFT_MODE`, …). */
  env?: Record<string, string | undefined>;
  /** Instance `iK` listens on `basePort + K - 1`. @default a free port each */
  basePort?: number;
  /** When given, each instance's output is appended to `<dir>/<id>.log`. */
  dir?: string;
  /** Working directory of the instances. @default this process's */
  cwd?: string;
  /** How long an instance may take to answer `/readyz` with 200. @default 20000 */
  readyTimeoutMs?: number;
  /** How long a draining instance may take to exit before it gets SIGKILL. @default 15000 */
  drainTimeoutMs?: number;
  /**
   * Called when an instance starts draining, before it receives SIGTERM: the cluster takes it
   * out of the balancer here, so that no new request is sent to it.
   */
  beforeDrain?: (id: string) => void | Promise<void>;
  /** Every line an instance writes. */
  onLog?: (id: string, stream: 'stdout' | 'stderr', line: string) => void;
}

export interface Supervisor extends EventSource<SupervisorEvent> {
  /** The IPC bus hub the instances are attached to, when `STATECRAFT_BUS` is `ipc`. */
  readonly hub: IpcHub | null;
  /** Every instance with fresh figures (asked over IPC, else read from /proc). */
  list(): Promise<InstanceInfo[]>;
  /** Every instance with the last figures known, at once. */
  snapshot(): InstanceInfo[];
  /** Ids and ports of the instances in state `ready`. */
  ready(): { id: string; port: number }[];
  /** SIGKILL; resolves once the process is gone. */
  kill(id: string): Promise<InstanceInfo>;
  /** SIGTERM, then waits for the exit (SIGKILL after `drainTimeoutMs`). */
  drain(id: string): Promise<InstanceInfo>;
  /** Drains the instance if it runs, then starts it again with the same id and port; resolves once ready. */
  restart(id: string): Promise<InstanceInfo>;
  /** Starts one more instance; resolves once it is ready. */
  add(): Promise<InstanceInfo>;
  /** Drains every instance (SIGKILL after the deadline) and closes the hub. */
  stop(): Promise<void>;
}

/** Thrown for an id the supervisor does not know (the control API answers 404). */
export class UnknownInstanceError extends Error {
  readonly code = 'UNKNOWN_INSTANCE';
  constructor(id: string) {
    super(`no instance ${id}`);
  }
}

interface Slot {
  id: string;
  port: number;
  state: InstanceState;
  proc: InstanceProcess | null;
  stats: InstanceStats;
  restarts: number;
  startedAt: number | null;
  /** Set when the supervisor itself ends the process, so the exit event says it was expected. */
  expectExit: boolean;
  /** Drain, restart and start of one instance run one after the other. */
  queue: Promise<unknown>;
}

const NO_STATS: InstanceStats = { rss: null, requests: null, sessions: null };

/**
 * Starts `instances` instances and resolves once every one is ready; if one fails to start,
 * the others are stopped and the error (with the failing instance's last output) is thrown.
 * @example
 * const sup = await startSupervisor({ instances: 3, env: { STATECRAFT_MODE: 'shared', STATECRAFT_BUS: 'ipc' } })
 * await sup.kill('i2')
 * await sup.restart('i2')
 * await sup.stop()
 */
export async function startSupervisor(o: SupervisorOptions): Promise<Supervisor> {
  if (!Number.isInteger(o.instances) || o.instances < 0) {
    throw new Error('startSupervisor: instances must be a whole number');
  }
  const command = o.command ?? appCommand();
  const readyTimeoutMs = o.readyTimeoutMs ?? 20_000;
  const drainTimeoutMs = o.drainTimeoutMs ?? 15_000;
  const hub = o.env?.STATECRAFT_BUS === 'ipc' ? ipcHub() : null;
  const events = emitter<SupervisorEvent>();
  const slots = new Map<string, Slot>();
  let seq = 0;
  let stopping = false;

  const alive = (s: Slot) => s.proc !== null && s.state !== 'dead';

  function info(s: Slot): InstanceInfo {
    return {
      id: s.id,
      port: s.port,
      pid: alive(s) ? (s.proc?.pid ?? null) : null,
      state: s.state,
      ...(alive(s) ? s.stats : NO_STATS),
      restarts: s.restarts,
      startedAt: s.startedAt,
    };
  }

  function setState(s: Slot, state: InstanceState, prev: InstanceState | null = s.state): void {
    if (s.state === state && prev !== null) return;
    s.state = state;
    events.emit({
      source: 'supervisor',
      type: 'state',
      at: Date.now(),
      id: s.id,
      state,
      prev,
      port: s.port,
      pid: s.proc?.pid ?? null,
    });
  }

  function onLine(id: string) {
    return (stream: 'stdout' | 'stderr', line: string) => {
      if (o.dir !== undefined) {
        try {
          appendFileSync(join(o.dir, `${id}.log`), `${stream === 'stderr' ? '! ' : ''}${line}\n`);
        } catch {
          // A log that cannot be written must not take the instance down.
        }
      }
      o.onLog?.(id, stream, line);
    };
  }

  async function start(s: Slot): Promise<InstanceInfo> {
    if (stopping) throw new Error('the supervisor is stopping');
    const env = { ...process.env, ...o.env, INSTANCE_ID: s.id, PORT: String(s.port) };
    const proc = spawnInstance(command, env, o.cwd, onLine(s.id));
    // A new instance has no previous state; a restarted one was dead (or a failed start).
    const prev = s.startedAt === null ? null : 'dead';
    s.proc = proc;
    s.expectExit = false;
    s.startedAt = Date.now();
    s.stats = NO_STATS;
    if (hub !== null && proc.child.connected) hub.attach(proc.child);
    setState(s, 'starting', prev);
    void proc.exited.then(({ code, signal }) => {
      if (s.proc !== proc) return;
      events.emit({
        source: 'supervisor',
        type: 'exit',
        at: Date.now(),
        id: s.id,
        code,
        signal,
        expected: s.expectExit,
      });
      setState(s, 'dead');
    });
    try {
      await waitReady(s.id, s.port, proc, readyTimeoutMs);
    } catch (e) {
      if (proc.child.exitCode === null && proc.child.signalCode === null) {
        s.expectExit = true;
        proc.child.kill('SIGKILL');
        await proc.exited;
      }
      throw e;
    }
    // A kill while waiting leaves the slot dead: only a slot still starting becomes ready.
    if (s.proc === proc && (s.state as InstanceState) === 'starting') setState(s, 'ready');
    return info(s);
  }

  async function drainSlot(s: Slot): Promise<void> {
    const proc = s.proc;
    if (proc === null || !alive(s)) return;
    setState(s, 'draining');
    await o.beforeDrain?.(s.id);
    s.expectExit = true;
    proc.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => {
      timer = setTimeout(() => r('late'), drainTimeoutMs);
    });
    if ((await Promise.race([proc.exited, late])) === 'late') proc.child.kill('SIGKILL');
    clearTimeout(timer);
    await proc.exited;
  }

  function slot(id: string): Slot {
    const s = slots.get(id);
    if (s === undefined) throw new UnknownInstanceError(id);
    return s;
  }

  /** Runs `op` after the operations already queued on this instance. */
  function queue<T>(s: Slot, op: () => Promise<T>): Promise<T> {
    const run = s.queue.then(op, op);
    s.queue = run.catch(() => {});
    return run;
  }

  async function newSlot(): Promise<Slot> {
    const n = ++seq;
    const port = o.basePort !== undefined ? o.basePort + n - 1 : await freePort();
    const s: Slot = {
      id: `i${n}`,
      port,
      state: 'dead',
      proc: null,
      stats: NO_STATS,
      restarts: 0,
      startedAt: null,
      expectExit: false,
      queue: Promise.resolve(),
    };
    slots.set(s.id, s);
    return s;
  }

  // A supervisor that dies must not leave its instances behind.
  const onExit = () => {
    for (const s of slots.values()) if (alive(s)) s.proc?.child.kill('SIGKILL');
  };
  process.once('exit', onExit);

  async function stop(): Promise<void> {
    if (stopping) return;
    stopping = true;
    await Promise.all(
      [...slots.values()].map((s) =>
        drainSlot(s).catch(() => {
          s.proc?.child.kill('SIGKILL');
        }),
      ),
    );
    await hub?.close();
    process.off('exit', onExit);
  }

  const initial: Slot[] = [];
  for (let i = 0; i < o.instances; i++) initial.push(await newSlot());
  const started = await Promise.allSettled(initial.map((s) => queue(s, () => start(s))));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    await stop();
    throw failed.reason;
  }

  return {
    hub,
    onEvent: events.onEvent,
    async list() {
      await Promise.all(
        [...slots.values()].map(async (s) => {
          if (alive(s) && s.proc !== null) s.stats = await s.proc.stats();
          else s.stats = NO_STATS;
        }),
      );
      return [...slots.values()].map(info);
    },
    snapshot: () => [...slots.values()].map(info),
    ready: () =>
      [...slots.values()].filter((s) => s.state === 'ready').map((s) => ({ id: s.id, port: s.port })),
    async kill(id) {
      const s = slot(id);
      const proc = s.proc;
      if (proc !== null && alive(s)) {
        s.expectExit = true;
        proc.child.kill('SIGKILL');
        await proc.exited;
      }
      return info(s);
    },
    drain(id) {
      const s = slot(id);
      return queue(s, async () => {
        await drainSlot(s);
        return info(s);
      });
    },
    restart(id) {
      const s = slot(id);
      return queue(s, async () => {
        await drainSlot(s);
        if (s.startedAt !== null) s.restarts++;
        return start(s);
      });
    },
    async add() {
      if (stopping) throw new Error('the supervisor is stopping');
      const s = await newSlot();
      return queue(s, () => start(s));
    },
    stop,
  };
}
