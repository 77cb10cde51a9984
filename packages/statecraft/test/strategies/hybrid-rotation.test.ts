/**
 * Refresh rotation in the hybrid strategy: racing refreshes share one successor and nobody is
 * logged out; the old credential presented after the grace window ends the session and is
 * reported as reuse.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RevocationEvent } from 'statecraft';
import { createSessions, hybrid, manualClock } from 'statecraft';
import { memoryStore } from 'statecraft/stores/memory';
import { hsKey } from '../helpers/tokens.js';

function setup() {
  const clock = manualClock();
  const store = memoryStore({ clock, sweepInterval: 0 });
  const sessions = createSessions<{ cart: string[] }>(
    hybrid({ store, keys: [hsKey()], format: 'jws', accessTtl: 60, rotation: { grace: 10 } }),
    { clock, touchAfter: 30 },
  );
  const events: RevocationEvent[] = [];
  sessions.onRevoked((e) => events.push(e));
  return { clock, store, sessions, events };
}

async function loggedIn(s: ReturnType<typeof setup>['sessions']) {
  const session = await s.loadCredential(null);
  await session.login('ada');
  session.set('cart', ['first']);
  return (await session.commit()).token!;
}

const idOf = (credential: string) => credential.split('~')[1]!;

test('parallel requests refreshing one expired token all get the same successor', async () => {
  const { sessions, clock } = setup();
  const cred = await loggedIn(sessions);
  clock.advance(61_000); // the access token expired
  const results = await Promise.all(
    Array.from({ length: 8 }, async () => {
      const s = await sessions.loadCredential(cred);
      return { user: s.userId, token: (await s.commit()).token };
    }),
  );
  assert.ok(
    results.every((r) => r.user === 'ada'),
    'nobody was logged out',
  );
  const successors = new Set(results.map((r) => idOf(r.token!)));
  assert.equal(successors.size, 1);
  assert.notEqual([...successors][0], idOf(cred));
  assert.equal((await sessions.list('ada')).length, 1);
});

test('a write with the old credential inside the grace window lands on the successor', async () => {
  const { sessions, clock } = setup();
  const cred = await loggedIn(sessions);
  clock.advance(61_000);
  const refreshed = await sessions.loadCredential(cred);
  const next = (await refreshed.commit()).token!;
  // A request that loaded before the rotation commits afterwards.
  clock.advance(2_000);
  const late = await sessions.loadCredential(cred);
  late.update('cart', (c = []) => [...c, 'late']);
  const after = (await late.commit()).token!;
  assert.equal(idOf(after), idOf(next));
  clock.advance(61_000);
  assert.deepEqual((await sessions.loadCredential(after)).get('cart'), ['first', 'late']);
});

test('the old credential after the grace window ends the session and reports reuse', async () => {
  const { sessions, clock, events } = setup();
  const cred = await loggedIn(sessions);
  clock.advance(61_000);
  const next = (await (await sessions.loadCredential(cred)).commit()).token!;
  clock.advance(11_000); // past the 10 s grace
  assert.equal((await sessions.loadCredential(cred)).userId, null);
  await new Promise((r) => setImmediate(r));
  assert.ok(events.some((e) => e.kind === 'session' && e.reason === 'reuse'));
  // The legitimate holder is logged out too: the session was compromised.
  assert.equal((await sessions.loadCredential(next)).userId, null);
  assert.deepEqual(await sessions.list('ada'), []);
});

test('logging out with a credential rotated meanwhile ends the successor too', async () => {
  const { sessions, clock } = setup();
  const cred = await loggedIn(sessions);
  clock.advance(61_000);
  const next = (await (await sessions.loadCredential(cred)).commit()).token!;
  const old = await sessions.loadCredential(cred);
  await old.logout();
  assert.equal((await sessions.loadCredential(next)).userId, null);
});

test('with rotation off, a refresh keeps the session id', async () => {
  const clock = manualClock();
  const sessions = createSessions(
    hybrid({ store: memoryStore({ clock }), keys: [hsKey()], format: 'jws', accessTtl: 60, rotation: false }),
    { clock },
  );
  const s = await sessions.loadCredential(null);
  await s.login('ada');
  const cred = (await s.commit()).token!;
  clock.advance(61_000);
  const next = (await (await sessions.loadCredential(cred)).commit()).token!;
  assert.equal(idOf(next), idOf(cred));
});
