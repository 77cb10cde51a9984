/**
 * Holds a response until the session is committed, so the write is in the store before any
 * byte leaves (a redirect followed at once by the next request sees it) and a failed commit
 * can still become an error response instead of a success the store never acknowledged.
 */
import type { ServerResponse } from 'node:http';

type AnyFn = (...args: never[]) => unknown;

/**
 * Wraps `writeHead`, `write`, `end` and `flushHeaders`: the first call runs `commit` and
 * queues itself; once `commit` settles, the originals are restored and the queue replayed.
 * `commit` resolving false means it already answered (an error response): the queue is dropped.
 */
export function holdUntilCommitted(res: ServerResponse, commit: () => Promise<boolean>): void {
  const names = ['writeHead', 'write', 'end', 'flushHeaders'] as const;
  const originals = names.map((n) => res[n]) as unknown as AnyFn[];
  const queue: Array<[number, unknown[]]> = [];
  let started = false;

  const restore = () => {
    names.forEach((n, i) => {
      (res as unknown as Record<string, AnyFn>)[n] = originals[i]!;
    });
  };

  names.forEach((n, i) => {
    (res as unknown as Record<string, unknown>)[n] = (...args: unknown[]) => {
      queue.push([i, args]);
      if (!started) {
        started = true;
        commit().then(
          (send) => {
            restore();
            if (!send) return;
            for (const [j, a] of queue) (originals[j] as (...x: unknown[]) => unknown).apply(res, a);
          },
          () => {
            restore();
            if (!res.headersSent) {
              res.statusCode = 500;
              res.end();
            }
          },
        );
      }
      // write() reports "keep writing"; the others return the response for chaining.
      return n === 'write' ? true : res;
    };
  });
}
