import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  liveFamilies,
  OpenMetricsError,
  parseOpenMetrics,
  renderOpenMetrics,
} from '../../../src/lab/report/openmetrics.js';

const live = liveFamilies([
  {
    mode: 'sticky',
    phase: 'kill i2',
    requests: 1200,
    errors: { http_503: 14, reset: 3 },
    dropped: 0,
    inFlight: 7,
    sessionsLost: 12,
    cartItemsLost: 30,
  },
  {
    mode: 'stateless',
    phase: 'baseline',
    requests: 1180,
    errors: {},
    dropped: 2,
    inFlight: 5,
    sessionsLost: 0,
    cartItemsLost: 0,
  },
]);

test('the live counters render as OpenMetrics that the parser accepts', () => {
  const text = renderOpenMetrics(live);
  assert.ok(text.endsWith('# EOF\n'));
  const families = parseOpenMetrics(text);
  const requests = families.find((f) => f.name === 'statecraft_lab_requests')!;
  assert.equal(requests.type, 'counter');
  assert.deepEqual(requests.samples, [
    { name: 'statecraft_lab_requests_total', labels: { mode: 'sticky' }, value: 1200 },
    { name: 'statecraft_lab_requests_total', labels: { mode: 'stateless' }, value: 1180 },
  ]);
  const errors = families.find((f) => f.name === 'statecraft_lab_errors')!;
  assert.deepEqual(
    errors.samples.map((s) => [s.labels.kind, s.value]),
    [
      ['http_503', 14],
      ['reset', 3],
    ],
  );
  assert.equal(families.find((f) => f.name === 'statecraft_lab_in_flight')?.type, 'gauge');
});

test('every counter sample ends in _total and every family is typed before its samples', () => {
  const lines = renderOpenMetrics(live).trimEnd().split('\n');
  const typed = new Map<string, string>();
  for (const line of lines) {
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) typed.set(t[1]!, t[2]!);
    else if (!line.startsWith('#')) {
      const name = line.split(/[{ ]/)[0]!;
      const family = [...typed.keys()].find((f) => name === f || name === `${f}_total`);
      assert.ok(family, `${name} has a # TYPE before it`);
      if (typed.get(family) === 'counter') assert.ok(name.endsWith('_total'), name);
    }
  }
  assert.equal(lines.at(-1), '# EOF');
});

test('label values are escaped and come back intact', () => {
  const text = renderOpenMetrics([
    { name: 'x', type: 'gauge', help: 'odd "labels"', samples: [{ labels: { v: 'a"b\\c\nd' }, value: 1.5 }] },
  ]);
  assert.match(text, /x\{v="a\\"b\\\\c\\nd"\} 1\.5/);
  assert.equal(parseOpenMetrics(text)[0]?.samples[0]?.labels.v, 'a"b\\c\nd');
});

test('the renderer refuses a counter family named with _total', () => {
  assert.throws(
    () => renderOpenMetrics([{ name: 'a_total', type: 'counter', help: '', samples: [] }]),
    /_total/,
  );
});

test('the parser rejects each broken rule with the line it found it on', () => {
  const bad: [string, string, RegExp][] = [
    ['no EOF', '# TYPE a counter\na_total 1\n', /must end with # EOF/],
    ['sample before TYPE', 'a_total 1\n# TYPE a counter\n# EOF\n', /no # TYPE before it/],
    ['counter without _total', '# TYPE a counter\na 1\n# EOF\n', /no # TYPE before it/],
    ['TYPE after samples', '# TYPE a gauge\na 1\n# HELP a late\n# EOF\n', /after its samples/],
    ['content after EOF', '# TYPE a gauge\na 1\n# EOF\na 2\n', /must end with # EOF/],
    ['split family', '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n# EOF\n', /apart from its family a/],
    ['negative counter', '# TYPE a counter\na_total -1\n# EOF\n', /counter a_total is -1/],
    ['empty line', '# TYPE a gauge\n\na 1\n# EOF\n', /empty lines/],
    ['bad value', '# TYPE a gauge\na one\n# EOF\n', /bad value/],
    ['repeated series', '# TYPE a gauge\na{m="x"} 1\na{m="x"} 2\n# EOF\n', /same labels/],
  ];
  for (const [what, text, error] of bad) {
    assert.throws(
      () => parseOpenMetrics(text),
      (e: unknown) => e instanceof OpenMetricsError && error.test(e.message) && e.line > 0,
      what,
    );
  }
});
