import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CSV_COLUMNS, renderCsv } from '../../../src/lab/report/csv.js';
import { makeReport } from './fixture.js';

test('the CSV has a header and one row per point of every mode', () => {
  const report = makeReport();
  const lines = renderCsv(report).split('\r\n');
  assert.equal(lines.pop(), '', 'ends with a line break');
  assert.equal(lines[0], 'mode,t,rps,errors,p50,p99');
  assert.deepEqual(lines[0]?.split(','), [...CSV_COLUMNS]);
  const points = report.modes.reduce((a, m) => a + m.series.length, 0);
  assert.equal(lines.length - 1, points);
  assert.ok(points >= 4 * 60);
});

test('each CSV row holds the mode and the point’s numbers, in time order', () => {
  const report = makeReport();
  const rows = renderCsv(report)
    .trim()
    .split('\r\n')
    .slice(1)
    .map((l) => l.split(','));
  const sticky = rows.filter((r) => r[0] === 'sticky');
  const first = report.modes.find((m) => m.mode === 'sticky')!.series[0]!;
  assert.deepEqual(sticky[0], [
    'sticky',
    String(first.t),
    String(first.rps),
    String(first.errors),
    String(first.p50),
    String(first.p99),
  ]);
  for (const r of rows) {
    assert.equal(r.length, 6);
    for (const cell of r.slice(1)) assert.ok(Number.isFinite(Number(cell)), cell);
  }
  const ts = sticky.map((r) => Number(r[1]));
  assert.deepEqual(
    ts,
    [...ts].sort((a, b) => a - b),
  );
});
