/**
 * Redis store (ioredis): sessions shared by every process of an app, forgotten by Redis itself
 * when they expire, and cluster-ready.
 *
 * Layout:
 * - `<prefix>s:{<key>}`: the session, a hash (see record.ts), with a TTL of expiresAt - now.
 * - `<prefix>u:{<userId>}`: the user's index, a sorted set of session keys scored by an upper
 *   bound of their expiresAt, with a TTL that covers its newest member's expiry.
 *
 * On one server (or a Sentinel-managed primary), a write or a touch of a user's session is one
 * script over the record and the index together: one round trip, atomic. On Redis Cluster they
 * live in different slots, so every script touches one key and the record and the index cannot
 * be written atomically; the order is chosen to fail safe: an index entry is always added BEFORE its record is written
 * or extended, and removed only AFTER its record is gone. A crash or an outage in between
 * leaves at worst an index member without a matching live record, which readers skip (they
 * check each record's owner and expiry), never a live session that "log out everywhere" misses.
 */
import type { EventEmitter } from 'node:events';
import { once } from 'node:events';
import type { Cluster, Redis } from 'ioredis';
import type { Clock } from '../../platform/clock.js';
import { systemClock } from '../../platform/clock.js';
import { SessionError } from '../../session/errors.js';
import type { SessionRecord, Store, StoreOptions } from '../types.js';
import { batchWrites } from './batch.js';
import { createRedisClient } from './client.js';
import { FIELDS, fromValues, toFields } from './record.js';
import type { Confirm, WaitForReplicas } from './replication.js';
import { replication } from './replication.js';
import { CAS, CAS_INDEXED, DELETE, F, INDEX_ADD, INDEX_READ, TOUCH, TOUCH_INDEXED } from './scripts.js';

export type { WaitForReplicas } from './replication.js';
export type { RedisNode, RedisTarget } from './url.js';
export { parseRedisUrl } from './url.js';

export interface RedisStoreOptions extends StoreOptions {
  /**
   * An ioredis client or cluster of your own. The store uses it as configured (so configure it
   * to fail fast: see the docs) and leaves it open on `close()` unless `closeClient` is set.
   * Mutually exclusive with `url`.
   */
  client?: Redis | Cluster;
  /** Close `client` when the store is closed. @default false */
  closeClient?: boolean;
  /**
   * Where the store's own client connects when no `client` is given: `redis://` (or
   * `rediss://`) for one server, `redis-cluster://host:port,host:port,…` for Redis Cluster,
   * `redis-sentinel://host:port,host:port,…/primaryName` for a Sentinel-managed primary. That
   * client fails fast (no offline queue, 1 s command timeout) and reconnects every 250 ms at
   * most, forever (after a Sentinel failover, to the new primary).
   * @default 'redis://127.0.0.1:6379'
   */
  url?: string;
  /**
   * Acknowledge a write (create, update, delete, log out everywhere) only once this many
   * replicas have it, with Redis `WAIT`: a failover then cannot lose an acknowledged login or
   * logout. When fewer replicas confirm within `timeoutMs`, the write is refused with
   * `STORE_NOT_REPLICATED` (it reached the primary but may be lost). Keep more replicas than
   * `replicas`, or writes stop when one is down. Not on a Cluster. Off by default.
   */
  waitForReplicas?: WaitForReplicas;
  /** Prepended to every key, so several apps or tests can share one Redis. @default 'sc:' */
  prefix?: string;
}

/** What the store asks of Redis when it creates its own client. */
const OWN_CLIENT = {
  node: {
    // Reject at once while disconnected instead of queueing until a request times out.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
    // The default (10 s) would delay recovery after a network partition by as much.
    connectTimeout: 1000,
    lazyConnect: false,
    // Not enableAutoPipelining: with 50 concurrent requests on loopback it cost more client CPU
    // per read (about 15 %) than the socket writes it saved. The store batches its writes to
    // the socket itself (see batch.ts).
  },
  // Never give up: the store must come back by itself when Redis does.
  retryCap: 250,
};

/** Longest an operation waits for a connection attempt already under way. */
const CONNECT_WAIT_MS = 1000;

/** How often touch() re-reads a record whose owner changed while it was indexing it. */
const TOUCH_ATTEMPTS = 3;

type Arg = string | number;

/** The scripts, as `defineCommand` adds them to the client (names chosen not to clash). */
interface Scripts {
  statecraftCas(key: string, ...args: Arg[]): Promise<[number, string?]>;
  statecraftCasIndexed(key: string, index: string, ...args: Arg[]): Promise<[number, string?]>;
  statecraftTouch(key: string, ...args: Arg[]): Promise<number>;
  statecraftTouchIndexed(key: string, index: string, ...args: Arg[]): Promise<number>;
  statecraftDelete(key: string, ...args: Arg[]): Promise<[number, string?]>;
  statecraftIndexAdd(key: string, ...args: Arg[]): Promise<number>;
  statecraftIndexRead(key: string, ...args: Arg[]): Promise<string[]>;
}

