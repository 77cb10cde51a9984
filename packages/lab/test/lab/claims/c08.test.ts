import assert from 'node:assert/strict';
import { test } from 'node:test';
import { c08 } from '../../../src/lab/claims/c08.js';
import { run } from './helpers.js';

test('C8 holds when every stateful mode refuses the old credential within a second', () => {
  const r = c08(run());
  assert.equal(r.verdict, 'holds');
  assert.match(
    r.reason,
    /sticky after 3 ms, shared after 4 ms, stateless never before expiry and hybrid after 250 ms/,
  );
});

test('C8 depends when one stateful mode is slow to revoke', () => {
  const r = c08(run({ shared: { revocation_delay_ms: 5000 } }));
  assert.equal(r.verdict, 'depends');
  assert.match(r.reason, /with an in-memory map \(sticky\), not with a sqlite store \(shared\)/);
});

test('C8 does not hold when no stateful mode revokes in time', () => {
  const r = c08(
    run(
      { sticky: { revocation_delay_ms: null }, shared: { revocation_delay_ms: 3000 } },
      { notes: { sticky: { revocation_delay_ms: 'never before expiry' } } },
    ),
  );
  assert.equal(r.verdict, 'does not hold');
  assert.match(r.reason, /sticky never before expiry/);
});

test('C8 is inconclusive when a stateful delay is null for another reason than expiry', () => {
  const r = c08(
    run(
      { shared: { revocation_delay_ms: null } },
      { notes: { shared: { revocation_delay_ms: 'probe failed' } } },
    ),
  );
  assert.equal(r.verdict, 'inconclusive');
  assert.match(r.reason, /probe failed/);
});

test('C8 is inconclusive without a stateful mode', () => {
  assert.equal(c08(run({}, { only: ['stateless', 'hybrid'] })).verdict, 'inconclusive');
});

test('C8 counts a credential still accepted when the probe gave up as a late revocation', () => {
  const r = c08(
    run(
      { shared: { revocation_delay_ms: null } },
      { notes: { shared: { revocation_delay_ms: 'not refused within the probe' } } },
    ),
  );
  assert.equal(r.verdict, 'depends');
  assert.match(r.reason, /shared not refused within the probe/);
});
