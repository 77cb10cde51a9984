/**
 * The seeded schedule: the same seed and config replay the same arrivals (and hash), a
 * different seed or fault plan changes the hash, and the arrivals have the rate, spacing, ramp
 * and mix asked for.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mixTable, pickAction } from '../../../src/lab/load/actions.js';
import { canonicalJson, hashJson } from '../../../src/lab/load/hash.js';
import { xoshiro128 } from '../../../src/lab/load/prng.js';
import { planSchedule, type ScheduleOptions, scheduleHash } from '../../../src/lab/load/schedule.js';

const base: ScheduleOptions = { seed: 42, rate: 200, durationMs: 10_000, users: 50 };
const faults = [
  { kind: 'kill', target: 'i2', atMs: 4000 },
  { kind: 'restart', target: 'i2', atMs: 6000 },
];

describe('planSchedule', () => {
  it('plans the same arrivals and the same hash for the same seed and config', () => {
    const a = planSchedule(base);
    const b = planSchedule({ ...base });
    assert.deepEqual(a, b);
    assert.equal(scheduleHash(a, faults), scheduleHash(b, structuredClone(faults)));
    assert.match(scheduleHash(a), /^[0-9a-f]{64}$/);
  });

  it('gives a different hash for a different seed', () => {
    const hashes = new Set([1, 2, 3, 42, 43].map((seed) => scheduleHash(planSchedule({ ...base, seed }))));
    assert.equal(hashes.size, 5);
  });

  it('covers the config and the fault plan in the hash', () => {
    const plan = planSchedule(base);
    const h = scheduleHash(plan, faults);
    assert.notEqual(h, scheduleHash(plan));
    assert.notEqual(h, scheduleHash(plan, [faults[0]]));
    assert.notEqual(h, scheduleHash(plan, [{ ...faults[0], atMs: 4001 }, faults[1]]));
    assert.notEqual(h, scheduleHash(planSchedule({ ...base, users: 51 }), faults));
    assert.notEqual(h, scheduleHash(planSchedule({ ...base, mix: { me: 1 } }), faults));
    // Key order is not meaning: the same fault plan written differently hashes the same.
    const reordered = faults.map((f) => ({ atMs: f.atMs, target: f.target, kind: f.kind }));
    assert.equal(h, scheduleHash(plan, reordered));
  });

  it('draws exponential gaps at the asked rate', () => {
    const { arrivals } = planSchedule({ ...base, rate: 1000, durationMs: 20_000 });
    // 20,000 expected; a Poisson count has a standard deviation of ~141.
    assert.ok(Math.abs(arrivals.length - 20_000) < 700, `${arrivals.length} arrivals`);
    const gaps = arrivals.slice(1).map((a, i) => a.atMs - arrivals[i]!.atMs);
    assert.ok(gaps.every((g) => g >= 0));
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    const variance = gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length;
    assert.ok(Math.abs(mean - 1) < 0.05, `mean gap ${mean}`);
    // Exponential: the standard deviation equals the mean.
    assert.ok(Math.abs(Math.sqrt(variance) - mean) < 0.08, `sd ${Math.sqrt(variance)}`);
  });

  it('spaces arrivals evenly when asked', () => {
    const { arrivals } = planSchedule({ ...base, rate: 100, durationMs: 1000, spacing: 'constant' });
    assert.deepEqual(
      arrivals.map((a) => a.atMs),
      Array.from({ length: 100 }, (_, i) => i * 10),
    );
  });

  it('ramps the rate up linearly', () => {
    const { arrivals } = planSchedule({
      ...base,
      rate: 1000,
      durationMs: 4000,
      spacing: 'constant',
      ramp: { durationMs: 2000, fromRate: 0 },
    });
    const inSecond = (s: number) =>
      arrivals.filter((a) => a.atMs >= s * 1000 && a.atMs < (s + 1) * 1000).length;
    // Λ over [0,1 s) of a ramp 0→1000/s over 2 s is 250; over [1,2) 750; then 1000 a second.
    assert.ok(Math.abs(inSecond(0) - 250) <= 1, String(inSecond(0)));
    assert.ok(Math.abs(inSecond(1) - 750) <= 1, String(inSecond(1)));
    assert.ok(Math.abs(inSecond(2) - 1000) <= 1, String(inSecond(2)));
    assert.ok(Math.abs(inSecond(3) - 1000) <= 1, String(inSecond(3)));
  });

  it('spreads arrivals over every user and follows the mix', () => {
    const { arrivals } = planSchedule({ ...base, rate: 2000, durationMs: 10_000, mix: { me: 3, add: 1 } });
    const users = new Set(arrivals.map((a) => a.user));
    assert.equal(users.size, 50);
    assert.ok(arrivals.every((a) => a.user >= 0 && a.user < 50));
    const me = arrivals.filter((a) => a.action === 'me').length / arrivals.length;
    assert.ok(Math.abs(me - 0.75) < 0.02, `share of me: ${me}`);
    assert.ok(arrivals.every((a) => a.action === 'me' || a.action === 'add'));
  });

  it('refuses configs that make no sense', () => {
    assert.throws(() => planSchedule({ ...base, rate: 0 }), RangeError);
    assert.throws(() => planSchedule({ ...base, users: 0 }), RangeError);
    assert.throws(() => planSchedule({ ...base, users: 1.5 }), RangeError);
    assert.throws(() => planSchedule({ ...base, mix: { me: -1 } }), RangeError);
    assert.throws(() => planSchedule({ ...base, mix: { me: 0 } }), RangeError);
    assert.throws(() => planSchedule({ ...base, mix: { dance: 1 } as never }), RangeError);
    assert.throws(() => planSchedule({ ...base, rate: 1e9, durationMs: 1e9 }), RangeError);
  });
});

describe('xoshiro128', () => {
  it('replays the same stream for the same seed and stream number, and another for others', () => {
    const take = (seed: number, stream = 0) => {
      const r = xoshiro128(seed, stream);
      return Array.from({ length: 8 }, () => r.nextU32());
    };
    assert.deepEqual(take(7), take(7));
    assert.notDeepEqual(take(7), take(8));
    assert.notDeepEqual(take(7), take(7, 1));
    assert.notDeepEqual(take(1), take(1.5));
    const r = xoshiro128(3);
    for (let i = 0; i < 10_000; i++) {
      const x = r.next();
      assert.ok(x >= 0 && x < 1);
    }
  });
});

describe('canonical JSON', () => {
  it('sorts keys, drops undefined members and refuses what JSON cannot carry', () => {
    assert.equal(canonicalJson({ b: 1, a: [2, { d: undefined, c: 'x' }] }), '{"a":[2,{"c":"x"}],"b":1}');
    assert.equal(hashJson({ x: 1, y: 2 }), hashJson({ y: 2, x: 1 }));
    assert.throws(() => canonicalJson({ x: Number.NaN }), TypeError);
    assert.throws(() => canonicalJson({ x: 1n }), TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => canonicalJson(cyclic), TypeError);
  });
});

describe('mixTable', () => {
  it('maps uniform numbers onto actions by weight', () => {
    const t = mixTable({ me: 1, cart: 1, add: 2 });
    assert.equal(pickAction(t, 0), 'me');
    assert.equal(pickAction(t, 0.3), 'cart');
    assert.equal(pickAction(t, 0.5), 'add');
    assert.equal(pickAction(t, 0.999), 'add');
  });
});
