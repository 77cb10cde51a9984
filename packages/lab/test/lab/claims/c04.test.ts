import assert from 'node:assert/strict';
import { test } from 'node:test';
import { c04 } from '../../../src/lab/claims/c04.js';
import { run } from './helpers.js';

test('C4 holds when stateless sends clearly more bytes per request than every stateful mode', () => {
  const r = c04(run());
  assert.equal(r.verdict, 'holds');
  assert.match(r.reason, /stateless 780 B \(credential 400 B\), 560 B back/);
});

test('C4 does not hold when stateless requests are within a few bytes of stateful ones', () => {
  const r = c04(run({ stateless: { request_bytes_per_req: 430 } }));
  assert.equal(r.verdict, 'does not hold');
});

test('C4 depends when a stateful mode sends as much as stateless', () => {
  const r = c04(run({ shared: { request_bytes_per_req: 900 } }));
  assert.equal(r.verdict, 'depends');
  assert.match(r.reason, /more than an in-memory map \(sticky\), not more than a sqlite store \(shared\)/);
});

test('C4 is inconclusive when request bytes were not measured', () => {
  assert.equal(c04(run({ stateless: { request_bytes_per_req: null } })).verdict, 'inconclusive');
});