/** Each script with its number of keys. */
const SCRIPTS: Record<keyof Scripts, [string, number]> = {
  statecraftCas: [CAS, 1],
  statecraftCasIndexed: [CAS_INDEXED, 2],
  statecraftTouch: [TOUCH, 1],
  statecraftTouchIndexed: [TOUCH_INDEXED, 2],
  statecraftDelete: [DELETE, 1],
  statecraftIndexAdd: [INDEX_ADD, 1],
  statecraftIndexRead: [INDEX_READ, 1],
};

/** Milliseconds until `expiresAt`, at least 1: PEXPIRE with 0 or less would fail or delete at once. */
function ttl(expiresAt: number, now: number): number {
  return Math.max(1, Math.ceil(expiresAt - now));
}

/** The owner argument of the touch and delete scripts ('' is anonymous, so '' as a userId still differs). */
function owner(userId: string | null): string {
  return userId === null ? '' : `=${userId}`;
}

/** Index removals are tidying only (readers check every record), so their failure is not the caller's. */
function ignore(): void {}

/** A write whose index tidying is done (or failed: see `ignore`) succeeded all the same. */
const yes = () => true;

/** Rejects with `unavailable(cause)`. */
function fail(cause: unknown): never {
  throw unavailable(cause);
}

/** Any failure of the client or the server: fail closed, without leaking what was sent. */
function unavailable(cause: unknown): SessionError {
  if (cause instanceof SessionError) return cause;
  // ioredis attaches the failed command's arguments (session data, user ids) to reply errors:
  // keep only the command's name, so logging the cause leaks nothing.
  if (cause instanceof Error && 'command' in cause) {
    const command = cause.command as { name?: unknown } | undefined;
    cause.command = { name: command?.name };
  }
  return new SessionError('STORE_UNAVAILABLE', undefined, { cause });
}

/**
 * @example
 * import { redisStore } from 'statecraft/stores/redis'
 * const store = redisStore({ url: process.env.REDIS_URL, prefix: 'shop:sess:' })
 *
 * @example
 * // With a client of your own (a Cluster works too); the store leaves it open on close().
 * const store = redisStore({ client: new Redis({ enableOfflineQueue: false, commandTimeout: 1000 }) })
 */
