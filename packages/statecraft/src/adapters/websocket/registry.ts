/**
 * The open connections, bound to their sessions: by socket, by session handle and by user.
 *
 * Connections of one session (several tabs) share one group, so an expiry needs one timer and
 * one store read, whatever the number of sockets. A group ends — every socket of it closed with
 * the same code — when its session is revoked or expires; it disappears with its last socket.
 */
import type { WebSocket } from 'ws';
import type { Session, SessionData } from '../../session/session.js';
import type { CloseCause } from './close-codes.js';
import { CLOSE_REASONS } from './close-codes.js';

/** setTimeout's largest delay (about 24.8 days); a longer expiry is re-checked at that point. */
const MAX_DELAY = 2 ** 31 - 1;

/** One open connection. */
export interface Binding<D extends SessionData> {
  readonly ws: WebSocket;
  /** The session as loaded at the upgrade. */
  readonly session: Session<D>;
  readonly group: Group<D>;
  /** Answered the last heartbeat ping. */
  alive: boolean;
}

/** The connections of one session. */
export interface Group<D extends SessionData> {
  readonly handle: string;
  readonly userId: string;
  /** The newest credential a connection of this session was opened with, to re-load it. */
  credential: string | null;
  /** When the session ends as last read (ms since the epoch). */
  expiresAt: number;
  timer: NodeJS.Timeout | null;
  readonly sockets: Set<Binding<D>>;
}

export interface RegistryDeps<D extends SessionData> {
  /** Loads the session a credential names now (rejects when the store is unavailable). */
  load(credential: string | null): Promise<Session<D>>;
  now(): number;
  codes: Readonly<Record<CloseCause, number>>;
  report(error: unknown): void;
}

export class SocketRegistry<D extends SessionData> {
  readonly #sockets = new Map<WebSocket, Binding<D>>();
  readonly #groups = new Map<string, Group<D>>();
  readonly #users = new Map<string, Set<Group<D>>>();

  constructor(private readonly deps: RegistryDeps<D>) {}

  get size(): number {
    return this.#sockets.size;
  }

  get(ws: WebSocket): Binding<D> | undefined {
    return this.#sockets.get(ws);
  }

  bindings(): IterableIterator<Binding<D>> {
    return this.#sockets.values();
  }

