/**
 * Opt-in replica acknowledgement for the Redis store (Redis `WAIT`).
 *
 * Redis replicates asynchronously: a primary acknowledges a write before any replica has it, and
 * a primary that dies a moment later takes the write with it, even though Sentinel promotes a
 * replica within seconds. `WAIT n t` blocks this connection until `n` replicas have every write
 * it sent so far, or `t` ms pass, and returns how many did. The store sends it after each write
 * that must survive (create, update, delete) and refuses to acknowledge a write fewer replicas
 * confirmed. It cannot roll the write back: a refused write may still exist on the primary.
 */
import type { Cluster, Redis } from 'ioredis';
import { SessionError } from '../../session/errors.js';

export interface WaitForReplicas {
  /** Replicas that must hold a write before it is acknowledged (1 or more). */
  replicas: number;
  /** How long to wait for them, in ms (1 or more: Redis reads 0 as "forever"). */
  timeoutMs: number;
}

/** Resolves once the configured replicas hold every write sent so far; null when not asked for. */
export type Confirm = (() => Promise<void>) | null;

export function replication(client: Redis | Cluster, w: WaitForReplicas | undefined): Confirm {
  if (w === undefined) return null;
  const { replicas, timeoutMs } = w;
  if (!Number.isInteger(replicas) || replicas < 1 || !Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw new SessionError(
      'INVALID_CONFIG',
      'waitForReplicas takes whole numbers replicas >= 1 and timeoutMs >= 1',
    );
  }
  // On a Cluster, WAIT would go to any node, not the one that took the write.
  if (client.isCluster)
    throw new SessionError('INVALID_CONFIG', 'waitForReplicas is not supported on Redis Cluster');
  const redis = client as Redis;
  return async () => {
    const confirmed = Number(await redis.call('WAIT', replicas, timeoutMs));
    if (confirmed < replicas) {
      throw new SessionError(
        'STORE_NOT_REPLICATED',
        `${confirmed} of ${replicas} replicas confirmed the write within ${timeoutMs} ms`,
      );
    }
  };
}
