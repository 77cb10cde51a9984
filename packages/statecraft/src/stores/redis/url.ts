/**
 * Redis connection URLs for the three deployments the store and the bus speak to:
 *
 * - `redis://[user:pass@]host:port[/db]` (and `rediss://`): one server, as ioredis reads it;
 * - `redis-cluster://[user:pass@]host:port,host:port,…`: seed nodes of a Redis Cluster (any
 *   reachable node is enough; the client learns the others from it);
 * - `redis-sentinel://[user:pass@]host:port,host:port,…/primaryName[?db=N]`: the Sentinels to ask
 *   where the primary named `primaryName` is; the credentials are the data nodes'.
 *
 * Errors never echo the URL: it may hold a password.
 */
import { SessionError } from '../../session/errors.js';

export interface RedisNode {
  host: string;
  port: number;
}

export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: RedisNode[]; username?: string; password?: string }
  | {
      kind: 'sentinel';
      sentinels: RedisNode[];
      name: string;
      username?: string;
      password?: string;
      db?: number;
    };

const CLUSTER = 'redis-cluster://';
const SENTINEL = 'redis-sentinel://';

function invalid(why: string): SessionError {
  return new SessionError('INVALID_CONFIG', `invalid Redis URL: ${why}`);
}

/** `host:port` or `[v6]:port`; the port defaults to 6379 for nodes, 26379 for Sentinels. */
function node(text: string, defaultPort: number): RedisNode {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/.exec(text);
  if (m === null) throw invalid('a host is not host:port');
  const port = m[3] === undefined ? defaultPort : Number(m[3]);
  if (port < 1 || port > 65_535) throw invalid('a port is out of range');
  return { host: (m[1] ?? m[2])!, port };
}

/** Splits `[user:pass@]hosts[/path][?query]` (the part after the scheme). */
function split(rest: string, defaultPort: number) {
  const at = rest.lastIndexOf('@', rest.search(/[/?]|$/));
  const auth = at < 0 ? '' : rest.slice(0, at);
  const tail = rest.slice(at + 1);
  const end = tail.search(/[/?]|$/);
  const hosts = tail.slice(0, end);
  if (hosts === '') throw invalid('no host');
  const nodes = hosts.split(',').map((h) => node(h, defaultPort));
  const colon = auth.indexOf(':');
  const username = decodeURIComponent(colon < 0 ? auth : auth.slice(0, colon));
  const password = colon < 0 ? '' : decodeURIComponent(auth.slice(colon + 1));
  const q = tail.indexOf('?', end);
  const path = tail.slice(end, q < 0 ? undefined : q).replace(/^\//, '');
  const query = new URLSearchParams(q < 0 ? '' : tail.slice(q + 1));
  return {
    nodes,
    path: decodeURIComponent(path),
    query,
    ...(username !== '' ? { username } : {}),
    ...(password !== '' ? { password } : {}),
  };
}

/**
 * Reads a store or bus URL.
 * @example
 * parseRedisUrl('redis-sentinel://10.0.0.5:26379,10.0.0.6:26379/sessions')
 * // { kind: 'sentinel', sentinels: [...], name: 'sessions' }
 */
export function parseRedisUrl(url: string): RedisTarget {
  if (url.startsWith(CLUSTER)) {
    const { nodes, path, query, ...auth } = split(url.slice(CLUSTER.length), 6379);
    // A cluster has a single database: a path or options would be silently ignored.
    if (path !== '' || [...query.keys()].length > 0) throw invalid('a cluster URL takes no path or options');
    return { kind: 'cluster', nodes, ...auth };
  }
  if (url.startsWith(SENTINEL)) {
    const { nodes, path, query, ...auth } = split(url.slice(SENTINEL.length), 26379);
    if (path === '' || path.includes('/')) throw invalid('a Sentinel URL ends with /primaryName');
    const db = query.get('db');
    for (const k of query.keys()) if (k !== 'db') throw invalid('a Sentinel URL takes only ?db=N');
    if (db !== null && !/^\d{1,2}$/.test(db)) throw invalid('db is a number');
    return {
      kind: 'sentinel',
      sentinels: nodes,
      name: path,
      ...auth,
      ...(db !== null ? { db: Number(db) } : {}),
    };
  }
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw invalid('not a URL');
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw invalid('expected redis://, rediss://, redis-cluster:// or redis-sentinel://');
  }
  return { kind: 'single', url };
}

/** True for the schemes {@link parseRedisUrl} reads (a cheap check for option parsers). */
export function isRedisUrl(url: string): boolean {
  return /^(rediss?|redis-cluster|redis-sentinel):\/\/./.test(url);
}
