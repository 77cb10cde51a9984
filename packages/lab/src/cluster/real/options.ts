/**
 * What the nginx and HAProxy renderers take, and the checks that run before any of it is
 * written into a config file: every value lands in a file that another program parses, so a
 * host, an id or a path with a space, a quote, a brace or a semicolon in it is refused here
 * instead of turning into a broken (or a different) configuration.
 */
import { isAbsolute } from 'node:path';
import type { Mode } from '../../app/modes.js';
import type { BackendSpec } from '../types.js';

/** How the balancer spreads requests: affinity by cookie for `sticky`, round-robin for the rest. */
export type RealPolicy = 'sticky-cookie' | 'round-robin';

/** Options shared by `renderNginx` and `renderHaproxy`. */
export interface RenderOptions {
  mode: Mode;
  /**
   * The instances behind the balancer; `host` defaults to `127.0.0.1`. May be empty (every
   * instance gone): the balancer then answers 503 `NO_BACKEND` by itself.
   */
  backends: readonly BackendSpec[];
  /** Where the balancer listens. */
  listen: { host: string; port: number };
  /**
   * Absolute directory that holds everything the engine writes: pid file, temp directories,
   * logs, admin socket. Nothing outside it is touched, so several balancers run side by side.
   */
  prefix: string;
  /**
   * Name of the balancer's affinity cookie (`sticky` only). The engine sets it on the first
   * response and routes on it afterwards; it is not the session cookie, which changes on login.
   * @default 'sc_lb' (the built-in balancer's name for it too)
   */
  cookie?: string;
  /**
   * `files`: the error log goes to `<prefix>/error.log` and requests are not logged (a local
   * run under load). `stdio`: errors to stderr and one line per request to stdout (a container).
   * @default 'files'
   */
  logs?: 'files' | 'stdio';
  /** Number the engine answers at `GET /__balancer`, so a caller can tell a reload took effect. @default 1 */
  generation?: number;
  /** nginx worker processes. @default 1 */
  workers?: number | 'auto';
  /**
   * nginx only: paths (prefixes) whose answers nginx keeps in a `proxy_cache` zone under the
   * prefix directory and serves from it while fresh, trusting the app's `Cache-Control` (an
   * answer that is `private`, `no-store` or sets a cookie is never kept). @default none
   */
  cachePaths?: readonly string[];
  /**
   * HAProxy only: resolve backend host names at run time through the resolvers of
   * `/etc/resolv.conf` (containers whose addresses change), and start even when a name does
   * not resolve yet. nginx resolves names when it loads its configuration.
   * @default false
   */
  dns?: boolean;
}

/** The path at which both engines answer by themselves (`ok <engine> <generation>`). */
export const BALANCER_STATUS_PATH = '/__balancer';

/** The WebSocket route of the reference app. */
export const WEBSOCKET_PATH = '/chat';

/** The affinity cookie's default name. */
export const AFFINITY_COOKIE = 'sc_lb';

/**
 * The answers the engines give by themselves, in the library's error shape and with the codes
 * of the built-in balancer (`cluster/balancer/errors.ts`), so clients see one set whichever
 * balancer runs.
 */
export const BALANCER_ERRORS = [
  { status: 502, code: 'BAD_GATEWAY', message: 'The instance failed before it answered' },
  { status: 503, code: 'NO_BACKEND', message: 'No instance is available' },
  { status: 504, code: 'GATEWAY_TIMEOUT', message: 'The instance did not answer in time' },
  { status: 413, code: 'BODY_TOO_LARGE', message: 'The request body is too large' },
] as const;

/** `{"error":{"code":…,"message":…}}` for one of `BALANCER_ERRORS`. */
export function errorBody(e: (typeof BALANCER_ERRORS)[number]): string {
  return JSON.stringify({ error: { code: e.code, message: e.message } });
}

