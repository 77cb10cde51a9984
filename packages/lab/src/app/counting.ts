/**
 * Counts the session store's operations (and bus publishes) an instance makes, so the lab can
 * report store round trips per request (claim C7: "stateful needs session sync").
 */
import type { Bus, Store } from 'statecraft';

export interface OpCounter {
  n: number;
}

/** `store` with every operation counted in `c`. */
export function countedStore(store: Store, c: OpCounter): Store {
  return {
    name: store.name,
    get: (k) => {
      c.n++;
      return store.get(k);
    },
    set: (r, e) => {
      c.n++;
      return store.set(r, e);
    },
    touch: (k, l, x) => {
      c.n++;
      return store.touch(k, l, x);
    },
    delete: (k) => {
      c.n++;
      return store.delete(k);
    },
    listByUser: (u) => {
      c.n++;
      return store.listByUser(u);
    },
    deleteByUser: (u, e) => {
      c.n++;
      return store.deleteByUser(u, e);
    },
    close: () => store.close(),
  };
}

/** `bus` with every publish counted in `c` (a publish is a round trip to the bus's server). */
export function countedBus(bus: Bus, c: OpCounter): Bus {
  return {
    name: bus.name,
    publish: (channel, message) => {
      c.n++;
      return bus.publish(channel, message);
    },
    subscribe: (channel, handler) => bus.subscribe(channel, handler),
    onReconnect: (cb) => bus.onReconnect(cb),
    close: () => bus.close(),
  };
}
