/**
 * The report as the terminal shows it when a run ends: what ran where, a loud banner when the
 * run is INVALID, the comparison table per mode, and the claims table (id, verdict, reason),
 * all within 120 columns. Colour is optional (the CLI turns it on for a TTY).
 */
import { num } from '../claims/format.js';
import type { LabReport, Verdict } from '../model.js';
import { renderCachingText } from './caching.js';
import { msText, pctText } from './numbers.js';
import { type ModeSummary, revocationText, summarize } from './summary.js';
import { claimLabel, renderSweepText } from './sweep-text.js';
import { type Cell, textTable, wrapText } from './text-table.js';

/** Options of `renderTerminal`. */
export interface TerminalOptions {
  /** Paint verdicts and the INVALID banner with ANSI colours. @default false */
  color?: boolean;
  /** Widest line. @default 120 */
  width?: number;
}

const ANSI: Record<Verdict | 'invalid', [string, string]> = {
  holds: ['\x1b[32m', '\x1b[39m'],
  'does not hold': ['\x1b[31m', '\x1b[39m'],
  depends: ['\x1b[33m', '\x1b[39m'],
  inconclusive: ['\x1b[2m', '\x1b[22m'],
  invalid: ['\x1b[1;41;97m', '\x1b[0m'],
};

const dash = (v: number | null, f: (n: number) => string = num) => (v === null ? '—' : f(v));

/** `1.20 (0.90)`: corrected, then what a closed loop would have reported. */
function latencyCell(corrected: number | null, uncorrected: number | null): string {
  return uncorrected === null
    ? dash(corrected, msText)
    : `${dash(corrected, msText)} (${msText(uncorrected)})`;
}

function comparisonRow(s: ModeSummary): Cell[] {
  return [
    s.mode,
    dash(s.throughput, (n) => num(Math.round(n))),
    latencyCell(s.p50, s.p50Uncorrected),
    latencyCell(s.p99, s.p99Uncorrected),
    `${num(s.errors)} (${pctText(s.errorShare)})`,
    `${dash(s.requestBytes, (n) => num(Math.round(n)))}/${dash(s.responseBytes, (n) => num(Math.round(n)))}`,
    dash(s.rssPer1k),
    dash(s.sessionsLost),
    dash(s.itemsLost),
    revocationText(s, num),
  ];
}

/** The loud banner of an INVALID run. */
function invalidBanner(report: LabReport, width: number, color: boolean): string {
  const bar = '!'.repeat(width);
  const lines = [
    'INVALID RUN: the load generator could not be trusted, so every verdict below is inconclusive.',
    ...report.invalidReasons.flatMap((r) => wrapText(`- ${r}`, width - 4)),
  ].map((l) => `!! ${l}`);
  const text = [bar, ...lines, bar].join('\n');
  if (!color) return text;
  const [on, off] = ANSI.invalid;
  return text
    .split('\n')
    .map((l) => `${on}${l.padEnd(width)}${off}`)
    .join('\n');
}

/** The header: when, what, where. */
function header(report: LabReport, width: number): string {
  const c = report.config;
  const facts = [
    `statecraft lab ${report.tool.version}`,
    report.startedAt,
    `seed ${report.seed}`,
    `schedule ${report.scheduleHash.slice(0, 12)}`,
    `${c.modes.join(', ')} × ${c.instances} instances`,
    `${c.balancer} balancer`,
    `store ${c.store}`,
    `${c.model} model at ${num(c.rate)} req/s`,
    `${c.users} users`,
    `${num(c.phaseSeconds)} s phases`,
    `node ${report.tool.node}`,
    `${report.machine.cpus} CPUs, ${num(report.machine.memoryGiB)} GiB`,
  ];
  // Break between facts, never inside one.
  const lines: string[] = [];
  for (const f of facts) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 3 + f.length <= width) lines[lines.length - 1] = `${last} · ${f}`;
    else lines.push(f);
  }
  return lines.join('\n');
}

/**
 * The whole report as text.
 *
 * @example
 * process.stdout.write(renderTerminal(report, { color: process.stdout.isTTY }));
 */
export function renderTerminal(report: LabReport, opts: TerminalOptions = {}): string {
  const width = opts.width ?? 120;
  const color = opts.color ?? false;
  const out: string[] = [header(report, width), ''];
  if (!report.valid) out.push(invalidBanner(report, width, color), '');

  out.push(
    'Comparison: baseline phase; latency in ms from each intended start, (uncorrected) as a closed loop would see it;',
    'B in/out: bytes per request sent and received; sess/items lost: after one SIGKILL',
    '',
    textTable(
      [
        { header: 'mode' },
        { header: 'req/s', align: 'right' },
        { header: 'p50 ms', align: 'right' },
        { header: 'p99 ms', align: 'right' },
        { header: 'errors', align: 'right' },
        { header: 'B in/out', align: 'right' },
        { header: 'RSS MB/1k', align: 'right' },
        { header: 'sess lost', align: 'right' },
        { header: 'items lost', align: 'right' },
        // Wraps only when wide figures leave it less room than "never before expiry".
        { header: 'revocation', wrap: true },
      ],
      summarize(report).map(comparisonRow),
      width,
    ),
    '',
    ...renderCachingText(report, width),
    ...(report.sweep ? [renderSweepText(report.sweep, width), ''] : []),
    `Claims${report.valid ? '' : ' (INVALID run: no verdicts)'}`,
    '',
  );
  const paint = (v: Verdict) => (color ? (s: string) => `${ANSI[v][0]}${s}${ANSI[v][1]}` : undefined);
  out.push(
    textTable(
      [{ header: 'id' }, { header: 'verdict' }, { header: 'claim and reason', wrap: true }],
      report.claims.map((c) => [
        claimLabel(c),
        { text: c.verdict, paint: paint(c.verdict) },
        `${c.claim}.\n${c.reason}`,
      ]),
      width,
    ),
  );
  return `${out.join('\n')}\n`;
}
