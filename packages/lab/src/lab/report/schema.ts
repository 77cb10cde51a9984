/**
 * The JSON Schema (draft 2020-12) of report.json, the one source of both the validator and
 * `docs/report.schema.json` (written by `report/write-schema.ts`; a test keeps the two equal).
 * It mirrors `model.ts` field for field, documents every metric from the catalogue, and states
 * the rule an INVALID run obeys: at least one reason, and every verdict `inconclusive`.
 */
import { METRIC_NAMES, METRICS } from '../claims/metrics.js';
import { REPORT_SCHEMA_VERSION } from '../model.js';
import { sweepDefs, sweepFields } from './sweep-schema.js';

/** The schema's `$id`; it carries the version, so a v2 report cannot pass as a v1. */
export const REPORT_SCHEMA_ID = `urn:statecraft:lab-report:v${REPORT_SCHEMA_VERSION}`;

/** Where the schema lives in the repository, relative to its root. */
export const REPORT_SCHEMA_PATH = 'docs/report.schema.json';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const str = { type: 'string' };
const nonNeg = { type: 'number', minimum: 0 };
const count = { type: 'integer', minimum: 0 };
const share = { type: 'number', minimum: 0, maximum: 1 };

/** An object whose every listed property is required and nothing else is allowed. */
function closed(description: string, properties: Record<string, Json>, optional: string[] = []): Json {
  return {
    type: 'object',
    description,
    additionalProperties: false,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    properties,
  };
}

const ref = (name: string) => ({ $ref: `#/$defs/${name}` });
const sweep = sweepFields({ closed, ref });

const latency = closed('Latency summary in milliseconds.', {
  p50: nonNeg,
  p90: nonNeg,
  p99: nonNeg,
  p999: nonNeg,
  max: nonNeg,
  mean: nonNeg,
});

const metricProperties = Object.fromEntries(
  METRIC_NAMES.map((name) => [
    name,
    { ...ref('MetricValue'), description: `${METRICS[name].meaning} Unit: ${METRICS[name].unit}.` },
  ]),
);

