/**
 * An impossible target rate: the generator cannot start most arrivals, so the run it measured
 * is marked INVALID in every output and every claim's verdict becomes `inconclusive`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { evaluateClaims } from '../../src/lab/claims/index.js';
import { createGenerator } from '../../src/lab/load/generator.js';
import { planSchedule } from '../../src/lab/load/schedule.js';
import { renderHtml } from '../../src/lab/report/html.js';
import { renderTerminal } from '../../src/lab/report/terminal.js';
import { validateReport } from '../../src/lab/report/validate.js';
import { forkShop, type RunningShop } from './load/helpers.js';
import { makeReport } from './report/fixture.js';

let shop: RunningShop;
before(async () => {
  shop = await forkShop({ INSTANCE_ID: 'slow', DELAY_MS: '20' });
});
after(() => shop.close());

test('a run at an impossible rate is INVALID everywhere and its verdicts are inconclusive', async () => {
  const gen = createGenerator({ target: shop.url, connections: 4, maxInFlight: 64 });
  gen.beginPhase('baseline', 'baseline');
  const measured = await gen.run(
    planSchedule({ seed: 9, rate: 100_000, durationMs: 1000, users: 50, mix: { me: 1 } }),
  );
  assert.equal(measured.health.valid, false);
  assert.ok(measured.generator.dropped > 0);

  // The run's report carries the generator's verdict on itself; the rules then decline to judge.
  const report = makeReport({ seed: 9 });
  report.modes[0]!.generator = measured.generator;
  const invalid = {
    ...report,
    valid: false,
    invalidReasons: measured.health.reasons.map((r) => `sticky: ${r}`),
  };
  invalid.claims = evaluateClaims(invalid);
  assert.ok(invalid.claims.length >= 12);
  for (const c of invalid.claims) assert.equal(c.verdict, 'inconclusive', c.id);
  const v = validateReport(JSON.parse(JSON.stringify(invalid)));
  assert.ok(v.ok, v.ok ? '' : v.errors.join('\n'));
  assert.match(renderTerminal(invalid), /INVALID/);
  assert.match(renderHtml(invalid), /INVALID/);
});
