/**
 * Holds a response until the session is committed, so the write is in the store before any
 * byte leaves (a redirect followed at once by the next request sees it) and a failed commit
 * can still become an error response instead of a success the store never acknowledged.
 * Shared by every adapter built on `ServerResponse` (node:http, Express).
 */
import type { ServerResponse } from 'node:http';

type AnyFn = (this: ServerResponse, ...args: unknown[]) => unknown;

const HOLD = Symbol('statecraft.hold');

// States of a held response.
/** Nothing written yet. */
const IDLE = 0;
/** The commit runs; calls are queued. */
const COMMITTING = 1;
/** Committed (or answering the failure): calls go straight through. */
const OPEN = 2;
/** The commit failed and was answered: the handler's calls are dropped. */
const CLOSED = 3;

/** The default failure answer: a bare 500, or a cut connection once bytes have left. */
function bare500(res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = 500;
  res.end();
}

/** Per-response state; the wrappers below are shared by every response (no closures per request). */
class Hold {
  state = IDLE;
  readonly originals: readonly AnyFn[];
  readonly queue: Array<[number, unknown[]]> = [];

  constructor(
    readonly res: ServerResponse,
    public commit: () => Promise<void>,
    readonly fail: ((e: unknown) => void) | undefined,
  ) {
    this.originals = [res.writeHead, res.write, res.end, res.flushHeaders] as unknown as AnyFn[];
  }

  call(i: number, args: unknown[]): unknown {
    // Once open, the wrappers stay in place and pass through: a middleware that wrapped them
    // after us (compression…) keeps calling them, possibly long after the commit.
    if (this.state === OPEN) return this.originals[i]!.apply(this.res, args);
    if (this.state === CLOSED) return i === 1 ? true : this.res;
    this.queue.push([i, args]);
    if (this.state === IDLE) {
      this.state = COMMITTING;
      this.commit().then(
        () => this.settle(null, true),
        (e: unknown) => this.settle(e, false),
      );
    }
    // write() reports "keep writing"; the others return the response for chaining.
    return i === 1 ? true : this.res;
  }

  settle(e: unknown, ok: boolean): void {
    const res = this.res;
    this.state = OPEN;
    try {
      if (ok) {
        for (const [i, a] of this.queue) this.originals[i]!.apply(res, a);
        return;
      }
      if (this.fail) this.fail(e);
      else bare500(res);
    } catch {
      // A replayed call threw (an invalid header set by the handler) or `fail` did: the handler
      // can no longer catch it, so answer here rather than leave an unhandled rejection.
      bare500(res);
    } finally {
      this.queue.length = 0;
    }
    // After a failed commit the error response is the answer: later writes of the handler must
    // neither reach the client nor hit an ended stream (ERR_STREAM_WRITE_AFTER_END).
    this.state = CLOSED;
  }
}

function hold(res: ServerResponse): Hold {
  return (res as unknown as { [HOLD]: Hold })[HOLD];
}

const WRAPPERS = {
  writeHead(this: ServerResponse, ...args: unknown[]) {
    return hold(this).call(0, args);
  },
  write(this: ServerResponse, ...args: unknown[]) {
    return hold(this).call(1, args);
  },
  end(this: ServerResponse, ...args: unknown[]) {
    return hold(this).call(2, args);
  },
  flushHeaders(this: ServerResponse, ...args: unknown[]) {
    return hold(this).call(3, args);
  },
};

/**
 * Wraps `writeHead`, `write`, `end` and `flushHeaders`: the first call runs `commit` and is
 * queued with every call after it; once `commit` resolves the queue is replayed and later calls
 * go straight through. If `commit` rejects, the queue is dropped, `fail` answers (an error
 * response; a bare 500 by default) and whatever the handler writes afterwards is discarded.
 */
export function holdUntilCommitted(
  res: ServerResponse,
  commit: () => Promise<void>,
  fail?: (e: unknown) => void,
): void {
  const held = (res as unknown as { [HOLD]?: Hold })[HOLD];
  if (held !== undefined) {
    // A second session on the same response (nested adapters): both commits gate the send.
    if (held.state === IDLE) {
      const first = held.commit;
      held.commit = () => Promise.all([first(), commit()]).then(() => undefined);
    } else {
      commit().catch(fail ?? (() => bare500(res)));
    }
    return;
  }
  (res as unknown as { [HOLD]: Hold })[HOLD] = new Hold(res, commit, fail);
  const m = res as unknown as Record<keyof typeof WRAPPERS, AnyFn>;
  m.writeHead = WRAPPERS.writeHead;
  m.write = WRAPPERS.write;
  m.end = WRAPPERS.end;
  m.flushHeaders = WRAPPERS.flushHeaders;
}
