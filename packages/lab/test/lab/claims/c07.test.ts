import assert from 'node:assert/strict';
import { test } from 'node:test';
import { c07 } from '../../../src/lab/claims/c07.js';
import { run } from './helpers.js';

test('C7 holds when sticky stays skewed after a join and shared needs session sync', () => {
  const r = c07(run());
  assert.equal(r.verdict, 'holds');
  assert.match(r.reason, /sticky shows skewed load after a join \(0\.9 against 0\.04\)/);
  assert.match(r.reason, /shared shows session sync \(2\.1 store operations per request\)/);
});

test('C7 depends when a stateful mode shows no sign of being harder to scale', () => {
  const r = c07(run({ shared: { store_ops_per_request: 0.01 } }));
  assert.equal(r.verdict, 'depends');
  assert.match(r.reason, /more easily than an in-memory map \(sticky\)/);
  assert.match(r.reason, /shared scaled as easily as stateless/);
});

test('C7 does not hold when no stateful mode is harder to scale', () => {
  const r = c07(run({ sticky: { load_skew_after_join: 0.05 }, shared: { store_ops_per_request: 0 } }));
  assert.equal(r.verdict, 'does not hold');
});

test('C7 does not hold when stateless itself gains less from more instances', () => {
  const r = c07(run({ stateless: { scaling_ratio: 1.2 } }));
  assert.equal(r.verdict, 'does not hold');
  assert.match(r.reason, /stateless shows less gain from more instances/);
});

test('C7 counts a clearly lower scaling ratio as harder to scale', () => {
  const r = c07(
    run({ sticky: { load_skew_after_join: 0.05, scaling_ratio: 1.3 } }, { only: ['sticky', 'stateless'] }),
  );
  assert.equal(r.verdict, 'holds');
  assert.match(r.reason, /less gain from more instances \(×1\.3 against ×1\.89\)/);
});

test('C7 is inconclusive when the load skew was not measured', () => {
  assert.equal(c07(run({ shared: { load_skew_after_join: null } })).verdict, 'inconclusive');
});

test('C7 is inconclusive while a store-backed mode has no store operation count', () => {
  const r = c07(
    run(
      { shared: { store_ops_per_request: null } },
      {
        notes: { shared: { store_ops_per_request: 'the reference app does not count store operations yet' } },
      },
    ),
  );
  assert.equal(r.verdict, 'inconclusive');
  assert.match(r.reason, /shared store_ops_per_request \(the reference app does not count/);
});

test('C7 leaves scaling ratios out when neither mode gained from more instances', () => {
  // On busy cores every ratio is below 1: the difference measures contention, not architecture.
  const r = c07(
    run(
      { stateless: { scaling_ratio: 0.83 }, sticky: { scaling_ratio: 0.59, load_skew_after_join: 0.05 } },
      { only: ['sticky', 'stateless'] },
    ),
  );
  assert.equal(r.verdict, 'does not hold');
  assert.match(r.reason, /sticky scaled as easily as stateless/);
  assert.match(r.reason, /Scaling ratios were not compared for sticky against stateless/);
});
