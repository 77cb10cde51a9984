/**
 * A Redis Cluster of the test's own: 3 primaries and 3 replicas from Debian's `redis-server`
 * (`cluster-enabled yes`), each on a free port in a temp dir, joined with
 * `redis-cli --cluster create … --cluster-replicas 1`. Resolves once every node reports
 * `cluster_state:ok`; `close()` stops the nodes and removes their dirs.
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterOptions } from 'ioredis';
import { Cluster, Redis } from 'ioredis';
import { freePort, type PrivateRedis, startPrivateRedis } from './services.js';

const READY_TIMEOUT_MS = 30_000;

export interface PrivateRedisCluster {
  /** `redis-cluster://127.0.0.1:p1,127.0.0.1:p2,…`: every node, as the store and the bus take it. */
  readonly url: string;
  readonly nodes: PrivateRedis[];
  /** An ioredis Cluster client for checks (the caller closes it). */
  client(options?: ClusterOptions): Cluster;
  /** The port of the primary that owns `key`'s slot, and the slot (CLUSTER KEYSLOT). */
  owner(key: string): Promise<{ slot: number; port: number }>;
  close(): Promise<void>;
}

/** Runs `redis-cli` with `args`; rejects with its output when it fails. */
function redisCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.once('error', (e) =>
      reject(
        new Error(
          `redis-cli could not run (Debian package redis-tools; \`bash .ci/run services\`): ${e.message}`,
        ),
      ),
    );
    child.once('exit', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`redis-cli ${args[0]} ${args[1]} failed (${code}):\n${out}`)),
    );
  });
}

/** CLUSTER INFO of every node says `cluster_state:ok` with all 16384 slots served. */
async function clusterOk(ports: number[]): Promise<boolean> {
  const infos = await Promise.all(
    ports.map(async (port) => {
      const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
      try {
        await r.connect();
        return String(await r.call('CLUSTER', 'INFO'));
      } catch {
        return '';
      } finally {
        r.disconnect();
      }
    }),
  );
  return infos.every((i) => i.includes('cluster_state:ok') && i.includes('cluster_slots_ok:16384'));
}

/**
 * @example
 * const cluster = await startRedisCluster();
 * after(() => cluster.close());
 * const store = redisStore({ url: cluster.url });
 */
export async function startRedisCluster(primaries = 3): Promise<PrivateRedisCluster> {
  const nodes: PrivateRedis[] = [];
  const closeAll = () => Promise.all(nodes.map((n) => n.close())).then(() => {});
  try {
    for (let i = 0; i < primaries * 2; i++) {
      // The cluster bus port defaults to port + 10000, which may be taken or out of range.
      const bus = await freePort();
      nodes.push(
        await startPrivateRedis(() => [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-port',
          String(bus),
          // Quick failure detection between nodes; nothing here waits on it by default.
          '--cluster-node-timeout',
          '2000',
        ]),
      );
    }
    const ports = nodes.map((n) => n.port);
    await redisCli([
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ]);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await clusterOk(ports))) {
      if (Date.now() > deadline)
        throw new Error(`the cluster on ${ports.join(',')} never reached cluster_state:ok`);
      await sleep(100);
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  const seeds = nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
  return {
    url: `redis-cluster://${seeds.map((s) => `${s.host}:${s.port}`).join(',')}`,
    nodes,
    client: (options) => new Cluster(seeds, options),
    async owner(key) {
      const admin = new Redis(nodes[0]!.port, '127.0.0.1');
      try {
        const slot = Number(await admin.call('CLUSTER', 'KEYSLOT', key));
        const ranges = (await admin.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
        const range = ranges.find(([from, to]) => slot >= from && slot <= to);
        if (range === undefined) throw new Error(`no node serves slot ${slot}`);
        return { slot, port: Number(range[2][1]) };
      } finally {
        admin.disconnect();
      }
    },
    close: closeAll,
  };
}
