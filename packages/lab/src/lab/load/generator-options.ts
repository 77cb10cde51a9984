/**
 * The generator's options and what a run returns: the contract between the load generator and
 * the orchestrator that drives it.
 */
import type { GeneratorHealth, PhaseMetrics, TimePoint } from '../model.js';
import type { Mix } from './actions.js';
import type { Cacheability } from './cacheability.js';
import type { GeneratorSelfCheck, HealthAssessment, HealthThresholds } from './health.js';
import type { ByteCounts, PhaseDetail } from './recorder.js';
import type { ConnectionPolicy } from './transport.js';
import type { UserCounters } from './user-counters.js';
import type { UsersOptions, VirtualUsers } from './users.js';

export interface GeneratorOptions {
  /** Base URL(s) of the system under test (the balancer). */
  target: string | readonly string[];
  /** @default 'keep-alive' */
  connectionPolicy?: ConnectionPolicy;
  /** Connections per target with `keep-alive`. @default 16 */
  connections?: number;
  /** The virtual users, or options to create them (their count comes from the schedule). */
  users?: VirtualUsers | Omit<UsersOptions, 'count'>;
  /** Connect, headers and body timeout of one request. @default 10_000 */
  timeoutMs?: number;
  /** Requests in flight at most; arrivals beyond it are dropped. @default 10_000 */
  maxInFlight?: number;
  /** An arrival that would leave later than this after its intended time is dropped. @default 500 */
  maxLagMs?: number;
  /** Checks of `assessHealth`. */
  thresholds?: Partial<HealthThresholds>;
}

/** The closed model: `users` users, each looping request → answer → think time. */
export interface ClosedOptions {
  users: number;
  durationMs: number;
  /** Pause between an answer and the user's next request. @default 0 */
  thinkMs?: number;
  /** @default DEFAULT_MIX */
  mix?: Mix;
  /** Seeds each user's sequence of actions (user u draws from stream u). */
  seed: number;
}

/** Everything one run measured. */
export interface GeneratorResults {
  model: 'open' | 'closed';
  connectionPolicy: ConnectionPolicy;
  /** Connections per target (`keep-alive`) or connections opened (`new-connection-per-user`). */
  connections: number;
  /** Length of the run's timeline, ms (the schedule's duration, or less if stopped). */
  durationMs: number;
  phases: PhaseMetrics[];
  /** Per phase, in the same order as `phases`: bytes, users' findings, answers per instance. */
  phaseDetails: PhaseDetail[];
  series: TimePoint[];
  /** Share of answers each instance gave over the whole run (sums to 1). */
  loadShare: Record<string, number>;
  bytes: ByteCounts;
  errors: Record<string, number>;
  /** The users' findings over the whole run. */
  users: UserCounters;
  /** What a shared HTTP cache may do with the run's GET answers (see `cacheability.ts`). */
  cacheability: Cacheability;
  generator: GeneratorHealth;
  selfCheck: GeneratorSelfCheck;
  health: HealthAssessment;
}
