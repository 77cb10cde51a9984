/**
 * The instance contract's environment: how a supervisor tells an app instance where to listen,
 * which mode to run, where sessions and bus messages go, and the secret tokens are keyed on.
 * `readInstanceEnv` validates it (zod) and never puts the secret or a URL in an error message;
 * `instanceEnvironment` writes it, for the supervisor. See docs/app-contract.md.
 */
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { SECRET_BYTES } from './keys.js';
import { isMode, MODES, type Mode, needsSecret, storeRole } from './modes.js';

/** Where sessions are stored. */
export type StoreSpec =
  | { kind: 'memory' }
  | { kind: 'sqlite'; path: string }
  | { kind: 'redis'; url: string }
  | { kind: 'postgres'; url: string };

/** What carries revocations and chat lines between instances. */
export type BusSpec = { kind: 'ipc' } | { kind: 'redis'; url: string } | { kind: 'postgres'; url: string };

export interface InstanceEnv {
  /** `PORT`: listen on 127.0.0.1 here (0: any free port). */
  port: number;
  /** `INSTANCE_ID`: sent back on every response as `x-instance-id`. */
  instanceId: string;
  /** `STATECRAFT_MODE`. */
  mode: Mode;
  /** `STATECRAFT_STORE`, or the mode's default; null for `stateless`, which keeps no store. */
  store: StoreSpec | null;
  /** `STATECRAFT_BUS`; null when unset (chat then reaches this instance only). */
  bus: BusSpec | null;
  /** `STATECRAFT_SECRET`, decoded; null when unset (allowed for `sticky` and `shared`). */
  secret: Buffer | null;
  /** `STATECRAFT_PREFIX` as given (default `sc`); see `prefixes()` for the derived names. */
  prefix: string;
  /** `STATECRAFT_DRAIN_MS`: how long a drain may take before connections are cut. */
  drainMs: number;
  /** `STATECRAFT_EAGER_SESSIONS=1`: visitors of the public catalogue get a session (default lazy). */
  eagerSessions: boolean;
}

/** A variable of the instance environment is missing or malformed. */
export class InstanceEnvError extends Error {
  override readonly name = 'InstanceEnvError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

export const DEFAULT_PREFIX = 'sc';
export const DEFAULT_DRAIN_MS = 10_000;

const PREFIX = /^[A-Za-z0-9_-]{1,24}$/;
const INSTANCE_ID = /^[A-Za-z0-9_.-]{1,32}$/;

/** Parses `STATECRAFT_STORE`. Throws `InstanceEnvError` without echoing the value (it may hold a password). */
export function parseStore(value: string): StoreSpec {
  if (value === 'memory') return { kind: 'memory' };
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length);
    if (path === '') throw new InstanceEnvError('STATECRAFT_STORE', 'sqlite: needs a file path');
    return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(path) };
  }
  const url = parseUrl('STATECRAFT_STORE', value);
  if (url === 'redis') return { kind: 'redis', url: value };
  if (url === 'postgres') return { kind: 'postgres', url: value };
  throw new InstanceEnvError(
    'STATECRAFT_STORE',
    'expected memory, sqlite:/path, redis://…, redis-cluster://…, redis-sentinel://… or postgres://…',
  );
}

/** Parses `STATECRAFT_BUS`. */
export function parseBus(value: string): BusSpec {
  if (value === 'ipc') return { kind: 'ipc' };
  const url = parseUrl('STATECRAFT_BUS', value);
  if (url === 'redis') return { kind: 'redis', url: value };
  if (url === 'postgres') return { kind: 'postgres', url: value };
  throw new InstanceEnvError(
    'STATECRAFT_BUS',
    'expected ipc, redis://…, redis-cluster://…, redis-sentinel://… or postgres://…',
  );
}

function parseUrl(variable: string, value: string): 'redis' | 'postgres' | null {
  // Lists of nodes (host:port,host:port) are not WHATWG URLs; the store checks them in full.
  if (/^redis-(cluster|sentinel):\/\/./.test(value)) return 'redis';
  let protocol: string;
  try {
    protocol = new URL(value).protocol;
  } catch {
    throw new InstanceEnvError(variable, 'not a URL');
  }
  if (protocol === 'redis:' || protocol === 'rediss:') return 'redis';
  if (protocol === 'postgres:' || protocol === 'postgresql:') return 'postgres';
  return null;
}

