import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLAIMS } from '../../../src/lab/claims/catalogue.js';
import { METRIC_NAMES, METRICS, missingMetrics } from '../../../src/lab/claims/metrics.js';
import { MetricError } from '../../../src/lab/claims/reader.js';
import { evaluateClaims, RULES } from '../../../src/lab/claims/rules.js';
import type { Mode } from '../../../src/lab/model.js';
import { run, without } from './helpers.js';

const MODES: Mode[] = ['sticky', 'shared', 'stateless', 'hybrid'];

test('there is one rule for each claim from C1 to C13, each with its text from CLAIMS.md', () => {
  assert.deepEqual(
    Object.keys(RULES),
    Array.from({ length: 13 }, (_, i) => `C${i + 1}`),
  );
  for (const id of Object.keys(RULES)) assert.ok(CLAIMS.some((c) => c.id === id));
});

test('a rule fails with METRIC_MISSING when any mode lacks a metric it reads', () => {
  for (const [id, rule] of Object.entries(RULES)) {
    const reads = METRIC_NAMES.filter((n) => (METRICS[n].claims as readonly string[]).includes(id));
    assert.ok(reads.length > 0, `${id} reads some metric`);
    for (const name of reads) {
      for (const mode of MODES) {
        assert.throws(
          () => rule(without(mode, name)),
          (e: unknown) => e instanceof MetricError && e.code === 'METRIC_MISSING' && e.message.includes(name),
          `${id} without ${mode} ${name}`,
        );
      }
    }
  }
});

test('the catalogue lists exactly the metrics each rule reads', () => {
  for (const [id, rule] of Object.entries(RULES)) {
    for (const name of METRIC_NAMES) {
      if ((METRICS[name].claims as readonly string[]).includes(id)) continue;
      assert.doesNotThrow(() => rule(without('stateless', name)), `${id} does not read ${name}`);
    }
  }
});

test('a rule refuses a metric that is not a number or null', () => {
  assert.throws(
    () => RULES.C5!(run({ stateless: { p50_ms: Number.NaN } })),
    (e: unknown) => e instanceof MetricError && e.code === 'METRIC_MALFORMED',
  );
});

test('evaluateClaims fails loudly on a missing metric, even for an invalid run', () => {
  for (const valid of [true, false]) {
    assert.throws(
      () =>
        evaluateClaims({
          valid,
          invalidReasons: valid ? [] : ['generator saturated'],
          modes: without('hybrid', 'p99_ms'),
        }),
      (e: unknown) => e instanceof MetricError && e.code === 'METRIC_MISSING',
    );
  }
});

test('evaluateClaims gives every claim a verdict from C1 to C13 on a valid run', () => {
  const results = evaluateClaims({ valid: true, invalidReasons: [], modes: run() });
  assert.deepEqual(
    results.map((r) => r.id),
    Object.keys(RULES),
  );
  assert.equal(results.find((r) => r.id === 'C1')?.verdict, 'holds');
  assert.equal(results.find((r) => r.id === 'C5')?.verdict, 'depends');
});

test('every verdict of an invalid run is inconclusive, with the reasons and the figures kept', () => {
  const results = evaluateClaims({
    valid: false,
    invalidReasons: ['generator achieved 310 of 500 req/s', 'event-loop delay p99 180 ms'],
    modes: run(),
  });
  assert.equal(results.length, 13);
  for (const r of results) {
    assert.equal(r.verdict, 'inconclusive');
    assert.match(r.reason, /INVALID \(generator achieved 310 of 500 req\/s; event-loop delay p99 180 ms\)/);
    assert.ok(Object.keys(r.figures).length > 0);
  }
});

test('missingMetrics lists every catalogued name a mode lacks', () => {
  assert.deepEqual(missingMetrics({ p50_ms: 1 }).length, METRIC_NAMES.length - 1);
  assert.deepEqual(missingMetrics(run()[0]!.metrics), []);
});
