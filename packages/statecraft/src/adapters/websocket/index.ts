/**
 * WebSocket adapter (`ws` 8): authenticates the HTTP upgrade with the session and keeps every
 * connection bound to it for as long as it is open.
 *
 * - The upgrade is authenticated BEFORE it is accepted: by the session cookie, an
 *   `Authorization: Bearer` header (per the `transport` option of `createSessions`), or a
 *   credential offered as a subprotocol (`new WebSocket(url, ['statecraft.v1', token])`, for
 *   browsers, which cannot set headers on a WebSocket). Without an authenticated session the
 *   socket gets a plain HTTP `401`; with the store down a `503`. Nothing the client sends can
 *   throw out of the adapter.
 * - A connection is closed with an application code (RFC 6455 §7.4.2: 4000–4999) when its
 *   session is revoked on any instance (`sessions.onRevoked`, carried by the bus), when it
 *   expires (a timer at `expiresAt` that re-loads the session first, since activity over HTTP
 *   may have slid it), and when it cannot be re-checked. See `CLOSE_CODES`.
 * - Pings drop peers that stopped answering (OWASP WebSocket Security: idle and dead
 *   connections hold resources and sessions).
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { isSessionError, SessionError } from '../../session/errors.js';
import type { Sessions } from '../../session/manager.js';
import type { Session, SessionData } from '../../session/session.js';
import { readCredential } from '../../session/transport.js';
import type { RevocationEvent } from '../../strategies/types.js';
import { clientIp } from '../node-http/index.js';
import type { CloseCodes } from './close-codes.js';
import { resolveCloseCodes } from './close-codes.js';
import type { OriginPolicy, Refusal } from './handshake.js';
import { isSubprotocolToken, originAllowed, pathOf, refuse, takeSubprotocolCredential } from './handshake.js';
import { SocketRegistry } from './registry.js';

export type { CloseCause, CloseCodes } from './close-codes.js';
export { CLOSE_CODES, CLOSE_REASONS } from './close-codes.js';
export type { OriginPolicy } from './handshake.js';
export { isSubprotocolToken } from './handshake.js';

/** The subprotocol a client offers before its credential, and the one the server selects. */
export const DEFAULT_SUBPROTOCOL = 'statecraft.v1';

export interface WebSocketSessionsOptions {
  /** The HTTP(S) server whose `upgrade` events are handled. */
  server: EventEmitter;
  /**
   * Only upgrades to this pathname are handled; others are left to other `upgrade` listeners.
   * @default the WebSocketServer's own `path` option, else every upgrade
   */
  path?: string;
  /**
   * The subprotocol a client offers right before its credential, and the one the server then
   * selects (the credential itself is never echoed). `null` accepts no credential this way.
   * @default 'statecraft.v1'
   */
  subprotocol?: string | null;
  /** Close codes to use instead of 4001 (revoked), 4002 (expired), 4003 (unverified). */
  closeCodes?: CloseCodes;
  /**
   * Origins allowed to open a connection authenticated by the session cookie: a list of exact
   * origins (`'https://app.example'`) or a function. Upgrades without `Origin` (not a browser)
   * and upgrades authenticated by a bearer or subprotocol credential are not checked.
   * @default the origin whose host is the request's `Host` header (same origin)
   */
  origins?: OriginPolicy;
  /** Milliseconds between pings; a connection that did not answer the last one is dropped. 0 disables. @default 30000 */
  heartbeatInterval?: number;
  /** Proxies in front of the app whose `X-Forwarded-For` entry is trusted (see the node:http adapter). @default 0 */
  trustProxy?: number;
  /**
   * Called with errors that are not the client's nor the store's: a `connection` listener that
   * threw, a bug. @default emits a process warning of type `StatecraftWebSocketWarning`
   */
  onError?: (error: unknown) => void;
}

