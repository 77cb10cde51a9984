/**
 * A view of a store whose `close()` does nothing. A manager closes its store when it is closed;
 * several managers sharing one store (instances in one process, tests) each get a view, and
 * the owner closes the store itself once.
 */
import type { Store } from './types.js';

export function unclosable(s: Store): Store {
  return {
    name: s.name,
    get: (k) => s.get(k),
    set: (r, e) => s.set(r, e),
    touch: (k, l, x) => s.touch(k, l, x),
    delete: (k) => s.delete(k),
    listByUser: (u) => s.listByUser(u),
    deleteByUser: (u, e) => s.deleteByUser(u, e),
    close: async () => {},
  };
}
