import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { METRIC_NAMES } from '../../../src/lab/claims/metrics.js';
import { REPORT_SCHEMA_VERSION } from '../../../src/lab/model.js';
import {
  REPORT_SCHEMA,
  REPORT_SCHEMA_ID,
  REPORT_SCHEMA_PATH,
  schemaJson,
} from '../../../src/lab/report/schema.js';
import { assertReport, validateReport } from '../../../src/lab/report/validate.js';
import { makeReport } from './fixture.js';

const root = resolve(import.meta.dirname, '../../../../..');

const DELETE = Symbol('delete');
type Path = (string | number)[];

/** A deep copy of the fixture with the value at each path replaced (or deleted). */
function broken(...edits: [Path, unknown][]): unknown {
  const r = structuredClone(makeReport()) as unknown;
  for (const [path, value] of edits) {
    let node = r as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
    const last = path.at(-1)!;
    if (value === DELETE) delete node[last];
    else node[last] = value;
  }
  return r;
}

const allInconclusive = (): [Path, unknown][] =>
  makeReport().claims.map((_, i): [Path, unknown] => [['claims', i, 'verdict'], 'inconclusive']);

test('docs/report.schema.json is exactly the schema generated from report/schema.ts', () => {
  const onDisk = readFileSync(resolve(root, REPORT_SCHEMA_PATH), 'utf8');
  assert.equal(
    onDisk,
    schemaJson(),
    'regenerate with: node --import tsx packages/lab/src/lab/report/write-schema.ts',
  );
});

test('the schema is draft 2020-12 and its $id carries the report version', () => {
  assert.equal(REPORT_SCHEMA.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(REPORT_SCHEMA_ID, `urn:statecraft:lab-report:v${REPORT_SCHEMA_VERSION}`);
  assert.equal(REPORT_SCHEMA.$id, REPORT_SCHEMA_ID);
});

test('the schema documents every catalogued metric', () => {
  const text = schemaJson();
  for (const name of METRIC_NAMES) assert.ok(text.includes(`"${name}"`), name);
});

test('the fixture report validates, valid or INVALID', () => {
  for (const valid of [true, false]) {
    const v = validateReport(makeReport({ valid }));
    assert.deepEqual(v.ok ? [] : v.errors, []);
  }
});

test('a report without series, with an unknown verdict or a wrong version does not validate', () => {
  const cases: [string, unknown, RegExp][] = [
    ['no series', broken([['modes', 0, 'series'], DELETE]), /must have required property 'series'/],
    ['unknown verdict', broken([['claims', 0, 'verdict'], 'maybe']), /verdict/],
    ['wrong version', broken([['schemaVersion'], 2]), /schemaVersion/],
    ['unknown field', broken([['modes', 1, 'extra'], 1]), /extra/],
    ['metric as text', broken([['modes', 2, 'metrics', 'p50_ms'], '1.2']), /metrics\/p50_ms/],
    ['bad hash', broken([['scheduleHash'], 'abc']), /scheduleHash/],
    ['unknown fault', broken([['modes', 0, 'faults', 0, 'kind'], 'meteor']), /faults\/0\/kind/],
  ];
  for (const [what, report, error] of cases) {
    const v = validateReport(report);
    assert.equal(v.ok, false, what);
    if (!v.ok)
      assert.ok(
        v.errors.some((e) => error.test(e)),
        `${what}: ${v.errors.join(' | ')}`,
      );
  }
});

test('an INVALID run must give a reason and may not draw a verdict', () => {
  const noReason = broken([['valid'], false], [['invalidReasons'], []], ...allInconclusive());
  assert.equal(validateReport(noReason).ok, false);
  const explained = broken(
    [['valid'], false],
    [['invalidReasons'], ['generator saturated']],
    ...allInconclusive(),
  );
  assert.equal(validateReport(explained).ok, true);
  const withVerdict = broken([['valid'], false], [['invalidReasons'], ['generator saturated']]);
  const v = validateReport(withVerdict);
  assert.equal(v.ok, false);
  if (!v.ok) assert.ok(v.errors.some((e) => /claims\/\d+\/verdict/.test(e)));
  const validWithReasons = broken([['invalidReasons'], ['left over']]);
  assert.equal(validateReport(validWithReasons).ok, false);
});

test('assertReport returns the report or throws with every error', () => {
  const r = makeReport();
  assert.equal(assertReport(r), r);
  assert.throws(() => assertReport({}), /must have required property 'modes'/);
});
