/**
 * The session manager: `createSessions(strategy, options)` gives the one API every adapter and
 * handler uses, whichever strategy holds the state.
 */
import type { SessionInfo, Strategy, StrategyFactory } from '../strategies/types.js';
import type { SessionsOptions } from './options.js';
import { type ResolvedOptions, resolveOptions } from './options.js';
import type { RequestMeta, SessionData } from './session.js';
import { Session } from './session.js';
import type { CredentialSource } from './transport.js';
import { readCredential } from './transport.js';

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

  async function loadCredential(credential: string | null, meta: RequestMeta = {}): Promise<Session<D>> {
    if (credential === null) return new Session<D>(s, o, null, meta, false);
    const state = await s.load(credential);
    return new Session<D>(s, o, state, meta, state === null);
  }

  return {
    options: o,
    strategy: s,
    async load(req, meta) {
      const c = readCredential(req, o);
      // A bearer credential that fails is never answered with a cookie-clearing header.
      return c === null ? loadCredential(null, meta) : loadCredential(c.value, meta);
    },
    loadCredential,
    list: (userId) => s.list(userId),
    revokeUser: (userId, opts) => s.revokeUser(userId, opts?.except?.internalId),
    close: () => s.close(),
  };
}
