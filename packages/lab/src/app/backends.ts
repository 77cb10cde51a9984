/**
 * From the instance environment to running parts: the store its URL names, the bus, and the
 * session manager of the mode over them. Optional engines (ioredis, pg, better-sqlite3) are
 * imported only when named, through the library's subpaths.
 */
import { createSessions, type Sessions, type Store } from 'statecraft';
import type { Bus } from 'statecraft/bus/memory';
import { countedBus, countedStore, type OpCounter } from './counting.js';
import type { BusSpec, InstanceEnv, StoreSpec } from './env.js';
import { prefixes } from './env.js';
import { modeStrategy } from './modes.js';
import type { ShopData } from './shop.js';

/** Opens the store `spec` names; keys and tables start with `prefix` (see `prefixes()`). */
export async function openStore(spec: StoreSpec, prefix: string): Promise<Store> {
  const p = prefixes(prefix);
  switch (spec.kind) {
    case 'memory': {
      const { memoryStore } = await import('statecraft/stores/memory');
      return memoryStore();
    }
    case 'sqlite': {
      const { sqliteStore } = await import('statecraft/stores/sqlite');
      return sqliteStore({ path: spec.path, table: `${p.sql}_sessions` });
    }
    case 'redis': {
      const { redisStore } = await import('statecraft/stores/redis');
      return redisStore({ url: spec.url, prefix: p.redis });
    }
    case 'postgres': {
      const { postgresStore } = await import('statecraft/stores/postgres');
      return postgresStore({ connectionString: spec.url, table: `${p.sql}_sessions` });
    }
  }
}

/** Opens the bus `spec` names; channels start with `prefix`. `ipc` needs an IPC channel to the supervisor. */
export async function openBus(spec: BusSpec, prefix: string): Promise<Bus> {
  const p = prefixes(prefix);
  switch (spec.kind) {
    case 'ipc': {
      const { ipcBus } = await import('statecraft/bus/ipc');
      return ipcBus();
    }
    case 'redis': {
      const { redisBus } = await import('statecraft/bus/redis');
      return redisBus({ url: spec.url, prefix: p.redis });
    }
    case 'postgres': {
      const { postgresBus } = await import('statecraft/bus/postgres');
      return postgresBus({ connectionString: spec.url, prefix: `${p.sql}_` });
    }
  }
}

/** What one instance runs on. */
export interface Instance {
  sessions: Sessions<ShopData>;
  /** The store, or null in `stateless`. Closed by `sessions.close()`. */
  store: Store | null;
  /** The bus, or null when none was configured. */
  bus: Bus | null;
  /** Store operations and bus publishes made so far (a count per instance, for the lab). */
  storeOps(): number;
  /** Closes the session manager (and with it the store), then the bus. */
  close(): Promise<void>;
}

/**
 * The session manager of `env.mode` over the configured store and bus; resolves once it is
 * ready (bus subscribed, hybrid revocations loaded from the store).
 *
 * @example
 * const { sessions, bus, close } = await openInstance(readInstanceEnv())
 */
export async function openInstance(env: InstanceEnv): Promise<Instance> {
  const store = env.store === null ? null : await openStore(env.store, env.prefix);
  const ops: OpCounter = { n: 0 };
  let bus: Bus | null = null;
  let sessions: Sessions<ShopData> | null = null;
  try {
    bus = env.bus === null ? null : await openBus(env.bus, env.prefix);
    const strategy = modeStrategy(env.mode, {
      // Only a store outside the process costs a round trip: an in-memory map is not counted.
      store: store === null ? undefined : env.store?.kind === 'memory' ? store : countedStore(store, ops),
      secret: env.secret ?? undefined,
    });
    sessions = createSessions<ShopData>(strategy, bus === null ? {} : { bus: countedBus(bus, ops) });
    await sessions.ready();
  } catch (e) {
    // The manager owns the store once made: close through it, or the store alone before that.
    await (sessions === null ? store?.close() : sessions.close())?.catch(() => {});
    await bus?.close().catch(() => {});
    throw e;
  }
  const s = sessions;
  const b = bus;
  return {
    sessions: s,
    store,
    bus: b,
    storeOps: () => ops.n,
    async close() {
      await s.close().catch(() => {});
      await b?.close().catch(() => {});
    },
  };
}
