/**
 * The lab on real engines: the shared store in Redis and in PostgreSQL, real nginx in front,
 * and `--app` naming the app command. Short runs of one mode each, judged from the report.
 * Redis, PostgreSQL and nginx must be there (they fail, never skip: .ci/run provides them).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { startRedisCluster } from '../../../statecraft/test/helpers/redis-cluster.js';
import { startSentinelGroup } from '../../../statecraft/test/helpers/redis-sentinel.js';
import {
  postgresUrl,
  redisUrl,
  requirePostgres,
  requireRedis,
} from '../../../statecraft/test/helpers/services.js';
import type { LabConfig } from '../../src/lab/model.js';
import { validateReport } from '../../src/lab/report/validate.js';
import { DEFAULT_CONFIG, runLab } from '../../src/lab/run.js';

const quick: LabConfig = {
  ...DEFAULT_CONFIG,
  phaseSeconds: 1,
  warmupSeconds: 0.5,
  rate: 80,
  users: 30,
  seed: 3,
};

async function lab(over: Partial<LabConfig>) {
  const report = await runLab({ ...quick, ...over });
  const v = validateReport(JSON.parse(JSON.stringify(report)));
  assert.ok(v.ok, v.ok ? '' : v.errors.join('\n'));
  assert.equal(report.claims.length, 13);
  return report.modes[0]!;
}

test('the lab runs shared mode with its sessions in Redis', async () => {
  await requireRedis();
  const m = await lab({ modes: ['shared'], store: redisUrl() });
  assert.equal(m.store, 'redis');
  assert.equal(m.metrics.sessions_lost_after_kill, 0);
  assert.equal(m.metrics.concurrent_items_lost, 0);
  assert.ok((m.metrics.store_ops_per_request ?? 0) > 0);
});

test('the lab runs shared mode with its sessions in a Redis Cluster (--store redis-cluster://…)', async () => {
  const cluster = await startRedisCluster();
  try {
    const m = await lab({ modes: ['shared'], store: cluster.url });
    assert.equal(m.store, 'redis-cluster');
    assert.equal(m.metrics.sessions_lost_after_kill, 0);
    assert.equal(m.metrics.concurrent_items_lost, 0);
    assert.ok((m.metrics.store_ops_per_request ?? 0) > 0);
  } finally {
    await cluster.close();
  }
});

test('the lab runs hybrid mode with its sessions behind Sentinel (--store redis-sentinel://…)', async () => {
  const group = await startSentinelGroup();
  try {
    const m = await lab({ modes: ['hybrid'], store: group.url });
    assert.equal(m.store, 'redis-sentinel');
    assert.equal(m.metrics.sessions_lost_after_kill, 0);
    assert.ok((m.metrics.revocation_delay_ms ?? Number.POSITIVE_INFINITY) < 1000);
  } finally {
    await group.close();
  }
});

test('the lab runs hybrid mode with its sessions in PostgreSQL', async () => {
  await requirePostgres();
  const m = await lab({ modes: ['hybrid'], store: postgresUrl() });
  assert.equal(m.store, 'postgres');
  assert.equal(m.metrics.sessions_lost_after_kill, 0);
  assert.ok((m.metrics.revocation_delay_ms ?? Number.POSITIVE_INFINITY) < 1000);
});

test('the lab runs sticky mode behind real nginx', async () => {
  const m = await lab({ modes: ['sticky'], balancer: 'nginx' });
  assert.equal(m.balancer, 'nginx');
  assert.ok((m.metrics.sessions_lost_after_kill ?? 0) > 0, 'a SIGKILL still loses memory sessions');
  assert.equal(m.metrics.wrong_user_responses, 0);
});

test('the lab runs any app given with --app', async () => {
  const main = join(import.meta.dirname, '../../src/app/main.ts');
  const m = await lab({
    modes: ['stateless'],
    app: `${process.execPath} --conditions=statecraft-source --import tsx ${main}`,
  });
  assert.equal(m.metrics.sessions_lost_after_kill, 0);
  assert.ok((m.metrics.concurrent_items_lost ?? 0) > 0);
});
