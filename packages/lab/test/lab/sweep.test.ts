/**
 * A short RTT sweep over Redis with the delay on the store link only: `shared` reads and writes
 * its sessions in the store on every request, so its p50 grows with the RTT; `stateless` and
 * `sticky` keep no store on the request path, so theirs does not. "Does not grow" means: by
 * less than a quarter of the RTT added (a request that crossed the link once would pay all of
 * it); "grows" means by at least half of it.
 *
 * The growth is read on both p50s the report prints: from each request's intended start (the
 * report's p50) and from its actual send. The first also carries the generator's own lateness,
 * which a busy machine can swing by more than the RTT between two points; the second is the
 * request path alone. Shared must grow on both; stateless and sticky must stay flat on the
 * request path, and on the corrected p50 too whenever the generator held its schedule.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { requireRedis } from '../../../statecraft/test/helpers/services.js';
import type { LabReport, Mode } from '../../src/lab/model.js';
import { renderHtml } from '../../src/lab/report/html.js';
import { renderTerminal } from '../../src/lab/report/terminal.js';
import { validateReport } from '../../src/lab/report/validate.js';
import { DEFAULT_CONFIG } from '../../src/lab/run.js';
import { runSweep } from '../../src/lab/sweep.js';

const RTTS = [0, 10];
const ADDED = RTTS[1]! - RTTS[0]!;
let report: LabReport;

before(async () => {
  await requireRedis();
  report = await runSweep(
    {
      ...DEFAULT_CONFIG,
      modes: ['sticky', 'shared', 'stateless'],
      instances: 2,
      store: 'redis://127.0.0.1:6379',
      rate: 40,
      phaseSeconds: 2,
      warmupSeconds: 1.5,
      users: 20,
      sweepRttMs: RTTS,
      net: { rttMs: 0, jitterMs: 0, link: 'store' },
    },
    () => {},
    undefined,
    { probeMs: 600 },
  );
});

const point = (mode: Mode, rttMs: number) => {
  const p = report.sweep!.points.find((x) => x.mode === mode && x.rttMs === rttMs);
  assert.ok(p, `${mode} was measured at ${rttMs} ms`);
  return p;
};
/** How much the mode's p50 grew from the first RTT to the second: corrected, uncorrected. */
const growth = (mode: Mode) => {
  const [a, b] = [point(mode, RTTS[0]!), point(mode, RTTS[1]!)];
  assert.ok(typeof a.metrics.p50_ms === 'number' && typeof b.metrics.p50_ms === 'number');
  assert.ok(a.p50UncorrectedMs !== null && b.p50UncorrectedMs !== null);
  return {
    corrected: b.metrics.p50_ms - a.metrics.p50_ms,
    uncorrected: b.p50UncorrectedMs - a.p50UncorrectedMs,
  };
};
const fmt = (g: { corrected: number; uncorrected: number }) =>
  `${g.corrected.toFixed(2)} ms (uncorrected ${g.uncorrected.toFixed(2)} ms) for ${ADDED} ms of RTT`;

describe('RTT sweep with the delay on the store link', () => {
  it("grows shared's p50 with the RTT", () => {
    const g = growth('shared');
    assert.ok(g.uncorrected >= ADDED / 2, `shared p50 grew by ${fmt(g)}`);
    assert.ok(g.corrected >= ADDED / 2, `shared p50 grew by ${fmt(g)}`);
  });

  it('leaves the p50 of stateless and sticky alone: no store on their request path', () => {
    for (const mode of ['stateless', 'sticky'] as const) {
      const g = growth(mode);
      assert.ok(g.uncorrected < ADDED / 4, `${mode} p50 grew by ${fmt(g)}`);
      if (report.valid) assert.ok(g.corrected < ADDED / 4, `${mode} p50 grew by ${fmt(g)}`);
    }
  });

  it('measures the delay the store link really added', () => {
    const shared = report.sweep!.points.filter((p) => p.mode === 'shared');
    for (const p of shared) {
      assert.ok(p.measuredStoreOneWayMs !== null);
      // Never early. Late by however long the proxy host waited for a core: on a loaded
      // two-core machine that reaches tens of milliseconds, so the upper bound only catches a
      // link that stalled.
      const oneWay = p.measuredStoreOneWayMs;
      assert.ok(oneWay >= p.rttMs / 2 - 0.02, `${oneWay} ms one way at ${p.rttMs} ms RTT`);
      assert.ok(oneWay < p.rttMs / 2 + 100, `${oneWay} ms one way at ${p.rttMs} ms RTT`);
    }
    for (const p of report.sweep!.points.filter((x) => x.mode !== 'shared')) {
      assert.equal(p.measuredStoreOneWayMs, null, `${p.mode} has no store link`);
    }
  });

  it('judges C5 and C7 at every RTT and names the crossover from the figures', () => {
    for (const rtt of RTTS) {
      for (const id of ['C5', 'C7']) {
        assert.ok(
          report.claims.some((c) => c.id === id && c.rttMs === rtt),
          `${id} at ${rtt} ms`,
        );
      }
    }
    const across = report.claims.find((c) => c.id === 'C5' && c.rttMs === undefined);
    assert.ok(across);
    const shared = report.sweep!.crossovers.find((c) => c.against === 'shared')!;
    assert.match(
      shared.text,
      /^(stateless is (faster|slower) than shared once the store is more than|no crossover)/,
    );
    // An INVALID run (a generator that fell behind) keeps the figures but draws no verdict.
    if (report.valid) assert.ok(across.reason.includes(shared.text), across.reason);
    else assert.equal(across.verdict, 'inconclusive');
    if (shared.rttMs !== null) {
      assert.ok(shared.rttMs >= RTTS[0]! && shared.rttMs <= RTTS[1]!);
    }
  });

  it('writes a report that matches its schema, with the sweep in the terminal and in report.html', () => {
    const v = validateReport(JSON.parse(JSON.stringify(report)));
    assert.ok(v.ok, v.ok ? '' : v.errors.join('\n'));
    const text = renderTerminal(report);
    assert.match(text, /RTT sweep/);
    assert.match(text, /crossover/i);
    const html = renderHtml(report, { js: '', css: '' });
    assert.match(html, /data-chart="sweep"/);
  });
});
