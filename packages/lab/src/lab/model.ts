/**
 * The lab's data model: what a run measures and what report.json holds. The load generator
 * fills `PhaseMetrics` and `TimePoint`s, the orchestrator fills the rest, the claim rules read
 * `ModeReport.metrics` by name, and every output (terminal, JSON, CSV, HTML, dashboard) is made
 * from one `LabReport`. Bump `REPORT_SCHEMA_VERSION` on any incompatible change (the JSON
 * Schema in `report/schema.ts` carries the same number).
 */

import type { NetConfig, SweepReport } from './sweep-model.js';

export const REPORT_SCHEMA_VERSION = 1 as const;

export type Mode = 'sticky' | 'shared' | 'stateless' | 'hybrid';

/** Latency summary in milliseconds. */
export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export type PhaseKind = 'warmup' | 'baseline' | 'fault' | 'recovery' | 'probe';

/** One phase of one mode's run: warm-up (never in a verdict), baseline, a fault, recovery… */
export interface PhaseMetrics {
  name: string;
  kind: PhaseKind;
  /** Milliseconds since the mode's run started. */
  startMs: number;
  endMs: number;
  requests: number;
  /** Non-2xx/3xx answers and transport failures, by kind (`http_503`, `http_401`, `timeout`, `reset`, `dropped`…). */
  errors: Record<string, number>;
  errorRate: number;
  /** Completed requests per second over the phase. */
  throughput: number;
  /** Measured from each request's intended start (corrects coordinated omission). */
  latency: Latency;
  /** Measured from the actual send: what a closed-loop tool would report. */
  latencyUncorrected: Latency;
  /** Milliseconds from the end of the fault until the error rate returned to the baseline's, or null. */
  recoveryMs?: number | null;
}

/** One second of one mode's run, for the time-series charts and CSV. */
export interface TimePoint {
  /** Seconds since the mode's run started. */
  t: number;
  rps: number;
  errors: number;
  p50: number;
  p99: number;
}

/** A fault on the timeline, drawn as a band on every time chart. */
export interface FaultEvent {
  mode: Mode;
  kind:
    | 'kill'
    | 'restart'
    | 'drain'
    | 'roll'
    | 'store-restart'
    | 'add-instance'
    | 'logout-everywhere'
    | 'pause';
  target?: string;
  /** Milliseconds since the mode's run started. */
  startMs: number;
  endMs: number;
}

/** What the generator measured about itself: a saturated generator makes a run INVALID. */
export interface GeneratorHealth {
  targetRate: number;
  achievedRate: number;
  /** Arrivals that could not be started in time: counted as errors, never dropped silently. */
  dropped: number;
  cpuPercent: number;
  eventLoopDelayP99Ms: number;
}

export interface ModeReport {
  mode: Mode;
  store: string;
  balancer: string;
  instances: number;
  connectionPolicy: 'keep-alive' | 'new-connection-per-user' | 'websocket';
  phases: PhaseMetrics[];
  series: TimePoint[];
  faults: FaultEvent[];
  generator: GeneratorHealth;
  /** Share of requests each instance served, by instance id (sums to 1). */
  loadShare: Record<string, number>;
  /**
   * Every figure the claim rules may use, by name (see `claims/metrics.ts` for the names and
   * units). A figure the mode cannot produce is null with a reason in `notes`.
   */
  metrics: Record<string, number | null>;
  notes: Record<string, string>;
}

export type Verdict = 'holds' | 'does not hold' | 'depends' | 'inconclusive';

export interface ClaimResult {
  id: string;
  claim: string;
  seeds: string[];
  /** The figures the rule used, per mode: metric name → value. */
  figures: Partial<Record<Mode, Record<string, number | null>>>;
  verdict: Verdict;
  /** Why, in words, with the run's numbers (and the condition for `depends`). */
  reason: string;
  /** In an RTT sweep: the round-trip time (ms) the verdict was measured at; absent across RTTs. */
  rttMs?: number;
}

export interface LabConfig {
  modes: Mode[];
  instances: number;
  balancer: 'builtin' | 'nginx' | 'haproxy';
  store: string;
  /** Target arrival rate per mode (requests/s) of the open model. */
  rate: number;
  /** Seconds per phase. */
  phaseSeconds: number;
  warmupSeconds: number;
  users: number;
  seed: number;
  model: 'open' | 'closed';
  app: string | null;
  /** A fault proxy's delay on the run's links (`--rtt`); absent: direct connections. */
  net?: NetConfig;
  /** The RTTs of a sweep (`--sweep-rtt`), in ms; then `LabReport.sweep` holds what they gave. */
  sweepRttMs?: number[];
}

export interface LabReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  tool: { name: 'statecraft'; version: string; node: string; packages: Record<string, string> };
  machine: { cpus: number; model: string; memoryGiB: number; platform: string };
  startedAt: string;
  durationMs: number;
  config: LabConfig;
  seed: number;
  /** SHA-256 of the planned schedule (arrivals and faults): the same seed gives the same hash. */
  scheduleHash: string;
  /** False when the generator could not hold its target or was saturated: every verdict is then `inconclusive`. */
  valid: boolean;
  invalidReasons: string[];
  modes: ModeReport[];
  claims: ClaimResult[];
  /** Every mode at every RTT of `config.sweepRttMs`, and the crossover. */
  sweep?: SweepReport;
}
