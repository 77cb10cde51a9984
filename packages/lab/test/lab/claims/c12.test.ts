import assert from 'node:assert/strict';
import { test } from 'node:test';
import { c12 } from '../../../src/lab/claims/c12.js';
import { run } from './helpers.js';

test('C12 depends on the idempotency key when a keyless replay duplicates in every mode', () => {
  const r = c12(run());
  assert.equal(r.verdict, 'depends');
  assert.match(r.reason, /only when it carries an idempotency key, in every mode alike/);
  assert.match(r.reason, /stateless 0 with a key, 3 without/);
});

test('C12 names the modes that stayed idempotent without a key', () => {
  const r = c12(run({ sticky: { duplicate_checkouts_without_key: 0 } }));
  assert.equal(r.verdict, 'depends');
  assert.match(r.reason, /sticky kept it without a key/);
});

test('C12 holds when a keyless replay creates no extra order in stateless', () => {
  assert.equal(c12(run({ stateless: { duplicate_checkouts_without_key: 0 } })).verdict, 'holds');
});

test('C12 does not hold when even a keyed replay duplicates', () => {
  assert.equal(c12(run({ stateless: { duplicate_checkouts_with_key: 1 } })).verdict, 'does not hold');
});

test('C12 is inconclusive when the keyed replay was not measured', () => {
  assert.equal(c12(run({ stateless: { duplicate_checkouts_with_key: null } })).verdict, 'inconclusive');
});