/** The schema of report.json, as a plain JSON value. */
export const REPORT_SCHEMA: { [k: string]: Json } = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: REPORT_SCHEMA_ID,
  title: 'statecraft lab report',
  description:
    'What one `statecraft lab` run measured, per mode, and the verdict on each claim of CLAIMS.md. Generated from packages/lab/src/lab/report/schema.ts; do not edit by hand.',
  type: 'object',
  additionalProperties: false,
  required: [
    'schemaVersion',
    'tool',
    'machine',
    'startedAt',
    'durationMs',
    'config',
    'seed',
    'scheduleHash',
    'valid',
    'invalidReasons',
    'modes',
    'claims',
  ],
  properties: {
    schemaVersion: { const: REPORT_SCHEMA_VERSION },
    tool: closed('The program that made the report.', {
      name: { const: 'statecraft' },
      version: str,
      node: str,
      packages: {
        type: 'object',
        additionalProperties: str,
        description: 'Versions of the packages that matter.',
      },
    }),
    machine: closed('Where it ran.', {
      cpus: { type: 'integer', minimum: 1 },
      model: str,
      memoryGiB: nonNeg,
      platform: str,
    }),
    startedAt: {
      type: 'string',
      description: 'ISO 8601 UTC timestamp of the start.',
      pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$',
    },
    durationMs: nonNeg,
    config: ref('LabConfig'),
    seed: { type: 'integer' },
    scheduleHash: {
      type: 'string',
      pattern: '^[0-9a-f]{64}$',
      description: 'SHA-256 (hex) of the planned schedule: the same seed gives the same hash.',
    },
    valid: {
      type: 'boolean',
      description: 'False when the generator could not hold its target or was saturated.',
    },
    invalidReasons: { type: 'array', items: str },
    modes: { type: 'array', minItems: 1, items: ref('ModeReport') },
    claims: { type: 'array', items: ref('ClaimResult') },
    ...sweep.report,
  },
  allOf: [
    {
      description: 'An INVALID run says why, and draws no verdict.',
      if: { type: 'object', properties: { valid: { const: false } }, required: ['valid'] },
      // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword (if/then/else), not a thenable.
      then: {
        type: 'object',
        properties: {
          invalidReasons: { type: 'array', minItems: 1 },
          claims: {
            type: 'array',
            items: { type: 'object', properties: { verdict: { const: 'inconclusive' } } },
          },
        },
      },
      else: { type: 'object', properties: { invalidReasons: { type: 'array', maxItems: 0 } } },
    },
  ],
  $defs: {
    Mode: { enum: ['sticky', 'shared', 'stateless', 'hybrid'] },
    Verdict: { enum: ['holds', 'does not hold', 'depends', 'inconclusive'] },
    MetricValue: {
      description: 'A figure, or null when the mode cannot produce it (the reason is in notes).',
      type: ['number', 'null'],
    },
    Latency: latency,
    PhaseMetrics: closed(
      "One phase of one mode's run.",
      {
        name: str,
        kind: { enum: ['warmup', 'baseline', 'fault', 'recovery', 'probe'] },
        startMs: nonNeg,
        endMs: nonNeg,
        requests: count,
        errors: {
          type: 'object',
          additionalProperties: count,
          description: 'Failures by kind (http_503, timeout…).',
        },
        errorRate: share,
        throughput: nonNeg,
        latency: { ...ref('Latency'), description: "From each request's intended start (corrected)." },
        latencyUncorrected: {
          ...ref('Latency'),
          description: 'From the actual send (what a closed loop reports).',
        },
        recoveryMs: { type: ['number', 'null'], minimum: 0 },
      },
      ['recoveryMs'],
    ),
    TimePoint: closed("One second of one mode's run.", {
      t: nonNeg,
      rps: nonNeg,
      errors: nonNeg,
      p50: nonNeg,
      p99: nonNeg,
    }),
    FaultEvent: closed(
      'A fault on the timeline, drawn as a band on every time chart.',
      {
        mode: ref('Mode'),
        kind: {
          enum: [
            'kill',
            'restart',
            'drain',
            'roll',
            'store-restart',
            'add-instance',
            'logout-everywhere',
            'pause',
          ],
        },
        target: str,
        startMs: nonNeg,
        endMs: nonNeg,
      },
      ['target'],
    ),
    GeneratorHealth: closed('What the load generator measured about itself.', {
      targetRate: nonNeg,
      achievedRate: nonNeg,
      dropped: count,
      cpuPercent: nonNeg,
      eventLoopDelayP99Ms: nonNeg,
    }),
    ModeReport: closed('Everything one mode measured.', {
      mode: ref('Mode'),
      store: str,
      balancer: str,
      instances: { type: 'integer', minimum: 1 },
      connectionPolicy: { enum: ['keep-alive', 'new-connection-per-user', 'websocket'] },
      phases: { type: 'array', items: ref('PhaseMetrics') },
      series: { type: 'array', items: ref('TimePoint') },
      faults: { type: 'array', items: ref('FaultEvent') },
      generator: ref('GeneratorHealth'),
      loadShare: {
        type: 'object',
        additionalProperties: share,
        description: 'Share of requests each instance served, by instance id (sums to 1).',
      },
      metrics: {
        type: 'object',
        description: 'Every figure the claim rules may use, by name (claims/metrics.ts).',
        propertyNames: { pattern: '^[a-z][a-z0-9_]*$' },
        properties: metricProperties,
        additionalProperties: ref('MetricValue'),
      },
      notes: {
        type: 'object',
        additionalProperties: str,
        description: 'Why a metric is null, by metric name.',
      },
    }),
    ClaimResult: closed(
      'The verdict on one claim.',
      {
        id: { type: 'string', pattern: '^C[0-9]+$' },
        claim: str,
        seeds: { type: 'array', items: { type: 'string', pattern: '^[0-9]{3}$' } },
        figures: {
          type: 'object',
          description: 'The figures the rule used, per mode: metric name to value.',
          propertyNames: ref('Mode'),
          additionalProperties: { type: 'object', additionalProperties: ref('MetricValue') },
        },
        verdict: ref('Verdict'),
        reason: { type: 'string', minLength: 1 },
        ...sweep.claim,
      },
      Object.keys(sweep.claim),
    ),
    LabConfig: closed(
      'What the run was asked to do.',
      {
        modes: { type: 'array', minItems: 1, uniqueItems: true, items: ref('Mode') },
        instances: { type: 'integer', minimum: 1 },
        balancer: { enum: ['builtin', 'nginx', 'haproxy'] },
        store: str,
        rate: nonNeg,
        phaseSeconds: nonNeg,
        warmupSeconds: nonNeg,
        users: { type: 'integer', minimum: 1 },
        seed: { type: 'integer' },
        model: { enum: ['open', 'closed'] },
        app: { type: ['string', 'null'] },
        ...sweep.config,
      },
      Object.keys(sweep.config),
    ),
    ...sweepDefs({ closed, ref }),
  },
};

/** The schema as the text of `docs/report.schema.json` (two-space JSON and a final newline). */
export function schemaJson(): string {
  return `${JSON.stringify(REPORT_SCHEMA, null, 2)}\n`;
}
