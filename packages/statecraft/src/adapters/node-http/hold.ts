/**
 * Holds a response until the session is committed, so the write is in the store before any
 * byte leaves (a redirect followed at once by the next request sees it) and a failed commit
 * can still become an error response instead of a success the store never acknowledged.
 * Shared by every adapter built on `ServerResponse` (node:http, Express).
 */
import type { ServerResponse } from 'node:http';

type AnyFn = (this: ServerResponse, ...args: unknown[]) => unknown;
type Methods = Record<(typeof NAMES)[number], AnyFn>;

const NAMES = ['writeHead', 'write', 'end', 'flushHeaders'] as const;
const HOLD = Symbol('statecraft.hold');

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
  readonly originals: AnyFn[];
  readonly queue: Array<[number, unknown[]]> = [];
  started = false;

  constructor(
    readonly res: ServerResponse,
    readonly commit: () => Promise<void>,
    readonly fail: ((e: unknown) => void) | undefined,
  ) {
    const m = res as unknown as Methods;
    this.originals = [m.writeHead, m.write, m.end, m.flushHeaders];
  }

  intercept(i: number, args: unknown[]): unknown {
    this.queue.push([i, args]);
    if (!this.started) {
      this.started = true;
      this.commit().then(
        () => this.settle(null, true),
        (e: unknown) => this.settle(e, false),
      );
    }
    // write() reports "keep writing"; the others return the response for chaining.
    return i === 1 ? true : this.res;
  }

  restore(): void {
    const m = this.res as unknown as Methods;
    m.writeHead = this.originals[0]!;
    m.write = this.originals[1]!;
    m.end = this.originals[2]!;
    m.flushHeaders = this.originals[3]!;
  }

  settle(e: unknown, ok: boolean): void {
    const res = this.res;
    this.restore();
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
    }
    // After a failed commit the error response is the answer: later writes of the handler must
    // neither reach the client nor hit an ended stream (ERR_STREAM_WRITE_AFTER_END).
    const m = res as unknown as Methods;
    m.writeHead = m.end = m.flushHeaders = returnThis;
    m.write = returnTrue;
  }
}

function returnThis(this: ServerResponse): ServerResponse {
  return this;
}

function returnTrue(): boolean {
  return true;
}

function held(this: ServerResponse, i: number, args: unknown[]): unknown {
  return (this as unknown as { [HOLD]: Hold })[HOLD].intercept(i, args);
}

const WRAPPERS: Methods = {
  writeHead(...args) {
    return held.call(this, 0, args);
  },
  write(...args) {
    return held.call(this, 1, args);
  },
  end(...args) {
    return held.call(this, 2, args);
  },
  flushHeaders(...args) {
    return held.call(this, 3, args);
  },
};

/**
 * Wraps `writeHead`, `write`, `end` and `flushHeaders`: the first call runs `commit` and
 * queues itself; once `commit` resolves, the originals are restored and the queue replayed.
 * If `commit` rejects, the queue is dropped, the originals are restored and `fail` answers
 * (an error response; a bare 500 by default); whatever the handler writes afterwards is
 * discarded.
 */
export function holdUntilCommitted(
  res: ServerResponse,
  commit: () => Promise<void>,
  fail?: (e: unknown) => void,
): void {
  (res as unknown as { [HOLD]: Hold })[HOLD] = new Hold(res, commit, fail);
  const m = res as unknown as Methods;
  m.writeHead = WRAPPERS.writeHead;
  m.write = WRAPPERS.write;
  m.end = WRAPPERS.end;
  m.flushHeaders = WRAPPERS.flushHeaders;
}
