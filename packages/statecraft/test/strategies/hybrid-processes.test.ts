/**
 * Hybrid revocation across processes: three server processes share a store and a bus; a
 * revokeUser in one makes every process refuse the user's tokens, measured, under 1 s; a process
 * started after the revocation refuses them too (it loads the revocation markers from the store).
 * Run over Redis (store + pub/sub), a Redis Cluster of 3 primaries (store + the cluster's
 * pub/sub), PostgreSQL (store + LISTEN/NOTIFY) and IPC (SQLite + the supervisor's IPC relay).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, describe, test } from 'node:test';
import { ipcHub } from 'statecraft/bus/ipc';
import { type PrivateRedisCluster, startRedisCluster } from '../helpers/redis-cluster.js';
import { postgresUrl, redisUrl, requirePostgres, requireRedis } from '../helpers/services.js';

const FIXTURE = join(import.meta.dirname, 'fixtures/hybrid-instance.ts');

class Instance {
  private next = 0;
  private pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  revokedAt: number | null = null;
  readonly ready: Promise<void>;

  constructor(readonly child: ChildProcess) {
    this.ready = new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`instance exited with ${code}`)));
      child.on('message', (m: { event?: string; id?: number; value?: unknown; error?: string }) => {
        if (m.event === 'ready') resolve();
        if (m.event === 'revoked') this.revokedAt ??= performance.now();
        if (m.id !== undefined) {
          const p = this.pending.get(m.id);
          this.pending.delete(m.id);
          if (m.error) p?.reject(new Error(m.error));
          else p?.resolve(m.value);
        }
      });
    });
  }

  call<T>(cmd: Record<string, unknown>): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, ...cmd });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    await this.call({ cmd: 'exit' }).catch(() => {});
    await exited;
  }
}

const backends = ['redis', 'redis-cluster', 'postgres', 'ipc'] as const;

for (const backend of backends) {
  describe(`hybrid revocation across three processes over ${backend}`, () => {
    const prefix = `sc_t_${randomBytes(4).toString('hex')}`;
    const dir = mkdtempSync(join(tmpdir(), 'statecraft-hybrid-'));
    const secret = randomBytes(32).toString('hex');
    const hub = backend === 'ipc' ? ipcHub() : null;
    const instances: Instance[] = [];
    let cluster: PrivateRedisCluster | undefined;
    const url = () => {
      if (backend === 'redis-cluster') return cluster!.url;
      return backend === 'redis' ? redisUrl() : postgresUrl();
    };

    async function spawn(): Promise<Instance> {
      const child = fork(FIXTURE, [], {
        execArgv: ['--conditions=statecraft-source', '--import', 'tsx'],
        env: {
          ...process.env,
          SC_BACKEND: backend,
          SC_URL: url(),
          SC_PREFIX: prefix,
          SC_SQLITE: join(dir, 'sessions.db'),
          SC_SECRET: secret,
        },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      hub?.attach(child);
      const i = new Instance(child);
      instances.push(i);
      await i.ready;
      return i;
    }

    after(async () => {
      await Promise.all(instances.map((i) => i.stop()));
      await hub?.close();
      await cluster?.close();
      if (backend === 'postgres') {
        const pg = (await import('pg')).default;
        const c = new pg.Client({ connectionString: postgresUrl() });
        await c.connect();
        await c.query(`DROP TABLE IF EXISTS ${prefix}, ${prefix}_migrations`);
        await c.end();
      }
      rmSync(dir, { recursive: true, force: true });
    });

    test('revokeUser in one process makes every process refuse the tokens within 1 s, and a restarted process too', async () => {
      if (backend === 'redis') await requireRedis();
      if (backend === 'postgres') await requirePostgres();
      if (backend === 'redis-cluster') cluster = await startRedisCluster();
      const [a, b, c] = [await spawn(), await spawn(), await spawn()];
      const credential = await a.call<string>({ cmd: 'login', user: 'ada' });
      for (const i of [a, b, c]) assert.equal(await i.call({ cmd: 'check', credential }), 'ada');

      const t0 = performance.now();
      assert.equal(await b.call({ cmd: 'revoke', user: 'ada' }), 1);
      // Each process reports when the revocation reached it; then it must refuse the token.
      while ([a, b, c].some((i) => i.revokedAt === null) && performance.now() - t0 < 5000) {
        await new Promise((r) => setTimeout(r, 2));
      }
      const delays = [a, b, c].map((i) =>
        i.revokedAt === null ? Number.POSITIVE_INFINITY : i.revokedAt - t0,
      );
      console.log(`# ${backend}: revocation seen after ${delays.map((d) => d.toFixed(1)).join(', ')} ms`);
      for (const i of [a, b, c]) assert.equal(await i.call({ cmd: 'check', credential }), null);
      assert.ok(Math.max(...delays) < 1000, `slowest ${Math.max(...delays)} ms`);

      // A process that (re)starts after the revocation heard nothing on the bus: it still refuses.
      await c.stop();
      const restarted = await spawn();
      assert.equal(await restarted.call({ cmd: 'check', credential }), null);
    });
  });
}
