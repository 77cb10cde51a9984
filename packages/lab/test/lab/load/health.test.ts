/**
 * The generator's check on itself: a target it cannot reach (far more arrivals than a slow
 * server behind four connections can take) makes the run invalid with a reason, and every
 * arrival it could not start is counted as a `dropped` error, not hidden. `assessHealth` is
 * also checked rule by rule.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGenerator } from '../../../src/lab/load/generator.js';
import { assessHealth, HealthMonitor } from '../../../src/lab/load/health.js';
import { planSchedule } from '../../../src/lab/load/schedule.js';
import { forkShop, type RunningShop } from './helpers.js';

let shop: RunningShop;

before(async () => {
  shop = await forkShop({ INSTANCE_ID: 'slow', DELAY_MS: '20' });
});

after(async () => {
  await shop.close();
});

describe('an impossible target rate', () => {
  it('is marked invalid, with every arrival that could not start counted as dropped', async (t) => {
    const gen = createGenerator({ target: shop.url, connections: 4, maxInFlight: 64 });
    const plan = planSchedule({ seed: 5, rate: 200_000, durationMs: 1000, users: 100, mix: { me: 1 } });
    const r = await gen.run(plan);
    const [phase] = r.phases;
    t.diagnostic(
      `planned ${plan.arrivals.length}, started ${r.selfCheck.started}, dropped ${r.generator.dropped}; ` +
        `achieved ${r.generator.achievedRate}/s of ${r.generator.targetRate}/s; cpu ${r.generator.cpuPercent}%; ` +
        `reasons: ${r.health.reasons.join(' | ')}`,
    );
    assert.equal(r.health.valid, false);
    assert.ok(
      r.health.reasons.some((reason) => /achieved .* of the .* planned/.test(reason)),
      r.health.reasons.join('\n'),
    );
    // Nothing vanished: every planned arrival is either a request that finished or a drop.
    assert.equal(r.selfCheck.planned, plan.arrivals.length);
    assert.equal(phase!.requests, plan.arrivals.length);
    assert.ok(r.generator.dropped > plan.arrivals.length * 0.9);
    assert.equal(phase!.errors.dropped, r.generator.dropped);
    assert.equal(r.errors.dropped, r.generator.dropped);
    assert.equal(r.phaseDetails[0]!.dropped, r.generator.dropped);
    assert.ok(phase!.errorRate > 0.9);
    // Never more in flight than the cap.
    assert.ok(r.selfCheck.maxInFlight <= 64);
    // The series shows the drops as errors where they happened.
    assert.equal(
      r.series.reduce((s, p) => s + p.errors, 0),
      Object.values(r.errors).reduce((s, n) => s + n, 0),
    );
  });
});

/** Keeps the event loop (and a core) busy for `ms`. */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
}

describe('a generator that stalls', () => {
  it('drops what it could not send in time, sends the rest late and measured, and is invalid', async (t) => {
    const gen = createGenerator({ target: shop.url, maxLagMs: 500 });
    const plan = planSchedule({ seed: 6, rate: 200, durationMs: 2000, users: 20, spacing: 'constant' });
    const done = gen.run(plan);
    await gen.until(500);
    block(800);
    const r = await done;
    t.diagnostic(
      `dropped ${r.generator.dropped}, event-loop delay p99 ${r.generator.eventLoopDelayP99Ms} ms, ` +
        `dispatch lag p99 ${r.selfCheck.dispatchLagP99Ms} ms, reasons: ${r.health.reasons.join(' | ')}`,
    );
    // Arrivals meant for 0.5–0.8 s were more than 500 ms late when the loop came back.
    assert.ok(r.generator.dropped >= 40 && r.generator.dropped <= 80, String(r.generator.dropped));
    assert.equal(r.phases[0]!.requests, plan.arrivals.length);
    // Those sent late carry the wait in their corrected latency.
    assert.ok(r.phases[0]!.latency.max >= 300, String(r.phases[0]!.latency.max));
    assert.equal(r.health.valid, false);
    // One long stall is a single sample of the event-loop delay histogram (its p99 may miss
    // it); the dispatch lag and the achieved rate do not.
    assert.ok(r.health.reasons.some((reason) => /intended time/.test(reason)));
    assert.ok(r.health.reasons.some((reason) => /achieved/.test(reason)));
  });
});

describe('HealthMonitor', () => {
  it('sees a busy core and a blocked event loop', async () => {
    const m = new HealthMonitor();
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    m.start();
    for (let i = 0; i < 3; i++) {
      block(150);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const reading = m.stop();
    // The core's share depends on what else the machine runs: compare with our own reading.
    const cpu = process.cpuUsage(cpu0);
    const expected = ((cpu.user + cpu.system) / 1000 / (performance.now() - wall0)) * 100;
    assert.ok(
      reading.cpuPercent > 0 && Math.abs(reading.cpuPercent - expected) < 10,
      `cpu ${reading.cpuPercent}%`,
    );
    assert.ok(reading.eventLoopDelayP99Ms >= 100, `delay p99 ${reading.eventLoopDelayP99Ms} ms`);
    assert.ok(reading.eventLoopUtilization > 0.5);
  });
});

describe('assessHealth', () => {
  const healthy = { targetRate: 1000, achievedRate: 999, dropped: 1, cpuPercent: 40, eventLoopDelayP99Ms: 3 };

  it('accepts a generator that kept its schedule with room to spare', () => {
    assert.deepEqual(assessHealth(healthy), { valid: true, reasons: [] });
    assert.equal(assessHealth({ ...healthy, achievedRate: 950 }).valid, true);
  });

  it('gives one reason per broken rule', () => {
    assert.equal(assessHealth({ ...healthy, achievedRate: 949 }).reasons.length, 1);
    assert.match(assessHealth({ ...healthy, cpuPercent: 90 }).reasons[0]!, /CPU|core/);
    assert.match(assessHealth({ ...healthy, eventLoopDelayP99Ms: 51 }).reasons[0]!, /event loop/);
    assert.match(assessHealth({ ...healthy, dispatchLagP99Ms: 80 }).reasons[0]!, /intended time/);
    const all = assessHealth({
      targetRate: 1000,
      achievedRate: 10,
      dropped: 990,
      cpuPercent: 100,
      eventLoopDelayP99Ms: 500,
    });
    assert.equal(all.valid, false);
    assert.equal(all.reasons.length, 3);
  });

  it('skips the rate rule without a target (closed model) and takes other thresholds', () => {
    assert.equal(assessHealth({ ...healthy, targetRate: 0, achievedRate: 5 }).valid, true);
    assert.equal(assessHealth({ ...healthy, cpuPercent: 70 }, { maxCpuPercent: 60 }).valid, false);
  });
});
