/** A store wrapper that counts calls per operation, for tests of how often the manager writes. */
import type { Store } from 'statecraft';

export type Op = 'get' | 'set' | 'touch' | 'delete' | 'listByUser' | 'deleteByUser';

export function countingStore(inner: Store): Store & { calls: Record<Op, number>; reset(): void } {
  const calls: Record<Op, number> = { get: 0, set: 0, touch: 0, delete: 0, listByUser: 0, deleteByUser: 0 };
  return {
    name: inner.name,
    calls,
    reset() {
      for (const k of Object.keys(calls) as Op[]) calls[k] = 0;
    },
    get: (k) => {
      calls.get++;
      return inner.get(k);
    },
    set: (r, e) => {
      calls.set++;
      return inner.set(r, e);
    },
    touch: (k, l, x) => {
      calls.touch++;
      return inner.touch(k, l, x);
    },
    delete: (k) => {
      calls.delete++;
      return inner.delete(k);
    },
    listByUser: (u) => {
      calls.listByUser++;
      return inner.listByUser(u);
    },
    deleteByUser: (u, e) => {
      calls.deleteByUser++;
      return inner.deleteByUser(u, e);
    },
    close: () => inner.close(),
  };
}
