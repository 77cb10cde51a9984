import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compare, table } from '../src/compare.js';

test('the comparison measures each architecture and tells their trade-offs apart', async () => {
  const results = await compare(['sticky', 'shared', 'stateless', 'hybrid'], 5);
  const by = Object.fromEntries(results.map((r) => [r.mode, r]));
  // Memory sessions die with their instance; shared state survives it.
  assert.equal(by.sticky!.survivedRestart, 0);
  assert.equal(by.shared!.survivedRestart, 1);
  assert.equal(by.stateless!.survivedRestart, 1);
  assert.equal(by.hybrid!.survivedRestart, 1);
  // A stateless token cannot be ended server-side; the others refuse it after logout.
  assert.equal(by.stateless!.acceptedAfterLogout, 1);
  assert.equal(by.shared!.acceptedAfterLogout, 0);
  assert.equal(by.hybrid!.acceptedAfterLogout, 0);
  // Compare-and-set keeps concurrent additions; a token per response loses them.
  assert.equal(by.shared!.concurrentItemsKept, 20);
  assert.equal(by.hybrid!.concurrentItemsKept, 20);
  assert.ok(by.stateless!.concurrentItemsKept < 20);
  // Tokens carry the session, so they are larger than an opaque id.
  assert.ok(by.stateless!.cookieBytes > by.shared!.cookieBytes);
  assert.match(table(results), /sticky/);
});
