/**
 * node:http adapter: gives a handler its session and commits it before the response leaves.
 *
 * Errors the library raises (`STORE_UNAVAILABLE`, `SESSION_REQUIRED`, `HEADER_TOO_LARGE`, …)
 * become their HTTP status with a JSON body `{ error: { code, message } }`; anything else
 * becomes a bare 500 with nothing from the error in it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sessionCacheControl } from '../../session/cache-control.js';
import { isSessionError, SessionError } from '../../session/errors.js';
import type { Sessions } from '../../session/manager.js';
import { type CommitResult, Session, type SessionData } from '../../session/session.js';
import { holdUntilCommitted } from './hold.js';

export { holdUntilCommitted } from './hold.js';

/** What a commit with nothing to do yields. */
const NOTHING: CommitResult = Object.freeze({ setCookie: null, token: null });

export interface NodeHttpOptions {
  /**
   * Proxies in front of the app whose `X-Forwarded-For` entry is trusted, counted from the
   * right. 0 trusts none and records the socket's address. @default 0
   */
  trustProxy?: number;
  /** Response header that carries a new credential to bearer clients. @default 'session-token' */
  tokenHeader?: string;
}

export type SessionHandler<D extends SessionData> = (
  req: IncomingMessage,
  res: ServerResponse,
  session: Session<D>,
) => unknown;

/** The client address, through at most `hops` trusted proxies. */
export function clientIp(req: IncomingMessage, hops: number): string | null {
  const socket = req.socket.remoteAddress ?? null;
  if (hops <= 0) return socket;
  const xff = req.headers['x-forwarded-for'];
  const chain = (Array.isArray(xff) ? xff.join(',') : (xff ?? '')).split(',').map((s) => s.trim());
  const list = [...chain.filter(Boolean), socket ?? ''];
  return list[Math.max(0, list.length - 1 - hops)] || socket;
}

/** Sends a SessionError as JSON (or a bare 500 for anything else), if nothing was sent yet. */
export function sendError(res: ServerResponse, e: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const err = isSessionError(e) ? e : null;
  const body = err
    ? JSON.stringify(err.toJSON())
    : '{"error":{"code":"INTERNAL","message":"Internal error"}}';
  res.writeHead(err?.status ?? 500, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

/** Throws `SESSION_REQUIRED` (401) unless the session is authenticated; returns the user id. */
export function requireUser(session: Pick<Session<SessionData>, 'userId'>): string {
  if (session.userId === null) throw new SessionError('SESSION_REQUIRED');
  return session.userId;
}

/**
 * Adds what a commit asks for to a response: `Set-Cookie`, the token header for bearer clients
 * (when `tokenHeader` is not null) and `Cache-Control: no-store` on responses tied to a user or
 * setting a credential, unless the handler's own header already says `private` or `no-store`
 * (OWASP Session Management: shared caches must not store them).
 */
export function applyCommit(
  res: ServerResponse,
  session: Session<SessionData>,
  { setCookie, token }: CommitResult,
  tokenHeader: string | null,
): void {
  if (setCookie !== null) res.appendHeader('set-cookie', setCookie);
  if (tokenHeader !== null && token !== null) res.setHeader(tokenHeader, token);
  if (session.userId !== null || setCookie !== null) {
    // Even over a handler's own `public`: a shared cache would hand this to the next visitor.
    const cc = sessionCacheControl(res.getHeader('cache-control'));
    if (cc !== null) res.setHeader('cache-control', cc);
  }
}

/**
 * Commits `session` when the handler first writes to `res`, before any byte leaves (see
 * `holdUntilCommitted`); a failed commit is answered with `sendError` instead of the handler's
 * response. Adapters over `ServerResponse` (node:http, Express) call it once per request.
 */
export function commitBeforeSend(
  res: ServerResponse,
  session: Session<SessionData>,
  tokenHeader: string | null,
): void {
  holdUntilCommitted(
    res,
    async () => applyCommit(res, session, await session.commit(), tokenHeader),
    (e) => sendError(res, e),
    () => {
      // Most reads commit nothing: their response leaves at once, with the headers a commit
      // would have added (Cache-Control for a logged-in user).
      if (Session.pending(session)) return false;
      applyCommit(res, session, NOTHING, tokenHeader);
      return true;
    },
  );
}

/**
 * @example
 * import { createServer } from 'node:http'
 * import { createSessions, stateful } from 'statecraft'
 * import { memoryStore } from 'statecraft/stores/memory'
 * import { withSessions } from 'statecraft/adapters/node-http'
 *
 * const sessions = createSessions(stateful({ store: memoryStore() }))
 * createServer(withSessions(sessions, (req, res, session) => {
 *   session.update('views', (n = 0) => (n as number) + 1)
 *   res.end(`views: ${session.get('views')}`)
 * })).listen(3000)
 */
export function withSessions<D extends SessionData>(
  sessions: Sessions<D>,
  handler: SessionHandler<D>,
  options: NodeHttpOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const hops = options.trustProxy ?? 0;
  const tokenHeader = options.tokenHeader ?? 'session-token';
  const bearer = sessions.options.transport.includes('bearer');

  return (req, res) => {
    const meta = { ip: clientIp(req, hops), userAgent: req.headers['user-agent'] ?? null };

    sessions
      .load(req, meta)
      .then(
        (s) => {
          commitBeforeSend(res, s, bearer ? tokenHeader : null);
          return handler(req, res, s);
        },
        (e) => sendError(res, e),
      )
      .then(undefined, (e) => sendError(res, e));
  };
}
