/**
 * Stateless strategy: the whole session travels in a token the client holds (a cookie or a
 * bearer credential), signed (JWS) or sealed (JWE). The server keeps nothing, so any instance
 * can serve any request, and nothing can be ended server-side: a copied token stays valid until
 * it expires, and two concurrent requests that both change the session each issue a token of
 * their own — the client keeps the last one, so one change is lost. The lab measures both.
 */
import { SessionError } from '../session/errors.js';
import type { ResolvedOptions } from '../session/options.js';
import { stateFromClaims, type TokenCodec, type TokenOptions, tokenCodec } from './token-claims.js';
import type { Change, SessionInfo, SessionState, Strategy, StrategyFactory } from './types.js';
import { withVersion } from './types.js';

export type StatelessOptions = TokenOptions;

/**
 * @example
 * import { randomBytes } from 'node:crypto'
 * const sessions = createSessions(stateless({
 *   keys: [{ kid: '2026-01', alg: 'dir', enc: 'A256GCM', secret: randomBytes(32) }],
 * }))
 */
export function stateless(t: StatelessOptions): StrategyFactory {
  return (o) => new StatelessStrategy(tokenCodec(t, o), o);
}

export class StatelessStrategy implements Strategy {
  readonly kind = 'stateless' as const;

  constructor(
    private readonly tokens: TokenCodec,
    private readonly o: ResolvedOptions,
  ) {}

  async load(credential: string): Promise<SessionState | null> {
    try {
      const { claims, stale } = this.tokens.read(credential);
      const state = stateFromClaims(claims.sid, claims, this.tokens.data(claims));
      const now = this.o.clock.now();
      if (state.expiresAt <= now || state.absoluteExpiresAt <= now) return null;
      // Signed by a key that is no longer the newest: re-issue under the new one (rotation).
      if (stale) state.reissue = true;
      return state;
    } catch {
      // Any refusal (TOKEN_*), or claims that do not decode, means "no session": a new one is
      // issued; never a 500 and never a partial session.
      return null;
    }
  }

  async save(
    state: SessionState,
    _changes: readonly Change[],
  ): Promise<{ state: SessionState; credential: string }> {
    const saved = withVersion(state, state.version + 1);
    return { state: saved, credential: this.tokens.issue(saved, saved.id, saved.expiresAt) };
  }

  async touch(state: SessionState): Promise<string | null> {
    state.reissue = false;
    return this.tokens.issue(state, state.id, state.expiresAt);
  }

  /** Nothing to end server-side; the adapter clears the cookie, a copied token stays valid until `exp`. */
  async destroy(): Promise<void> {}

  async list(): Promise<SessionInfo[]> {
    throw new SessionError(
      'STRATEGY_UNSUPPORTED',
      'stateless sessions are not listed anywhere on the server',
    );
  }

  async revokeUser(): Promise<number> {
    throw new SessionError('STRATEGY_UNSUPPORTED', 'stateless tokens cannot be revoked before they expire');
  }

  async revokeSession(): Promise<boolean> {
    throw new SessionError('STRATEGY_UNSUPPORTED', 'stateless tokens cannot be revoked before they expire');
  }

  async updateUser(): Promise<number> {
    throw new SessionError(
      'STRATEGY_UNSUPPORTED',
      'stateless sessions live in tokens the server cannot reach',
    );
  }

  async close(): Promise<void> {}
}
