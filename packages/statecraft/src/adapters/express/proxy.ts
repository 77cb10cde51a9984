/**
 * `req.session` for Express: a Proxy over the request's Session, so code written for
 * express-session keeps working. Property reads and writes are the session's data
 * (`req.session.cart = [...]` is `session.set('cart', [...])`, `delete req.session.cart` is
 * `session.delete('cart')`); the Session's own members (`get`, `update`, `login`, `userId`…)
 * and express-session's callback methods (`regenerate(cb)`, `destroy(cb)`, `save(cb)`) are
 * methods. Member names are reserved: assigning to one throws a TypeError.
 */
import type { ServerResponse } from 'node:http';
import { Session, type SessionData } from '../../session/session.js';
import { applyCommit } from '../node-http/index.js';

/** express-session's callback: called with nothing on success, with the error otherwise. */
export type SessionCallback = (err?: unknown) => void;

/** Methods `req.session` has on top of the Session's, in express-session's style. */
export interface ExpressSessionMethods {
  /** A new id for the same user and data; the old id ends (see `Session.regenerate`). */
  regenerate(): Promise<void>;
  regenerate(callback: SessionCallback): void;
  /** Ends the session server-side and clears the cookie: `logout()` in express-session's words. */
  destroy(): Promise<void>;
  destroy(callback: SessionCallback): void;
  /**
   * Commits now and puts the cookie on this response. Never needed before a response (the
   * adapter commits before headers leave); useful before a long stream or a `res.flushHeaders()`.
   */
  save(): Promise<void>;
  save(callback: SessionCallback): void;
}

/**
 * The type of `req.session`: the Session's members, express-session's methods, and the data's
 * keys as optional properties.
 */
export type ExpressSession<D extends SessionData = SessionData> = Omit<Session<D>, 'regenerate'> &
  ExpressSessionMethods &
  Partial<D>;

type Extra = keyof ExpressSessionMethods;
const EXTRAS: ReadonlySet<string> = new Set<Extra>(['regenerate', 'destroy', 'save']);
// Names that are methods or accessors, never data: the Session's prototype plus the extras.
const MEMBERS: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Session.prototype), ...EXTRAS]);

/**
 * A property name that is data. Member names throw, in sloppy scripts too (where a Proxy trap
 * returning false would fail silently): `req.session.userId = 'x'` is a bug, never data.
 */
function dataKey(p: string | symbol): string {
  if (typeof p === 'symbol' || MEMBERS.has(p)) {
    throw new TypeError(`req.session.${String(p)} is not session data: use the session's methods`);
  }
  return p;
}

function settle(p: Promise<unknown>, cb: SessionCallback | undefined): Promise<void> | undefined {
  const done = p.then(() => undefined);
  if (typeof cb !== 'function') return done;
  done.then(() => cb(), cb);
  return undefined;
}

/** One per request: binds the Session's methods lazily, once each. */
class Handler implements ProxyHandler<Session<SessionData>> {
  #bound: Record<string, unknown> | null = null;

  constructor(
    private readonly res: ServerResponse,
    private readonly tokenHeader: string | null,
  ) {}

  #extra(s: Session<SessionData>, name: Extra): (cb?: SessionCallback) => Promise<void> | undefined {
    if (name === 'regenerate') return (cb) => settle(s.regenerate(), cb);
    if (name === 'destroy') return (cb) => settle(s.logout(), cb);
    return (cb) =>
      settle(
        s.commit().then((r) => applyCommit(this.res, s, r, this.tokenHeader)),
        cb,
      );
  }

  get(s: Session<SessionData>, p: string | symbol): unknown {
    if (typeof p === 'symbol') return Reflect.get(s, p, s);
    if (!MEMBERS.has(p)) return s.get(p);
    this.#bound ??= Object.create(null) as Record<string, unknown>;
    const cached = this.#bound[p];
    if (cached !== undefined) return cached;
    if (EXTRAS.has(p)) {
      const extra = this.#extra(s, p as Extra);
      this.#bound[p] = extra;
      return extra;
    }
    // Accessors (userId, isNew…) run against the real Session: its #private fields are not
    // reachable through a Proxy receiver.
    const v: unknown = Reflect.get(s, p, s);
    if (typeof v !== 'function') return v;
    const bound = (v as (...a: unknown[]) => unknown).bind(s);
    this.#bound[p] = bound;
    return bound;
  }

  set(s: Session<SessionData>, p: string | symbol, value: unknown): boolean {
    s.set(dataKey(p), value);
    return true;
  }

  defineProperty(s: Session<SessionData>, p: string | symbol, d: PropertyDescriptor): boolean {
    if (!('value' in d)) return false;
    return this.set(s, p, d.value);
  }

  deleteProperty(s: Session<SessionData>, p: string | symbol): boolean {
    s.delete(dataKey(p));
    return true;
  }

  has(s: Session<SessionData>, p: string | symbol): boolean {
    return typeof p === 'string' && (MEMBERS.has(p) || s.has(p));
  }

  ownKeys(s: Session<SessionData>): string[] {
    return Object.keys(s.toObject());
  }

  getOwnPropertyDescriptor(s: Session<SessionData>, p: string | symbol): PropertyDescriptor | undefined {
    if (typeof p === 'symbol' || MEMBERS.has(p) || !s.has(p)) return undefined;
    return { value: s.get(p), writable: true, enumerable: true, configurable: true };
  }
}

/** Wraps a Session as `req.session`; `res` receives the cookie of an early `save()`. */
export function expressSession<D extends SessionData>(
  session: Session<D>,
  res: ServerResponse,
  tokenHeader: string | null,
): ExpressSession<D> {
  return new Proxy(
    session as Session<SessionData>,
    new Handler(res, tokenHeader),
  ) as unknown as ExpressSession<D>;
}
