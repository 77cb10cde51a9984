import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderCachingSection, renderCachingText } from '../../../src/lab/report/caching.js';
import { run } from '../claims/helpers.js';

test('the caching table shows lazy and eager shares, users’ storable responses and nginx origin requests', () => {
  const modes = run({ sticky: { proxy_cache_catalogue_requests: 200, proxy_cache_origin_requests: 3 } });
  const text = renderCachingText({ modes }, 120).join('\n');
  assert.match(text, /GETs shareable lazy → eager/);
  assert.match(text, /sticky\s+17\.00% → 0\.00%\s+100\.00% → 0\.00%\s+0\s+3 \/ 200/);
  assert.match(text, /stateless\s+17\.00% → 0\.00%\s+100\.00% → 0\.00%\s+0\s+—/);
  for (const line of text.split('\n')) assert.ok(line.length <= 120, line);
  const html = renderCachingSection({ modes });
  assert.match(html, /<section id="caching"/);
  assert.match(html, /<th scope="row">hybrid<\/th><td>17\.00% → 0\.00%<\/td>/);
});

test('a report without caching figures has no caching table', () => {
  const modes = run().map((m) => ({ ...m, metrics: { p50_ms: 1 } }));
  assert.deepEqual(renderCachingText({ modes }, 120), []);
  assert.equal(renderCachingSection({ modes }), '');
});