/** The connections `attachSessions` accepted, bound to their sessions. */
export interface SessionSockets<D extends SessionData = SessionData> {
  /** The session a connection was opened with: its data is as it was at the upgrade. */
  sessionOf(ws: WebSocket): Session<D> | undefined;
  /**
   * Loads the connection's session anew (data written since over HTTP, a slid expiry), or
   * resolves null when it has ended, closing the connection (4001, or 4002 past its expiry).
   * Rejects with `STORE_UNAVAILABLE` when the store is down, leaving the connection open.
   */
  reload(ws: WebSocket): Promise<Session<D> | null>;
  /** When the connection's session ends, as last read from the strategy (ms since the epoch). */
  expiresAt(ws: WebSocket): number | undefined;
  /** The open connections of one session, by its `handle`. */
  ofSession(handle: string): WebSocket[];
  /** The open connections of one user, over all of their sessions. */
  ofUser(userId: string): WebSocket[];
  /** How many connections are open and bound. */
  readonly size: number;
  /**
   * Stops handling upgrades and revocations and closes every bound connection with 1001
   * (going away). The WebSocketServer and the HTTP server are left to the caller.
   */
  close(): void;
}

const ORIGIN_FORBIDDEN: Refusal = {
  status: 403,
  code: 'ORIGIN_FORBIDDEN',
  message: 'This origin may not open a WebSocket with the session cookie',
};

function warn(error: unknown): void {
  const why = error instanceof Error ? error.message : String(error);
  process.emitWarning(`WebSocket session adapter: ${why}`, 'StatecraftWebSocketWarning');
}

/**
 * @example
 * import { createServer } from 'node:http'
 * import { WebSocketServer } from 'ws'
 * import { attachSessions } from 'statecraft/adapters/websocket'
 *
 * const server = createServer(httpHandler)
 * const wss = new WebSocketServer({ noServer: true })
 * const sockets = attachSessions(wss, sessions, { server, path: '/ws' })
 * wss.on('connection', (ws, req, session) => {
 *   ws.send(`hello ${session.userId}`) // closed with 4001 at logout, 4002 at expiry
 * })
 * await sessions.ready() // revocations from other instances are heard from here on
 * server.listen(3000)
 */
