/**
 * The RTT sweep (`statecraft lab --sweep-rtt 0,0.5,2`): every mode at every RTT, one steady
 * phase per point and no faults, with the fault proxy on the chosen links at every RTT (0
 * included, so that each point pays the proxy's own cost alike). The report holds every point,
 * C5 and C7 judged at each RTT, and the crossover computed from the measured p50s; its `modes`
 * are the points at the first RTT, so the time charts and the comparison table still read.
 */
import { crossovers, sweepClaims } from './claims/sweep.js';
import { runContext } from './context.js';
import type { LiveCounters } from './live.js';
import type { Progress } from './mode-run.js';
import type { LabConfig, LabReport, ModeReport } from './model.js';
import { REPORT_SCHEMA_VERSION } from './model.js';
import { planHash } from './run.js';
import type { NetConfig, SweepPoint } from './sweep-model.js';
import { type PointOptions, runPoint } from './sweep-point.js';

/** The sweep's settings: the RTTs in `config.sweepRttMs`, the link and jitter in `config.net`. */
export type SweepConfig = LabConfig & { sweepRttMs: number[]; net: NetConfig };

export async function runSweep(
  config: SweepConfig,
  log: Progress = () => {},
  live?: LiveCounters,
  options: Omit<PointOptions, 'live'> = {},
): Promise<LabReport> {
  const started = Date.now();
  const rtts = [...new Set(config.sweepRttMs)].sort((a, b) => a - b);
  const points: SweepPoint[] = [];
  const first: ModeReport[] = [];
  const invalidReasons: string[] = [];
  // Mode by mode, its RTTs one after the other: the points a mode is compared across run close
  // together in time, so that a neighbour's load varies as little as possible between them.
  for (const mode of config.modes) {
    for (const rttMs of rtts) {
      const t0 = Date.now();
      const net = { ...config.net, rttMs };
      const run = await runPoint(mode, config, net, { ...options, ...(live ? { live } : {}) });
      const m = run.point.metrics;
      log(
        `${mode} at RTT ${rttMs} ms (${config.net.link} link): p50 ${m.p50_ms?.toFixed(2)} ms, p99 ${m.p99_ms?.toFixed(2)} ms, ${m.throughput_rps?.toFixed(0)} req/s (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
      );
      points.push(run.point);
      if (rttMs === rtts[0]) first.push(run.report);
      for (const r of run.results.health.reasons) invalidReasons.push(`${mode} at RTT ${rttMs} ms: ${r}`);
    }
  }
  const valid = invalidReasons.length === 0;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    ...runContext(),
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    config,
    seed: config.seed,
    scheduleHash: planHash(config),
    valid,
    invalidReasons,
    modes: first,
    claims: sweepClaims(points, config.net.link, config, { valid, invalidReasons }),
    sweep: {
      link: config.net.link,
      jitterMs: config.net.jitterMs,
      rttsMs: rtts,
      points,
      crossovers: crossovers(points, config.net.link),
    },
  };
}

/**
 * `runSweep` with `runLab`'s signature, for the CLI: the configuration must carry
 * `sweepRttMs` and `net`; the dashboard's hooks do not apply to a sweep.
 */
export function runSweepOf(
  config: LabConfig,
  log?: Progress,
  live?: LiveCounters,
  hooks?: unknown,
): Promise<LabReport> {
  if (!config.sweepRttMs || !config.net) throw new Error('a sweep needs config.sweepRttMs and config.net');
  if (hooks !== undefined) throw new Error('the live dashboard runs one RTT: leave out --sweep-rtt or --ui');
  return runSweep({ ...config, sweepRttMs: config.sweepRttMs, net: config.net }, log, live);
}
