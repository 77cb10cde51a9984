/**
 * Real Redis and PostgreSQL servers for integration tests.
 *
 * - The shared servers that `.ci/run` starts (`STATECRAFT_REDIS_URL`, `STATECRAFT_PG_URL`):
 *   `requireRedis()` and `requirePostgres()` throw when they do not answer, so a test that needs
 *   one fails (it never skips) and the error says how to start it.
 * - Private servers, one per call, on a free port in a temp dir, for tests that stop, kill and
 *   restart the store mid-test without disturbing the shared one or the tests running beside.
 *
 * Every server started here dies with the test process, even when a test forgets `close()`.
 */

import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import {
  chownSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import type { Socket } from 'node:net';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as tlsConnect } from 'node:tls';
import pg from 'pg';

/** @default 'redis://127.0.0.1:6379' */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** @default 'postgres://postgres@127.0.0.1:5432/test' */
export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** The shared Redis: `STATECRAFT_REDIS_URL`, else {@link DEFAULT_REDIS_URL}. */
export function redisUrl(): string {
  return process.env.STATECRAFT_REDIS_URL || DEFAULT_REDIS_URL;
}

/** The shared PostgreSQL database: `STATECRAFT_PG_URL`, else {@link DEFAULT_POSTGRES_URL}. */
export function postgresUrl(): string {
  return process.env.STATECRAFT_PG_URL || DEFAULT_POSTGRES_URL;
}

/** Thrown by `requireRedis()` / `requirePostgres()` when the service does not answer. */
export class ServiceUnavailableError extends Error {
  readonly code = 'SERVICE_UNAVAILABLE';
  readonly service: 'redis' | 'postgres';

  constructor(service: 'redis' | 'postgres', message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ServiceUnavailableError';
    this.service = service;
  }
}

const REQUIRE_TIMEOUT_MS = 2000;
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * Resolves when Redis answers PING at `url` within 2 s; otherwise throws a
 * {@link ServiceUnavailableError} that says how to start it.
 * @example
 * before(() => requireRedis());
 */
export async function requireRedis(url: string = redisUrl()): Promise<void> {
  try {
    await redisPing(url, REQUIRE_TIMEOUT_MS);
  } catch (cause) {
    const port = new URL(url).port || '6379';
    throw new ServiceUnavailableError(
      'redis',
      `Redis is not answering at ${redact(url)} (${describe(cause)}). These tests need a real Redis: ` +
        'run `bash .ci/run services` as root (it installs and starts Redis and PostgreSQL), or start one with ' +
        `\`redis-server --port ${port} --save "" --appendonly no --daemonize yes\`, or set STATECRAFT_REDIS_URL.`,
      { cause },
    );
  }
}

/**
 * Resolves when PostgreSQL at `url` accepts a connection and runs `select 1` within 2 s;
 * otherwise throws a {@link ServiceUnavailableError} that says how to start it.
 * @example
 * before(() => requirePostgres());
 */
export async function requirePostgres(url: string = postgresUrl()): Promise<void> {
  try {
    await postgresSelect1(url, REQUIRE_TIMEOUT_MS);
  } catch (cause) {
    throw new ServiceUnavailableError(
      'postgres',
      `PostgreSQL is not answering at ${redact(url)} (${describe(cause)}). These tests need a real PostgreSQL ` +
        'with trust auth and a database `test`: run `bash .ci/run services` as root (it installs and starts ' +
        'Redis and PostgreSQL and creates the database), or start a cluster with ' +
        '`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | head -1) main start` and ' +
        '`createdb -h 127.0.0.1 -U postgres test`, or set STATECRAFT_PG_URL.',
      { cause },
    );
  }
}

