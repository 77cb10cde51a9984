/**
 * Redis bus: PUBLISH/SUBSCRIBE through ioredis, on channels named `<prefix>bus:<channel>`.
 *
 * Two connections, because a connection in subscriber mode accepts nothing but (un)subscribe
 * commands and PING: one publishes, a `duplicate()` subscribes. After a reconnect ioredis
 * re-subscribes on its own (`autoResubscribe`, on by default); the bus then subscribes every
 * channel once more as a barrier, and only when Redis acknowledged it fires `onReconnect`, so a
 * caller resyncing there cannot miss a message published after the resync began.
 *
 * Redis pub/sub is fire-and-forget: a message reaches the connections subscribed at that
 * instant, and nothing is stored. A PING every `heartbeatInterval` catches a connection that
 * died without a word (no FIN, no RST), which would otherwise stay deaf until TCP gives up.
 * With Redis Cluster, PUBLISH reaches every node, so an ioredis `Cluster` can be passed as
 * `client`; publishes are then chained per channel to keep their order.
 */

import type { Cluster, Redis } from 'ioredis';
import { SessionError } from '../../session/errors.js';
import { backoff, createRedisClient } from '../../stores/redis/client.js';
import { registry } from '../registry.js';
import type { Bus, BusOptions } from '../types.js';

export type { Bus, BusHandler, BusOptions } from '../types.js';

export interface RedisBusOptions extends BusOptions {
  /**
   * Used when no `client` is given; the bus then owns (and closes) both connections. Takes the
   * store's schemes: `redis://`, `rediss://`, `redis-cluster://host:port,…` and
   * `redis-sentinel://host:port,…/primaryName`. @default 'redis://127.0.0.1:6379'
   */
  url?: string;
  /**
   * Your own connection (a `Redis` or a `Cluster`), used for PUBLISH and left open by `close()`.
   * The bus subscribes on a `duplicate()` of it, which it owns.
   */
  client?: Redis | Cluster;
  /** Starts every channel name on the server, so several applications can share one Redis. @default 'sc:' */
  prefix?: string;
  /** Milliseconds between PINGs on the subscriber connection; 0 disables them (always off on a Cluster). @default 10_000 */
  heartbeatInterval?: number;
}

export interface RedisBus extends Bus {
  /** The channel name on the server: `<prefix>bus:<channel>`. */
  serverChannel(channel: string): string;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

// Reconnect fast: every moment without a subscriber is a moment revocations are missed.
const RETRY_CAP_MS = 500;
const retryStrategy = backoff(RETRY_CAP_MS);

/** Ends a connection the bus owns; never waits on a server that is gone. */
async function end(conn: Redis | Cluster): Promise<void> {
  if (conn.status === 'ready') {
    try {
      await conn.quit();
      return;
    } catch {
      // fall through
    }
  }
  conn.disconnect();
}

/**
 * @example
 * import { redisBus } from 'statecraft/bus/redis'
 * const bus = redisBus({ url: process.env.REDIS_URL })
 * bus.onReconnect(() => revocations.reload())
 * await bus.subscribe('revoked', (userId) => revocations.add(userId))
 */
export function redisBus(o: RedisBusOptions = {}): RedisBus {
  if (o.url !== undefined && o.client !== undefined) {
    throw new SessionError('INVALID_CONFIG', 'redisBus() takes either `url` or `client`, not both');
  }
  const prefix = o.prefix ?? 'sc:';
  const ownsPublisher = o.client === undefined;
  const pub: Redis | Cluster =
    o.client ??
    createRedisClient(o.url ?? DEFAULT_REDIS_URL, {
      // A publish while Redis is down fails after one reconnect attempt instead of twenty.
      node: { maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 2000 },
      retryCap: RETRY_CAP_MS,
    });
  if (ownsPublisher) pub.on('error', () => {}); // reported by the commands that fail
  const cluster = pub.isCluster;
  const sub: Redis | Cluster = cluster
    ? (pub as Cluster).duplicate()
    : (pub as Redis).duplicate({ retryStrategy, maxRetriesPerRequest: 1 });
  // Connection errors are followed by a reconnect; the commands that fail report them.
  sub.on('error', () => {});

  const channelOf = (channel: string) => `${prefix}bus:${channel}`;
  const reg = registry(
    'redis',
    {
      async listen(key) {
        try {
          await sub.subscribe(key);
        } catch (cause) {
          throw new SessionError('STORE_UNAVAILABLE', 'redis bus could not subscribe', { cause });
        }
      },
      async unlisten(key) {
        await sub.unsubscribe(key);
      },
    },
    o,
  );
  sub.on('message', (key: string, message: string) => reg.deliver(key, message));

  let readyBefore = false;
  sub.on('ready', () => {
    if (!readyBefore) {
      readyBefore = true;
      return;
    }
    // After ioredis' own resubscribe (issued right after this event, in the same tick), so a
    // SELECT it may send first is not refused in subscriber mode.
    queueMicrotask(() => {
      const keys = reg.keys();
      const barrier = keys.length > 0 ? sub.subscribe(...keys) : Promise.resolve();
      barrier.then(
        () => reg.reconnected(),
        () => {
          // Lost again (the next `ready` tries again) or not acknowledged on a live connection:
          // start over rather than leave the gap unannounced.
          if (!reg.closed && sub.status === 'ready') sub.disconnect(true);
        },
      );
    });
  });

  // A PING still unanswered at the next beat means the connection is dead: drop it and let
  // ioredis reconnect (and the `ready` handler above resync). Not on a Cluster, whose PING
  // goes to any node rather than the one holding the subscriptions.
  const interval = cluster ? 0 : (o.heartbeatInterval ?? 10_000);
  let pinging = false;
  const heartbeat =
    interval > 0
      ? setInterval(() => {
          if (sub.status !== 'ready') {
            pinging = false;
            return;
          }
          if (pinging) {
            pinging = false;
            sub.disconnect(true);
            return;
          }
          pinging = true;
          sub.ping().then(
            () => {
              pinging = false;
            },
            () => {
              pinging = false;
            },
          );
        }, interval)
      : null;
  heartbeat?.unref();

  // A Cluster sends each PUBLISH to whichever node it picks: chain them per channel so one
  // publisher's messages keep their order. A single connection keeps it by itself.
  const tails = new Map<string, Promise<unknown>>();
  function send(key: string, message: string): Promise<unknown> {
    if (!cluster) return pub.publish(key, message);
    const run = (tails.get(key) ?? Promise.resolve()).then(() => pub.publish(key, message));
    const tail = run.catch(() => {});
    tails.set(key, tail);
    tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  }

  return {
    name: 'redis',
    serverChannel: channelOf,
    async publish(channel, message) {
      reg.check();
      try {
        await send(channelOf(channel), message);
      } catch (cause) {
        throw new SessionError('STORE_UNAVAILABLE', 'redis bus could not publish', { cause });
      }
    },
    subscribe: (channel, handler) => reg.subscribe(channel, channelOf(channel), handler),
    onReconnect: (callback) => reg.onReconnect(callback),
    async close() {
      if (reg.closed) return;
      reg.close();
      if (heartbeat) clearInterval(heartbeat);
      sub.removeAllListeners('message');
      await Promise.all([end(sub), ownsPublisher ? end(pub) : undefined]);
    },
  };
}
