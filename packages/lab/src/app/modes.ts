/**
 * The four architectures, by the names used everywhere (CLI, report, dashboard), built from
 * the library's public API only. See DESIGN.md: sticky, shared, stateless, hybrid.
 *
 * `modeStrategy` is what an app instance runs (its store and secret come from the instance
 * environment, see `env.ts`); `modeKit` plays several instances of one mode in one process for
 * the single-process comparison.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createSessions,
  hybrid,
  type Sessions,
  type Store,
  type StrategyFactory,
  stateful,
  stateless,
  unclosable,
} from 'statecraft';
import { memoryStore } from 'statecraft/stores/memory';
import { sqliteStore } from 'statecraft/stores/sqlite';
import { deriveKeys, SECRET_BYTES } from './keys.js';

export const MODES = ['sticky', 'shared', 'stateless', 'hybrid'] as const;
export type Mode = (typeof MODES)[number];

/** True when `value` names a mode. */
export function isMode(value: unknown): value is Mode {
  return typeof value === 'string' && (MODES as readonly string[]).includes(value);
}

/** The balancer policy each mode is run behind (DESIGN.md, modes table). */
export const BALANCER_POLICY: Readonly<Record<Mode, 'sticky-cookie' | 'round-robin'>> = {
  sticky: 'sticky-cookie',
  shared: 'round-robin',
  stateless: 'round-robin',
  hybrid: 'round-robin',
};

/**
 * Where a mode keeps sessions: `memory` (each instance its own), `shared` (one store for every
 * instance), or `none` (in the token only).
 */
export function storeRole(mode: Mode): 'memory' | 'shared' | 'none' {
  if (mode === 'sticky') return 'memory';
  return mode === 'stateless' ? 'none' : 'shared';
}

/** True when the mode's tokens need the shared secret (`stateless`, `hybrid`). */
export function needsSecret(mode: Mode): boolean {
  return mode === 'stateless' || mode === 'hybrid';
}

export interface StrategyInputs {
  /** The session store: required for `sticky`, `shared` and `hybrid`; unused by `stateless`. */
  store?: Store;
  /** The 32-byte secret shared by every instance: required for `stateless` and `hybrid`. */
  secret?: Uint8Array;
}

/**
 * The library strategy of a mode: `sticky` and `shared` are stateful over their store,
 * `stateless` seals the session in a JWE (dir + A256GCM), `hybrid` signs short-lived JWS
 * access tokens (HS256) in front of the store. Keys are derived from `secret` (see `keys.ts`).
 *
 * @example
 * const sessions = createSessions(modeStrategy('hybrid', { store, secret }), { bus })
 */
export function modeStrategy(mode: Mode, inputs: StrategyInputs): StrategyFactory {
  const store = (): Store => {
    if (inputs.store === undefined) throw new TypeError(`mode ${mode} needs a store`);
    return inputs.store;
  };
  const keys = () => {
    if (inputs.secret === undefined) throw new TypeError(`mode ${mode} needs the shared secret`);
    return deriveKeys(inputs.secret);
  };
  switch (mode) {
    case 'sticky':
    case 'shared':
      return stateful({ store: store() });
    case 'stateless':
      return stateless({ keys: keys().sealing, format: 'jwe' });
    case 'hybrid':
      return hybrid({ store: store(), keys: keys().signing, format: 'jws' });
  }
}

/** Session data of the single-process comparison (`compare.ts`). */
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
  const shared = storeRole(mode) === 'shared' ? keep(sqliteStore({ path: join(dir, 'sessions.db') })) : null;
  const secret = randomBytes(SECRET_BYTES);
  return {
    mode,
    instance() {
      const store =
        mode === 'sticky' ? keep(memoryStore()) : shared === null ? undefined : unclosable(shared);
      return createSessions<AppData>(modeStrategy(mode, { store, secret }));
    },
    async close() {
      for (const s of stores) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
