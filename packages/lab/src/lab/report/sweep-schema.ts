/**
 * The parts of report.json's schema that a run with a network in between adds: `config.net`,
 * `config.sweepRttMs`, `claims[].rttMs` and the `sweep` section (see `sweep-model.ts`). Built by
 * `schema.ts` with its own helpers, so that both speak the same dialect.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** What `schema.ts` lends: an object with required fields and nothing else, and a `$ref`. */
export interface SchemaHelpers {
  closed(description: string, properties: Record<string, Json>, optional?: string[]): Json;
  ref(name: string): Json;
}

const nonNeg = { type: 'number', minimum: 0 };
const rtt = { type: 'number', minimum: 0, description: 'Round-trip time in milliseconds.' };
const link = { enum: ['store', 'instances', 'both'] };

/** The `$defs` entries of the sweep. */
export function sweepDefs({ closed, ref }: SchemaHelpers): Record<string, Json> {
  return {
    NetConfig: closed('The fault proxy on the run’s links (`--rtt`, `--jitter`, `--rtt-link`).', {
      rttMs: rtt,
      jitterMs: nonNeg,
      link,
    }),
    SweepPoint: closed('One mode at one RTT of a sweep: a steady phase and the scaling probes.', {
      rttMs: rtt,
      mode: ref('Mode'),
      store: { type: 'string' },
      metrics: {
        type: 'object',
        description: 'The figures C5 and C7 read, by metric name.',
        additionalProperties: ref('MetricValue'),
      },
      notes: { type: 'object', additionalProperties: { type: 'string' } },
      p50UncorrectedMs: {
        type: ['number', 'null'],
        minimum: 0,
        description: "p50 of the steady phase from each request's actual send, in ms.",
      },
      measuredStoreOneWayMs: {
        type: ['number', 'null'],
        minimum: 0,
        description:
          'Mean one-way delay the store link really added over the baseline, or null without a store link.',
      },
    }),
    Crossover: closed('Stateless against one other mode across the sweep.', {
      against: ref('Mode'),
      stateless: { enum: ['faster', 'slower', 'as fast as'] },
      rttMs: {
        type: ['number', 'null'],
        minimum: 0,
        description: 'Where the p50s cross, interpolated between measured RTTs; null when they do not.',
      },
      text: { type: 'string', minLength: 1 },
    }),
    SweepReport: closed('Every mode at every RTT of `config.sweepRttMs`, and the crossovers.', {
      link,
      jitterMs: nonNeg,
      rttsMs: { type: 'array', minItems: 1, items: rtt },
      points: { type: 'array', items: ref('SweepPoint') },
      crossovers: { type: 'array', items: ref('Crossover') },
    }),
  };
}

/** The optional fields the sweep adds to LabConfig, ClaimResult and the report. */
export function sweepFields({ ref }: SchemaHelpers): {
  config: Record<string, Json>;
  claim: Record<string, Json>;
  report: Record<string, Json>;
} {
  return {
    config: {
      net: ref('NetConfig'),
      sweepRttMs: { type: 'array', minItems: 1, items: rtt },
    },
    claim: {
      rttMs: { ...rtt, description: 'The RTT a sweep’s verdict was measured at (absent across RTTs).' },
    },
    report: { sweep: ref('SweepReport') },
  };
}
