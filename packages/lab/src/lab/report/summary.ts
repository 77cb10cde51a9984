/**
 * One row of the comparison table per mode, the same in the terminal and in report.html:
 * throughput and latency of the baseline phase (corrected for coordinated omission, with the
 * uncorrected figure beside it to show what a closed-loop tool would have reported), errors over
 * the measured phases, bytes on the wire, memory, damage from the kill and revocation delay.
 * Outputs are lenient: a figure the run lacks shows as a dash (the claim rules are the strict part).
 */
import { MODE_ORDER } from '../claims/roles.js';
import type { LabReport, ModeReport, PhaseMetrics } from '../model.js';

/** The comparison figures of one mode; null where the run has no figure. */
export interface ModeSummary {
  mode: ModeReport['mode'];
  store: string;
  balancer: string;
  instances: number;
  throughput: number | null;
  p50: number | null;
  p50Uncorrected: number | null;
  p99: number | null;
  p99Uncorrected: number | null;
  /** Failed requests over every phase but warm-up. */
  errors: number;
  /** Their share of the requests of those phases. */
  errorShare: number;
  requestBytes: number | null;
  responseBytes: number | null;
  rssPer1k: number | null;
  sessionsLost: number | null;
  itemsLost: number | null;
  failedDuringKill: number | null;
  /** Milliseconds, or the note that says why there is none (e.g. "never before expiry"). */
  revocation: number | string | null;
}

/** The baseline phase that carries the most requests (the one a verdict on speed reads). */
export function baselinePhase(m: ModeReport): PhaseMetrics | undefined {
  return m.phases
    .filter((p) => p.kind === 'baseline')
    .reduce<PhaseMetrics | undefined>(
      (best, p) => (!best || p.requests > best.requests ? p : best),
      undefined,
    );
}

function metric(m: ModeReport, name: string): number | null {
  const v = m.metrics[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The comparison row of one mode. */
export function summarizeMode(m: ModeReport): ModeSummary {
  const base = baselinePhase(m);
  const measured = m.phases.filter((p) => p.kind !== 'warmup');
  const errors = measured.reduce((a, p) => a + Object.values(p.errors).reduce((x, y) => x + y, 0), 0);
  const requests = measured.reduce((a, p) => a + p.requests, 0);
  const delay = metric(m, 'revocation_delay_ms');
  return {
    mode: m.mode,
    store: m.store,
    balancer: m.balancer,
    instances: m.instances,
    throughput: base?.throughput ?? metric(m, 'throughput_rps'),
    p50: base?.latency.p50 ?? metric(m, 'p50_ms'),
    p50Uncorrected: base?.latencyUncorrected.p50 ?? null,
    p99: base?.latency.p99 ?? metric(m, 'p99_ms'),
    p99Uncorrected: base?.latencyUncorrected.p99 ?? null,
    errors,
    errorShare: requests > 0 ? errors / requests : 0,
    requestBytes: metric(m, 'request_bytes_per_req'),
    responseBytes: metric(m, 'response_bytes_per_req'),
    rssPer1k: metric(m, 'rss_mb_per_1k_sessions'),
    sessionsLost: metric(m, 'sessions_lost_after_kill'),
    itemsLost: metric(m, 'cart_items_lost_after_kill'),
    failedDuringKill: metric(m, 'failed_requests_during_kill'),
    revocation: delay ?? m.notes.revocation_delay_ms ?? null,
  };
}

/** Every mode's row, in the usual mode order. */
export function summarize(report: Pick<LabReport, 'modes'>): ModeSummary[] {
  return [...report.modes]
    .sort((a, b) => MODE_ORDER.indexOf(a.mode) - MODE_ORDER.indexOf(b.mode))
    .map(summarizeMode);
}

/** The revocation cell in words: `4 ms`, `never before expiry`, or a dash. */
export function revocationText(s: ModeSummary, fmt: (n: number) => string): string {
  if (typeof s.revocation === 'number') return `${fmt(s.revocation)} ms`;
  return s.revocation ?? '—';
}
