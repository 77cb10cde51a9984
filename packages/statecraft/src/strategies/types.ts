/**
 * The Strategy interface: how a credential becomes session state and back. `stateful` keeps
 * state in a store, `stateless` in a signed or sealed token, `hybrid` in both. The manager and
 * the adapters only ever talk to this interface, so switching architecture is one option.
 */
import type { ResolvedOptions } from '../session/options.js';

/** Decoded session state as the manager and handlers see it. Times in ms since the epoch. */
export interface SessionState {
  /** The secret credential id (stateful, hybrid) or token id (stateless). Never logged. */
  id: string;
  userId: string | null;
  data: Record<string, unknown>;
  /** 0 while not yet persisted; otherwise the stored version this state was read at. */
  version: number;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  absoluteExpiresAt: number;
  ip: string | null;
  userAgent: string | null;
  /** Set by a strategy when the credential must be re-issued even if nothing changed (key rotation, refresh). */
  reissue?: boolean;
}

/** One change a handler made, kept so a commit can replay it on a newer version. */
export type Change =
  | { op: 'set'; key: string; value: unknown }
  | { op: 'delete'; key: string }
  | { op: 'update'; key: string; fn: (current: unknown) => unknown };

/** A session as `list(userId)` reports it. */
export interface SessionInfo {
  /** A stable non-secret handle (SHA-256 of the id): safe to show and to log. */
  handle: string;
  userId: string | null;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  ip: string | null;
  userAgent: string | null;
}

/** "This session / every session of this user, as of `at` (ms), is ended": carried by the bus. */
export type RevocationEvent =
  /** `reason: 'reuse'`: a rotated refresh credential came back after the grace window (theft suspected). */
  | { kind: 'session'; handle: string; at: number; reason?: 'reuse' }
  | { kind: 'user'; userId: string; at: number }
  /** Not a revocation: the user's sessions were changed server-side; tokens must be refreshed. */
  | { kind: 'refresh'; userId: string; at: number };

export interface Strategy {
  readonly kind: 'stateful' | 'stateless' | 'hybrid';
  /** State for a credential, or null when it is unknown, malformed or expired. */
  load(credential: string): Promise<SessionState | null>;
  /**
   * Persists a new or changed session. `changes` lets a store-backed strategy replay the
   * handler's work on a concurrently written newer version (compare-and-set).
   * Resolves with the state as saved and the credential the client must hold.
   */
  save(state: SessionState, changes: readonly Change[]): Promise<{ state: SessionState; credential: string }>;
  /**
   * Re-sends the credential of an unchanged session; with `slide`, its expiry moved and the
   * strategy persists that. Without (a token refresh or a key rotation only) nothing is written.
   * Resolves a credential to re-send, or null.
   */
  touch(state: SessionState, slide: boolean): Promise<string | null>;
  /** Ends one session server-side (where the strategy can). */
  destroy(state: SessionState): Promise<void>;
  list(userId: string): Promise<SessionInfo[]>;
  /** Ends every session of a user except the one with this id; resolves how many ended. */
  revokeUser(userId: string, exceptId?: string): Promise<number>;
  /** Ends one session by its handle (from `list`); resolves whether it existed. */
  revokeSession(handle: string): Promise<boolean>;
  /**
   * Changes every live session of a user from server code (a role change, an admin edit).
   * `fn` gets each session's data and changes it in place; compare-and-set as for commits.
   * Resolves how many sessions were changed.
   */
  updateUser(userId: string, fn: (data: Record<string, unknown>) => void): Promise<number>;
  close(): Promise<void>;
  /** Learns of a revocation made by any instance (hybrid: refuse tokens issued before it). */
  applyRevocation?(e: RevocationEvent): void;
  /** Set by the manager: how a strategy announces a revocation it decided on its own (refresh reuse). */
  notify?: (e: RevocationEvent) => void;
  /** Reloads what may have been missed while the bus was disconnected, and loads it at start. */
  resync?(): Promise<void>;
}

/** What `stateful({...})` and friends return: bound to the manager's resolved options. */
export type StrategyFactory = (options: ResolvedOptions) => Strategy;

/** Applies one change to a data object in place. */
export function applyChange(data: Record<string, unknown>, c: Change): void {
  if (c.op === 'set') data[c.key] = c.value;
  else if (c.op === 'delete') delete data[c.key];
  else data[c.key] = c.fn(data[c.key]);
}

/**
 * A copy of `s` at `version`, without `reissue`. Written out field by field: every state then
 * has one shape, where a spread of a state that gained `reissue` later would copy another.
 */
export function withVersion(s: SessionState, version: number): SessionState {
  return {
    id: s.id,
    userId: s.userId,
    data: s.data,
    version,
    createdAt: s.createdAt,
    lastSeenAt: s.lastSeenAt,
    expiresAt: s.expiresAt,
    absoluteExpiresAt: s.absoluteExpiresAt,
    ip: s.ip,
    userAgent: s.userAgent,
  };
}
