import assert from 'node:assert/strict';
import { test } from 'node:test';
import { c10 } from '../../../src/lab/claims/c10.js';
import { run } from './helpers.js';

test('C10 depends when a rolling restart loses in-memory sessions but not shared ones', () => {
  const r = c10(run());
  assert.equal(r.verdict, 'depends');
  assert.match(r.reason, /more simply than an in-memory map \(sticky\), not than a sqlite store \(shared\)/);
  assert.match(r.reason, /sticky 60 failed, 120 sessions lost/);
});

test('C10 holds when every stateful mode loses sessions or fails clearly more requests', () => {
  assert.equal(c10(run({ shared: { failed_requests_during_roll: 40 } })).verdict, 'holds');
});

test('C10 does not hold when stateless loses sessions on deploy', () => {
  assert.equal(c10(run({ stateless: { sessions_lost_during_roll: 3 } })).verdict, 'does not hold');
});

test('C10 does not hold when stateful modes deploy as smoothly as stateless', () => {
  const r = c10(run({ sticky: { sessions_lost_during_roll: 0, failed_requests_during_roll: 6 } }));
  assert.equal(r.verdict, 'does not hold');
});

test('C10 does not call stateless simpler when it fails clearly more requests', () => {
  assert.equal(c10(run({ stateless: { failed_requests_during_roll: 100 } })).verdict, 'does not hold');
});

test('C10 is inconclusive when a figure is null', () => {
  assert.equal(c10(run({ sticky: { sessions_lost_during_roll: null } })).verdict, 'inconclusive');
});