/**
 * A TCP port that was free a moment ago on `host` (the OS picks it; the listener is closed
 * before this resolves, so another process may in theory take it first).
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** A server of the test's own; see {@link startPrivateRedis} and {@link startPrivatePostgres}. */
export interface PrivateServer {
  /** Connection URL. */
  readonly url: string;
  readonly port: number;
  /** Temp dir holding the server's files and its log (`server.log`). */
  readonly dir: string;
  /** Whether the server process is running. */
  readonly running: boolean;
  /** Graceful shutdown; resolves once the process has exited. No-op when stopped. */
  stop(): Promise<void>;
  /** Starts it again on the same port and resolves once it answers. No-op when running. */
  start(): Promise<void>;
  /** Crash: the process dies at once, and resolves once it has exited. No-op when stopped. */
  kill(): Promise<void>;
  /** Stops it and removes its temp dir. Idempotent; the server cannot be started again. */
  close(): Promise<void>;
}

/** A private Redis; `kill()` sends SIGKILL. It keeps nothing on disk (`--save "" --appendonly no`). */
export type PrivateRedis = PrivateServer;

/**
 * A private PostgreSQL (trust auth, user `postgres`, database `postgres`, `fsync=off`).
 * `stop()` is a fast shutdown (clients are disconnected); `kill()` an immediate shutdown
 * (SIGQUIT: no checkpoint, crash recovery on the next start). Committed data survives both.
 */
export type PrivatePostgres = PrivateServer;

/**
 * Spawns a `redis-server` of the test's own on a free port, in a temp dir. `extraArgs(port)`
 * is appended to its command line (`['--cluster-enabled', 'yes']`, `['--replicaof', …]`).
 * @example
 * const redis = await startPrivateRedis();
 * after(() => redis.close());
 * await redis.stop(); // the store is down: connections are refused
 * await redis.start(); // back on the same port, empty
 */
export async function startPrivateRedis(
  extraArgs: (port: number) => string[] = () => [],
): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'statecraft-redis-'));
  return startSupervised({
    name: 'redis-server',
    dir,
    url: (port) => `redis://127.0.0.1:${port}`,
    command: 'redis-server',
    args: (port) => [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'no',
      '--logfile',
      '',
      ...extraArgs(port),
    ],
    ready: (port) => redisPing(`redis://127.0.0.1:${port}`, 1000),
    stopSignal: 'SIGTERM',
    killSignal: 'SIGKILL',
    notFound:
      'redis-server is not installed (Debian package redis-server; `bash .ci/run services` installs it)',
  });
}

/**
 * Creates a PostgreSQL cluster of the test's own with `initdb` in a temp dir and starts it on a
 * free port. As root, both run as the OS user `postgres` (PostgreSQL refuses to run as root).
 * @example
 * const db = await startPrivatePostgres();
 * after(() => db.close());
 * const pool = new pg.Pool({ connectionString: db.url });
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bindir = postgresBindir();
  const owner = process.getuid?.() === 0 ? osUser('postgres') : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'statecraft-pg-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const initdb = launch(
    join(bindir, 'initdb'),
    ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync'],
    { cwd: dir, log, owner },
  );
  const unregister = onProcessExit(() => {
    if (!initdb.exit) initdb.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });
  initdb.child.ref();
  const result = await initdb.exited;
  unregister();
  if (result.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    const why = result.error?.message.includes('ENOENT')
      ? `initdb not found in ${bindir}`
      : describeExit(result);
    throw new Error(`initdb failed (${why}):\n${tail(log)}`);
  }
  return startSupervised({
    name: 'postgres',
    dir,
    url: (port) => `postgres://postgres@127.0.0.1:${port}/postgres`,
    command: join(bindir, 'postgres'),
    args: (port) => [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
    ],
    owner,
    ready: (port) => postgresSelect1(`postgres://postgres@127.0.0.1:${port}/postgres`, 1000),
    // SIGINT: fast shutdown (SIGTERM, "smart", would wait for every client to disconnect)
    stopSignal: 'SIGINT',
    // SIGQUIT: immediate shutdown; SIGKILL would leave backends holding the shared memory for a moment
    killSignal: 'SIGQUIT',
    notFound: `postgres is not installed in ${bindir} (Debian package postgresql)`,
  });
}

// --- supervision -------------------------------------------------------------------------------

export interface Owner {
  uid: number;
  gid: number;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

interface Launched {
  child: ChildProcess;
  exited: Promise<Exit>;
  /** Set once the process has exited. */
  exit?: Exit;
}

