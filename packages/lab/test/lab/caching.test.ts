/**
 * Caching (C13) against real runs. Each mode runs as a real cluster (three instances behind the
 * built-in balancer, lazy sessions) under the lab's own traffic, judged by the generator as a
 * shared cache would; the eager-session probe sends the same traffic to an instance that starts
 * a session for every visitor. Every anonymous catalogue response may be stored and shared in
 * every mode with lazy sessions; no response to a logged-in user may be stored at all; the C13
 * rule gives a verdict from those figures. Then real nginx with a proxy_cache zone in front of
 * each mode's instances serves anonymous catalogue requests without reaching them. nginx must be
 * installed (the test fails, never skips: .ci/run provides it). The full lab run (run.test.ts)
 * checks that report.json carries C13.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { startCluster } from '../../src/cluster/index.js';
import { c13 } from '../../src/lab/claims/c13.js';
import { createGenerator, planSchedule } from '../../src/lab/load/index.js';
import type { Mode } from '../../src/lab/model.js';
import { CATALOGUE_PATHS, measureCaching, probeProxyCache } from '../../src/lab/probes/caching.js';
import { DEFAULT_CONFIG } from '../../src/lab/run.js';
import { modeReport } from './claims/helpers.js';

const MODES: readonly Mode[] = ['sticky', 'shared', 'stateless', 'hybrid'];
const config = { ...DEFAULT_CONFIG, rate: 80, users: 30, seed: 11 };

/** One mode's C13 figures from a short real run and the eager-session probe. */
async function measure(mode: Mode): Promise<Record<string, number | null>> {
  const cluster = await startCluster({ mode, instances: 3, adminPort: false });
  try {
    const gen = createGenerator({ target: cluster.url, connections: 8 });
    gen.beginPhase('run', 'baseline');
    const r = await gen.run(
      planSchedule({ seed: config.seed, rate: config.rate, durationMs: 2000, users: config.users }),
    );
    return await measureCaching({ mode, config }, r.cacheability, {}, () => {});
  } finally {
    await cluster.stop();
  }
}

describe('caching in real runs of the four modes', () => {
  const figures = new Map<Mode, Record<string, number | null>>();
  const each = (f: (m: Mode, x: Record<string, number | null>) => void) => {
    for (const m of MODES) f(m, figures.get(m)!);
  };

  before(async () => {
    for (const m of MODES) figures.set(m, await measure(m));
  });

  test('with lazy sessions every anonymous catalogue response may be stored and shared, in every mode', () => {
    each((m, x) => {
      assert.ok((x.anonymous_get_responses ?? 0) > 10, `${m}: catalogue views were sent`);
      assert.equal(x.anonymous_shareable_share, 1, m);
      assert.ok((x.get_shareable_share ?? 0) > 0, m);
    });
  });

  test('no response to a logged-in user is storable by a shared cache, with lazy or eager sessions', () => {
    each((m, x) => {
      assert.ok((x.authenticated_get_responses ?? 0) > 10, `${m}: logged-in reads were sent`);
      assert.equal(x.authenticated_storable_responses, 0, m);
      assert.equal(x.eager_authenticated_storable_responses, 0, m);
    });
  });

  test('with eager sessions no catalogue response may be shared: each one starts a session', () => {
    each((m, x) => {
      assert.equal(x.eager_anonymous_shareable_share, 0, m);
      assert.equal(x.eager_get_shareable_share, 0, m);
    });
  });

  test('the C13 rule gives a verdict from these figures', () => {
    const r = c13(MODES.map((m) => modeReport(m, figures.get(m)!)));
    assert.notEqual(r.verdict, 'inconclusive', r.reason);
    assert.match(r.reason, /lazy → eager sessions: sticky 1?\d+(\.\d+)?% → 0%/);
    for (const m of MODES)
      assert.equal(r.figures[m]?.get_shareable_share, figures.get(m)!.get_shareable_share);
  });
});

describe("real nginx's proxy_cache in front of each mode", () => {
  for (const mode of MODES) {
    test(`${mode}: anonymous catalogue requests are served without reaching an instance`, async () => {
      const r = await probeProxyCache({ mode, config }, 120);
      assert.equal(r.sent, 120);
      assert.equal(r.answered, 120);
      // At most one request per catalogue path fills the cache; every other one is a hit.
      assert.ok(r.origin <= CATALOGUE_PATHS.length, `${r.origin} of ${r.sent} reached an instance`);
    });
  }
});
