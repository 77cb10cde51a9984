/**
 * The reference app: the shop routes and the chat on one node:http server, with the health and
 * readiness probes and a drain that lets in-flight requests finish. It uses the library's public
 * API only, so each mode runs exactly the code an application would.
 *
 * Every response carries `x-instance-id`; the health probes and refusals made before routing
 * (404, 405, 413 by `Content-Length`) never touch the session store.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isSessionError, type Session, type Sessions } from 'statecraft';
import { withSessions } from 'statecraft/adapters/node-http';
import { type Bus, memoryBus } from 'statecraft/bus/memory';
import { EAGER_CATALOGUE_ROUTES, PRODUCT_PREFIX, PRODUCT_ROUTE, sendCatalogue } from './catalogue.js';
import { attachChat } from './chat.js';
import { checkDeclaredLength, HttpError, sendFailure, sendJson } from './http.js';
import type { Mode } from './modes.js';
import { type RouteContext, SHOP_ROUTES } from './routes.js';
import type { ShopData } from './shop.js';

/** Request bodies are refused past this many bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

export interface AppConfig {
  mode: Mode;
  /** The session manager of `mode` (see `openInstance` or `modeStrategy`). Left open by the app. */
  sessions: Sessions<ShopData>;
  /** Sent back on every response as `x-instance-id`. */
  instanceId: string;
  /**
   * Carries chat lines between instances (the bus the session manager uses is the natural
   * choice). Left open by the app. @default an in-process bus: chat reaches this instance only
   */
  bus?: Bus | null;
  /**
   * Start a session for every visitor of the public catalogue (`GET /products`), as frameworks
   * that save uninitialized sessions do. @default false: sessions start at login (lazy)
   */
  eagerSessions?: boolean;
  /** @default 16384 */
  maxBodyBytes?: number;
  /** Milliseconds between WebSocket pings. @default 30000 */
  wsHeartbeatInterval?: number;
  /** Time a client has to send its request headers (slowloris). @default 10000 */
  headersTimeoutMs?: number;
  /** Time a client has to send its whole request, body included. @default 30000 */
  requestTimeoutMs?: number;
  /** Where unexpected errors are reported (never with secrets or session ids). @default stderr */
  log?: (line: string) => void;
}

export interface AppControl {
  readonly mode: Mode;
  readonly instanceId: string;
  /** Resolves once the session manager is ready and the chat listens on the bus. */
  ready(): Promise<void>;
  /** True from the start of `drain()`: `/readyz` answers 503. */
  readonly draining: boolean;
  /** HTTP requests received since the app was created. */
  readonly requests: number;
  /** Responses not finished yet. */
  readonly inFlight: number;
  /** Open chat sockets. */
  readonly chatSockets: number;
  /**
   * Graceful stop: readiness fails at once, the server stops accepting, idle keep-alive
   * connections are closed, responses not yet sent get `Connection: close`, chat sockets are
   * closed with 1001. Resolves true once every connection has ended, or false at `deadlineMs`,
   * when the remaining ones are cut.
   */
  drain(deadlineMs?: number): Promise<boolean>;
  /** Stops at once: every connection is cut. */
  close(): Promise<void>;
}

/** A node:http server running the reference app, with its controls. */
export type AppServer = Server & { readonly app: AppControl };

function pathOf(url: string | undefined): string {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return q === -1 ? u : u.slice(0, q);
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : 'non-error thrown';
}

/**
 * @example
 * const { sessions, bus } = await openInstance(env)
 * const server = createApp({ mode: env.mode, sessions, bus, instanceId: env.instanceId })
 * await server.app.ready()
 * server.listen(env.port, '127.0.0.1')
 * process.once('SIGTERM', () => server.app.drain(10_000).then(() => process.exit(0)))
 */
