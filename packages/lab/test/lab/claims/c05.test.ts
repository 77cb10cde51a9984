import assert from 'node:assert/strict';
import { test } from 'node:test';
import { c05 } from '../../../src/lab/claims/c05.js';
import { run } from './helpers.js';

test('C5 depends when stateless is faster than a store and slower than an in-memory map', () => {
  // stateless 1.5/5 ms, sticky 1.2/4 ms, shared 2.0/6.5 ms.
  const r = c05(run());
  assert.equal(r.verdict, 'depends');
  assert.match(r.reason, /faster than a sqlite store \(shared: p50 2 ms, p99 6\.5 ms, 500 req\/s\)/);
  assert.match(r.reason, /slower than an in-memory map \(sticky: /);
});

test('C5 holds when stateless has clearly lower latency than every stateful mode', () => {
  const r = c05(run({ sticky: { p50_ms: 2, p99_ms: 6 } }));
  assert.equal(r.verdict, 'holds');
});

test('C5 does not hold when stateless is slower than every stateful mode', () => {
  const r = c05(run({ stateless: { p50_ms: 2.5, p99_ms: 8 } }));
  assert.equal(r.verdict, 'does not hold');
});

test('C5 does not call stateless faster when its p99 is clearly worse', () => {
  const r = c05(run({ stateless: { p50_ms: 1, p99_ms: 9 } }));
  assert.equal(r.verdict, 'does not hold');
  assert.match(r.reason, /neither faster nor slower than/);
});

test('C5 treats differences within the latency margin as equal speed', () => {
  const r = c05(run({ stateless: { p50_ms: 1.25, p99_ms: 4.1 } }, { only: ['sticky', 'stateless'] }));
  assert.equal(r.verdict, 'does not hold');
  assert.match(r.reason, /as fast as an in-memory map/);
});

test('C5 is inconclusive when a latency figure is null', () => {
  assert.equal(c05(run({ shared: { p99_ms: null } })).verdict, 'inconclusive');
});
