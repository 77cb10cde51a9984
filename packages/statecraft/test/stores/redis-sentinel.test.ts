/**
 * The Redis store through Sentinel: the conformance suite unchanged, and a failover under load
 * (SIGKILL the primary while writers run, its replicas held 50 ms behind) measured twice,
 * without and with `waitForReplicas`. Each run prints the outage in seconds and how many
 * acknowledged writes the failover lost.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SessionRecord, Store } from 'statecraft';
import { isSessionError } from 'statecraft';
import { type RedisStoreOptions, redisStore } from 'statecraft/stores/redis';
import { liveRecord } from '../helpers/records.js';
import { type PrivateSentinelGroup, startSentinelGroup } from '../helpers/redis-sentinel.js';
import { freePort } from '../helpers/services.js';
import { testStore } from './conformance.js';

const WRITERS = 8;
/** Load before the kill, and after the first write the new primary took. */
const STEADY_MS = 1500;
/** How far behind the primary the replicas run (see startSentinelGroup). */
const REPLICATION_LAG_MS = 50;
/** The store must serve again by itself within this (the goal is 5 s; the test prints the figure). */
const RECOVERY_LIMIT_MS = 15_000;

let shared: Promise<PrivateSentinelGroup> | undefined;
after(async () => {
  await (await shared)?.close();
});

testStore('redis-sentinel', {
  async create(clock) {
    shared ??= startSentinelGroup();
    return redisStore({ url: (await shared).url, prefix: `sc-test-${randomUUID()}:`, clock });
  },
  async unreachable() {
    return redisStore({ url: `redis-sentinel://127.0.0.1:${await freePort()}/sessions` });
  },
});

const systemClock = { now: () => Date.now() };
const rec = () => liveRecord(systemClock, { userId: `u-${randomUUID()}`, data: '{"cart":["a","b"]}' });

interface Failover {
  outageSeconds: number;
  acknowledged: number;
  lost: number;
  refusals: Record<string, number>;
}

/** Writers create sessions without pause; the primary is SIGKILLed mid-way; then every acknowledged write is looked up. */
async function killPrimaryUnderLoad(group: PrivateSentinelGroup, store: Store): Promise<Failover> {
  const acked: SessionRecord[] = [];
  const refusals: Record<string, number> = {};
  let stop = false;
  let killed = false;
  let backAt: number | null = null;
  const writer = async () => {
    while (!stop) {
      const r = rec();
      // Only a write sent once the primary is dead shows that the store serves again.
      const afterKill = killed;
      try {
        assert.equal(await store.set(r, 0), true);
        acked.push(r);
        if (afterKill) backAt ??= performance.now();
      } catch (e) {
        // Only typed refusals are allowed while the primary is gone.
        if (!isSessionError(e)) throw e;
        refusals[e.code] = (refusals[e.code] ?? 0) + 1;
        await sleep(10);
      }
    }
  };
  const writers = Array.from({ length: WRITERS }, writer);
  await sleep(STEADY_MS);
  const original = await group.primaryPort();
  const killedAt = performance.now();
  await group.nodes[0]!.kill();
  killed = true;
  while (backAt === null && performance.now() - killedAt < RECOVERY_LIMIT_MS) await sleep(20);
  if (backAt !== null) await sleep(STEADY_MS);
  stop = true;
  await Promise.all(writers);
  assert.ok(backAt !== null, `the store did not serve again within ${RECOVERY_LIMIT_MS} ms`);
  assert.notEqual(await group.primaryPort(), original);

  let lost = 0;
  for (const r of acked) if ((await store.get(r.key)) === null) lost++;
  return { outageSeconds: (backAt - killedAt) / 1000, acknowledged: acked.length, lost, refusals };
}

async function measure(label: string, options: Partial<RedisStoreOptions>): Promise<Failover> {
  const group = await startSentinelGroup({ replicas: 2, replicationLagMs: REPLICATION_LAG_MS });
  const store = redisStore({ url: group.url, prefix: `sc-test-${randomUUID()}:`, ...options });
  const crashes: unknown[] = [];
  const crashed = (e: unknown) => crashes.push(e);
  process.on('unhandledRejection', crashed);
  process.on('uncaughtException', crashed);
  try {
    const f = await killPrimaryUnderLoad(group, store);
    console.log(
      `# sentinel failover ${label}: outage ${f.outageSeconds.toFixed(2)} s, ` +
        `${f.lost} of ${f.acknowledged} acknowledged writes lost, refusals ${JSON.stringify(f.refusals)}`,
    );
    assert.deepEqual(crashes, []);
    return f;
  } finally {
    process.off('unhandledRejection', crashed);
    process.off('uncaughtException', crashed);
    await store.close();
    await group.close();
  }
}

describe('redis store through a Sentinel failover', () => {
  test('after SIGKILL of the primary under load the store serves again by itself, failing only with typed errors', async () => {
    const f = await measure('without waitForReplicas', {});
    assert.ok(f.acknowledged > 0);
    assert.deepEqual(
      Object.keys(f.refusals).filter((c) => c !== 'STORE_UNAVAILABLE'),
      [],
    );
  });

  test('with waitForReplicas no acknowledged write is lost in the failover', async () => {
    const f = await measure('with waitForReplicas { replicas: 1, timeoutMs: 500 }', {
      waitForReplicas: { replicas: 1, timeoutMs: 500 },
    });
    assert.ok(f.acknowledged > 0);
    assert.equal(f.lost, 0);
  });
});
