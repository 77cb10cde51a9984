import assert from 'node:assert/strict';
import { test } from 'node:test';
import { c02 } from '../../../src/lab/claims/c02.js';
import { run } from './helpers.js';

test('C2 depends when stateless fails clearly fewer requests than sticky but not than shared', () => {
  // stateless 7 + 0, sticky 40 + 35, shared 8 + 0.
  const r = c02(run());
  assert.equal(r.verdict, 'depends');
  assert.match(r.reason, /more fault tolerant than an in-memory map \(sticky: 75 failed\)/);
  assert.match(r.reason, /not than a sqlite store \(shared: 8 failed\)/);
});

test('C2 holds when stateless fails clearly fewer requests than every stateful mode', () => {
  const r = c02(run({ shared: { failed_requests_during_kill: 30 } }));
  assert.equal(r.verdict, 'holds');
  assert.match(r.reason, /stateless: 7 failed during the kill \(0\.9%\), 0 after/);
});

test('C2 does not hold when stateless requests still fail after the kill phase', () => {
  const r = c02(run({ stateless: { failed_requests_after_kill: 10 } }));
  assert.equal(r.verdict, 'does not hold');
  assert.match(r.reason, /outlived the requests in flight/);
});

test('C2 forgives a couple of failures at the boundary of the kill phase', () => {
  const r = c02(
    run({ stateless: { failed_requests_after_kill: 2 }, shared: { failed_requests_during_kill: 30 } }),
  );
  assert.equal(r.verdict, 'holds');
});

test('C2 does not hold when stateless fails as many requests as the stateful modes', () => {
  // 80 against 75 is within the failure margin (a quarter of 80), 80 against 8 is worse.
  const r = c02(run({ stateless: { failed_requests_during_kill: 80 } }));
  assert.equal(r.verdict, 'does not hold');
});

test('C2 is inconclusive without a stateless mode', () => {
  assert.equal(c02(run({}, { only: ['sticky', 'shared'] })).verdict, 'inconclusive');
});

test('C2 is inconclusive when a failure count is null', () => {
  assert.equal(c02(run({ sticky: { failed_requests_after_kill: null } })).verdict, 'inconclusive');
});
