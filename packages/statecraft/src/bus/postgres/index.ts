/**
 * PostgreSQL bus: LISTEN/NOTIFY, for deployments whose shared store is PostgreSQL already.
 *
 * NOTIFY goes through the pool as `SELECT pg_notify($1, $2)` (a bound parameter, never text
 * pasted into SQL); LISTEN needs a session of its own, so the bus keeps one dedicated
 * `pg.Client`. When that client errors or ends, the bus reconnects with a backoff capped at
 * 500 ms, LISTENs every channel again, and only then fires `onReconnect`. A `SELECT 1` every
 * `heartbeatInterval` catches a connection that died without a word.
 *
 * NOTIFY is transactional (delivered at commit, never on rollback, in commit order) and its
 * payload must be shorter than 8000 bytes in the default build: longer messages are refused
 * here with `BUS_MESSAGE_INVALID` before they reach the server, as is the NUL character, which
 * a PostgreSQL text value cannot hold. Channel names map to identifiers (see `channel.ts`).
 */

import type { ClientConfig, Notification, Pool } from 'pg';
import pg from 'pg';
import { SessionError } from '../../session/errors.js';
import { registry } from '../registry.js';
import type { Bus, BusOptions } from '../types.js';
import { checkPrefix, identifier } from './channel.js';

export type { Bus, BusHandler, BusOptions } from '../types.js';

export interface PostgresBusOptions extends BusOptions {
  /**
   * Your own pool, used for NOTIFY and left open by `close()` unless `closePool` is true. The
   * LISTEN client is created from its options. Give it an `error` listener.
   */
  pool?: Pool;
  /** Used when no `pool` is given; the bus then owns (and ends) the pool it creates. */
  connectionString?: string;
  /** End `pool` on `close()` even though the caller created it. @default false */
  closePool?: boolean;
  /** Starts every channel identifier: lower case, `[a-z_][a-z0-9_]*`, at most 30 bytes. @default 'sc_' */
  prefix?: string;
  /** Milliseconds between `SELECT 1` on the LISTEN connection; 0 disables them. @default 10_000 */
  heartbeatInterval?: number;
}

export interface PostgresBus extends Bus {
  /** The PostgreSQL channel identifier `channel` maps to (what `LISTEN` names). */
  identifier(channel: string): string;
  /**
   * The statement that publishes `message` on `channel`, for your own client inside your own
   * transaction: the message is then delivered if and only if the transaction commits (and
   * identical messages on one channel in one transaction are delivered once). Checks the
   * message like `publish()`.
   * @example
   * await client.query('BEGIN')
   * await client.query('DELETE FROM sessions WHERE user_id = $1', [userId])
   * await client.query(bus.notification('revoked', userId))
   * await client.query('COMMIT')
   */
  notification(channel: string, message: string): { text: string; values: [string, string] };
}

export const DEFAULT_CONNECTION_STRING = 'postgres://postgres@127.0.0.1:5432/test';
/** NOTIFY payloads must be shorter than this many bytes (PostgreSQL's default build). */
export const MAX_PAYLOAD_BYTES = 8000;

/** `application_name` of the LISTEN session, unless the pool's options set one. */
export const LISTENER_NAME = 'statecraft-bus';
const RETRY_FIRST_MS = 50;
const RETRY_MAX_MS = 500;

function ownPool(connectionString: string): Pool {
  const pool = new pg.Pool({
    connectionString,
    max: 4,
    connectionTimeoutMillis: 1000,
    query_timeout: 2000,
    statement_timeout: 2000,
  });
  // An idle client whose server went away emits `error` on the pool; the pool drops it.
  pool.on('error', () => {});
  return pool;
}

function checkMessage(message: string): void {
  if (Buffer.byteLength(message, 'utf8') >= MAX_PAYLOAD_BYTES) {
    throw new SessionError(
      'BUS_MESSAGE_INVALID',
      `postgres bus messages must be shorter than ${MAX_PAYLOAD_BYTES} bytes (NOTIFY payload limit)`,
    );
  }
  if (message.includes('\0')) {
    throw new SessionError('BUS_MESSAGE_INVALID', 'postgres bus messages cannot contain NUL characters');
  }
}

/**
 * @example
 * import { postgresBus } from 'statecraft/bus/postgres'
 * const bus = postgresBus({ connectionString: process.env.DATABASE_URL })
 * bus.onReconnect(() => revocations.reload())
 * await bus.subscribe('revoked', (userId) => revocations.add(userId))
 */