/** What {@link startSupervised} runs: one server process, restartable on the same port. */
export interface ServerSpec {
  name: string;
  dir: string;
  url(port: number): string;
  command: string;
  args(port: number): string[];
  owner?: Owner;
  /** Resolves when the server answers; rejects while it does not. */
  ready(port: number): Promise<void>;
  stopSignal: NodeJS.Signals;
  killSignal: NodeJS.Signals;
  notFound: string;
}

/** Runs a server process of the test's own on a free port (see {@link ServerSpec}). */
export async function startSupervised(spec: ServerSpec): Promise<PrivateServer> {
  const log = join(spec.dir, 'server.log');
  let current: Launched | undefined;
  let closing: Promise<void> | undefined;
  let port = 0;

  const unregister = onProcessExit(() => {
    if (current && !current.exit) current.child.kill(spec.killSignal);
    rmSync(spec.dir, { recursive: true, force: true, maxRetries: 3 });
  });

  const run = async (): Promise<void> => {
    const proc = launch(spec.command, spec.args(port), { cwd: spec.dir, log, owner: spec.owner });
    current = proc;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (proc.exit) {
        const why = proc.exit.error?.message.includes('ENOENT') ? spec.notFound : describeExit(proc.exit);
        throw new Error(`${spec.name} on port ${port} exited before answering (${why}):\n${tail(log)}`);
      }
      try {
        await spec.ready(port);
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          await terminate(proc, 'SIGKILL');
          throw new Error(`${spec.name} on port ${port} did not answer within ${READY_TIMEOUT_MS} ms`, {
            cause: err,
          });
        }
      }
      await sleep(25);
    }
  };

  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (current && !current.exit) await terminate(current, signal);
  };

  // The port was only free a moment ago: on a clash, try another one.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const logged = logSize(log);
    try {
      await run();
      break;
    } catch (err) {
      const clash = /address already in use/i.test(readFileSync(log, 'utf8').slice(logged));
      if (!clash || attempt >= 5) {
        await stopWith('SIGKILL');
        unregister();
        rmSync(spec.dir, { recursive: true, force: true, maxRetries: 3 });
        throw err;
      }
    }
  }

  return {
    get url() {
      return spec.url(port);
    },
    get port() {
      return port;
    },
    dir: spec.dir,
    get running() {
      return current !== undefined && current.exit === undefined;
    },
    stop: () => stopWith(spec.stopSignal),
    kill: () => stopWith(spec.killSignal),
    async start() {
      if (closing) throw new Error(`${spec.name} on port ${port} was closed`);
      if (current && !current.exit) return;
      await run();
    },
    close() {
      closing ??= (async () => {
        await stopWith(spec.stopSignal);
        unregister();
        rmSync(spec.dir, { recursive: true, force: true, maxRetries: 3 });
      })();
      return closing;
    },
  };
}

function launch(
  command: string,
  args: string[],
  opts: { cwd: string; log: string; owner?: Owner },
): Launched {
  const fd = openSync(opts.log, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      cwd: opts.cwd,
      stdio: ['ignore', fd, fd],
      uid: opts.owner?.uid,
      gid: opts.owner?.gid,
    });
  } finally {
    closeSync(fd);
  }
  // A server a test forgot to close must not keep the test process alive: onProcessExit kills it.
  child.unref();
  const launched: Launched = {
    child,
    exited: new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
    }),
  };
  launched.exited.then((exit) => {
    launched.exit = exit;
  });
  return launched;
}

