/**
 * The time series of every mode as CSV (report.csv): one row per mode and second, with the
 * header `mode,t,rps,errors,p50,p99`. Latency is in milliseconds from each request's intended
 * start; t is seconds since the mode's run started. Lines end with CRLF, as RFC 4180 asks.
 */
import { MODE_ORDER } from '../claims/roles.js';
import type { LabReport } from '../model.js';

/** The CSV columns, in order. */
export const CSV_COLUMNS = ['mode', 't', 'rps', 'errors', 'p50', 'p99'] as const;

/** A number as CSV: finite numbers as JavaScript prints them, anything else empty. */
function cell(n: number): string {
  return Number.isFinite(n) ? String(n) : '';
}

/**
 * The series of every mode, in mode order then time order.
 *
 * @example
 * writeFileSync('report.csv', renderCsv(report));
 */
export function renderCsv(report: Pick<LabReport, 'modes'>): string {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  const modes = [...report.modes].sort((a, b) => MODE_ORDER.indexOf(a.mode) - MODE_ORDER.indexOf(b.mode));
  for (const m of modes) {
    for (const p of [...m.series].sort((a, b) => a.t - b.t)) {
      lines.push([m.mode, cell(p.t), cell(p.rps), cell(p.errors), cell(p.p50), cell(p.p99)].join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
