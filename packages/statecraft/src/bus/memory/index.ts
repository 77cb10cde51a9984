/**
 * In-process bus: for tests and for a server that runs as one process, where "every process on
 * the bus" is this one. Buses joined to one `memoryHub()` reach each other, which lets a test
 * play several instances in one process. Nothing leaves the process, so nothing is ever lost
 * in transit and `onReconnect` never fires.
 */

import { SessionError } from '../../session/errors.js';
import { registry } from '../registry.js';
import type { Bus, BusOptions } from '../types.js';

export type { Bus, BusHandler, BusOptions } from '../types.js';

/** Buses joined to one hub receive each other's messages. */
export interface MemoryHub {
  /** How many open buses are joined to the hub. */
  readonly size: number;
}

type Member = (channel: string, message: string) => void;

// The hub's members stay out of its public shape: only memoryBus() joins and leaves.
const members = new WeakMap<MemoryHub, Set<Member>>();

/**
 * @example
 * const hub = memoryHub()
 * const a = memoryBus({ hub })
 * const b = memoryBus({ hub })
 * await b.subscribe('revoked', (userId) => forget(userId))
 * await a.publish('revoked', 'u1') // b's handler runs
 */
export function memoryHub(): MemoryHub {
  const set = new Set<Member>();
  const hub: MemoryHub = {
    get size() {
      return set.size;
    },
  };
  members.set(hub, set);
  return hub;
}

export interface MemoryBusOptions extends BusOptions {
  /** Joins this hub; without one the bus only reaches its own subscribers. */
  hub?: MemoryHub;
}

/**
 * @example
 * import { memoryBus } from 'statecraft/bus/memory'
 * const bus = memoryBus()
 * const off = await bus.subscribe('chat', (line) => console.log(line))
 * await bus.publish('chat', 'hello')
 */
export function memoryBus(o: MemoryBusOptions = {}): Bus {
  const hubMembers = o.hub ? members.get(o.hub) : new Set<Member>();
  if (hubMembers === undefined) {
    throw new SessionError('INVALID_CONFIG', 'memoryBus({ hub }) needs a hub made by memoryHub()');
  }
  // Nothing to tell a backend: the hub hands every message to every member.
  const reg = registry('memory', { listen: async () => {}, unlisten: async () => {} }, o);
  const member: Member = (channel, message) => reg.deliver(channel, message);
  hubMembers.add(member);

  return {
    name: 'memory',
    async publish(channel, message) {
      reg.check();
      for (const m of [...hubMembers]) m(channel, message);
    },
    subscribe: (channel, handler) => reg.subscribe(channel, channel, handler),
    onReconnect: (callback) => reg.onReconnect(callback),
    async close() {
      hubMembers.delete(member);
      reg.close();
    },
  };
}
