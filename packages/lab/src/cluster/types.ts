/**
 * The words the cluster speaks: an instance's state and figures, and the events the supervisor
 * and the balancer publish (the control API streams them to the lab and the dashboard).
 */

/** `starting` until `/readyz` answers 200; `draining` from SIGTERM until exit; `dead` once exited. */
export type InstanceState = 'starting' | 'ready' | 'draining' | 'dead';

/** One instance as the supervisor sees it. Figures are `null` when the instance could not say. */
export interface InstanceInfo {
  /** `i1`, `i2`, … — the instance's `INSTANCE_ID`, kept across restarts. */
  id: string;
  port: number;
  /** `null` before the first start and after exit. */
  pid: number | null;
  state: InstanceState;
  /** Resident set size in bytes: from the instance's `stats` answer, else from /proc. */
  rss: number | null;
  /** Requests the instance has served since it started (its own count). */
  requests: number | null;
  /** Sessions the instance holds in its own memory (sticky) or can see, as it reports them. */
  sessions: number | null;
  /** Session-store operations and bus publishes since start, when the app reports them. */
  storeOps?: number | null;
  /** How many times the instance was started again after its first start. */
  restarts: number;
  /** When the current (or last) process started, ms since the epoch. */
  startedAt: number | null;
}

/** A backend the balancer can send requests to. */
export interface BackendSpec {
  id: string;
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
}

export type SupervisorEvent =
  | {
      source: 'supervisor';
      type: 'state';
      at: number;
      id: string;
      state: InstanceState;
      prev: InstanceState | null;
      port: number;
      pid: number | null;
    }
  | {
      source: 'supervisor';
      type: 'exit';
      at: number;
      id: string;
      code: number | null;
      signal: string | null;
      /** Whether the supervisor asked for it (kill, drain, stop), or the instance died by itself. */
      expected: boolean;
    };

export type BalancerEvent =
  | { source: 'balancer'; type: 'eject'; at: number; id: string; reason: string }
  | { source: 'balancer'; type: 'restore'; at: number; id: string }
  | { source: 'balancer'; type: 'backends'; at: number; ids: string[] };

export type ClusterEvent = SupervisorEvent | BalancerEvent;

/** Something that publishes events; `onEvent` returns the function that stops listening. */
export interface EventSource<E> {
  onEvent(listener: (e: E) => void): () => void;
}