/** Sends `signal` and waits for the exit; SIGKILL after {@link STOP_TIMEOUT_MS}. */
async function terminate(proc: Launched, signal: NodeJS.Signals): Promise<void> {
  proc.child.ref(); // the wait for the exit keeps the process alive
  proc.child.kill(signal);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  try {
    await proc.exited;
  } finally {
    clearTimeout(timer);
  }
}

const exitHooks = new Set<() => void>();
let exitHooked = false;

/** Runs `hook` when the test process exits or is ended by a signal; returns an unregister function. */
function onProcessExit(hook: () => void): () => void {
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', runExitHooks);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        runExitHooks();
        // the listener is gone: the signal now ends the process as it would have
        process.kill(process.pid, signal);
      });
    }
  }
  exitHooks.add(hook);
  return () => exitHooks.delete(hook);
}

function runExitHooks(): void {
  for (const hook of exitHooks) {
    try {
      hook();
    } catch {
      // best effort: the process is going away
    }
  }
  exitHooks.clear();
}

// --- protocol checks -----------------------------------------------------------------------------

/** Sends PING (after AUTH when the URL has credentials) and resolves on +PONG. */
export function redisPing(url: string, timeoutMs: number): Promise<void> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(u.port || 6379);
  const commands: string[][] = [];
  if (u.password) {
    const password = decodeURIComponent(u.password);
    commands.push(u.username ? ['AUTH', decodeURIComponent(u.username), password] : ['AUTH', password]);
  }
  commands.push(['PING']);
  const request = commands
    .map((c) => `*${c.length}\r\n${c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`)
    .join('');

  return new Promise((resolve, reject) => {
    const socket: Socket =
      u.protocol === 'rediss:' ? tlsConnect({ host, port, servername: host }) : connect({ host, port });
    let settled = false;
    let reply = '';
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      reply += chunk;
      const lines = reply.split('\r\n').slice(0, -1);
      const failed = lines.find((line) => line.startsWith('-'));
      if (failed) finish(new Error(`redis answered ${failed.slice(1)}`));
      else if (lines.length >= commands.length) {
        const last = lines[commands.length - 1];
        finish(last === '+PONG' ? undefined : new Error(`unexpected answer ${JSON.stringify(last)}`));
      }
    });
    socket.once('error', (err) => finish(err));
    socket.once('close', () => finish(new Error('connection closed before PONG')));
    socket.write(request);
  });
}

/** Connects and runs `select 1`; rejects on any failure or after `timeoutMs`. */
async function postgresSelect1(url: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on('error', () => {
    // reported through connect() / query()
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([
      (async () => {
        await client.connect();
        await client.query('select 1');
      })(),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
    client.end().catch(() => {});
  }
}

// --- small things ------------------------------------------------------------------------------

/** The directory with PostgreSQL's server binaries (initdb, postgres). */
function postgresBindir(): string {
  const hasServer = (dir: string): boolean =>
    existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const fromConfig = pgConfig.status === 0 ? pgConfig.stdout.trim() : '';
  if (fromConfig && hasServer(fromConfig)) return fromConfig;
  // Debian: /usr/lib/postgresql/<major>/bin; take the newest
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => hasServer(join(root, v, 'bin')))
        .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    : [];
  if (versions.length > 0) return join(root, versions[0]!, 'bin');
  throw new Error(
    'PostgreSQL server binaries (initdb, postgres) not found via `pg_config --bindir` or in /usr/lib/postgresql/*/bin: ' +
      'install the Debian package postgresql (`bash .ci/run services` does)',
  );
}

function osUser(name: string): Owner {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new Error(
    `no OS user ${name}: PostgreSQL refuses to run as root (the Debian package postgresql creates it)`,
  );
}

function logSize(file: string): number {
  return existsSync(file) ? readFileSync(file, 'utf8').length : 0;
}

/** The last lines of a log file, for error messages. */
function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function describeExit(exit: Exit): string {
  if (exit.error) return exit.error.message;
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

function describe(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(describe).join('; ');
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message || String(code);
  }
  return String(err);
}

/** The URL without its password: error messages end up in logs. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}
