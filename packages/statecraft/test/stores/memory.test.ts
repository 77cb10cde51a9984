import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { manualClock } from 'statecraft';
import { memoryStore } from 'statecraft/stores/memory';
import { testStore } from './conformance.js';

testStore('memory', {
  create: async (clock) => memoryStore({ clock, sweepInterval: 0 }),
  // A closed memory store is the one way its backend can be gone.
  async unreachable() {
    const s = memoryStore();
    await s.close();
    return s;
  },
});

const rec = (key: string, now: number, data = 'x') => ({
  key,
  userId: null,
  data,
  version: 1,
  schema: 1,
  createdAt: now,
  lastSeenAt: now,
  expiresAt: now + 60_000,
  absoluteExpiresAt: now + 60_000,
  ip: null,
  userAgent: null,
});

describe('memory store', () => {
  test('evicts the least recently used session past maxSessions', async () => {
    const clock = manualClock();
    const s = memoryStore({ clock, maxSessions: 2, sweepInterval: 0 });
    await s.set(rec('a', clock.now()), 0);
    await s.set(rec('b', clock.now()), 0);
    await s.get('a'); // a is now more recently used than b
    await s.set(rec('c', clock.now()), 0);
    assert.notEqual(await s.get('a'), null);
    assert.equal(await s.get('b'), null);
    assert.notEqual(await s.get('c'), null);
    await s.close();
  });

  test('sweep() forgets expired sessions and stats() reports size and bytes', async () => {
    const clock = manualClock();
    const s = memoryStore({ clock, sweepInterval: 0 });
    await s.set(rec('a', clock.now(), 'x'.repeat(1000)), 0);
    await s.set(rec('b', clock.now()), 0);
    const { sessions, bytes } = s.stats();
    assert.equal(sessions, 2);
    assert.ok(bytes > 2000, `bytes ${bytes}`);
    clock.advance(60_000);
    assert.equal(s.sweep(), 2);
    assert.deepEqual(s.stats(), { sessions: 0, bytes: 0 });
    await s.close();
  });

  test('returns copies, so a caller cannot change a stored record in place', async () => {
    const clock = manualClock();
    const s = memoryStore({ clock, sweepInterval: 0 });
    const r = rec('a', clock.now());
    await s.set(r, 0);
    r.data = 'changed';
    const got = await s.get('a');
    assert.equal(got?.data, 'x');
    got!.data = 'changed again';
    assert.equal((await s.get('a'))?.data, 'x');
    await s.close();
  });
});
