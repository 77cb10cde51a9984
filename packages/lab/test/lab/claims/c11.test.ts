import assert from 'node:assert/strict';
import { test } from 'node:test';
import { c11 } from '../../../src/lab/claims/c11.js';
import { run } from './helpers.js';

test('C11 depends on latency when the hybrid forms are consistent and scalable but slower', () => {
  // hybrid p50 1.7 ms and shared 2.0 ms against stateless 1.5 ms.
  const r = c11(run());
  assert.equal(r.verdict, 'depends');
  assert.match(r.reason, /at a latency price/);
  assert.match(r.reason, /hybrid p50 1\.7 ms against 1\.5 ms for stateless/);
  assert.match(r.reason, /For contrast, sticky lost 12 sessions and 30 cart items to a kill/);
  assert.match(r.reason, /stateless kept a revoked credential valid until expiry/);
});

test('C11 holds when a hybrid form is consistent, scalable and as fast as stateless', () => {
  const r = c11(run({ hybrid: { p50_ms: 1.55, p99_ms: 5.1 } }));
  assert.equal(r.verdict, 'holds');
  assert.match(r.reason, /^hybrid kept state through a kill/);
});

test('C11 does not hold when no hybrid form is consistent', () => {
  const r = c11(run({ hybrid: { revocation_delay_ms: 5000 }, shared: { cart_items_lost_after_kill: 3 } }));
  assert.equal(r.verdict, 'does not hold');
  assert.match(r.reason, /hybrid revoked late \(after 5,000 ms\)/);
  assert.match(r.reason, /shared lost 0 sessions and 3 cart items to a kill/);
});

test('C11 does not hold when no hybrid form scales like stateless', () => {
  const r = c11(run({ hybrid: { load_skew_after_join: 0.8 }, shared: { scaling_ratio: 1.1 } }));
  assert.equal(r.verdict, 'does not hold');
  assert.match(r.reason, /showed skewed load after a join/);
  assert.match(r.reason, /showed less gain from more instances/);
});

test('C11 does not hold when the hybrid loses concurrent items', () => {
  const r = c11(run({ hybrid: { concurrent_items_lost: 2 }, shared: { concurrent_items_lost: 1 } }));
  assert.equal(r.verdict, 'does not hold');
});

test('C11 is inconclusive without stateless to compare with', () => {
  assert.equal(c11(run({}, { only: ['sticky', 'shared', 'hybrid'] })).verdict, 'inconclusive');
});

test('C11 reports the C1, C5, C7, C8 and C9 figures of every mode', () => {
  const r = c11(run());
  for (const m of ['sticky', 'shared', 'stateless', 'hybrid'] as const) {
    for (const name of [
      'sessions_lost_after_kill',
      'p50_ms',
      'scaling_ratio',
      'revocation_delay_ms',
      'concurrent_items_lost',
    ]) {
      assert.ok(Object.hasOwn(r.figures[m] ?? {}, name), `${m} ${name}`);
    }
  }
});

test('C11 does not need the store operation count, which is only the price it reports', () => {
  const r = c11(
    run(
      { hybrid: { store_ops_per_request: null, p50_ms: 1.55, p99_ms: 5.1 } },
      { notes: { hybrid: { store_ops_per_request: 'not counted yet' } } },
    ),
  );
  assert.equal(r.verdict, 'holds');
  assert.match(r.reason, /store operations not counted/);
});

test('C11 counts a revocation the probe gave up on as inconsistent', () => {
  const r = c11(
    run(
      { hybrid: { revocation_delay_ms: null }, shared: { revocation_delay_ms: null } },
      {
        notes: {
          hybrid: { revocation_delay_ms: 'not refused within the probe' },
          shared: { revocation_delay_ms: 'not refused within the probe' },
        },
      },
    ),
  );
  assert.equal(r.verdict, 'does not hold');
  assert.match(r.reason, /hybrid revoked late \(not refused within the probe\)/);
});
