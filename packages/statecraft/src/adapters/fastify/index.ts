/**
 * Fastify adapter (Fastify 5): `app.register(statecraftPlugin, { sessions })` gives every
 * request a `request.session` (a Session), whatever strategy holds the state.
 *
 * - `onRequest` loads the session, so it is there for every later hook and handler.
 * - `onSend` commits it and adds `Set-Cookie`: Fastify runs `onSend` before the status line and
 *   headers are written, so the write is acknowledged before the reply leaves, and a commit that
 *   fails becomes an error reply instead of a success the store never acknowledged.
 * - A SessionError (`STORE_UNAVAILABLE`, `HEADER_TOO_LARGE`…) goes through Fastify's error
 *   handling: the error's `status` is the reply's status, and the app's `setErrorHandler`, if
 *   any, sees it. The plugin never sets an error handler itself.
 *
 * The plugin is wrapped with fastify-plugin, so its decorator and hooks apply to the scope that
 * registers it (and that scope's children), as with @fastify/session. Register it inside an
 * encapsulated plugin to give sessions to some routes only.
 */
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { sessionCacheControl } from '../../session/cache-control.js';
import { ERROR_CODES, isSessionError, SessionError } from '../../session/errors.js';
import type { Sessions } from '../../session/manager.js';
import { type CommitResult, Session, type SessionData } from '../../session/session.js';

export { requireUser } from '../node-http/index.js';

/**
 * Type `request.session` with your sessions' data by registering it once, in any file of the app:
 *
 * @example
 * type Data = { cart: string[] }
 * const sessions = createSessions<Data>(stateful({ store }))
 * declare global {
 *   namespace Statecraft {
 *     interface Register { data: Data }
 *   }
 * }
 * // request.session.get('cart') is string[] | undefined
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

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's session, loaded in `onRequest` by statecraftPlugin. */
    session: Session<RegisteredData>;
  }
}

export interface StatecraftPluginOptions {
  sessions: Sessions<SessionData>;
  /** Response header that carries a new credential to bearer clients. @default 'session-token' */
  tokenHeader?: string;
}

const NO_STORE = Object.freeze({ 'cache-control': 'no-store' });
const NOTHING: CommitResult = Object.freeze({ setCookie: null, token: null });

/**
 * The error Fastify's handlers see: a SessionError with its code's public message, so a custom
 * message (which may name a host or a file) never reaches a client, the original as its cause,
 * and `headers` (which Fastify's default handler sends) keeping the reply out of caches.
 */
function publicError(e: unknown): unknown {
  if (!isSessionError(e)) return e;
  const err =
    e.message === ERROR_CODES[e.code].message ? e : new SessionError(e.code, undefined, { cause: e });
  return Object.assign(err, { headers: NO_STORE });
}

const plugin: FastifyPluginCallback<StatecraftPluginOptions> = (fastify, opts, done) => {
  const sessions = opts.sessions;
  if (sessions === undefined || typeof sessions.load !== 'function') {
    done(new SessionError('INVALID_CONFIG', 'statecraftPlugin needs { sessions } from createSessions()'));
    return;
  }
  const tokenHeader = sessions.options.transport.includes('bearer')
    ? (opts.tokenHeader ?? 'session-token')
    : null;
  // A commit that failed is not retried when Fastify sends the error reply through onSend again.
  const failed = new WeakSet<FastifyRequest>();

  // Fastify's decorator convention: null on the prototype, the value set per request.
  fastify.decorateRequest('session', null as unknown as Session<RegisteredData>);

  fastify.addHook('onRequest', (request, _reply, next) => {
    const meta = { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
    sessions.load(request.raw, meta).then(
      (s) => {
        request.session = s as Session<RegisteredData>;
        next();
      },
      (e: unknown) => next(publicError(e) as Error),
    );
  });

  fastify.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload, next) => {
    const session = request.session as Session<RegisteredData> | null;
    if (session === null || failed.has(request)) {
      next(null, payload);
      return;
    }
    const finish = ({ setCookie, token }: CommitResult): void => {
      if (setCookie !== null) reply.header('set-cookie', setCookie);
      if (tokenHeader !== null && token !== null) reply.header(tokenHeader, token);
      // Responses tied to a user or setting a credential must not be stored by shared caches
      // (OWASP Session Management: Cache-Control for sensitive content).
      if (session.userId !== null || setCookie !== null) {
        const cc = sessionCacheControl(reply.getHeader('cache-control'));
        if (cc !== null) reply.header('cache-control', cc);
      }
      next(null, payload);
    };
    // Most reads commit nothing: answer them without waiting on a promise.
    if (!Session.pending(session)) {
      finish(NOTHING);
      return;
    }
    session.commit().then(finish, (e: unknown) => {
      failed.add(request);
      next(publicError(e) as Error);
    });
  });

  done();
};

/**
 * @example
 * import Fastify from 'fastify'
 * import { createSessions, stateful } from 'statecraft'
 * import { memoryStore } from 'statecraft/stores/memory'
 * import { statecraftPlugin } from 'statecraft/adapters/fastify'
 *
 * const app = Fastify()
 * await app.register(statecraftPlugin, { sessions: createSessions(stateful({ store: memoryStore() })) })
 * app.get('/', async (request) => {
 *   const views = (request.session.update('views', (n = 0) => (n as number) + 1))
 *   return { views }
 * })
 */
export const statecraftPlugin = fp(plugin, { name: 'statecraft', fastify: '5.x' });

export default statecraftPlugin;
