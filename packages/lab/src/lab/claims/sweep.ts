/**
 * The claims of an RTT sweep: C5 and C7 judged by their own rules at every RTT, each row marked
 * with its RTT, and one more C5 row across the RTTs that names the crossover with every mode
 * that keeps session state. As everywhere, verdicts follow from the figures; an INVALID run
 * keeps them for inspection and draws none.
 */
import type { ClaimResult, Mode, ModeReport } from '../model.js';
import type { Crossover, RttLink, SweepClaim, SweepPoint } from '../sweep-model.js';
import { c05 } from './c05.js';
import { c07 } from './c07.js';
import { claimSpec } from './catalogue.js';
import { crossover } from './crossover.js';
import { list } from './format.js';
import { MODE_ORDER, STATELESS_MODE } from './roles.js';

/** A sweep point as the claim rules read a mode (they read `mode`, `store` and `metrics`). */
export function pointAsMode(p: SweepPoint, base: Pick<ModeReport, 'balancer' | 'instances'>): ModeReport {
  return {
    mode: p.mode,
    store: p.store,
    balancer: base.balancer,
    instances: base.instances,
    connectionPolicy: 'keep-alive',
    phases: [],
    series: [],
    faults: [],
    generator: { targetRate: 0, achievedRate: 0, dropped: 0, cpuPercent: 0, eventLoopDelayP99Ms: 0 },
    loadShare: {},
    metrics: p.metrics,
    notes: p.notes,
  };
}

/** Every other mode of the sweep against stateless. */
export function crossovers(points: readonly SweepPoint[], link: RttLink): Crossover[] {
  const modes = MODE_ORDER.filter((m) => m !== STATELESS_MODE && points.some((p) => p.mode === m));
  if (!points.some((p) => p.mode === STATELESS_MODE)) return [];
  const rtts = [...new Set(points.map((p) => p.rttMs))].sort((a, b) => a - b);
  const p50 = (mode: Mode, rtt: number) =>
    points.find((p) => p.mode === mode && p.rttMs === rtt)?.metrics.p50_ms ?? null;
  return modes.map((m) =>
    crossover(
      m,
      rtts.map((r) => ({ rttMs: r, self: p50(STATELESS_MODE, r), other: p50(m, r) })),
      link,
    ),
  );
}

/** The C5 row across the sweep: the crossover with each stateful mode decides it. */
export function crossoverClaim(cs: readonly Crossover[], points: readonly SweepPoint[]): ClaimResult {
  const spec = claimSpec('C5');
  const figures: ClaimResult['figures'] = {};
  for (const p of points) {
    figures[p.mode] = { ...figures[p.mode], [`p50_ms@${p.rttMs}ms`]: p.metrics.p50_ms ?? null };
  }
  const base = { id: spec.id, claim: spec.claim, seeds: [...spec.seeds], figures };
  if (cs.length === 0) {
    return {
      ...base,
      verdict: 'inconclusive',
      reason: 'The sweep measured stateless against no other mode.',
    };
  }
  // Stateless faster at every RTT: the claim holds there; never faster: it does not; a
  // crossover (or a mix) makes it depend on how far away the store is.
  const always = cs.filter((c) => c.rttMs === null && c.stateless === 'faster');
  const never = cs.filter((c) => c.rttMs === null && c.stateless !== 'faster');
  const crossing = cs.filter((c) => c.rttMs !== null);
  const text = `Across the sweep: ${list(cs.map((c) => c.text))}.`;
  if (crossing.length === 0 && never.length === 0) return { ...base, verdict: 'holds', reason: text };
  if (crossing.length === 0 && always.length === 0)
    return { ...base, verdict: 'does not hold', reason: text };
  return { ...base, verdict: 'depends', reason: text };
}

/**
 * C5 and C7 at every RTT, then the crossover row.
 *
 * @throws MetricError when a point lacks a figure C5 or C7 reads.
 */
export function sweepClaims(
  points: readonly SweepPoint[],
  link: RttLink,
  base: Pick<ModeReport, 'balancer' | 'instances'>,
  validity: { valid: boolean; invalidReasons: readonly string[] },
): SweepClaim[] {
  const rtts = [...new Set(points.map((p) => p.rttMs))].sort((a, b) => a - b);
  const rows: SweepClaim[] = [];
  for (const rttMs of rtts) {
    const modes = points.filter((p) => p.rttMs === rttMs).map((p) => pointAsMode(p, base));
    for (const rule of [c05, c07]) rows.push({ ...rule(modes), rttMs });
  }
  rows.push(crossoverClaim(crossovers(points, link), points));
  if (validity.valid) return rows;
  const why = validity.invalidReasons.join('; ') || 'no reason recorded';
  return rows.map((c) => ({
    ...c,
    verdict: 'inconclusive',
    reason: `No verdict: the run is INVALID (${why}). The figures are kept for inspection only.`,
  }));
}
