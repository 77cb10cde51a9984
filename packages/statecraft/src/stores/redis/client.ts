/**
 * The ioredis client a store or bus creates for itself from a URL (see url.ts): a `Redis` for
 * one server or a Sentinel-managed primary, a `Cluster` for Redis Cluster. Every kind fails fast
 * while the server is unreachable and reconnects by itself, forever: a session store must come
 * back on its own after a restart, a partition or a failover.
 */
import type { ClusterOptions, RedisOptions } from 'ioredis';
import { Cluster, Redis } from 'ioredis';
import { parseRedisUrl } from './url.js';

/** Retry delay: quick at first, then every `cap` ms. */
export const backoff =
  (cap: number) =>
  (attempt: number): number =>
    Math.min(50 * attempt, cap);

export interface ClientTuning {
  /** Options for every data connection (one server, each cluster node, the Sentinel-managed primary). */
  node: RedisOptions;
  /** Most milliseconds between reconnection attempts. */
  retryCap: number;
}

/**
 * A client for `url`, not yet connected to anything in particular (ioredis connects at once
 * unless `node.lazyConnect` is set).
 */
export function createRedisClient(url: string, t: ClientTuning): Redis | Cluster {
  const target = parseRedisUrl(url);
  const retryStrategy = backoff(t.retryCap);
  if (target.kind === 'single') return new Redis(url, { ...t.node, retryStrategy });
  const auth = {
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
  };
  if (target.kind === 'sentinel') {
    return new Redis({
      ...t.node,
      ...auth,
      ...(target.db !== undefined ? { db: target.db } : {}),
      sentinels: target.sentinels,
      name: target.name,
      role: 'master',
      retryStrategy,
      // While no Sentinel answers, ask again soon rather than give up (ioredis' default
      // stops after a while and leaves the client dead for good).
      sentinelRetryStrategy: retryStrategy,
      sentinelCommandTimeout: 500,
      // A primary demoted while its connection stays up (a failover it was partitioned from)
      // refuses writes with READONLY: reconnect, which asks the Sentinels for the new primary.
      // (ioredis' failoverDetector would do it sooner, but its Sentinel connections outlive
      // quit() and keep reconnecting.)
      reconnectOnError: (e: Error) => e.message.startsWith('READONLY'),
    });
  }
  // These are the Cluster's own settings (its offline queue, its pipelines, its start).
  const { lazyConnect, enableOfflineQueue, enableAutoPipelining, ...perNode } = t.node;
  const options: ClusterOptions = {
    redisOptions: { ...perNode, ...auth },
    clusterRetryStrategy: retryStrategy,
    ...(lazyConnect !== undefined ? { lazyConnect } : {}),
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
    ...(enableAutoPipelining !== undefined ? { enableAutoPipelining } : {}),
    // Slot moves and primary changes answer MOVED/TRYAGAIN/CLUSTERDOWN for a moment: retry
    // those briefly inside one operation rather than fail it.
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 1000,
  };
  return new Cluster(target.nodes, options);
}
