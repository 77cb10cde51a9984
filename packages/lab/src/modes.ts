/**
 * The four architectures, by the names used everywhere (CLI, report, dashboard), built from
 * the library's public API only. See DESIGN.md: sticky, shared, stateless, hybrid.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSessions, hybrid, type Sessions, type Store, stateful, stateless } from 'statecraft';
import { memoryStore } from 'statecraft/stores/memory';
import { sqliteStore } from 'statecraft/stores/sqlite';

export const MODES = ['sticky', 'shared', 'stateless', 'hybrid'] as const;
export type Mode = (typeof MODES)[number];

export type AppData = { cart: string[] };

/** One mode's shared state (store, keys) and a way to start an instance over it. */
export interface ModeKit {
  mode: Mode;
  /** A new instance: a fresh session manager over the mode's shared state. `sticky` gets its own memory. */
  instance(): Sessions<AppData>;
  close(): Promise<void>;
}

export function modeKit(mode: Mode): ModeKit {
  const dir = mkdtempSync(join(tmpdir(), 'statecraft-lab-'));
  const stores: Store[] = [];
  const keep = <S extends Store>(s: S): S => {
    stores.push(s);
    return s;
  };
  const shared =
    mode === 'shared' || mode === 'hybrid' ? keep(sqliteStore({ path: join(dir, 'sessions.db') })) : null;
  const signing = [{ kid: 'k1', alg: 'HS256' as const, secret: randomBytes(32) }];
  const sealing = [{ kid: 'k1', alg: 'dir' as const, enc: 'A256GCM' as const, secret: randomBytes(32) }];
  // Instances of one mode share a store, not a manager: closing one must not close the store.
  const view = (s: Store): Store => ({
    name: s.name,
    get: (k) => s.get(k),
    set: (r, e) => s.set(r, e),
    touch: (k, l, x) => s.touch(k, l, x),
    delete: (k) => s.delete(k),
    listByUser: (u) => s.listByUser(u),
    deleteByUser: (u, e) => s.deleteByUser(u, e),
    close: async () => {},
  });
  return {
    mode,
    instance() {
      switch (mode) {
        case 'sticky':
          return createSessions<AppData>(stateful({ store: keep(memoryStore()) }));
        case 'shared':
          return createSessions<AppData>(stateful({ store: view(shared!) }));
        case 'stateless':
          return createSessions<AppData>(stateless({ keys: sealing, format: 'jwe' }));
        case 'hybrid':
          return createSessions<AppData>(hybrid({ store: view(shared!), keys: signing, format: 'jws' }));
      }
    },
    async close() {
      for (const s of stores) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
