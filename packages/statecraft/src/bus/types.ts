/**
 * The one small interface every bus implements (memory, Redis, PostgreSQL, IPC).
 *
 * A bus carries short text messages between the processes of one deployment: "user u1 was
 * revoked" for the hybrid strategy, chat lines for the lab. It is publish/subscribe, so
 * delivery is at-most-once: a process that is disconnected when a message is published never
 * sees it. Callers that must not miss anything (revocations) reload their state from the store
 * on start and after every gap, which `onReconnect` announces.
 */

/** Receives one message. Runs asynchronously, never inside `publish()`; a throw is reported, not raised. */
export type BusHandler = (message: string) => void;

/** A publish/subscribe bus. Implementations live in `src/bus/<name>/`. */
export interface Bus {
  /** Short name for logs and reports (`memory`, `redis`, `postgres`, `ipc`). */
  readonly name: string;

  /**
   * Delivers `message` to every subscriber of `channel` in every process on this bus, this
   * process included. Resolves once the backend accepted it (not once it was delivered).
   * Rejects with `SessionError('STORE_UNAVAILABLE')` when the backend cannot be reached.
   */
  publish(channel: string, message: string): Promise<void>;

  /**
   * Resolves once the subscription is active (messages published after it resolves are
   * delivered). Returns an unsubscribe function; once that resolves the handler is never called
   * again. Rejects with `SessionError('STORE_UNAVAILABLE')` when the backend cannot be reached.
   */
  subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>>;

  /**
   * Calls `callback` each time the bus has reconnected after losing its backend, once every
   * subscription is active again. Messages published during the gap are lost: resync from the
   * store here. Never fires for a bus that cannot lose its backend (memory, IPC). Returns a
   * function that removes the callback.
   */
  onReconnect(callback: () => void): () => void;

  /** Releases connections, listeners and timers. The bus must not be used afterwards. */
  close(): Promise<void>;
}

/** Options every bus takes. */
export interface BusOptions {
  /**
   * Called when a handler throws or rejects (with its channel), or an `onReconnect` callback
   * does (without one). The bus and the other handlers carry on either way.
   * @default emits a process warning of type `StatecraftBusWarning`
   */
  onHandlerError?: (error: unknown, channel?: string) => void;
}