  ofSession(handle: string): WebSocket[] {
    return [...(this.#groups.get(handle)?.sockets ?? [])].map((b) => b.ws);
  }

  ofUser(userId: string): WebSocket[] {
    return [...(this.#users.get(userId) ?? [])].flatMap((g) => [...g.sockets].map((b) => b.ws));
  }

  /** Binds an accepted connection to its authenticated session. */
  add(ws: WebSocket, session: Session<D>, credential: string | null): Binding<D> {
    const userId = session.userId!;
    let g = this.#groups.get(session.handle);
    if (g === undefined) {
      g = {
        handle: session.handle,
        userId,
        credential,
        expiresAt: session.expiresAt,
        timer: null,
        sockets: new Set(),
      };
      this.#groups.set(g.handle, g);
      const forUser = this.#users.get(userId);
      if (forUser === undefined) this.#users.set(userId, new Set([g]));
      else forUser.add(g);
      this.#schedule(g);
    } else {
      // A later connection carries the newest credential and may see a slid expiry.
      g.credential = credential;
      if (session.expiresAt > g.expiresAt) {
        g.expiresAt = session.expiresAt;
        this.#schedule(g);
      }
    }
    const b: Binding<D> = { ws, session, group: g, alive: true };
    g.sockets.add(b);
    this.#sockets.set(ws, b);
    return b;
  }

  /** Forgets a closed connection; the session's group goes with its last one. */
  remove(ws: WebSocket): void {
    const b = this.#sockets.get(ws);
    if (b === undefined) return;
    this.#sockets.delete(ws);
    b.group.sockets.delete(b);
    if (b.group.sockets.size === 0) this.#drop(b.group);
  }

  /** Closes every connection of a session: `logout()` of it on any instance. */
  revokeSession(handle: string): void {
    const g = this.#groups.get(handle);
    if (g !== undefined) this.#end(g, 'revoked');
  }

  /**
   * Re-checks every session of a user against the strategy. `revokeUser(userId, { except })`
   * keeps one session, and the event does not say which: the store (or, in hybrid, the store
   * behind the revoked tokens) does.
   */
  revokeUser(userId: string): Promise<void> {
    return this.#checkAll([...(this.#users.get(userId) ?? [])], 'revoked');
  }

  /** Re-checks every open session (after the bus was disconnected and may have lost revocations). */
  recheckAll(): Promise<void> {
    return this.#checkAll([...this.#groups.values()], 'revoked');
  }

  /** Re-checks one connection's session (a revocation seen while it was being upgraded). */
  recheck(b: Binding<D>, gone: CloseCause): Promise<void> {
    return this.#check(b.group, gone);
  }

  /** Closes one connection with the code for `cause`; it is forgotten at once. */
  close(b: Binding<D>, cause: CloseCause): void {
    this.remove(b.ws);
    closeSocket(b.ws, this.deps.codes[cause], CLOSE_REASONS[cause]);
  }

  /** Closes every connection with `code` (server shutdown) and forgets them all. */
  closeAll(code: number, reason: string): void {
    const all = [...this.#sockets.keys()];
    for (const g of this.#groups.values()) if (g.timer) clearTimeout(g.timer);
    this.#sockets.clear();
    this.#groups.clear();
    this.#users.clear();
    for (const ws of all) closeSocket(ws, code, reason);
  }

  async #checkAll(groups: Group<D>[], gone: CloseCause): Promise<void> {
    // A few at a time: a reconnect may re-check every session of the instance.
    for (let i = 0; i < groups.length; i += 32) {
      await Promise.all(groups.slice(i, i + 32).map((g) => this.#check(g, gone)));
    }
  }

  /**
   * The connection's session as the strategy has it now (fresh data, slid expiry), or null when
   * it has ended; the connection is then closed. Rejects, closing nothing, when the store is down.
   */
  async reload(b: Binding<D>): Promise<Session<D> | null> {
    const g = b.group;
    if (this.#groups.get(g.handle) !== g) return null;
    const fresh = await this.deps.load(g.credential);
    if (this.#groups.get(g.handle) !== g) return null;
    // Gone before its known expiry: someone ended it, and its revocation is on its way.
    return this.#apply(g, fresh, this.deps.now() >= g.expiresAt ? 'expired' : 'revoked') ? fresh : null;
  }

  /** Re-loads the session by credential; ends the group with `gone` when it no longer exists. */
  async #check(g: Group<D>, gone: CloseCause): Promise<void> {
    let fresh: Session<D>;
    try {
      fresh = await this.deps.load(g.credential);
    } catch {
      // Fail closed: a session that cannot be checked is not kept open on trust.
      if (this.#groups.get(g.handle) === g) this.#end(g, 'unverified');
      return;
    }
    if (this.#groups.get(g.handle) !== g) return; // ended or gone meanwhile
    this.#apply(g, fresh, gone);
  }

  /** Keeps the group (re-armed at the new expiry) if `fresh` is still its session; else ends it. */
  #apply(g: Group<D>, fresh: Session<D>, gone: CloseCause): boolean {
    if (fresh.userId === g.userId && fresh.handle === g.handle && fresh.expiresAt > this.deps.now()) {
      g.expiresAt = fresh.expiresAt;
      this.#schedule(g);
      return true;
    }
    this.#end(g, gone);
    return false;
  }

  /** A timer at the session's expiry; there it re-loads, since activity may have slid it. */
  #schedule(g: Group<D>): void {
    if (g.timer) clearTimeout(g.timer);
    const delay = Math.min(MAX_DELAY, Math.max(0, g.expiresAt - this.deps.now()));
    g.timer = setTimeout(() => {
      g.timer = null;
      this.#check(g, 'expired').catch(this.deps.report);
    }, delay);
    g.timer.unref();
  }

  #end(g: Group<D>, cause: CloseCause): void {
    const sockets = [...g.sockets];
    this.#drop(g);
    for (const b of sockets) this.#sockets.delete(b.ws);
    for (const b of sockets) closeSocket(b.ws, this.deps.codes[cause], CLOSE_REASONS[cause]);
  }

  #drop(g: Group<D>): void {
    if (g.timer) clearTimeout(g.timer);
    g.timer = null;
    g.sockets.clear();
    if (this.#groups.get(g.handle) === g) this.#groups.delete(g.handle);
    const forUser = this.#users.get(g.userId);
    forUser?.delete(g);
    if (forUser?.size === 0) this.#users.delete(g.userId);
  }
}

/** Starts the closing handshake; `ws` destroys the socket if the peer never answers it. */
function closeSocket(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    ws.terminate();
  }
}
