/**
 * What a Redis restart does to sessions, by persistence setting (docs/stores/redis.md): a
 * private redis-server is killed with SIGKILL after acknowledged writes and started again on
 * the same directory. Without persistence, or with RDB snapshots only, every session written
 * since the last snapshot is lost; with the append-only file (`appendfsync always` or
 * `everysec`) none is. (A power loss, which a test cannot cause, is where the two fsync
 * policies differ: see the page.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSessions, stateful } from 'statecraft';
import { redisStore } from 'statecraft/stores/redis';
import { startPrivateRedis } from '../helpers/services.js';

const SESSIONS = 500;

/** Writes SESSIONS sessions, SIGKILLs and restarts Redis; resolves how many are lost. */
async function lostAfterKill(extraArgs: string[]): Promise<number> {
  const redis = await startPrivateRedis(() => extraArgs);
  try {
    const ids: string[] = [];
    const writer = createSessions<{ n: number }>(
      stateful({ store: redisStore({ url: redis.url, prefix: 'p:' }) }),
    );
    for (let i = 0; i < SESSIONS; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, k) => {
          const s = await writer.loadCredential(null);
          s.set('n', i + k);
          await s.commit(); // acknowledged by Redis
          ids.push(s.internalId);
        }),
      );
    }
    await writer.close();
    await redis.kill();
    await redis.start();
    const reader = createSessions<{ n: number }>(
      stateful({ store: redisStore({ url: redis.url, prefix: 'p:' }) }),
    );
    let lost = 0;
    for (const id of ids) if ((await reader.loadCredential(id)).get('n') === undefined) lost++;
    await reader.close();
    return lost;
  } finally {
    await redis.close();
  }
}

describe('sessions in Redis across a SIGKILL and restart', () => {
  test('without persistence (--save "" --appendonly no) every acknowledged session is lost', async () => {
    const lost = await lostAfterKill([]);
    console.log(`redis without persistence: ${lost} of ${SESSIONS} sessions lost`);
    assert.equal(lost, SESSIONS);
  });

  test('with appendonly yes and appendfsync always no acknowledged session is lost', async () => {
    const lost = await lostAfterKill(['--appendonly', 'yes', '--appendfsync', 'always']);
    console.log(`redis with appendfsync always: ${lost} of ${SESSIONS} sessions lost`);
    assert.equal(lost, 0);
  });

  test('with appendfsync everysec a killed process loses no acknowledged session (the log is written before the reply)', async () => {
    const lost = await lostAfterKill(['--appendonly', 'yes', '--appendfsync', 'everysec']);
    console.log(`redis with appendfsync everysec: ${lost} of ${SESSIONS} sessions lost`);
    assert.equal(lost, 0);
  });

  test('with RDB snapshots only, sessions written since the last snapshot are lost', async () => {
    // A snapshot rule that never fires during the test: 1 change in an hour.
    const lost = await lostAfterKill(['--save', '3600 1']);
    console.log(`redis with RDB only: ${lost} of ${SESSIONS} sessions lost`);
    assert.equal(lost, SESSIONS);
  });
});
