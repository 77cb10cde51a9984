import assert from 'node:assert/strict';
import { test } from 'node:test';
import { c13 } from '../../../src/lab/claims/c13.js';
import { type Overrides, run } from './helpers.js';

const everyMode = (figures: NonNullable<Overrides['sticky']>): Overrides => ({
  sticky: figures,
  shared: figures,
  stateless: figures,
  hybrid: figures,
});

test('C13 depends on when sessions start when every mode caches alike and only eager sessions spoil it', () => {
  const r = c13(run());
  assert.equal(r.verdict, 'depends');
  assert.match(r.reason, /depends on when sessions start, not on where state lives/);
  assert.match(
    r.reason,
    /with lazy sessions 100% of anonymous GET responses may be shared \(17% of all GETs\) in every mode, with eager sessions 0%/,
  );
  assert.match(r.reason, /No response of a logged-in user was storable/);
  assert.match(r.reason, /proxy_cache was not measured/);
});

test('C13 holds when stateless is clearly more cacheable than every stateful mode, lazy and eager', () => {
  const r = c13(
    run({
      sticky: { get_shareable_share: 0.05, eager_get_shareable_share: 0 },
      shared: { get_shareable_share: 0.05, eager_get_shareable_share: 0 },
      stateless: { get_shareable_share: 0.4, eager_get_shareable_share: 0.3 },
    }),
  );
  assert.equal(r.verdict, 'holds');
  assert.match(r.reason, /stateless 40% → 30%/);
});

test('C13 depends on the mode when stateless is ahead of only some stateful modes', () => {
  const r = c13(run({ sticky: { get_shareable_share: 0.02, anonymous_shareable_share: 0.1 } }));
  assert.equal(r.verdict, 'depends');
  assert.match(r.reason, /more cacheable than sticky with lazy sessions only/);
});

test('C13 does not hold when a logged-in user’s response in stateless is storable by a shared cache', () => {
  const r = c13(run({ stateless: { authenticated_storable_responses: 3 } }));
  assert.equal(r.verdict, 'does not hold');
  assert.match(r.reason, /logged-in users in stateless \(3\)/);
});

test('C13 counts a stateful mode that leaks users’ responses as harder to cache', () => {
  const r = c13(run({ shared: { eager_authenticated_storable_responses: 2 } }));
  assert.equal(r.verdict, 'depends');
  assert.match(r.reason, /more cacheable than shared with lazy sessions and shared with eager sessions only/);
});

test('C13 does not hold when neither the architecture nor the session start changes what is cacheable', () => {
  const r = c13(run(everyMode({ eager_get_shareable_share: 0.17, eager_anonymous_shareable_share: 1 })));
  assert.equal(r.verdict, 'does not hold');
});

test('C13 reports the origin requests behind nginx when they were measured', () => {
  const r = c13(run(everyMode({ proxy_cache_catalogue_requests: 200, proxy_cache_origin_requests: 3 })));
  assert.match(
    r.reason,
    /Behind nginx's proxy_cache, sticky 3 of 200, shared 3 of 200, stateless 3 of 200 and hybrid 3 of 200 anonymous catalogue requests reached an instance/,
  );
  assert.equal(r.figures.stateless?.proxy_cache_origin_requests, 3);
});

test('C13 is inconclusive when the eager-session figures were not measured', () => {
  assert.equal(c13(run({ hybrid: { eager_get_shareable_share: null } })).verdict, 'inconclusive');
});

test('C13 is inconclusive without a stateless mode', () => {
  assert.equal(c13(run({}, { only: ['sticky', 'shared'] })).verdict, 'inconclusive');
});
