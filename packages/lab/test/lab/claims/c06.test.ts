import assert from 'node:assert/strict';
import { test } from 'node:test';
import { c06 } from '../../../src/lab/claims/c06.js';
import { run } from './helpers.js';

test('C6 depends when memory sessions break behind round-robin but a shared store does not', () => {
  const r = c06(run());
  assert.equal(r.verdict, 'depends');
  assert.match(r.reason, /only when sessions live in instance memory/);
  assert.match(r.reason, /sticky 66%, shared 0% and stateless 0% of requests lost their session/);
});

test('C6 holds when every stateful mode loses sessions behind round-robin and stateless does not', () => {
  const r = c06(run({ shared: { session_loss_share_round_robin: 0.5 } }));
  assert.equal(r.verdict, 'holds');
});

test('C6 holds on sticky and stateless alone', () => {
  assert.equal(c06(run({}, { only: ['sticky', 'stateless'] })).verdict, 'holds');
});

test('C6 does not hold when stateless loses sessions behind round-robin', () => {
  assert.equal(c06(run({ stateless: { session_loss_share_round_robin: 0.2 } })).verdict, 'does not hold');
});

test('C6 does not hold when memory sessions survive round-robin', () => {
  assert.equal(c06(run({ sticky: { session_loss_share_round_robin: 0 } })).verdict, 'does not hold');
});

test('C6 is inconclusive for a loss too small to call', () => {
  const r = c06(run({ sticky: { session_loss_share_round_robin: 0.005 } }));
  assert.equal(r.verdict, 'inconclusive');
  assert.match(r.reason, /too small to call/);
});