const schema = z.object({
  PORT: z
    .string()
    .regex(/^\d{1,5}$/, 'a port number')
    .transform(Number)
    .refine((n) => n <= 65_535, 'a port number'),
  INSTANCE_ID: z.string().regex(INSTANCE_ID, 'letters, digits, _ . - (at most 32)').default('i1'),
  STATECRAFT_MODE: z.string().refine(isMode, `one of ${MODES.join(', ')}`),
  STATECRAFT_STORE: z.string().min(1).optional(),
  STATECRAFT_BUS: z.string().min(1).optional(),
  STATECRAFT_SECRET: z
    .string()
    .regex(new RegExp(`^[0-9a-fA-F]{${SECRET_BYTES * 2}}$`), `${SECRET_BYTES * 2} hexadecimal characters`)
    .optional(),
  STATECRAFT_PREFIX: z
    .string()
    .regex(PREFIX, 'letters, digits, _ and - (at most 24)')
    .default(DEFAULT_PREFIX),
  STATECRAFT_DRAIN_MS: z
    .string()
    .regex(/^\d{1,7}$/, 'milliseconds')
    .transform(Number)
    .default(DEFAULT_DRAIN_MS),
  STATECRAFT_EAGER_SESSIONS: z.enum(['0', '1'], '0 or 1').default('0'),
});

/**
 * Reads and checks the instance environment.
 *
 * @example
 * const env = readInstanceEnv() // throws InstanceEnvError naming the bad variable
 */
export function readInstanceEnv(env: NodeJS.ProcessEnv = process.env): InstanceEnv {
  const r = schema.safeParse(env);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    // The issue's message only, never the value: it may be a secret or a URL with a password.
    throw new InstanceEnvError(variable, env[variable] === undefined ? 'required' : issue.message);
  }
  const e = r.data;
  const mode = e.STATECRAFT_MODE as Mode;
  const secret = e.STATECRAFT_SECRET === undefined ? null : Buffer.from(e.STATECRAFT_SECRET, 'hex');
  if (secret === null && needsSecret(mode)) {
    throw new InstanceEnvError('STATECRAFT_SECRET', `required by ${mode}: tokens are keyed on it`);
  }
  const role = storeRole(mode);
  let store: StoreSpec | null = null;
  // sticky is memory by definition and stateless keeps nothing: a store given to them is ignored,
  // so a supervisor may pass one environment to every mode.
  if (role === 'memory') store = { kind: 'memory' };
  else if (role === 'shared') {
    store =
      e.STATECRAFT_STORE === undefined
        ? { kind: 'sqlite', path: join(tmpdir(), `statecraft-${e.STATECRAFT_PREFIX}-sessions.db`) }
        : parseStore(e.STATECRAFT_STORE);
  }
  return {
    port: e.PORT,
    instanceId: e.INSTANCE_ID,
    mode,
    store,
    bus: e.STATECRAFT_BUS === undefined ? null : parseBus(e.STATECRAFT_BUS),
    secret,
    prefix: e.STATECRAFT_PREFIX,
    drainMs: e.STATECRAFT_DRAIN_MS,
    eagerSessions: e.STATECRAFT_EAGER_SESSIONS === '1',
  };
}

/** Names derived from `STATECRAFT_PREFIX` for each backend, so runs sharing one server do not collide. */
export interface Prefixes {
  /** Key and channel prefix in Redis: `<prefix>:`. */
  redis: string;
  /** SQL identifier start, lower case `[a-z_][a-z0-9_]*`: tables `<sql>_sessions`, NOTIFY channels `<sql>_…`. */
  sql: string;
}

export function prefixes(prefix: string): Prefixes {
  const lower = prefix.toLowerCase().replace(/-/g, '_');
  return { redis: `${prefix}:`, sql: /^[0-9]/.test(lower) ? `sc_${lower}` : lower };
}

/** What `instanceEnvironment` writes. */
export interface InstanceSettings {
  port: number;
  instanceId: string;
  mode: Mode;
  /** `memory`, `sqlite:/abs/path.db`, `redis://…`, `postgres://…`. */
  store?: string;
  /** `ipc`, `redis://…`, `postgres://…`. */
  bus?: string;
  /** 32 bytes, or their 64 hex characters. */
  secret?: Uint8Array | string;
  prefix?: string;
  drainMs?: number;
  eagerSessions?: boolean;
}

/**
 * The environment variables of one instance, for a supervisor to merge into `process.env`.
 *
 * @example
 * spawn(process.execPath, [appEntry()], {
 *   env: { ...process.env, ...instanceEnvironment({ port, instanceId: 'i1', mode: 'hybrid', bus: 'ipc', secret }) },
 *   stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
 * })
 */
export function instanceEnvironment(s: InstanceSettings): Record<string, string> {
  const env: Record<string, string> = {
    PORT: String(s.port),
    INSTANCE_ID: s.instanceId,
    STATECRAFT_MODE: s.mode,
  };
  if (s.store !== undefined) env.STATECRAFT_STORE = s.store;
  if (s.bus !== undefined) env.STATECRAFT_BUS = s.bus;
  if (s.secret !== undefined) {
    env.STATECRAFT_SECRET = typeof s.secret === 'string' ? s.secret : Buffer.from(s.secret).toString('hex');
  }
  if (s.prefix !== undefined) env.STATECRAFT_PREFIX = s.prefix;
  if (s.drainMs !== undefined) env.STATECRAFT_DRAIN_MS = String(s.drainMs);
  if (s.eagerSessions !== undefined) env.STATECRAFT_EAGER_SESSIONS = s.eagerSessions ? '1' : '0';
  return env;
}
