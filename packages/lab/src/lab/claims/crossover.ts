/**
 * The crossover of an RTT sweep, computed from the measured points: the round-trip time beyond
 * which stateless's median latency is lower (or higher) than another mode's. The sign of the
 * difference is judged beyond the latency margin at each measured RTT; where it last changes,
 * the RTT is interpolated linearly between the two points that bracket the change, so the figure
 * is "measured" in the sense that it lies between two RTTs the run measured and follows from
 * their p50s, not from a model.
 */
import type { Mode } from '../model.js';
import type { Crossover, RttLink } from '../sweep-model.js';
import { ms, num } from './format.js';
import { STATELESS_MODE } from './roles.js';
import { compareBeyond, LATENCY_MARGIN } from './thresholds.js';

/** One RTT of the sweep: the two modes' p50 (ms), null when not measured. */
export interface CrossPoint {
  rttMs: number;
  self: number | null;
  other: number | null;
}

/** How two series of p50 compare across the sweep. */
export type CrossShape =
  | { kind: 'crosses'; rttMs: number; winner: -1 | 1 }
  | { kind: 'same'; relation: -1 | 0 | 1 }
  | { kind: 'unknown' };

/**
 * Where `self` (e.g. stateless) and `other` cross: `winner` -1 means self is faster beyond the
 * crossover, 1 slower. Points are sorted by RTT; a point without both figures is skipped.
 *
 * @example
 * crossShape([{ rttMs: 0, self: 2, other: 1 }, { rttMs: 2, self: 2, other: 5 }])
 * // { kind: 'crosses', rttMs: 0.5, winner: -1 }
 */
export function crossShape(points: readonly CrossPoint[]): CrossShape {
  const known = points
    .filter((p): p is { rttMs: number; self: number; other: number } => p.self !== null && p.other !== null)
    .sort((a, b) => a.rttMs - b.rttMs);
  if (known.length === 0) return { kind: 'unknown' };
  const signs = known.map((p) => compareBeyond(p.self, p.other, LATENCY_MARGIN));
  const last = signs.at(-1)!;
  if (signs.every((s) => s === last)) return { kind: 'same', relation: last };
  // A tie at the top of the range names no winner beyond it.
  if (last === 0) return { kind: 'same', relation: 0 };
  let j = signs.length - 2;
  while (j > 0 && signs[j] === last) j--;
  const a = known[j]!;
  const b = known[j + 1]!;
  const da = a.self - a.other;
  const db = b.self - b.other;
  const t = da === db ? 0.5 : Math.min(1, Math.max(0, da / (da - db)));
  return { kind: 'crosses', rttMs: a.rttMs + t * (b.rttMs - a.rttMs), winner: last };
}

/** "the store is", "the instances are", … */
export function linkWords(link: RttLink): string {
  return link === 'store'
    ? 'the store is'
    : link === 'instances'
      ? 'the instances are'
      : 'the store and the instances are';
}

/**
 * The crossover between stateless and `other` in words, from the sweep's p50 per RTT.
 *
 * @example
 * crossover('shared', points, 'store').text
 * // 'stateless is faster than shared once the store is more than 0.42 ms away (…)'
 */
export function crossover(other: Mode, points: readonly CrossPoint[], link: RttLink): Crossover {
  const self = STATELESS_MODE;
  const shape = crossShape(points);
  const sorted = [...points].sort((a, b) => a.rttMs - b.rttMs);
  const range = sorted.length ? `${num(sorted[0]!.rttMs)}–${ms(sorted.at(-1)!.rttMs)}` : 'no RTT';
  const figures = sorted
    .map(
      (p) =>
        `${ms(p.rttMs)}: ${p.self === null ? '—' : num(p.self)} against ${p.other === null ? '—' : num(p.other)}`,
    )
    .join('; ');
  const tail = ` (p50 ${self} against ${other} at RTT ${figures})`;
  if (shape.kind === 'unknown') {
    return {
      against: other,
      stateless: 'as fast as',
      rttMs: null,
      text: `no crossover measured: ${other} has no p50 in the sweep`,
    };
  }
  if (shape.kind === 'same') {
    const stateless = shape.relation < 0 ? 'faster' : shape.relation > 0 ? 'slower' : 'as fast as';
    const how = stateless === 'as fast as' ? stateless : `${stateless} than`;
    return {
      against: other,
      stateless,
      rttMs: null,
      text: `no crossover in the measured range: ${self} is ${how} ${other} at every RTT from ${range}${tail}`,
    };
  }
  const how = shape.winner < 0 ? 'faster' : 'slower';
  return {
    against: other,
    stateless: how,
    rttMs: shape.rttMs,
    text: `${self} is ${how} than ${other} once ${linkWords(link)} more than ${ms(shape.rttMs)} away${tail}`,
  };
}
