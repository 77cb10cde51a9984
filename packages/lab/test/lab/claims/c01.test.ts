import assert from 'node:assert/strict';
import { test } from 'node:test';
import { c01 } from '../../../src/lab/claims/c01.js';
import { run } from './helpers.js';

test('C1 holds when sticky loses sessions on a kill and the store-backed modes lose none', () => {
  const r = c01(run());
  assert.equal(r.verdict, 'holds');
  assert.match(r.reason, /sticky lost 12 sessions and 30 cart items/);
  assert.match(r.reason, /shared and hybrid .* lost none/);
});

test('C1 does not hold when sticky loses nothing on a kill', () => {
  const r = c01(run({ sticky: { sessions_lost_after_kill: 0, cart_items_lost_after_kill: 0 } }));
  assert.equal(r.verdict, 'does not hold');
});

test('C1 counts a lost cart item alone as lost session data', () => {
  const r = c01(run({ sticky: { sessions_lost_after_kill: 0, cart_items_lost_after_kill: 1 } }));
  assert.equal(r.verdict, 'holds');
});

test('C1 depends when a store-backed mode also loses data on a kill', () => {
  const r = c01(run({ shared: { cart_items_lost_after_kill: 5 } }));
  assert.equal(r.verdict, 'depends');
  assert.match(r.reason, /shared lost 0 sessions and 5 cart items/);
  assert.match(r.reason, /hybrid lost none/);
});

test('C1 holds on sticky alone when the run has no store-backed mode', () => {
  const r = c01(run({}, { only: ['sticky', 'stateless'] }));
  assert.equal(r.verdict, 'holds');
  assert.match(r.reason, /no store-backed mode/);
});

test('C1 is inconclusive without a sticky mode', () => {
  const r = c01(run({}, { only: ['shared', 'stateless', 'hybrid'] }));
  assert.equal(r.verdict, 'inconclusive');
  assert.match(r.reason, /no sticky mode/);
});

test('C1 is inconclusive when a figure it needs is null, and quotes the note', () => {
  const r = c01(
    run(
      { sticky: { sessions_lost_after_kill: null } },
      { notes: { sticky: { sessions_lost_after_kill: 'kill probe timed out' } } },
    ),
  );
  assert.equal(r.verdict, 'inconclusive');
  assert.match(r.reason, /sticky sessions_lost_after_kill \(kill probe timed out\)/);
});

test('C1 reports the figures it used for every mode', () => {
  const r = c01(run());
  assert.deepEqual(Object.keys(r.figures), ['sticky', 'shared', 'stateless', 'hybrid']);
  assert.deepEqual(r.figures.sticky, { sessions_lost_after_kill: 12, cart_items_lost_after_kill: 30 });
  assert.deepEqual(r.seeds, ['000', '001', '003']);
});
