/**
 * statecraft: one session API with stateful, stateless and hybrid strategies.
 * Stores and adapters live on their own subpaths (`statecraft/stores/redis`, …).
 */

export type { Bus, BusHandler, BusOptions } from './bus/types.js';
export type { Codec } from './codec/index.js';
export { defaultCodec } from './codec/index.js';
export type { Clock, ManualClock } from './platform/clock.js';
export { manualClock, systemClock } from './platform/clock.js';
export type { Random } from './platform/random.js';
export { systemRandom } from './platform/random.js';
export type { SessionErrorCode } from './session/errors.js';
export { ERROR_CODES, isSessionError, SessionError } from './session/errors.js';
export { isWellFormedId, newSessionId, storeKey } from './session/id.js';
export type { Sessions } from './session/manager.js';
export { createSessions, REVOCATION_CHANNEL } from './session/manager.js';
export type { CookieOptions, ResolvedOptions, SessionBus, SessionsOptions } from './session/options.js';
export type { CommitResult, RequestMeta, SessionData } from './session/session.js';
export { Session } from './session/session.js';
export type { Credential, CredentialSource } from './session/transport.js';
export { readCredential } from './session/transport.js';
export type { SessionRecord, Store, StoreOptions } from './stores/types.js';
export { unclosable } from './stores/unclosable.js';
export type { HybridOptions } from './strategies/hybrid.js';
export { hybrid, REVOCATIONS_USER } from './strategies/hybrid.js';
export type { StatefulOptions } from './strategies/stateful.js';
export { stateful } from './strategies/stateful.js';
export type { StatelessOptions } from './strategies/stateless.js';
export { stateless } from './strategies/stateless.js';
export type { TokenOptions } from './strategies/token-claims.js';
export type {
  Change,
  RevocationEvent,
  SessionInfo,
  SessionState,
  Strategy,
  StrategyFactory,
} from './strategies/types.js';
export type {
  JwtPayload,
  Keyring,
  KeySpec,
  SealOptions,
  TokenCache,
  VerifiedToken,
  VerifyOptions,
} from './tokens/index.js';
export {
  createKeyring,
  createTokenCache,
  openToken,
  sealToken,
  signToken,
  verifyToken,
} from './tokens/index.js';
