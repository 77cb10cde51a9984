/**
 * The local half of every bus: which handlers listen on which channel, and how a message that
 * arrived from the backend reaches them.
 *
 * A bus tells its backend about a channel only when the first handler subscribes and forgets it
 * when the last one leaves, so many handlers cost one backend subscription. Messages are handed
 * to handlers in a microtask, in arrival order, each handler isolated from the others: one that
 * throws or rejects is reported to `onHandlerError` and the rest still run.
 */

import { SessionError } from '../session/errors.js';
import type { BusHandler, BusOptions } from './types.js';

/** What a bus does with its backend when a channel gains its first or loses its last handler. */
export interface Transport {
  /** Starts receiving `key`; resolves once messages published from now on arrive. */
  listen(key: string): Promise<void>;
  /** Stops receiving `key`. Failures are ignored: stray messages for a key without handlers are dropped. */
  unlisten(key: string): Promise<void>;
}

export interface Registry {
  /** Throws `STORE_UNAVAILABLE` once the bus is closed. */
  check(): void;
  /** Adds `handler` under the backend key `key` (the name the backend uses for `channel`). */
  subscribe(channel: string, key: string, handler: BusHandler): Promise<() => Promise<void>>;
  /** Hands a message that arrived for `key` to its handlers, asynchronously. */
  deliver(key: string, message: string): void;
  /** Keys with at least one handler: what the backend must be listening to. */
  keys(): string[];
  onReconnect(callback: () => void): () => void;
  /** Runs the `onReconnect` callbacks. */
  reconnected(): void;
  /** Marks the bus closed and drops every handler and callback. */
  close(): void;
  readonly closed: boolean;
}

interface Subscriber {
  handler: BusHandler;
  active: boolean;
}

interface Entry {
  channel: string;
  subscribers: Set<Subscriber>;
  /** Settles when the backend listens to this key. */
  ready: Promise<void>;
}

function defaultReport(error: unknown, channel?: string): void {
  const what = channel === undefined ? 'an onReconnect callback' : `a handler on channel "${channel}"`;
  const why = error instanceof Error ? error.message : String(error);
  process.emitWarning(`${what} threw: ${why}`, 'StatecraftBusWarning');
}

/** Calls `fn`, routing a throw or a rejection to `report`: user code never breaks the bus. */
function guarded(fn: () => unknown, report: (error: unknown) => void): void {
  try {
    const r = fn();
    if (r !== null && typeof r === 'object' && typeof (r as PromiseLike<unknown>).then === 'function') {
      (r as PromiseLike<unknown>).then(undefined, report);
    }
  } catch (error) {
    report(error);
  }
}

/**
 * @example
 * const reg = registry('redis', { listen: (k) => sub.subscribe(k), unlisten: (k) => sub.unsubscribe(k) }, o)
 * sub.on('message', (key, message) => reg.deliver(key, message))
 */
export function registry(name: string, transport: Transport, o: BusOptions = {}): Registry {
  const entries = new Map<string, Entry>();
  const reconnectCallbacks = new Set<() => void>();
  const onError = o.onHandlerError ?? defaultReport;
  let closed = false;

  // A faulty onHandlerError must not escape into a microtask: that would crash the process.
  function report(error: unknown, channel?: string): void {
    try {
      onError(error, channel);
    } catch {
      // nowhere left to report it
    }
  }

  function check(): void {
    if (closed) throw new SessionError('STORE_UNAVAILABLE', `${name} bus is closed`);
  }

  function drop(key: string, entry: Entry, sub: Subscriber): boolean {
    sub.active = false;
    entry.subscribers.delete(sub);
    if (entry.subscribers.size > 0 || entries.get(key) !== entry) return false;
    entries.delete(key);
    return true;
  }

  return {
    check,
    async subscribe(channel, key, handler) {
      check();
      if (typeof handler !== 'function') throw new TypeError('subscribe() needs a handler function');
      let entry = entries.get(key);
      if (entry === undefined) {
        // Called synchronously, so the backend sees LISTEN/UNLISTEN for one key in call order.
        const ready = transport.listen(key);
        entry = { channel, subscribers: new Set(), ready };
        entries.set(key, entry);
      }
      const sub: Subscriber = { handler, active: true };
      entry.subscribers.add(sub);
      try {
        await entry.ready;
      } catch (err) {
        // A failed entry must not be reused: the next subscribe asks the backend again.
        sub.active = false;
        entry.subscribers.delete(sub);
        if (entries.get(key) === entry) entries.delete(key);
        throw err;
      }
      const owner = entry;
      return async () => {
        if (!sub.active) return;
        if (drop(key, owner, sub) && !closed) await transport.unlisten(key).catch(() => {});
      };
    },
    deliver(key, message) {
      const entry = entries.get(key);
      if (entry === undefined) return;
      // Handlers subscribed after the message arrived do not get it; handlers that unsubscribe
      // before their turn do not either (`active`).
      const subs = [...entry.subscribers];
      queueMicrotask(() => {
        for (const sub of subs) {
          if (sub.active)
            guarded(
              () => sub.handler(message),
              (e) => report(e, entry.channel),
            );
        }
      });
    },
    keys: () => [...entries.keys()],
    onReconnect(callback) {
      check();
      reconnectCallbacks.add(callback);
      return () => {
        reconnectCallbacks.delete(callback);
      };
    },
    reconnected() {
      if (closed) return;
      for (const cb of [...reconnectCallbacks]) guarded(cb, (e) => report(e));
    },
    close() {
      closed = true;
      for (const entry of entries.values()) {
        for (const sub of entry.subscribers) sub.active = false;
      }
      entries.clear();
      reconnectCallbacks.clear();
    },
    get closed() {
      return closed;
    },
  };
}
