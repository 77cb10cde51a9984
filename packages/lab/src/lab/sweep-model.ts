/**
 * What a run with a network in between records: the link the delay sits on (`config.net` of a
 * single run) and, for `--sweep-rtt`, every mode's figures at every RTT with the crossover the
 * rules computed from them (`report.sweep`).
 */
import type { ClaimResult, Mode } from './model.js';

/** Where the fault proxy adds its delay: before the store, before the instances, or both. */
export type RttLink = 'store' | 'instances' | 'both';

/** The network of a run: the RTT every link of `link` adds, with jitter. */
export interface NetConfig {
  rttMs: number;
  jitterMs: number;
  link: RttLink;
}

/** One mode at one RTT: the steady phase's latency and throughput, and the scaling figures. */
export interface SweepPoint {
  rttMs: number;
  mode: Mode;
  store: string;
  /** The figures C5 and C7 read, by metric name (see `claims/metrics.ts`). */
  metrics: Record<string, number | null>;
  notes: Record<string, string>;
  /** p50 of the steady phase from each request's actual send (what a closed loop reports), in ms. */
  p50UncorrectedMs: number | null;
  /** The mean one-way delay the store link's proxy really added, in ms; null with no store link. */
  measuredStoreOneWayMs: number | null;
}

/** Stateless against one other mode across the sweep: where their p50s cross, if they do. */
export interface Crossover {
  /** The mode stateless is compared with. */
  against: Mode;
  /** Stateless beyond the crossover, or at every RTT when there is none. */
  stateless: 'faster' | 'slower' | 'as fast as';
  /** The RTT in ms where the p50s cross, interpolated between measured points; null when they do not cross. */
  rttMs: number | null;
  /** The crossover in words, with the figures. */
  text: string;
}

export interface SweepReport {
  link: RttLink;
  jitterMs: number;
  rttsMs: number[];
  points: SweepPoint[];
  crossovers: Crossover[];
}

/** A claim's verdict at one RTT of a sweep (C5, C7), or across them (the crossover). */
export type SweepClaim = ClaimResult & { rttMs?: number };