export function createApp(config: AppConfig): AppServer {
  const { mode, sessions, instanceId } = config;
  const log = config.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const ctx: RouteContext = { sessions, maxBodyBytes: config.maxBodyBytes ?? MAX_BODY_BYTES };
  const ownBus = config.bus ? null : memoryBus();
  // Slow clients are cut off instead of holding a connection and its buffers: Node's own
  // defaults (60 s for headers, 300 s per request, checked every 30 s) let a trickle of bytes
  // keep thousands of connections open. Heads over 16 KiB get 431 before any parsing.
  const server = createServer({
    headersTimeout: config.headersTimeoutMs ?? 10_000,
    requestTimeout: config.requestTimeoutMs ?? 30_000,
    connectionsCheckingInterval: 1000,
    maxHeaderSize: 16 * 1024,
  });

  // path → method → the route wrapped by the session adapter (built once, not per request).
  type Run = (req: IncomingMessage, res: ServerResponse) => void;
  const routes = new Map<string, Map<string, Run>>();
  const add = (method: string, path: string, run: Run) => {
    if (!routes.has(path)) routes.set(path, new Map());
    routes.get(path)!.set(method, run);
  };
  for (const route of [...SHOP_ROUTES, ...(config.eagerSessions ? EAGER_CATALOGUE_ROUTES : [])]) {
    const run = withSessions(sessions, async (req, res, session: Session<ShopData>) => {
      try {
        await route.handle(req, res, session, ctx);
      } catch (e) {
        if (!(e instanceof HttpError) && !isSessionError(e)) {
          log(`[${instanceId}] ${route.method} ${route.path} failed: ${describe(e)}`);
        }
        sendFailure(res, e);
      }
    });
    add(route.method, route.path, run);
  }
  // Lazy sessions: the public catalogue never loads one, so it costs no store round trip.
  if (!config.eagerSessions) {
    add('GET', '/products', sendCatalogue);
    add('GET', PRODUCT_ROUTE, sendCatalogue);
  }

  const chat = attachChat({
    server,
    sessions,
    bus: config.bus ?? ownBus!,
    instanceId,
    heartbeatInterval: config.wsHeartbeatInterval,
    onError: (e) => log(`[${instanceId}] chat: ${describe(e)}`),
  });

  let requests = 0;
  let draining = false;
  const inFlight = new Set<ServerResponse>();
  let sweepQueued = false;

  // While draining, a keep-alive connection whose response was already under way when the
  // drain began goes idle after it: close it then instead of waiting for its idle timeout.
  const sweepIdle = () => {
    if (sweepQueued) return;
    sweepQueued = true;
    setImmediate(() => {
      sweepQueued = false;
      server.closeIdleConnections();
    });
  };

  const probe = (req: IncomingMessage, res: ServerResponse, ok: () => void) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendFailure(
        res,
        new HttpError('METHOD_NOT_ALLOWED', 'use GET', undefined, { allow: 'GET, HEAD' }),
      );
    }
    ok();
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    requests++;
    res.setHeader('x-instance-id', instanceId);
    if (draining) res.setHeader('connection', 'close');
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      if (draining) sweepIdle();
    });

    const path = pathOf(req.url);
    if (path === '/healthz') {
      return probe(req, res, () => sendJson(res, 200, { ok: true, instance: instanceId, mode }));
    }
    if (path === '/readyz') {
      return probe(req, res, () =>
        draining
          ? sendFailure(res, new HttpError('DRAINING', 'this instance is draining'))
          : sendJson(res, 200, { ready: true, instance: instanceId }),
      );
    }
    const byMethod = routes.get(path.startsWith(PRODUCT_PREFIX) ? PRODUCT_ROUTE : path);
    if (byMethod === undefined) return sendFailure(res, new HttpError('NOT_FOUND', 'no such route'));
    const run = byMethod.get(req.method ?? '');
    if (run === undefined) {
      const allow = [...byMethod.keys()].join(', ');
      return sendFailure(res, new HttpError('METHOD_NOT_ALLOWED', `use ${allow}`, undefined, { allow }));
    }
    try {
      // Refused before the session is loaded: an oversized body costs no store round trip. Routes
      // that read no body refuse one too, rather than let the server read it only to drop it.
      checkDeclaredLength(req, ctx.maxBodyBytes);
    } catch (e) {
      return sendFailure(res, e);
    }
    run(req, res);
  });

  let drainRun: Promise<boolean> | null = null;

  const control: AppControl = {
    mode,
    instanceId,
    async ready() {
      await sessions.ready();
      await chat.ready;
    },
    get draining() {
      return draining;
    },
    get requests() {
      return requests;
    },
    get inFlight() {
      return inFlight.size;
    },
    get chatSockets() {
      return chat.size;
    },
    drain(deadlineMs = 10_000) {
      drainRun ??= (async () => {
        draining = true;
        for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<boolean>((resolve) => {
          timer = setTimeout(() => {
            server.closeAllConnections();
            resolve(false);
          }, deadlineMs);
        });
        const closed = new Promise<boolean>((resolve) => server.close(() => resolve(true)));
        server.closeIdleConnections();
        // Upgraded sockets count as the server's connections: they must close for `closed`.
        const chatClosed = chat.close().catch(() => {});
        const clean = await Promise.race([closed, deadline]);
        await Promise.race([chatClosed, deadline]);
        clearTimeout(timer);
        await ownBus?.close();
        return clean;
      })();
      return drainRun;
    },
    async close() {
      draining = true;
      await chat.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ownBus?.close();
    },
  };
  return Object.assign(server, { app: control });
}