export function postgresBus(o: PostgresBusOptions = {}): PostgresBus {
  if (o.pool !== undefined && o.connectionString !== undefined) {
    throw new SessionError(
      'INVALID_CONFIG',
      'postgresBus() takes either `pool` or `connectionString`, not both',
    );
  }
  const prefix = o.prefix ?? 'sc_';
  checkPrefix(prefix);
  const pool = o.pool ?? ownPool(o.connectionString ?? DEFAULT_CONNECTION_STRING);
  const endPool = o.pool === undefined || o.closePool === true;
  // The pool's options carry the connection settings (URL, host, ssl, password…); the pool-only
  // ones (max, idleTimeoutMillis…) mean nothing to a Client.
  const listenerConfig: ClientConfig = {
    ...(pool.options as ClientConfig),
    keepAlive: true,
    connectionTimeoutMillis: pool.options.connectionTimeoutMillis || 2000,
    // Tells the LISTEN session apart in pg_stat_activity.
    application_name: pool.options.application_name ?? LISTENER_NAME,
  };
  const idOf = (channel: string) => identifier(prefix, channel);

  let listener: pg.Client | null = null;
  let opening: Promise<pg.Client> | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let retryDelay = 0;
  // Set when a connection was lost: the next one to open is a reconnect and fires onReconnect.
  let gap = false;

  const reg = registry(
    'postgres',
    {
      async listen(key) {
        try {
          const client = listener ?? (await connection());
          await exec(client, `LISTEN ${key}`);
        } catch (cause) {
          throw new SessionError('STORE_UNAVAILABLE', 'postgres bus could not LISTEN', { cause });
        }
      },
      async unlisten(key) {
        // Without a connection nothing is listening; the next one LISTENs only live keys.
        if (listener) await exec(listener, `UNLISTEN ${key}`);
      },
    },
    o,
  );

  // One statement at a time on the LISTEN client, in call order (pg 8 deprecates queueing
  // queries on a busy client). Per client: a dead connection's hung query must not hold up the
  // next one.
  const queues = new WeakMap<pg.Client, Promise<unknown>>();
  function exec(client: pg.Client, sql: string): Promise<unknown> {
    const run = (queues.get(client) ?? Promise.resolve()).then(() => client.query(sql));
    queues.set(
      client,
      run.catch(() => {}),
    );
    return run;
  }

  function connection(): Promise<pg.Client> {
    if (listener) return Promise.resolve(listener);
    opening ??= open().finally(() => {
      opening = null;
    });
    return opening;
  }

  async function open(): Promise<pg.Client> {
    const client = new pg.Client(listenerConfig);
    client.on('error', () => lost(client));
    client.on('end', () => lost(client));
    client.on('notification', (n: Notification) => reg.deliver(n.channel, n.payload ?? ''));
    try {
      await client.connect();
      // Identifiers from `identifier()` are [a-z0-9_] only: safe unquoted, no parameters needed.
      const keys = reg.keys();
      if (keys.length > 0) await exec(client, keys.map((k) => `LISTEN ${k};`).join(' '));
      if (reg.closed) throw new SessionError('STORE_UNAVAILABLE', 'postgres bus is closed');
    } catch (err) {
      client.removeAllListeners('notification');
      client.end().catch(() => {});
      throw err;
    }
    listener = client;
    retryDelay = 0;
    if (gap) {
      gap = false;
      reg.reconnected();
    }
    return client;
  }

  function lost(client: pg.Client): void {
    if (client !== listener) return; // still opening (open() reports it) or already replaced
    listener = null;
    gap = true;
    client.removeAllListeners('notification');
    // With a query hanging (a dead heartbeat), end() destroys the socket instead of waiting.
    client.end().catch(() => {});
    scheduleReconnect();
  }

  function scheduleReconnect(): void {
    if (reg.closed || retryTimer) return;
    retryDelay = Math.min(retryDelay === 0 ? RETRY_FIRST_MS : retryDelay * 2, RETRY_MAX_MS);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connection().catch(() => scheduleReconnect());
    }, retryDelay);
  }

  // A `SELECT 1` still unanswered at the next beat means the connection is dead.
  const interval = o.heartbeatInterval ?? 10_000;
  let beating: pg.Client | null = null;
  const heartbeat =
    interval > 0
      ? setInterval(() => {
          const client = listener;
          if (client === null) return;
          if (beating === client) {
            beating = null;
            lost(client);
            return;
          }
          beating = client;
          exec(client, 'SELECT 1').then(
            () => {
              if (beating === client) beating = null;
            },
            () => lost(client),
          );
        }, interval)
      : null;
  heartbeat?.unref();

  // One publisher's messages on one channel keep their order, although the pool may run
  // concurrent statements on different connections: chain them per channel.
  const tails = new Map<string, Promise<unknown>>();
  function notify(key: string, message: string): Promise<unknown> {
    const run = (tails.get(key) ?? Promise.resolve()).then(() =>
      pool.query('SELECT pg_notify($1, $2)', [key, message]),
    );
    const tail = run.catch(() => {});
    tails.set(key, tail);
    tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  }

  return {
    name: 'postgres',
    identifier: idOf,
    notification(channel, message) {
      checkMessage(message);
      return { text: 'SELECT pg_notify($1, $2)', values: [idOf(channel), message] };
    },
    async publish(channel, message) {
      reg.check();
      checkMessage(message);
      try {
        await notify(idOf(channel), message);
      } catch (cause) {
        throw new SessionError('STORE_UNAVAILABLE', 'postgres bus could not publish', { cause });
      }
    },
    subscribe: (channel, handler) => reg.subscribe(channel, idOf(channel), handler),
    onReconnect: (callback) => reg.onReconnect(callback),
    async close() {
      if (reg.closed) return;
      reg.close();
      if (heartbeat) clearInterval(heartbeat);
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      const client = listener ?? (await opening?.catch(() => null)) ?? null;
      listener = null;
      if (client) {
        client.removeAllListeners('notification');
        await client.end().catch(() => {});
      }
      if (endPool) await pool.end().catch(() => {});
    },
  };
}
