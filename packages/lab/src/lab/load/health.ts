/**
 * The generator's check on itself. A generator that cannot keep its schedule measures itself,
 * not the server: late arrivals inflate the corrected latencies, a busy event loop delays every
 * answer it reads, dropped arrivals leave the load short. The run is marked invalid (and every
 * verdict inconclusive) when:
 *
 * - it started fewer than 95% of the planned arrivals (`achievedRate < 0.95 × targetRate`);
 * - it used 90% or more of one core (Node runs the generator on one thread: at 90% it has no
 *   headroom left for bursts, and its timers start slipping);
 * - its event loop was late by more than 50 ms at p99, or it dispatched arrivals more than 50 ms
 *   after their intended time at p99. The app answers in a few milliseconds on loopback and the
 *   claims compare p99s across modes; an error of tens of milliseconds at p99 would be of the
 *   same size as the differences measured, so 50 ms is the most a valid run may add.
 *   (Timer lateness from a millisecond-resolution clock is far below it.)
 */
import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { GeneratorHealth } from '../model.js';

export interface HealthThresholds {
  /** @default 0.95 */
  minAchievedRatio: number;
  /** Percent of one core. @default 90 */
  maxCpuPercent: number;
  /** @default 50 */
  maxEventLoopDelayP99Ms: number;
  /** @default 50 */
  maxDispatchLagP99Ms: number;
}

export const DEFAULT_THRESHOLDS: Readonly<HealthThresholds> = Object.freeze({
  minAchievedRatio: 0.95,
  maxCpuPercent: 90,
  maxEventLoopDelayP99Ms: 50,
  maxDispatchLagP99Ms: 50,
});

/** `GeneratorHealth` and what else the generator knows about itself. */
export interface GeneratorSelfCheck extends GeneratorHealth {
  /** Arrivals planned up to the end of the run, and started (sent, not dropped). */
  planned: number;
  started: number;
  /**
   * Median of (actual dispatch − intended start), ms: the generator's timing resolution. Timers
   * tick by the millisecond, so about half a millisecond of every corrected latency is the
   * generator's own; the uncorrected latencies do not include it.
   */
  dispatchLagP50Ms: number;
  /** p99 of (actual dispatch − intended start), ms. */
  dispatchLagP99Ms: number;
  /** Share of wall time the generator's event loop was busy (0–1): this thread only. */
  eventLoopUtilization: number;
  /** Most requests in flight at once. */
  maxInFlight: number;
}

export interface HealthAssessment {
  valid: boolean;
  reasons: string[];
}

/**
 * Whether a run's measurements can be trusted, with a reason per failed check. `targetRate` 0
 * means no target (the closed model): the rate check is skipped.
 * @example
 * assessHealth({ targetRate: 1000, achievedRate: 640, dropped: 360, cpuPercent: 99, eventLoopDelayP99Ms: 80 });
 * // { valid: false, reasons: ['achieved 640/s of 1000/s …', 'CPU 99% …', 'event-loop delay …'] }
 */
export function assessHealth(
  h: GeneratorHealth & { dispatchLagP99Ms?: number },
  thresholds: Partial<HealthThresholds> = {},
): HealthAssessment {
  const t = { ...DEFAULT_THRESHOLDS, ...thresholds };
  const reasons: string[] = [];
  if (h.targetRate > 0 && h.achievedRate < t.minAchievedRatio * h.targetRate) {
    reasons.push(
      `the generator achieved ${fmt(h.achievedRate)}/s of the ${fmt(h.targetRate)}/s planned ` +
        `(below ${Math.round(t.minAchievedRatio * 100)}%); ${h.dropped} arrivals dropped`,
    );
  }
  if (h.cpuPercent >= t.maxCpuPercent) {
    reasons.push(`the generator used ${fmt(h.cpuPercent)}% of a core (limit ${t.maxCpuPercent}%): saturated`);
  }
  if (h.eventLoopDelayP99Ms > t.maxEventLoopDelayP99Ms) {
    reasons.push(
      `the generator's event loop was ${fmt(h.eventLoopDelayP99Ms)} ms late at p99 (limit ${t.maxEventLoopDelayP99Ms} ms)`,
    );
  }
  if (h.dispatchLagP99Ms !== undefined && h.dispatchLagP99Ms > t.maxDispatchLagP99Ms) {
    reasons.push(
      `arrivals left ${fmt(h.dispatchLagP99Ms)} ms after their intended time at p99 (limit ${t.maxDispatchLagP99Ms} ms)`,
    );
  }
  return { valid: reasons.length === 0, reasons };
}

const fmt = (x: number): string => String(Math.round(x * 10) / 10);

/** What the monitor saw between `start()` and `stop()`. */
export interface MonitorReading {
  wallMs: number;
  cpuPercent: number;
  eventLoopDelayP99Ms: number;
  eventLoopUtilization: number;
}

/**
 * CPU time (`process.cpuUsage`, user + system, as a percent of one core over the wall time),
 * event-loop delay (`monitorEventLoopDelay`, p99 minus its sampling interval, which the
 * histogram includes) and event-loop utilization over a run. CPU is the whole process's: run
 * the generator in a process of its own (not beside an in-process balancer) for the figure to
 * be the generator's alone.
 */
export class HealthMonitor {
  readonly #resolutionMs: number;
  #delay: IntervalHistogram | null = null;
  #cpu: NodeJS.CpuUsage | null = null;
  #wall = 0;
  #elu: ReturnType<typeof performance.eventLoopUtilization> | null = null;

  constructor(resolutionMs = 10) {
    this.#resolutionMs = resolutionMs;
  }

  /** Starts (or starts over: the figures then cover only what follows). */
  start(): void {
    this.#delay?.disable();
    this.#delay = monitorEventLoopDelay({ resolution: this.#resolutionMs });
    this.#delay.enable();
    this.#cpu = process.cpuUsage();
    this.#wall = performance.now();
    this.#elu = performance.eventLoopUtilization();
  }

  /** The reading so far; `stop()` also ends the monitoring. */
  read(): MonitorReading {
    if (this.#delay === null || this.#cpu === null || this.#elu === null) {
      return { wallMs: 0, cpuPercent: 0, eventLoopDelayP99Ms: 0, eventLoopUtilization: 0 };
    }
    const wallMs = performance.now() - this.#wall;
    const cpu = process.cpuUsage(this.#cpu);
    const cpuPercent = wallMs > 0 ? ((cpu.user + cpu.system) / 1000 / wallMs) * 100 : 0;
    const p99 = this.#delay.count > 0 ? this.#delay.percentile(99) / 1e6 : 0;
    return {
      wallMs,
      cpuPercent: Math.round(cpuPercent * 10) / 10,
      eventLoopDelayP99Ms: Math.round(Math.max(0, p99 - this.#resolutionMs) * 1000) / 1000,
      eventLoopUtilization: Math.round(performance.eventLoopUtilization(this.#elu).utilization * 1000) / 1000,
    };
  }

  stop(): MonitorReading {
    const reading = this.read();
    this.#delay?.disable();
    return reading;
  }
}
