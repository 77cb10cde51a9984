import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crossover, crossShape } from '../../../src/lab/claims/crossover.js';
import { crossoverClaim, crossovers, sweepClaims } from '../../../src/lab/claims/sweep.js';
import type { Mode } from '../../../src/lab/model.js';
import type { SweepPoint } from '../../../src/lab/sweep-model.js';
import { BASE } from './helpers.js';

test('the crossover is interpolated between the two RTTs whose p50s bracket it', () => {
  // Differences (self − other): +1 at 0 ms, −3 at 2 ms: zero a quarter of the way, at 0.5 ms.
  const s = crossShape([
    { rttMs: 0, self: 2, other: 1 },
    { rttMs: 2, self: 2, other: 5 },
  ]);
  assert.deepEqual(s, { kind: 'crosses', rttMs: 0.5, winner: -1 });
});

test('the last change of sign decides, and order of the points does not matter', () => {
  const s = crossShape([
    { rttMs: 4, self: 2, other: 9 },
    { rttMs: 0, self: 2, other: 1 },
    { rttMs: 1, self: 2, other: 1.5 },
  ]);
  assert.equal(s.kind, 'crosses');
  assert.ok(s.kind === 'crosses' && s.rttMs > 1 && s.rttMs < 4);
});

test('differences within the latency margin are no crossing', () => {
  assert.deepEqual(
    crossShape([
      { rttMs: 0, self: 1, other: 1.05 },
      { rttMs: 2, self: 1, other: 0.97 },
    ]),
    { kind: 'same', relation: 0 },
  );
  assert.deepEqual(crossShape([{ rttMs: 0, self: null, other: 1 }]), { kind: 'unknown' });
});

test('the crossover in words names the link, the RTT and the figures', () => {
  const c = crossover(
    'shared',
    [
      { rttMs: 0, self: 2, other: 1 },
      { rttMs: 2, self: 2, other: 5 },
    ],
    'store',
  );
  assert.equal(c.rttMs, 0.5);
  assert.equal(c.stateless, 'faster');
  assert.match(c.text, /^stateless is faster than shared once the store is more than 0\.5 ms away/);
  const none = crossover('sticky', [{ rttMs: 0, self: 2, other: 1 }], 'store');
  assert.equal(none.rttMs, null);
  assert.match(none.text, /no crossover in the measured range: stateless is slower than sticky/);
});

function point(mode: Mode, rttMs: number, p50: number): SweepPoint {
  const f = BASE[mode];
  const metrics: Record<string, number | null> = {};
  for (const k of [
    'p50_ms',
    'p99_ms',
    'throughput_rps',
    'throughput_1_instance',
    'throughput_n_instances',
    'scaling_ratio',
    'store_ops_per_request',
    'load_skew_after_join',
  ] as const) {
    metrics[k] = f[k];
  }
  metrics.p50_ms = p50;
  metrics.p99_ms = p50 * 3;
  return {
    rttMs,
    mode,
    store: mode === 'shared' ? 'redis' : 'memory',
    metrics,
    notes: {},
    p50UncorrectedMs: null,
    measuredStoreOneWayMs: null,
  };
}

const sweep = [
  point('sticky', 0, 1),
  point('shared', 0, 1.1),
  point('stateless', 0, 1.5),
  point('sticky', 2, 1),
  point('shared', 2, 3.2),
  point('stateless', 2, 1.5),
];
const base = { balancer: 'builtin', instances: 3 };

test('a sweep gives C5 and C7 at every RTT and a C5 row across them', () => {
  const rows = sweepClaims(sweep, 'store', base, { valid: true, invalidReasons: [] });
  assert.deepEqual(
    rows.map((r) => `${r.id}@${r.rttMs ?? '*'}`),
    ['C5@0', 'C7@0', 'C5@2', 'C7@2', 'C5@*'],
  );
  assert.equal(rows[0]!.verdict, 'does not hold');
  assert.equal(rows[2]!.verdict, 'depends');
  const across = rows.at(-1)!;
  assert.equal(across.verdict, 'depends');
  assert.match(across.reason, /stateless is faster than shared once the store is more than [\d.]+ ms away/);
  assert.match(across.reason, /stateless is slower than sticky at every RTT/);
  assert.equal(across.figures.shared?.['p50_ms@2ms'], 3.2);
});

test('the row across holds when stateless is faster everywhere, and an INVALID run draws no verdict', () => {
  const fast = sweep.map((p) =>
    p.mode === 'stateless' ? { ...p, metrics: { ...p.metrics, p50_ms: 0.5 } } : p,
  );
  assert.equal(crossoverClaim(crossovers(fast, 'store'), fast).verdict, 'holds');
  const rows = sweepClaims(sweep, 'store', base, { valid: false, invalidReasons: ['stateless: dropped'] });
  assert.ok(rows.every((r) => r.verdict === 'inconclusive'));
});
