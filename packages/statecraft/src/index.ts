/**
 * statecraft: one session API with stateful, stateless and hybrid strategies.
 * Stores and adapters live on their own subpaths (`statecraft/stores/redis`, …).
 */
export { createSessions } from './session/manager.js';
export type { Sessions } from './session/manager.js';
export { Session } from './session/session.js';
export type { CommitResult, RequestMeta, SessionData } from './session/session.js';
export type { CookieOptions, SessionsOptions, ResolvedOptions } from './session/options.js';
export { SessionError, isSessionError, ERROR_CODES } from './session/errors.js';
export type { SessionErrorCode } from './session/errors.js';
export { readCredential } from './session/transport.js';
export type { CredentialSource, Credential } from './session/transport.js';
export { newSessionId, isWellFormedId, storeKey } from './session/id.js';
export { stateful } from './strategies/stateful.js';
export type { StatefulOptions } from './strategies/stateful.js';
export type { Strategy, StrategyFactory, SessionState, SessionInfo, Change } from './strategies/types.js';
export type { Store, SessionRecord, StoreOptions } from './stores/types.js';
export { systemClock, manualClock } from './platform/clock.js';
export type { Clock, ManualClock } from './platform/clock.js';
export { systemRandom } from './platform/random.js';
export type { Random } from './platform/random.js';
export { defaultCodec } from './codec/index.js';
export type { Codec } from './codec/index.js';
