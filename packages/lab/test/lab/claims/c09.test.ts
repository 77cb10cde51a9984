import assert from 'node:assert/strict';
import { test } from 'node:test';
import { c09 } from '../../../src/lab/claims/c09.js';
import { run } from './helpers.js';

test('C9 holds when stateful modes keep every concurrent item and stateless loses some', () => {
  const r = c09(run());
  assert.equal(r.verdict, 'holds');
  assert.match(r.reason, /stateless lost 31 of 50 items/);
});

test('C9 does not hold when stateless keeps every item too', () => {
  const r = c09(run({ stateless: { concurrent_items_lost: 0 } }));
  assert.equal(r.verdict, 'does not hold');
  assert.match(r.reason, /no difference showed/);
});

test('C9 does not hold when no stateful mode keeps integrity', () => {
  const r = c09(run({ sticky: { concurrent_items_lost: 5 }, shared: { concurrent_items_lost: 3 } }));
  assert.equal(r.verdict, 'does not hold');
});

test('C9 depends when one stateful mode loses concurrent items', () => {
  const r = c09(run({ shared: { concurrent_items_lost: 4 } }));
  assert.equal(r.verdict, 'depends');
  assert.match(r.reason, /with an in-memory map \(sticky\), not with a sqlite store \(shared\)/);
});

test('C9 counts a response with another user’s data as broken integrity', () => {
  const r = c09(run({ sticky: { wrong_user_responses: 1 } }));
  assert.equal(r.verdict, 'depends');
  assert.match(r.reason, /sent 1 responses with another user's data/);
});

test('C9 is inconclusive when the concurrent loss was not measured', () => {
  assert.equal(c09(run({ stateless: { concurrent_items_lost: null } })).verdict, 'inconclusive');
});