/** The balancing policy of a mode (see the modes table in DESIGN.md). */
export function policyOf(mode: Mode): RealPolicy {
  return mode === 'sticky' ? 'sticky-cookie' : 'round-robin';
}

/** A backend with every field filled in and checked. */
export interface CheckedBackend {
  id: string;
  host: string;
  port: number;
}

/** Checked, defaulted options; throws a `TypeError` naming the first bad value. */
export interface CheckedOptions {
  mode: Mode;
  policy: RealPolicy;
  backends: CheckedBackend[];
  listen: { host: string; port: number };
  prefix: string;
  cookie: string;
  logs: 'files' | 'stdio';
  generation: number;
  workers: number | 'auto';
  dns: boolean;
  cachePaths: string[];
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
// Host names (RFC 1123 labels), IPv4, or bracket-less IPv6: the characters a config can hold as is.
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|[0-9a-fA-F:.]+)$/;
const COOKIE = /^[A-Za-z0-9_]{1,64}$/;
const PATH = /^\/[A-Za-z0-9_./-]*$/;

function port(p: unknown, what: string): number {
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65535) {
    throw new TypeError(`${what}: port must be a whole number from 1 to 65535, got ${String(p)}`);
  }
  return p;
}

function host(h: string, what: string): string {
  if (!HOST.test(h)) throw new TypeError(`${what}: not a host name or IP address: ${JSON.stringify(h)}`);
  return h;
}

/** `[::1]:80` for IPv6, `127.0.0.1:80` otherwise: how both engines spell an address. */
export function hostPort(h: string, p: number): string {
  return h.includes(':') ? `[${h}]:${p}` : `${h}:${p}`;
}

const KNOWN_MODES: readonly string[] = ['sticky', 'shared', 'stateless', 'hybrid'];

export function checkOptions(o: RenderOptions): CheckedOptions {
  if (!KNOWN_MODES.includes(o.mode))
    throw new TypeError(`mode: one of ${KNOWN_MODES.join(', ')}, got ${o.mode}`);
  const seen = new Set<string>();
  const backends = o.backends.map((b, i) => {
    if (!ID.test(b.id)) throw new TypeError(`backends[${i}].id: letters, digits, _ . - only, got ${b.id}`);
    if (seen.has(b.id)) throw new TypeError(`backends[${i}].id: ${b.id} appears twice`);
    seen.add(b.id);
    return { id: b.id, host: host(b.host ?? '127.0.0.1', `backends[${i}].host`), port: port(b.port, b.id) };
  });
  if (!isAbsolute(o.prefix) || !PATH.test(o.prefix)) {
    throw new TypeError(`prefix: an absolute path of letters, digits and _ . - / only, got ${o.prefix}`);
  }
  const cookie = o.cookie ?? AFFINITY_COOKIE;
  if (!COOKIE.test(cookie)) throw new TypeError(`cookie: letters, digits and _ only, got ${cookie}`);
  const generation = o.generation ?? 1;
  if (!Number.isSafeInteger(generation) || generation < 0) throw new TypeError('generation: a whole number');
  const workers = o.workers ?? 1;
  if (workers !== 'auto' && (!Number.isInteger(workers) || workers < 1 || workers > 64)) {
    throw new TypeError(`workers: 'auto' or a whole number from 1 to 64, got ${String(workers)}`);
  }
  return {
    mode: o.mode,
    policy: policyOf(o.mode),
    backends,
    listen: { host: host(o.listen.host, 'listen.host'), port: port(o.listen.port, 'listen') },
    prefix: o.prefix.replace(/\/+$/, '') || '/',
    cookie,
    logs: o.logs ?? 'files',
    generation,
    workers,
    dns: o.dns ?? false,
    cachePaths: (o.cachePaths ?? []).map((c, i) => {
      if (!PATH.test(c))
        throw new TypeError(`cachePaths[${i}]: a path of letters, digits and _ . - / only, got ${c}`);
      return c;
    }),
  };
}
