/**
 * A short lab run of every mode, judged from its report.json: no response ever names the wrong
 * user; a SIGKILL loses sessions in sticky and none elsewhere; sticky behind round-robin loses
 * sessions; revocation is immediate with a store and "never before expiry" in stateless;
 * concurrent additions are lost in stateless and kept in shared. The plan is reproducible.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LiveCounters, serveMetrics } from '../../src/lab/live.js';
import type { LabReport, ModeReport } from '../../src/lab/model.js';
import { writeReport } from '../../src/lab/report/files.js';
import { parseOpenMetrics } from '../../src/lab/report/openmetrics.js';
import { validateReport } from '../../src/lab/report/validate.js';
import { DEFAULT_CONFIG, planHash, runLab } from '../../src/lab/run.js';

const config = { ...DEFAULT_CONFIG, phaseSeconds: 1.5, warmupSeconds: 1, rate: 100, users: 40, seed: 7 };

describe('a short lab run of the four modes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'statecraft-lab-'));
  let report: LabReport;
  let scraped = '';
  const mode = (m: string) => report.modes.find((x) => x.mode === m) as ModeReport;

  before(async () => {
    const live = new LiveCounters();
    const metrics = await serveMetrics(live, 0);
    const running = runLab(config, () => {}, live);
    // Scrape the endpoint while the first mode is under load.
    for (let i = 0; i < 100 && !/statecraft_lab_requests_total\{mode="sticky"\} [1-9]/.test(scraped); i++) {
      await new Promise((r) => setTimeout(r, 200));
      scraped = await (await fetch(metrics.url)).text();
    }
    const run = await running;
    metrics.server.close();
    const files = await writeReport(dir, run);
    report = JSON.parse(readFileSync(files.json, 'utf8')) as LabReport;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('report.json validates against the published schema', () => {
    const v = validateReport(report);
    assert.ok(v.ok, v.ok ? '' : v.errors.join('\n'));
  });

  test('the OpenMetrics endpoint served parseable live counters while the lab ran', () => {
    const families = parseOpenMetrics(scraped);
    const requests = families.find((f) => f.name === 'statecraft_lab_requests');
    assert.ok(requests, scraped);
    assert.ok(requests.samples.some((s) => s.value > 0));
  });

  test('no response in any mode carried another user', () => {
    for (const m of report.modes) assert.equal(m.metrics.wrong_user_responses, 0, m.mode);
  });

  test('a SIGKILL loses sessions in sticky and none in shared, stateless and hybrid', () => {
    assert.ok((mode('sticky').metrics.sessions_lost_after_kill ?? 0) > 0);
    for (const m of ['shared', 'stateless', 'hybrid'])
      assert.equal(mode(m).metrics.sessions_lost_after_kill, 0, m);
  });

  test('sticky memory sessions behind plain round-robin lose their session', () => {
    assert.ok((mode('sticky').metrics.session_loss_share_round_robin ?? 0) > 0.5);
    assert.equal(mode('shared').metrics.session_loss_share_round_robin, 0);
  });

  test('revocation is under 1 s in shared and hybrid and never before expiry in stateless', () => {
    for (const m of ['shared', 'hybrid']) {
      const d = mode(m).metrics.revocation_delay_ms;
      assert.ok(d !== null && d !== undefined && d < 1000, `${m}: ${d}`);
    }
    assert.equal(mode('stateless').metrics.revocation_delay_ms, null);
    assert.equal(mode('stateless').notes.revocation_delay_ms, 'never before expiry');
  });

  test('concurrent cart additions are lost in stateless and kept in shared', () => {
    assert.ok((mode('stateless').metrics.concurrent_items_lost ?? 0) > 0);
    assert.equal(mode('shared').metrics.concurrent_items_lost, 0);
  });

  test('warm-up samples feed no verdict: the figures are the baseline phase’s', () => {
    for (const m of report.modes) {
      const warm = m.phases.find((p) => p.kind === 'warmup');
      const base = m.phases.find((p) => p.name === 'baseline');
      assert.ok(warm && base, m.mode);
      assert.equal(m.metrics.p99_ms, base.latency.p99, m.mode);
      assert.equal(m.metrics.throughput_rps, base.throughput, m.mode);
    }
  });

  test('every claim has a computed verdict and every fault is on the timeline', () => {
    assert.deepEqual(
      report.claims.map((c) => c.id),
      ['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7', 'C8', 'C9', 'C10', 'C11', 'C12', 'C13'],
    );
    for (const c of report.claims) assert.ok(c.reason.length > 0, c.id);
    // C13 from the run's GET answers: the figures in the claim are the modes' own.
    const c13 = report.claims.find((c) => c.id === 'C13')!;
    for (const m of report.modes) {
      assert.ok((m.metrics.get_responses ?? 0) > 0, m.mode);
      assert.equal(c13.figures[m.mode]?.get_shareable_share, m.metrics.get_shareable_share, m.mode);
    }
    for (const m of report.modes) {
      assert.deepEqual(
        m.faults.map((f) => f.kind),
        ['kill', 'roll'],
        m.mode,
      );
    }
  });
});

test('two plans with the same seed have the same schedule hash, another seed another', () => {
  assert.equal(planHash(config), planHash({ ...config }));
  assert.notEqual(planHash(config), planHash({ ...config, seed: 8 }));
  assert.notEqual(planHash(config), planHash({ ...config, phaseSeconds: 2 }));
});
