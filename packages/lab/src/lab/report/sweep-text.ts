/**
 * An RTT sweep in words and numbers, for the terminal: one row per RTT and mode with p50, p99
 * and requests per second of the steady phase, the delay the store link really added, then the
 * crossovers the rules computed. The claims table shows C5 and C7 per RTT after it.
 */
import { num } from '../claims/format.js';
import { MODE_ORDER } from '../claims/roles.js';
import type { ClaimResult } from '../model.js';
import type { SweepReport } from '../sweep-model.js';
import { msText } from './numbers.js';
import { textTable, wrapText } from './text-table.js';

const dash = (v: number | null | undefined, f: (n: number) => string = num) =>
  v === null || v === undefined ? '—' : f(v);

/** A claim's id with the RTT it was judged at, e.g. `C5 @0.5 ms`. */
export function claimLabel(c: Pick<ClaimResult, 'id' | 'rttMs'>): string {
  return c.rttMs === undefined ? c.id : `${c.id} @${num(c.rttMs)} ms`;
}

/** A claim row's HTML anchor: the id, with the RTT when there is one (`C5-rtt-0.5`). */
export function claimAnchor(c: Pick<ClaimResult, 'id' | 'rttMs'>): string {
  return c.rttMs === undefined ? c.id : `${c.id}-rtt-${c.rttMs}`;
}

/** The sweep's table and crossovers as text, within `width` columns. */
export function renderSweepText(s: SweepReport, width = 120): string {
  const rows = [...s.points]
    .sort((a, b) => a.rttMs - b.rttMs || MODE_ORDER.indexOf(a.mode) - MODE_ORDER.indexOf(b.mode))
    .map((p) => [
      num(p.rttMs),
      p.mode,
      p.store,
      `${dash(p.metrics.p50_ms, msText)}${p.p50UncorrectedMs === null ? '' : ` (${msText(p.p50UncorrectedMs)})`}`,
      dash(p.metrics.p99_ms, msText),
      dash(p.metrics.throughput_rps, (n) => num(Math.round(n))),
      dash(p.measuredStoreOneWayMs, msText),
    ]);
  const crossovers = s.crossovers.flatMap((c) => wrapText(`- ${c.text}`, width));
  return [
    `RTT sweep: delay on the ${s.link} link${s.link === 'both' ? 's' : ''}${s.jitterMs > 0 ? `, jitter ${num(s.jitterMs)} ms` : ''}; steady phase per mode and RTT; latency in ms from each intended start, (uncorrected)`,
    '',
    textTable(
      [
        { header: 'RTT ms', align: 'right' },
        { header: 'mode' },
        { header: 'store' },
        { header: 'p50 ms', align: 'right' },
        { header: 'p99 ms', align: 'right' },
        { header: 'req/s', align: 'right' },
        { header: 'store link one-way ms (measured)', align: 'right' },
      ],
      rows,
      width,
    ),
    '',
    'Crossover (interpolated between the measured RTTs):',
    ...crossovers,
  ].join('\n');
}
