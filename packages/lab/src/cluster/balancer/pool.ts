/**
 * The balancer's backends: the list the supervisor gives (`set`), which of them are healthy,
 * one keep-alive `http.Agent` each, and their counters. Ejections and restorations are events.
 *
 * A removed backend is not cut off: requests in flight on it finish, its idle connections are
 * closed at once and busy ones as soon as their response ends, so that a draining instance
 * sees no new request and no connection left open by the balancer.
 */
import { Agent } from 'node:http';
import type { Emitter } from '../emitter.js';
import type { BackendSpec, BalancerEvent } from '../types.js';
import { type BackendCounters, newBackendCounters } from './counters.js';

export interface Backend {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly agent: Agent;
  readonly counters: BackendCounters;
  /** In the pool that policies pick from. */
  healthy: boolean;
  /** No longer in the supervisor's list. */
  removed: boolean;
  /** Consecutive failed and passed health checks. */
  fails: number;
  passes: number;
  /** A health check is under way. */
  checking: boolean;
  readonly inFlight: number;
}

function newBackend(spec: BackendSpec, counters: BackendCounters): Backend {
  // LIFO reuse keeps the most recently used sockets busy and lets the others expire, which
  // narrows the window in which a socket the instance is closing gets picked.
  const agent = new Agent({ keepAlive: true, keepAliveMsecs: 1000, maxFreeSockets: 256, scheduling: 'lifo' });
  return {
    id: spec.id,
    host: spec.host ?? '127.0.0.1',
    port: spec.port,
    agent,
    counters,
    healthy: true,
    removed: false,
    fails: 0,
    passes: 0,
    checking: false,
    get inFlight() {
      return counters.inFlight;
    },
  };
}

/** Closes the agent's idle sockets now and every socket that becomes idle from now on. */
function retire(b: Backend): void {
  b.agent.on('free', (socket) => socket.destroy());
  for (const list of Object.values(b.agent.freeSockets)) for (const s of list ?? []) s.destroy();
}

export class Pool {
  #backends = new Map<string, Backend>();
  #healthy: Backend[] = [];
  readonly #counters = new Map<string, BackendCounters>();
  readonly #events: Emitter<BalancerEvent>;

  constructor(events: Emitter<BalancerEvent>) {
    this.#events = events;
  }

  /** The backends policies pick from, in the order they were given. */
  healthy(): readonly Backend[] {
    return this.#healthy;
  }

  all(): Backend[] {
    return [...this.#backends.values()];
  }

  /** Counters by instance id, for every instance ever seen. */
  counters(): Map<string, BackendCounters> {
    return this.#counters;
  }

  resetCounters(): void {
    for (const [id, c] of this.#counters) {
      const fresh = newBackendCounters();
      // In-flight requests and open sockets are facts of now, not of the past period.
      fresh.inFlight = c.inFlight;
      fresh.websockets = c.websockets;
      Object.assign(c, fresh);
      this.#counters.set(id, c);
    }
  }

  /** Replaces the list; a backend that keeps its id and port keeps its state and connections. */
  set(list: readonly BackendSpec[]): void {
    const next = new Map<string, Backend>();
    for (const spec of list) {
      const old = this.#backends.get(spec.id);
      if (old !== undefined && old.port === spec.port && old.host === (spec.host ?? '127.0.0.1')) {
        next.set(spec.id, old);
        continue;
      }
      let c = this.#counters.get(spec.id);
      if (c === undefined) {
        c = newBackendCounters();
        this.#counters.set(spec.id, c);
      }
      next.set(spec.id, newBackend(spec, c));
    }
    for (const [id, b] of this.#backends) {
      if (next.get(id) !== b) {
        b.removed = true;
        b.healthy = false;
        retire(b);
      }
    }
    this.#backends = next;
    this.#rebuild();
    this.#events.emit({ source: 'balancer', type: 'backends', at: Date.now(), ids: [...next.keys()] });
  }

  eject(b: Backend, reason: string): void {
    if (!b.healthy || b.removed) return;
    b.healthy = false;
    b.passes = 0;
    b.counters.ejections++;
    // Idle connections to an instance that failed are likely dead too.
    for (const list of Object.values(b.agent.freeSockets)) for (const s of list ?? []) s.destroy();
    this.#rebuild();
    this.#events.emit({ source: 'balancer', type: 'eject', at: Date.now(), id: b.id, reason });
  }

  restore(b: Backend): void {
    if (b.healthy || b.removed) return;
    b.healthy = true;
    b.fails = 0;
    this.#rebuild();
    this.#events.emit({ source: 'balancer', type: 'restore', at: Date.now(), id: b.id });
  }

  close(): void {
    for (const b of this.#backends.values()) b.agent.destroy();
    this.#backends.clear();
    this.#healthy = [];
  }

  #rebuild(): void {
    this.#healthy = [...this.#backends.values()].filter((b) => b.healthy);
  }
}