export function redisStore(o: RedisStoreOptions = {}): Store {
  if (o.client !== undefined && o.url !== undefined) {
    throw new SessionError('INVALID_CONFIG', 'redisStore takes either client or url, not both');
  }
  const clock: Clock = o.clock ?? systemClock;
  const prefix = o.prefix ?? 'sc:';
  const owns = o.client === undefined || o.closeClient === true;
  const client: Redis | Cluster =
    o.client ?? createRedisClient(o.url ?? 'redis://127.0.0.1:6379', OWN_CLIENT);
  let replicated: Confirm;
  try {
    replicated = replication(client, o.waitForReplicas);
  } catch (e) {
    if (o.client === undefined) client.disconnect();
    throw e;
  }
  // Connection errors reach callers as STORE_UNAVAILABLE; without a listener ioredis would also
  // print each reconnection failure. A client of the user's own is left to the user's handlers.
  if (o.client === undefined) client.on('error', ignore);
  for (const [name, [lua, numberOfKeys]] of Object.entries(SCRIPTS))
    client.defineCommand(name, { numberOfKeys, lua });
  // One server holds every key: a session and its user's index can change in one script.
  const together = !client.isCluster;
  // Every command goes through redis() or scripts(), which first cork the socket for this turn.
  const batch = together ? batchWrites(client as Redis) : ignore;
  const redis = (): Redis | Cluster => {
    batch();
    return client;
  };
  const scripts = (): Scripts => {
    batch();
    return client as unknown as Scripts;
  };
  const confirm = (): Promise<void> | undefined => {
    if (replicated === null) return undefined;
    batch();
    return replicated();
  };
  let closed = false;

  // Braces are Cluster hash tags: a key's slot depends on the session key or user id alone, so a
  // further key of one session or one user could join it in a single-slot script.
  const sessionKey = (key: string) => `${prefix}s:{${key}}`;
  const userKey = (userId: string) => `${prefix}u:{${userId}}`;

  // Without an offline queue, a command sent while a connection attempt is under way fails at
  // once: the first requests after start-up would fail. Wait (a bounded time) for that attempt
  // to settle. While reconnecting between attempts, Redis is down: fail at once instead.
  let settling: Promise<void> | null = null;
  function connection(): Promise<void> | null {
    const status = client.status;
    if (status !== 'wait' && status !== 'connecting' && status !== 'connect') return null;
    settling ??= new Promise<void>((resolve) => {
      const events: EventEmitter = client;
      const settled = ['ready', 'close', 'end'] as const;
      const done = () => {
        clearTimeout(timer);
        for (const e of settled) events.off(e, done);
        settling = null;
        resolve();
      };
      const timer = setTimeout(done, CONNECT_WAIT_MS);
      for (const e of settled) events.on(e, done);
      if (status === 'wait') client.connect().catch(ignore);
    });
    return settling;
  }

  // A plain promise chain rather than an async function: this runs on every request, and each
  // async layer costs a promise and a microtask of its own.
  function run<T>(op: () => Promise<T>): Promise<T> {
    if (closed) return Promise.reject(new SessionError('STORE_UNAVAILABLE', 'redis store is closed'));
    const pending = connection();
    let p: Promise<T>;
    if (pending !== null) p = pending.then(op);
    else {
      try {
        p = op();
      } catch (e) {
        p = Promise.reject(e);
      }
    }
    return p.then(undefined, fail);
  }

  /** Reads one record (expired or not); null when absent. */
  const read = (key: string): Promise<SessionRecord | null> =>
    redis()
      .hmget(sessionKey(key), ...FIELDS)
      .then((v) => fromValues(key, v));

  /** Prunes the user's index and returns its members. */
  const members = (userId: string, now: number) => scripts().statecraftIndexRead(userKey(userId), now);

  const index = (userId: string, key: string, expiresAt: number, now: number) =>
    scripts().statecraftIndexAdd(userKey(userId), now, expiresAt, key);

  return {
    name: 'redis',

    get: (key) => run(() => read(key).then((r) => (r !== null && r.expiresAt > clock.now() ? r : null))),

    set: (record, expected) =>
      run(() => {
        const now = clock.now();
        const { key, userId, expiresAt } = record;
        const cas = () =>
          scripts().statecraftCas(sessionKey(key), expected, now, ttl(expiresAt, now), ...toFields(record));
        const written =
          userId === null
            ? cas()
            : together
              ? scripts().statecraftCasIndexed(
                  sessionKey(key),
                  userKey(userId),
                  expected,
                  now,
                  ttl(expiresAt, now),
                  expiresAt,
                  key,
                  ...toFields(record),
                )
              : index(userId, key, expiresAt, now).then(cas);
        return written.then(([status, previous]) => {
          if (status !== 1) return false;
          // The record left a user (logout, another login): that user's index lets it go.
          const release = () =>
            previous !== undefined && previous !== userId
              ? redis().zrem(userKey(previous), key).then(yes, yes)
              : true;
          const confirmed = confirm();
          return confirmed === undefined ? release() : confirmed.then(release);
        });
      }),

    touch: (key, lastSeenAt, expiresAt) =>
      run(async () => {
        const now = clock.now();
        const k = sessionKey(key);
        // The owner is read first so that its index can be extended before the record is.
        for (let attempt = 0; attempt < TOUCH_ATTEMPTS; attempt++) {
          const [expires, userId] = await redis().hmget(k, F.expiresAt, F.userId);
          if (expires === null || Number(expires) <= now) return;
          const args = [now, ttl(expiresAt, now), lastSeenAt, expiresAt, owner(userId)] as const;
          let touched: number;
          if (userId !== null && together) {
            touched = await scripts().statecraftTouchIndexed(k, userKey(userId), ...args, key);
          } else {
            if (userId !== null) await index(userId, key, expiresAt, now);
            touched = await scripts().statecraftTouch(k, ...args);
          }
          if (touched !== -1) return;
        }
        // The owner kept changing: each of those writes stored an expiry of its own, so
        // skipping this slide loses nothing a concurrent writer did not already set.
      }),

    delete: (key) =>
      run(async () => {
        const [status, userId] = await scripts().statecraftDelete(sessionKey(key), clock.now(), '');
        if (status !== 0) await confirm();
        if (userId !== undefined) await redis().zrem(userKey(userId), key).catch(ignore);
        return status === 1;
      }),

    listByUser: (userId) =>
      run(async () => {
        const now = clock.now();
        const keys = await members(userId, now);
        // Issued together, these go out back to back (one round trip in effect), each routed to
        // its own node on a cluster, where a pipeline of keys in different slots is refused.
        const records = await Promise.all(keys.map(read));
        const out: SessionRecord[] = [];
        for (const r of records) {
          // The index may name a record that is gone, expired or (after a failed write) another user's.
          if (r !== null && r.expiresAt > now && r.userId === userId) out.push(r);
        }
        return out;
      }),

    deleteByUser: (userId, exceptKey) =>
      run(async () => {
        const now = clock.now();
        const keys = (await members(userId, now)).filter((key) => key !== exceptKey);
        const results = await Promise.all(
          keys.map((key) => scripts().statecraftDelete(sessionKey(key), now, owner(userId))),
        );
        // Only members whose record went here leave the index: a member without a record may
        // be a login whose record write is still on its way (the index is written first).
        const removed = keys.filter((_, i) => results[i]![0] > 0);
        if (removed.length > 0) await confirm();
        if (removed.length > 0)
          await redis()
            .zrem(userKey(userId), ...removed)
            .catch(ignore);
        return results.filter(([status]) => status === 1).length;
      }),

    async close() {
      if (closed) return;
      closed = true;
      if (!owns) return;
      try {
        // QUIT lets replies in flight arrive. Its own reply comes before the socket closes:
        // wait (a bounded time) for that too, so that the process can exit right after.
        await client.quit();
        if (client.status !== 'end')
          await once(client, 'end', { signal: AbortSignal.timeout(CONNECT_WAIT_MS) });
      } catch {
        // The server is gone (QUIT cannot be sent) or slow to hang up: stop reconnecting.
        client.disconnect();
      }
    },
  };
}
