/**
 * Holds a response until the session is committed, so the write is in the store before any
 * byte leaves (a redirect followed at once by the next request sees it) and a failed commit
 * can still become an error response instead of a success the store never acknowledged.
 * Shared by every adapter built on `ServerResponse` (node:http, Express).
 *
 * `writeHead`, `write`, `end` and `flushHeaders` are intercepted. On a plain `ServerResponse`
 * the wrappers are set on the response itself. A framework that gives responses its own
 * prototype (Express) gets the wrappers once on that prototype instead: V8 adds a property to
 * an object whose prototype was swapped at about 1 µs each (against a few ns on a plain
 * response), and four per request would cost more than the rest of the adapter. Wrappers on a
 * prototype pass straight through for responses that are not held.
 */
import { ServerResponse } from 'node:http';

type AnyFn = (this: ServerResponse, ...args: unknown[]) => unknown;
type Name = (typeof NAMES)[number];

const NAMES = ['writeHead', 'write', 'end', 'flushHeaders'] as const;

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

/**
 * `writeHead(status[, message][, headers])` with a headers object: sets those headers with
 * `setHeader` (which is what writeHead does with them) and returns the arguments without it.
 * A raw header array, or an object holding an invalid header, is left in place.
 */
function hoistHeaders(res: ServerResponse, args: unknown[]): unknown[] {
  const last = args[args.length - 1];
  if (args.length < 2 || last === null || typeof last !== 'object' || Array.isArray(last)) return args;
  try {
    for (const [name, value] of Object.entries(last as Record<string, unknown>)) {
      if (value !== undefined) res.setHeader(name, value as string | number | readonly string[]);
    }
  } catch {
    // An invalid header: left in the call, whose replay fails and is answered as a bare 500.
    return args;
  }
  return args.slice(0, -1);
}

// The Hold of a response lives on the response, under a symbol. A WeakMap of every response in
// flight costs far more: each entry is an ephemeron the garbage collector must trace, and at
// thousands of requests a second that was about 15 µs per request on node:http.
const HOLD = Symbol('statecraft.hold');
type Holding = ServerResponse & { [HOLD]?: Hold };
const holdOf = (res: ServerResponse): Hold | undefined => (res as Holding)[HOLD];
const setHold = (res: ServerResponse, h: Hold): void => {
  (res as Holding)[HOLD] = h;
};

class Hold {
  state = IDLE;
  readonly queue: Array<[number, unknown[]]> = [];

  constructor(
    readonly res: ServerResponse,
    public commit: () => Promise<void>,
    readonly fail: ((e: unknown) => void) | undefined,
    /** Asked at the first write: true when there is nothing to commit (see `holdUntilCommitted`). */
    public idle: (() => boolean) | undefined,
    /** What the wrappers call once open. */
    readonly originals: readonly AnyFn[],
    /** The wrappers live on the framework's prototype (else on the response itself). */
    readonly onPrototype: boolean,
  ) {}

  call(i: number, args: unknown[]): unknown {
    // Once open, the wrappers pass through: a middleware that wrapped them after us
    // (compression…) keeps calling them, possibly long after the commit.
    if (this.state === OPEN) return this.originals[i]!.apply(this.res, args);
    if (this.state === CLOSED) return i === 1 ? true : this.res;
    // Headers given to the first writeHead are set on the response before the commit runs, so
    // what the commit adds (Set-Cookie, Cache-Control) sees them and has the last word.
    if (this.state === IDLE && i === 0) args = hoistHeaders(this.res, args);
    if (this.state === IDLE && this.idle?.() === true) {
      // Nothing to wait for: send at once, without a promise or a deferred write.
      this.state = OPEN;
      return this.originals[i]!.apply(this.res, args);
    }
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

/** Wrappers set on a response itself: its Hold always exists. */
const OWN: Record<Name, AnyFn> = {
  writeHead(...args) {
    return holdOf(this)!.call(0, args);
  },
  write(...args) {
    return holdOf(this)!.call(1, args);
  },
  end(...args) {
    return holdOf(this)!.call(2, args);
  },
  flushHeaders(...args) {
    return holdOf(this)!.call(3, args);
  },
};

interface Patched {
  originals: AnyFn[];
  wrappers: Record<Name, AnyFn>;
}

const PATCHED = Symbol('statecraft.hold');

/** Installs pass-through wrappers on a framework's response prototype, once. */
function patch(proto: Record<PropertyKey, unknown>): Patched {
  const done = proto[PATCHED] as Patched | undefined;
  if (done !== undefined) return done;
  const originals = NAMES.map((n) => proto[n] as AnyFn);
  const via = (i: number): AnyFn =>
    function (this: ServerResponse, ...args: unknown[]) {
      const h = holdOf(this);
      return h?.onPrototype ? h.call(i, args) : originals[i]!.apply(this, args);
    };
  const wrappers = { writeHead: via(0), write: via(1), end: via(2), flushHeaders: via(3) };
  for (const n of NAMES) proto[n] = wrappers[n];
  const p: Patched = { originals, wrappers };
  Object.defineProperty(proto, PATCHED, { value: p });
  return p;
}

/** The framework's own response prototype (the one just above ServerResponse's), or null. */
function frameworkPrototype(res: ServerResponse): Record<PropertyKey, unknown> | null {
  let p: unknown = Object.getPrototypeOf(res);
  while (p !== null && p !== ServerResponse.prototype) {
    const up: unknown = Object.getPrototypeOf(p);
    if (up === ServerResponse.prototype) return p as Record<PropertyKey, unknown>;
    p = up;
  }
  return null;
}

/**
 * Intercepts `writeHead`, `write`, `end` and `flushHeaders`: the first call runs `commit` and is
 * queued with every call after it; once `commit` resolves the queue is replayed and later calls
 * go straight through. If `commit` rejects, the queue is dropped, `fail` answers (an error
 * response; a bare 500 by default) and whatever the handler writes afterwards is discarded.
 * `idle`, when given, is asked first, synchronously: when it returns true (nothing to commit;
 * it may set headers itself), that call and every later one go straight through.
 */
export function holdUntilCommitted(
  res: ServerResponse,
  commit: () => Promise<void>,
  fail?: (e: unknown) => void,
  idle?: () => boolean,
): void {
  const held = holdOf(res);
  if (held !== undefined) {
    // A second session on the same response (nested adapters): both commits gate the send, and
    // the response skips the wait only when neither has anything to commit.
    if (held.state === IDLE) {
      const first = held.commit;
      held.commit = () => Promise.all([first(), commit()]).then(() => undefined);
      const firstIdle = held.idle;
      held.idle = firstIdle && idle ? () => firstIdle() && idle() : undefined;
    } else {
      commit().catch(fail ?? (() => bare500(res)));
    }
    return;
  }
  const proto = frameworkPrototype(res);
  if (proto !== null) {
    const { originals, wrappers } = patch(proto);
    // Nothing set on the response itself shadows the prototype's wrappers: nothing to add.
    if (
      res.writeHead === wrappers.writeHead &&
      res.write === wrappers.write &&
      res.end === wrappers.end &&
      res.flushHeaders === wrappers.flushHeaders
    ) {
      setHold(res, new Hold(res, commit, fail, idle, originals, true));
      return;
    }
  }
  // A plain ServerResponse (adding properties to it is cheap), or one whose methods another
  // middleware already wrapped on the response itself: wrap those in turn.
  const m = res as unknown as Record<Name, AnyFn>;
  setHold(res, new Hold(res, commit, fail, idle, [m.writeHead, m.write, m.end, m.flushHeaders], false));
  for (const n of NAMES) m[n] = OWN[n];
}