export function attachSessions<D extends SessionData>(
  wss: WebSocketServer,
  sessions: Sessions<D>,
  options: WebSocketSessionsOptions,
): SessionSockets<D> {
  if (wss.options.noServer !== true) {
    throw new SessionError(
      'INVALID_CONFIG',
      'attachSessions needs a WebSocketServer made with noServer: true',
    );
  }
  const { server } = options;
  const path = options.path ?? wss.options.path ?? undefined;
  if (path !== undefined && !path.startsWith('/')) {
    throw new SessionError('INVALID_CONFIG', 'path must start with /');
  }
  const marker = options.subprotocol === undefined ? DEFAULT_SUBPROTOCOL : options.subprotocol;
  if (marker !== null && !isSubprotocolToken(marker)) {
    throw new SessionError('INVALID_CONFIG', 'subprotocol must be an HTTP token (RFC 9110 §5.6.2)');
  }
  const codes = resolveCloseCodes(options.closeCodes);
  const interval = options.heartbeatInterval ?? 30_000;
  if (!Number.isFinite(interval) || interval < 0) {
    throw new SessionError('INVALID_CONFIG', 'heartbeatInterval must be a number of milliseconds, 0 or more');
  }
  const hops = options.trustProxy ?? 0;
  const report = (e: unknown) => {
    try {
      (options.onError ?? warn)(e);
    } catch {
      // The reporter itself must not take the process down.
    }
  };
  const o = sessions.options;

  const registry = new SocketRegistry<D>({
    load: (credential) => sessions.loadCredential(credential),
    now: () => o.clock.now(),
    codes,
    report,
  });
  let closed = false;

  // Revocations seen while an upgrade is between its session lookup and its registration: the
  // registry does not know that connection yet, so each pending upgrade keeps its own list.
  const pending = new Set<RevocationEvent[]>();

  const offRevoked = sessions.onRevoked((e) => {
    for (const seen of pending) seen.push(e);
    if (e.kind === 'session') registry.revokeSession(e.handle);
    else if (e.kind === 'user') registry.revokeUser(e.userId).catch(report);
    // 'refresh' (updateUser in hybrid) changes data, not who may stay connected.
  });
  // Revocations published while the bus was disconnected are lost: re-check every session.
  const offReconnect: unknown = o.bus?.onReconnect?.(() => {
    if (!closed) registry.recheckAll().catch(report);
  });

  const swallow = () => {};

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const seen: RevocationEvent[] = [];
    pending.add(seen);
    const forget = () => pending.delete(seen);
    socket.once('close', forget);
    // A reset while the session is looked up must not become an unhandled 'error'.
    socket.on('error', swallow);

    let credential: string | null = null;
    let session: Session<D>;
    try {
      credential = marker === null ? null : takeSubprotocolCredential(req, marker, o.maxHeaderBytes);
      if (credential === null) {
        const c = readCredential(req, o);
        if (c !== null && c.via === 'cookie' && !originAllowed(req, options.origins)) throw ORIGIN_FORBIDDEN;
        credential = c?.value ?? null;
      }
      const meta = { ip: clientIp(req, hops), userAgent: req.headers['user-agent'] ?? null };
      session = await sessions.loadCredential(credential, meta);
      if (session.userId === null) throw new SessionError('SESSION_REQUIRED');
      if (seen.some((e) => e.kind === 'session' && e.handle === session.handle)) {
        throw new SessionError('SESSION_REVOKED');
      }
    } catch (e) {
      forget();
      if (!isSessionError(e) && e !== ORIGIN_FORBIDDEN) report(e);
      refuse(socket, e);
      return;
    }
    if (closed || socket.destroyed) {
      forget();
      socket.destroy();
      return;
    }

    let accepted = false;
    try {
      wss.handleUpgrade(req, socket, head, (ws) => {
        accepted = true;
        forget();
        socket.off('error', swallow);
        // ws reports a peer's protocol errors here, then closes the connection by itself.
        ws.on('error', swallow);
        ws.once('close', () => registry.remove(ws));
        if (closed) {
          ws.close(1001, 'server shutting down');
          return;
        }
        const b = registry.add(ws, session, credential);
        ws.on('pong', () => {
          b.alive = true;
        });
        if (seen.some((e) => e.kind === 'session' && e.handle === session.handle)) {
          registry.close(b, 'revoked');
          return;
        }
        if (seen.some((e) => e.kind === 'user' && e.userId === session.userId)) {
          registry.recheck(b, 'revoked').catch(report);
        }
        try {
          wss.emit('connection', ws, req, session);
        } catch (e) {
          report(e);
          ws.close(1011, 'internal error');
        }
      });
    } catch (e) {
      forget();
      report(e);
      if (!accepted) refuse(socket, e);
    }
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (path !== undefined && pathOf(req.url) !== path) return;
    upgrade(req, socket, head).catch((e) => {
      report(e);
      socket.destroy();
    });
  }
  server.on('upgrade', onUpgrade);

  const beat =
    interval > 0
      ? setInterval(() => {
          for (const b of registry.bindings()) {
            if (!b.alive) {
              // No pong since the last ping: the peer is gone without a FIN (or is stalled).
              registry.remove(b.ws);
              b.ws.terminate();
              continue;
            }
            b.alive = false;
            try {
              b.ws.ping();
            } catch {
              // Closing already: the close event will remove it.
            }
          }
        }, interval)
      : null;
  beat?.unref();

  return {
    sessionOf: (ws) => registry.get(ws)?.session,
    async reload(ws) {
      const b = registry.get(ws);
      return b === undefined ? null : registry.reload(b);
    },
    expiresAt: (ws) => registry.get(ws)?.group.expiresAt,
    ofSession: (handle) => registry.ofSession(handle),
    ofUser: (userId) => registry.ofUser(userId),
    get size() {
      return registry.size;
    },
    close() {
      if (closed) return;
      closed = true;
      server.off('upgrade', onUpgrade);
      offRevoked();
      if (typeof offReconnect === 'function') offReconnect();
      if (beat) clearInterval(beat);
      pending.clear();
      registry.closeAll(1001, 'server shutting down');
    },
  };
}
