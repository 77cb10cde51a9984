/**
 * Coalesces the commands a client sends in one turn of the event loop into one socket write.
 *
 * ioredis writes every command to its socket as soon as it is issued: one system call each,
 * and on a busy server that is most of what a session read costs in the client (a write on
 * loopback also runs the receiving side of TCP). The store corks the socket before it issues a
 * command and uncorks it in the check phase of the same turn (`setImmediate`), after every
 * request that arrived in that turn has issued its own: their commands leave together, in one
 * `writev`, and Redis reads them in one go. Nothing waits longer than that turn. ioredis's own
 * `enableAutoPipelining` batches the same way but through a pipeline object and a callback per
 * command, which cost more than the writes it saved.
 *
 * Only for a client with one connection (one server, a Sentinel-managed primary): a Cluster
 * writes to one socket per node.
 */
import type { Redis } from 'ioredis';

/** Returns the function to call before issuing commands: it corks the socket for this turn. */
export function batchWrites(client: Redis): () => void {
  let corked: Redis['stream'] | null = null;
  const flush = () => {
    const stream = corked;
    corked = null;
    stream?.uncork();
  };
  return () => {
    if (corked !== null) return;
    const stream = client.stream;
    // Before the connection is ready ioredis refuses or queues the command itself: leave it be.
    if (stream === undefined || client.status !== 'ready') return;
    stream.cork();
    corked = stream;
    setImmediate(flush);
  };
}
