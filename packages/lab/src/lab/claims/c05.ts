/**
 * C5 — "Stateless is faster: no session overhead; stateful adds latency." Same scenario, same
 * offered rate, baseline phase, latency from each request's intended start. Stateless is faster
 * than a stateful mode when its p50 is lower beyond the latency margin and its p99 is not higher
 * beyond it; slower when the reverse holds. `depends` names each stateful mode with its store,
 * e.g. "faster than a redis store (shared), slower than an in-memory map (sticky)".
 */
import type { ClaimResult, Mode, ModeReport } from '../model.js';
import { list, ms, num } from './format.js';
import { FigureReader } from './reader.js';
import { describeMode, STATEFUL_MODES, STATELESS_MODE } from './roles.js';
import { compareBeyond, LATENCY_MARGIN } from './thresholds.js';

const P50 = 'p50_ms';
const P99 = 'p99_ms';
const RPS = 'throughput_rps';

type Speed = 'faster' | 'slower' | 'as fast as' | 'neither faster nor slower than';

/** How stateless's latency compares with one other mode's, beyond the latency margin. */
export function speedAgainst(r: FigureReader, other: Mode, self: Mode = STATELESS_MODE): Speed {
  const p50 = compareBeyond(r.num(self, P50), r.num(other, P50), LATENCY_MARGIN);
  const p99 = compareBeyond(r.num(self, P99), r.num(other, P99), LATENCY_MARGIN);
  if (p50 < 0 && p99 <= 0) return 'faster';
  if (p50 > 0 && p99 >= 0) return 'slower';
  if (p50 === 0 && p99 === 0) return 'as fast as';
  return 'neither faster nor slower than';
}

/** The C5 rule. */
export function c05(modes: readonly ModeReport[]): ClaimResult {
  const r = new FigureReader('C5', modes, [P50, P99, RPS]);
  const stateful = r.present(STATEFUL_MODES);
  const absent = r.missingModes(stateful.length ? [STATELESS_MODE] : [STATELESS_MODE, ...STATEFUL_MODES]);
  if (absent) return absent;
  const gap = r.unavailable([STATELESS_MODE, ...stateful], [P50, P99]);
  if (gap) return gap;

  const s = STATELESS_MODE;
  const lat = (m: Mode) => {
    const rps = r.value(m, RPS);
    return `p50 ${ms(r.num(m, P50))}, p99 ${ms(r.num(m, P99))}${rps === null ? '' : `, ${num(rps)} req/s`}`;
  };
  const speeds = stateful.map((m) => ({ m, speed: speedAgainst(r, m) }));
  const phrase = ({ m, speed }: { m: Mode; speed: Speed }) =>
    `${speed === 'faster' || speed === 'slower' ? `${speed} than` : speed} ${describeMode(r.mode(m), lat(m))}`;
  const faster = speeds.filter((x) => x.speed === 'faster');
  const ours = `stateless ${lat(s)}`;
  if (faster.length === speeds.length) {
    return r.result('holds', `Stateless is ${list(speeds.map(phrase))}: ${ours}.`);
  }
  if (faster.length === 0) {
    return r.result('does not hold', `Stateless is ${list(speeds.map(phrase))}: ${ours}.`);
  }
  const rest = speeds.filter((x) => x.speed !== 'faster');
  return r.result('depends', `Stateless is ${list([...faster, ...rest].map(phrase))}: ${ours}.`);
}
