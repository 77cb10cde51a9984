/**
 * Phases file every request under the phase in force at its intended start: requests planned
 * during a slow warm-up that complete after the baseline began stay in the warm-up, so the
 * baseline's histogram never holds them. And a run stopped early accounts for what it planned
 * up to the stop.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGenerator } from '../../../src/lab/load/generator.js';
import { planSchedule } from '../../../src/lab/load/schedule.js';
import { type RunningShop, startShop } from './helpers.js';

let shop: RunningShop;

before(async () => {
  shop = await startShop({ instanceId: 'w1' });
});

after(async () => {
  await shop.close();
});

describe('phases', () => {
  it('never put warm-up samples in another phase, even those that complete after it', async () => {
    await shop.control('/_lab/delay?ms=500');
    const gen = createGenerator({ target: shop.url, connections: 128 });
    gen.beginPhase('warm-up', 'warmup');
    const plan = planSchedule({ seed: 4, rate: 100, durationMs: 2500, users: 30, spacing: 'constant' });
    const done = gen.run(plan);
    await gen.until(1000);
    // The shop turns fast first; the warm-up's requests already waiting keep their 500 ms.
    await shop.control('/_lab/delay?ms=0');
    gen.beginPhase('baseline', 'baseline');
    const r = await done;
    const [warm, baseline] = r.phases;

    const split = baseline!.startMs;
    const plannedInWarmup = plan.arrivals.filter((a) => a.atMs < split).length;
    assert.equal(warm!.requests, plannedInWarmup);
    assert.equal(baseline!.requests, plan.arrivals.length - plannedInWarmup);
    assert.ok(warm!.latency.p50 >= 500, `warm-up p50 ${warm!.latency.p50}`);
    // The slow answers all arrived during the baseline's time, and none is in its histogram.
    assert.ok(baseline!.latency.max < 500, `baseline max ${baseline!.latency.max}`);
    assert.ok(baseline!.latencyUncorrected.max < 500);
    assert.equal(warm!.endMs, baseline!.startMs);
    assert.equal(baseline!.endMs, 2500);
    // The self-check covers the baseline only.
    assert.equal(r.selfCheck.planned, baseline!.requests);
  });

  it('accounts for the arrivals planned up to an early stop', async () => {
    const gen = createGenerator({ target: shop.url });
    const plan = planSchedule({ seed: 4, rate: 200, durationMs: 10_000, users: 10 });
    const done = gen.run(plan);
    await gen.until(1000);
    gen.stop();
    const started = performance.now();
    const r = await done;
    assert.ok(performance.now() - started < 2000);
    // The stop lands on a timer: on a busy machine it may fire a little late, never early.
    assert.ok(r.durationMs >= 990 && r.durationMs < 1300, String(r.durationMs));
    const due = plan.arrivals.filter((a) => a.atMs < r.durationMs).length;
    assert.ok(Math.abs(r.phases[0]!.requests - due) <= 2, `${r.phases[0]!.requests} vs ${due}`);
    assert.equal(r.selfCheck.planned, r.phases[0]!.requests);
    assert.equal(r.generator.dropped, 0);
  });

  it('refuses phases out of order and a second run', async () => {
    const gen = createGenerator({ target: shop.url });
    gen.beginPhase('a', 'warmup', 0);
    gen.beginPhase('b', 'baseline', 100);
    assert.throws(() => gen.beginPhase('c', 'fault', 50), RangeError);
    const r = await gen.run(planSchedule({ seed: 1, rate: 50, durationMs: 200, users: 2 }));
    assert.deepEqual(
      r.phases.map((p) => [p.name, p.startMs, p.endMs]),
      [
        ['a', 0, 100],
        ['b', 100, 200],
      ],
    );
    assert.throws(() => gen.run(planSchedule({ seed: 1, rate: 50, durationMs: 200, users: 2 })));
  });
});
