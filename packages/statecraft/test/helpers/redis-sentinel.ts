/**
 * A Sentinel-managed Redis of the test's own: a primary, its replicas (one unless asked for
 * more) and 3 `redis-sentinel` processes (quorum 2), each on a free port in a temp dir. The
 * Sentinels judge a primary down after 1 s without an answer and may retry a failover after
 * 3 s, so a SIGKILLed primary is replaced within a few seconds. Resolves once every replica is
 * in sync and the Sentinels know each other well enough to fail over (SENTINEL CKQUORUM).
 *
 * `replicationLagMs` puts the first primary behind a TCP proxy that everyone (Sentinels,
 * clients, replicas) reaches it through, and that holds the replication stream (what it sends
 * on a connection that spoke PSYNC) that long, as a replica on a slower link lags. Whatever the
 * proxy still holds when the primary dies is lost, as bytes on a real link would be.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import {
  type PrivateRedis,
  type PrivateServer,
  redisPing,
  startPrivateRedis,
  startSupervised,
} from './services.js';

const READY_TIMEOUT_MS = 30_000;
export const SENTINEL_DOWN_AFTER_MS = 1000;
export const SENTINEL_FAILOVER_TIMEOUT_MS = 3000;

export interface PrivateSentinelGroup {
  /** `redis-sentinel://127.0.0.1:s1,127.0.0.1:s2,127.0.0.1:s3/<name>`, as the store takes it. */
  readonly url: string;
  /** The primary's name in the Sentinels' configuration. */
  readonly name: string;
  /** The data nodes: the first one is the primary the group started with. */
  readonly nodes: PrivateRedis[];
  readonly sentinels: PrivateServer[];
  /** The port of the primary the Sentinels currently name (asks a Sentinel that answers). */
  primaryPort(): Promise<number>;
  close(): Promise<void>;
}

/** Asks one Redis or Sentinel at `port` a single command; null when it does not answer. */
async function ask(port: number, ...args: (string | number)[]): Promise<unknown> {
  const r = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 500,
  });
  r.on('error', () => {});
  try {
    await r.connect();
    return await r.call(String(args[0]), ...args.slice(1));
  } catch {
    return null;
  } finally {
    r.disconnect();
  }
}

/** A TCP proxy to `port` that delays what it sends to replicas by `lagMs`, in order. */
async function laggingPrimary(port: number, lagMs: number): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const primary = connect(port, '127.0.0.1');
    let replica = false;
    for (const s of [client, primary]) {
      sockets.add(s);
      s.on('error', () => {});
      // Bytes still held when either end dies are lost.
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        primary.destroy();
      });
    }
    client.on('data', (chunk) => {
      replica ||= /PSYNC|SYNC/i.test(chunk.toString('latin1'));
      primary.write(chunk);
    });
    primary.on('data', (chunk) => {
      if (!replica) client.write(chunk);
      else setTimeout(() => client.destroyed || client.write(chunk), lagMs);
    });
  });
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`the Sentinel group never got ready: ${what}`);
    await sleep(100);
  }
}

function startSentinel(name: string, primaryPort: number): Promise<PrivateServer> {
  const dir = mkdtempSync(join(tmpdir(), 'statecraft-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  // Sentinel rewrites its file as it learns the group: it must be writable and its own.
  writeFileSync(
    conf,
    [
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${primaryPort} 2`,
      `sentinel down-after-milliseconds ${name} ${SENTINEL_DOWN_AFTER_MS}`,
      `sentinel failover-timeout ${name} ${SENTINEL_FAILOVER_TIMEOUT_MS}`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n'),
  );
  return startSupervised({
    name: 'redis-sentinel',
    dir,
    url: (port) => `redis://127.0.0.1:${port}`,
    command: 'redis-sentinel',
    args: (port) => [conf, '--port', String(port), '--logfile', ''],
    ready: (port) => redisPing(`redis://127.0.0.1:${port}`, 1000),
    stopSignal: 'SIGTERM',
    killSignal: 'SIGKILL',
    notFound:
      'redis-sentinel is not installed (Debian package redis-sentinel; `bash .ci/run services` installs it)',
  });
}

/**
 * @example
 * const group = await startSentinelGroup({ replicas: 2 });
 * after(() => group.close());
 * const store = redisStore({ url: group.url });
 * await group.nodes[0].kill(); // the Sentinels promote a replica
 */
export async function startSentinelGroup(
  o: { replicas?: number; name?: string; replicationLagMs?: number } = {},
): Promise<PrivateSentinelGroup> {
  const name = o.name ?? 'sessions';
  const nodes: PrivateRedis[] = [];
  const sentinels: PrivateServer[] = [];
  let proxy: Server | undefined;
  const closeAll = async () => {
    await Promise.all(sentinels.map((s) => s.close()));
    await Promise.all(nodes.map((n) => n.close()));
    if (proxy) await new Promise((resolve) => proxy!.close(resolve));
  };
  try {
    const primary = await startPrivateRedis();
    nodes.push(primary);
    let address = primary.port;
    if ((o.replicationLagMs ?? 0) > 0) {
      proxy = await laggingPrimary(primary.port, o.replicationLagMs!);
      address = (proxy.address() as { port: number }).port;
    }
    for (let i = 0; i < (o.replicas ?? 1); i++) {
      nodes.push(await startPrivateRedis(() => ['--replicaof', '127.0.0.1', String(address)]));
    }
    for (const n of nodes.slice(1)) {
      await until(`replica ${n.port} in sync`, async () =>
        String(await ask(n.port, 'INFO', 'replication')).includes('master_link_status:up'),
      );
    }
    for (let i = 0; i < 3; i++) sentinels.push(await startSentinel(name, address));
    // Failover needs the Sentinels to know each other (hello messages, every 2 s) and the replicas.
    for (const s of sentinels) {
      await until(`sentinel ${s.port} sees the quorum`, async () => {
        const ok = String(await ask(s.port, 'SENTINEL', 'CKQUORUM', name)).startsWith('OK');
        const replicas = (await ask(s.port, 'SENTINEL', 'REPLICAS', name)) as unknown[] | null;
        const peers = (await ask(s.port, 'SENTINEL', 'SENTINELS', name)) as unknown[] | null;
        return ok && (replicas?.length ?? 0) === nodes.length - 1 && (peers?.length ?? 0) === 2;
      });
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  return {
    url: `redis-sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${name}`,
    name,
    nodes,
    sentinels,
    async primaryPort() {
      for (const s of sentinels) {
        const addr = (await ask(s.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as
          | [string, string]
          | null;
        if (addr) return Number(addr[1]);
      }
      throw new Error('no Sentinel answers');
    },
    close: closeAll,
  };
}
