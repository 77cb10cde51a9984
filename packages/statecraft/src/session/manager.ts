/**
 * The session manager: `createSessions(strategy, options)` gives the one API every adapter and
 * handler uses, whichever strategy holds the state. It also carries revocations over the bus,
 * so every instance learns at once that a session or a user was logged out.
 */
import type { RevocationEvent, SessionInfo, Strategy, StrategyFactory } from '../strategies/types.js';
import { SessionError } from './errors.js';
import type { SessionsOptions } from './options.js';
import { type ResolvedOptions, resolveOptions } from './options.js';
import type { RequestMeta, SessionData } from './session.js';
import { Session } from './session.js';
import type { CredentialSource } from './transport.js';
import { readCredential } from './transport.js';

/** Bus channel of revocation events. */
export const REVOCATION_CHANNEL = 'statecraft:revocations';

export interface Sessions<D extends SessionData = SessionData> {
  /** The resolved options (cookie name, timeouts…), read-only. */
  readonly options: Readonly<ResolvedOptions>;
  readonly strategy: Strategy;
  /**
   * The session a request carries, or a new empty one when it carries none, an unknown or
   * malformed one, or an expired one. Rejects with `STORE_UNAVAILABLE` when the store is down.
   */
  load(req: CredentialSource, meta?: RequestMeta): Promise<Session<D>>;
  /** The session a raw credential names (a WebSocket subprotocol token, a test). */
  loadCredential(credential: string | null, meta?: RequestMeta): Promise<Session<D>>;
  /** The live sessions of one user. */
  list(userId: string): Promise<SessionInfo[]>;
  /** Ends every session of a user ("log out everywhere"), optionally keeping one; resolves how many ended. */
  revokeUser(userId: string, opts?: { except?: Session<D> }): Promise<number>;
  /** Ends one session by the handle `list` reported ("sign out that device"). */
  revokeSession(handle: string): Promise<boolean>;
  /**
   * Changes every live session of a user from server code (outside their requests): a role
   * change is seen on the user's next request, on every instance. `shared`: written to the
   * store; `hybrid`: written to the store and the bus makes every instance refresh the user's
   * tokens; `stateless`: refused with `STRATEGY_UNSUPPORTED` (the data lives in the client's token).
   * Resolves how many sessions were changed.
   *
   * @example
   * await sessions.updateUser('ada', (data) => { data.role = 'admin' })
   */
  updateUser(userId: string, fn: (data: Partial<D>) => void): Promise<number>;
  /**
   * Calls `listener` for every revocation made on any instance (through the bus, or in this
   * process without one). Returns a function that removes the listener.
   */
  onRevoked(listener: (e: RevocationEvent) => void): () => void;
  /** Resolves once the bus subscription is active and the strategy has loaded what it needs. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * @example
 * import { createSessions, stateful } from 'statecraft'
 * import { memoryStore } from 'statecraft/stores/memory'
 *
 * type Data = { cart: string[] }
 * const sessions = createSessions<Data>(stateful({ store: memoryStore() }), { idle: 1800 })
 * const session = await sessions.load(req)
 * session.update('cart', (cart = []) => [...cart, 'sku-1'])
 * const { setCookie } = await session.commit()
 */
export function createSessions<D extends SessionData = SessionData>(
  strategy: StrategyFactory,
  options: SessionsOptions = {},
): Sessions<D> {
  const o = resolveOptions(options);
  const s = strategy(o);
  s.notify = (e) => {
    publish(e).catch(() => {});
  };
  if (o.maxPerUser && s.kind === 'stateless') {
    throw new SessionError('INVALID_CONFIG', 'maxPerUser needs a strategy with a store');
  }
  const listeners = new Set<(e: RevocationEvent) => void>();
  const bus = o.bus;

  function deliver(e: RevocationEvent): void {
    s.applyRevocation?.(e);
    if (e.kind === 'refresh') return;
    for (const l of listeners) {
      try {
        l(e);
      } catch {
        // A listener's failure must not stop the others.
      }
    }
  }

  // Subscribe once; a failed subscription is retried by the next ready() call.
  let subscribed: Promise<unknown> | null = null;
  let unsubscribe: (() => Promise<void>) | null = null;
  let closed = false;
  function subscribe(): Promise<unknown> {
    if (!bus) return Promise.resolve();
    subscribed ??= bus
      .subscribe(REVOCATION_CHANNEL, (message) => {
        try {
          deliver(JSON.parse(message) as RevocationEvent);
        } catch {
          // Not a revocation event of ours.
        }
      })
      .then((off) => {
        unsubscribe = off;
      })
      .catch((e) => {
        // The bus was down at start: try again by itself, so revocations flow once it answers.
        subscribed = null;
        if (!closed) setTimeout(() => subscribe().catch(() => {}), 500).unref();
        throw e;
      });
    return subscribed;
  }
  if (bus) {
    subscribe().catch(() => {});
    bus.onReconnect?.(() => {
      s.resync?.().catch(() => {});
    });
  }

  async function publish(e: RevocationEvent): Promise<void> {
    if (bus) await bus.publish(REVOCATION_CHANNEL, JSON.stringify(e));
    else deliver(e);
  }

  const ended = (handle: string) => publish({ kind: 'session', handle, at: o.clock.now() });

  // Last touch per session in this process, so parallel requests touch once per window.
  const touches = new Map<string, number>();
  const claimTouch = (handle: string, now: number): boolean => {
    const last = touches.get(handle);
    if (last !== undefined && now - last < o.touchAfterMs) return false;
    if (touches.size >= 10_000) touches.clear();
    touches.set(handle, now);
    return true;
  };

  // Plain promise chains rather than async functions: this runs on every request, and each
  // async layer costs a promise and a microtask of its own. Whatever throws still rejects.
  function loadCredential(credential: string | null, meta: RequestMeta = {}): Promise<Session<D>> {
    try {
      if (credential === null) {
        return Promise.resolve(new Session<D>(s, o, null, meta, false, ended, claimTouch));
      }
      return s
        .load(credential)
        .then((state) => new Session<D>(s, o, state, meta, state === null, ended, claimTouch));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  return {
    options: o,
    strategy: s,
    load(req, meta) {
      let c: ReturnType<typeof readCredential>;
      try {
        c = readCredential(req, o);
      } catch (e) {
        return Promise.reject(e);
      }
      return loadCredential(c === null ? null : c.value, meta);
    },
    loadCredential,
    list: (userId) => s.list(userId),
    async revokeUser(userId, opts) {
      const n = await s.revokeUser(userId, opts?.except?.internalId);
      await publish({ kind: 'user', userId, at: o.clock.now() });
      return n;
    },
    async revokeSession(handle) {
      const existed = await s.revokeSession(handle);
      await publish({ kind: 'session', handle, at: o.clock.now() });
      return existed;
    },
    async updateUser(userId, fn) {
      const n = await s.updateUser(userId, fn as (data: Record<string, unknown>) => void);
      if (s.kind === 'hybrid') await publish({ kind: 'refresh', userId, at: o.clock.now() });
      return n;
    },
    onRevoked(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async ready() {
      await subscribe();
      await s.resync?.();
    },
    async close() {
      closed = true;
      listeners.clear();
      await unsubscribe?.();
      await s.close();
    },
  };
}
