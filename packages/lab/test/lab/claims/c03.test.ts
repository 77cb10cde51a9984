import assert from 'node:assert/strict';
import { test } from 'node:test';
import { c03 } from '../../../src/lab/claims/c03.js';
import { run } from './helpers.js';

test('C3 depends when in-memory sessions use more memory and a shared store does not', () => {
  // sticky 2.4 MB against 0.1 MB; shared 0.3 MB + 0.25 MB store = 0.55 MB, within 0.5 MB of 0.1.
  const r = c03(run());
  assert.equal(r.verdict, 'depends');
  assert.match(r.reason, /more memory per client with an in-memory map \(sticky\), not with a sqlite store/);
  assert.match(r.reason, /shared 0\.55 MB \(0\.3 MB RSS \+ 0\.25 MB in the store\)/);
});

test('C3 holds when every stateful mode uses clearly more memory per 1,000 sessions', () => {
  const r = c03(run({ shared: { store_bytes_per_1k_sessions: 2_000_000 } }));
  assert.equal(r.verdict, 'holds');
});

test('C3 does not hold when no stateful mode uses clearly more memory', () => {
  const r = c03(run({ sticky: { rss_mb_per_1k_sessions: 0.4 } }));
  assert.equal(r.verdict, 'does not hold');
});

test('C3 counts a null store figure as no store for sticky and stateless', () => {
  const r = c03(run());
  assert.notEqual(r.verdict, 'inconclusive');
  assert.equal(r.figures.sticky?.store_bytes_per_1k_sessions, null);
});

test('C3 is inconclusive when a store-backed mode has no store figure', () => {
  const r = c03(
    run(
      { shared: { store_bytes_per_1k_sessions: null } },
      { notes: { shared: { store_bytes_per_1k_sessions: 'redis INFO unavailable' } } },
    ),
  );
  assert.equal(r.verdict, 'inconclusive');
  assert.match(r.reason, /redis INFO unavailable/);
});

test('C3 is inconclusive without a stateful mode', () => {
  assert.equal(c03(run({}, { only: ['stateless', 'hybrid'] })).verdict, 'inconclusive');
});
