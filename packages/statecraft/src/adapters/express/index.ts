/**
 * Express adapter (Express 5): `app.use(sessionMiddleware(sessions))` gives every request a
 * `req.session` that reads and writes like express-session's, backed by any strategy.
 *
 * The session is committed when the response is first written, and the response is held until
 * the commit completes: a redirect followed at once sees the write, and a commit that fails is
 * answered with its error instead of a success the store never acknowledged. A session that
 * cannot be loaded (`STORE_UNAVAILABLE`, `HEADER_TOO_LARGE`…) goes to `next(err)`, so the app's
 * error handler answers it; `sessionErrorHandler()` answers it as JSON with its status.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isSessionError } from '../../session/errors.js';
import type { Sessions } from '../../session/manager.js';
import type { SessionData } from '../../session/session.js';
import { clientIp, commitBeforeSend, sendError } from '../node-http/index.js';
import { type ExpressSession, expressSession } from './proxy.js';

export { requireUser } from '../node-http/index.js';
export type { ExpressSession, ExpressSessionMethods, SessionCallback } from './proxy.js';

/**
 * Type `req.session` with your sessions' data by registering it once, in any file of the app:
 *
 * @example
 * type Data = { cart: string[] }
 * const sessions = createSessions<Data>(stateful({ store }))
 * declare global {
 *   namespace Statecraft {
 *     interface Register { data: Data }
 *   }
 * }
 * // req.session.cart is string[] | undefined; req.session.get('cart') too
 *
 * A global interface (like Express's own `Express.Request`) rather than a module augmentation,
 * so that one registration holds wherever two copies of the library meet in one program (its
 * build and its sources, two installs) and serves every adapter.
 */
declare global {
  namespace Statecraft {
    interface Register {}
  }
}

/** The data type registered in `Statecraft.Register`, else any string-keyed record. */
export type RegisteredData = Statecraft.Register extends { data: infer D extends SessionData }
  ? D
  : SessionData;

declare global {
  namespace Express {
    interface Request {
      /** The request's session (set by `sessionMiddleware`). */
      session: ExpressSession<RegisteredData>;
    }
  }
}

export interface ExpressOptions {
  /**
   * Proxies in front of the app whose `X-Forwarded-For` entry is trusted, counted from the
   * right, for the client address recorded with the session. @default Express's own `req.ip`,
   * which follows the app's `trust proxy` setting
   */
  trustProxy?: number;
  /** Response header that carries a new credential to bearer clients. @default 'session-token' */
  tokenHeader?: string;
}

/**
 * @example
 * import express from 'express'
 * import { createSessions, stateful } from 'statecraft'
 * import { memoryStore } from 'statecraft/stores/memory'
 * import { sessionErrorHandler, sessionMiddleware } from 'statecraft/adapters/express'
 *
 * const sessions = createSessions(stateful({ store: memoryStore() }))
 * const app = express()
 * app.use(sessionMiddleware(sessions))
 * app.get('/', (req, res) => {
 *   req.session.views = ((req.session.views as number | undefined) ?? 0) + 1
 *   res.send(`views: ${req.session.views}`)
 * })
 * app.use(sessionErrorHandler())
 */
export function sessionMiddleware<D extends SessionData>(
  sessions: Sessions<D>,
  options: ExpressOptions = {},
): RequestHandler {
  const hops = options.trustProxy;
  const tokenHeader = sessions.options.transport.includes('bearer')
    ? (options.tokenHeader ?? 'session-token')
    : null;

  return function statecraftSession(req, res, next) {
    // Mounted twice (app and router): the first one owns the request's session.
    if (req.session !== undefined) {
      next();
      return;
    }
    const meta = {
      // req.ip parses X-Forwarded-For on every read; skip it when the app trusts no proxy.
      ip:
        hops !== undefined
          ? clientIp(req, hops)
          : req.app.get('trust proxy')
            ? (req.ip ?? null)
            : (req.socket.remoteAddress ?? null),
      userAgent: req.headers['user-agent'] ?? null,
    };
    sessions.load(req, meta).then((session) => {
      commitBeforeSend(res, session, tokenHeader);
      req.session = expressSession(session, res, tokenHeader) as unknown as ExpressSession<RegisteredData>;
      next();
    }, next);
  };
}

/**
 * An error handler that answers SessionErrors with their status and a JSON body
 * `{ error: { code, message } }` (nothing from the cause), and passes anything else on.
 * Mount it after the routes.
 */
export function sessionErrorHandler(): ErrorRequestHandler {
  return function statecraftErrors(err, _req, res, next) {
    if (!isSessionError(err)) {
      next(err);
      return;
    }
    sendError(res, err);
  };
}
