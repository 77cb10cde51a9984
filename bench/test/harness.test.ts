/** The benchmark harness's pure parts: statistics, verdicts, results.json's shape, the docs writer. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replaceSection } from '../lib/docs.js';
import { describeMachine } from '../lib/machine.js';
import {
  type BenchEntry,
  checkResults,
  commandOf,
  figure,
  figuresTable,
  mergeEntry,
  RESULTS_FILE,
  type Results,
  resultsFileFor,
} from '../lib/results.js';
import { fmtGoal, fmtRatio, fmtSpread, goalStatus, median, quantile, ratio, spread } from '../lib/stats.js';

describe('statistics', () => {
  it('takes the median of odd and even counts, ignoring order and NaN', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([5, Number.NaN, 1]), 3);
    assert.ok(Number.isNaN(median([])));
  });

  it('interpolates quantiles and gives the spread of the rounds', () => {
    const xs = [10, 20, 30, 40, 50];
    assert.equal(quantile(xs, 0.25), 20);
    assert.equal(quantile(xs, 0.99), 49.6);
    assert.deepEqual(spread([30, 10, 50, 20, 40]), { min: 10, q1: 20, q3: 40, max: 50 });
    assert.equal(fmtSpread(spread([1200, 900])), '900–1,200');
    assert.equal(fmtSpread(null), '—');
  });

  it('divides only what can be divided', () => {
    assert.equal(ratio(85, 100), 0.85);
    assert.ok(Number.isNaN(ratio(1, 0)));
    assert.ok(Number.isNaN(ratio(Number.NaN, 1)));
    assert.equal(fmtRatio(0.8512), '0.85x');
    assert.equal(fmtRatio(Number.NaN), 'n/a');
  });
});

describe('goals', () => {
  const atLeast = { op: '>=' as const, target: 0.85 };
  const atMost = { op: '<=' as const, target: 2 };

  it('meets a goal at its bound and misses it past', () => {
    assert.equal(goalStatus(0.85, atLeast), 'met');
    assert.equal(goalStatus(0.84, atLeast), 'missed');
    assert.equal(goalStatus(2, atMost), 'met');
    assert.equal(goalStatus(2.01, atMost), 'missed');
  });

  it('gives no verdict without a goal, and none but invalid for a run with errors or no ratio', () => {
    assert.equal(goalStatus(5, null), 'none');
    assert.equal(goalStatus(5, atLeast, true), 'invalid');
    assert.equal(goalStatus(Number.NaN, atLeast), 'invalid');
  });

  it('says by how much a goal was missed', () => {
    assert.equal(fmtGoal(0.78, atLeast, 'missed'), '≥ 0.85x: MISSED by 0.07x (8%)');
    assert.equal(fmtGoal(6.62, atMost, 'missed'), '≤ 2x: MISSED by 4.62x (231%)');
    assert.equal(fmtGoal(0.9, atLeast, 'met'), '≥ 0.85x: met');
    assert.equal(fmtGoal(1, null, 'none'), '—');
    assert.equal(
      fmtGoal(1.44, { op: '>=', target: 1.3 }, 'missed', 'its p99 is higher'),
      '≥ 1.3x: MISSED (the ratio is met; its p99 is higher)',
    );
  });
});

describe('figures', () => {
  it('works out the ratio to its baseline and the verdict', () => {
    const f = figure({
      id: 'http/read/memory',
      label: 'read, memory',
      value: 8000,
      unit: 'req/s',
      baseline: { label: 'bare', value: 10_000 },
      goal: { op: '>=', target: 0.85 },
    });
    assert.equal(f.ratio, 0.8);
    assert.equal(f.status, 'missed');
  });

  it('keeps a ratio given (a median of per-round ratios) over value ÷ baseline', () => {
    const f = figure({
      id: 'x',
      label: 'x',
      value: 8000,
      unit: 'req/s',
      baseline: { label: 'bare', value: 10_000 },
      ratio: 0.9,
      goal: { op: '>=', target: 0.85 },
    });
    assert.equal(f.ratio, 0.9);
    assert.equal(f.status, 'met');
  });

  it('stands alone without a baseline, and a run with errors is invalid', () => {
    assert.equal(figure({ id: 'x', label: 'x', value: 1, unit: 'µs' }).ratio, null);
    const bad = figure({
      id: 'y',
      label: 'y',
      value: 9,
      unit: 'req/s',
      baseline: { label: 'b', value: 1 },
      goal: { op: '>=', target: 1 },
      invalid: true,
    });
    assert.equal(bad.status, 'invalid');
  });

  it('renders a table row per figure with its goal', () => {
    const table = figuresTable([
      figure({
        id: 'a',
        label: 'seal + unseal',
        value: 70_000,
        unit: 'ops/s',
        spread: spread([60_000, 80_000]),
        baseline: { label: 'iron-session', value: 1000 },
        goal: { op: '>=', target: 2 },
      }),
    ]);
    const row = table.split('\n')[2]!;
    assert.match(
      row,
      /^\| seal \+ unseal \| 70,000 ops\/s \| 60,000–80,000 \| 1,000 \(iron-session\) \| 70\.00x \| ≥ 2x: met \|$/,
    );
  });
});

describe('results.json', () => {
  const entry = (name: string): BenchEntry => ({
    name,
    title: name,
    command: commandOf(`bench/${name}.ts`, ['--quick']),
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    machine: describeMachine(),
    loadAverageAfter: [1, 1, 1],
    settings: { quick: true },
    figures: [
      figure({
        id: `${name}/a`,
        label: 'a',
        value: 2,
        unit: 'x',
        baseline: { label: 'b', value: 1 },
        goal: { op: '>=', target: 1.3 },
      }),
      figure({ id: `${name}/b`, label: 'b', value: 3, unit: 'µs' }),
    ],
  });

  it('holds the machine, the command and every bench once, and passes its own check', () => {
    const results = mergeEntry(mergeEntry(null, entry('sealed')), entry('http'));
    const again = mergeEntry(results, entry('sealed'));
    assert.deepEqual(Object.keys(again.benches).sort(), ['http', 'sealed']);
    assert.equal(again.command, 'node --import tsx --conditions=statecraft-source bench/sealed.ts --quick');
    assert.equal(typeof again.machine.cpus, 'number');
    assert.equal(again.machine.loadAverage.length, 3);
    assert.deepEqual(checkResults(JSON.parse(JSON.stringify(again))), []);
  });

  it('is bench/results.json under npm run bench, and a file of its own for a bench run alone', () => {
    assert.equal(resultsFileFor('http', { BENCH_RESULTS: 'bench/results.json' }), RESULTS_FILE);
    assert.match(resultsFileFor('http', {}), /\/reports\/results-http\.json$/);
  });

  it('finds what is missing or contradictory', () => {
    const results = mergeEntry(null, entry('http')) as Results;
    const broken = JSON.parse(JSON.stringify(results));
    delete broken.machine;
    broken.benches.http.figures[0].status = 'met-ish';
    broken.benches.http.figures[1].status = 'met';
    broken.benches.http.name = 'other';
    const problems = checkResults(broken);
    assert.ok(problems.includes('results.machine is missing'), problems.join('; '));
    assert.ok(problems.includes('benches.http.figures[0].status'), problems.join('; '));
    assert.ok(
      problems.some((p) => p.startsWith('benches.http.figures[1]: a goal needs')),
      problems.join('; '),
    );
    assert.ok(problems.includes('benches.http.name differs from its key'), problems.join('; '));
    assert.deepEqual(checkResults(null), ['not an object']);
  });
});

describe('docs writer', () => {
  const doc =
    '# Benchmarks\n\nintro\n\n## Tokens\n\nhand-written\n\n## Cluster\n\nold table\n\n## Touch\n\nt\n';

  it('replaces one section and leaves the others as they are', () => {
    const next = replaceSection(doc, 'Cluster', '## Cluster\n\nnew table\n');
    assert.equal(
      next,
      '# Benchmarks\n\nintro\n\n## Tokens\n\nhand-written\n\n## Cluster\n\nnew table\n\n## Touch\n\nt\n',
    );
  });

  it('appends a section it does not find, and matches headings literally', () => {
    const next = replaceSection(doc, 'node:http adapter (x)', '## node:http adapter (x)\n\nrows');
    assert.ok(next.endsWith('## Touch\n\nt\n\n## node:http adapter (x)\n\nrows\n'));
    assert.equal(
      replaceSection(next, 'node:http adapter (x)', '## node:http adapter (x)\n\nnew'),
      next.replace('rows', 'new'),
    );
  });

  it('does not take a longer heading for the one asked', () => {
    const withLast = `${doc}\n## Tokens: last run\n\nfigures\n`;
    const next = replaceSection(withLast, 'Tokens', '## Tokens\n\nrewritten\n');
    assert.ok(next.includes('## Tokens: last run\n\nfigures'));
    assert.ok(next.includes('## Tokens\n\nrewritten'));
  });
});
