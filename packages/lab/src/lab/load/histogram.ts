/**
 * Latency histograms (HdrHistogram): values in microseconds from 1 µs to 60 s at 3 significant
 * digits, so p99 and p99.9 keep their resolution whatever the spread, in a fixed ~70 KiB per
 * histogram. Values outside the range are clamped, never dropped: a 90 s stall is recorded as
 * 60 s (and shows as the maximum), not lost.
 */
import { build, type Histogram } from 'hdr-histogram-js';
import type { Latency } from '../model.js';

export type { Histogram };

/** Lowest and highest recordable latencies, in microseconds. */
export const LOWEST_US = 1;
export const HIGHEST_US = 60_000_000;

/** A phase's latency histogram: 1 µs–60 s, 3 significant digits. */
export function latencyHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: LOWEST_US,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
  });
}

/**
 * A one-second histogram for the time series: packed counts and 2 significant digits (1%), so
 * a long run's hundreds of seconds cost kilobytes, not megabytes. Charts need no more.
 */
export function secondHistogram(): Histogram {
  return build({
    bitBucketSize: 'packed',
    lowestDiscernibleValue: LOWEST_US,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 2,
    autoResize: false,
  });
}

/** Records a duration given in milliseconds (fractional), clamped to the histogram's range. */
export function recordMs(h: Histogram, ms: number): void {
  let us = Math.round(ms * 1000);
  if (us < LOWEST_US) us = LOWEST_US;
  else if (us > HIGHEST_US) us = HIGHEST_US;
  h.recordValue(us);
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** A histogram's percentiles in milliseconds (µs precision); all zero when it is empty. */
export function summarize(h: Histogram): Latency {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  return {
    p50: h.getValueAtPercentile(50) / 1000,
    p90: h.getValueAtPercentile(90) / 1000,
    p99: h.getValueAtPercentile(99) / 1000,
    p999: h.getValueAtPercentile(99.9) / 1000,
    max: h.maxValue / 1000,
    mean: round3(h.mean / 1000),
  };
}

/** Value at a percentile in milliseconds, 0 when empty. */
export function percentileMs(h: Histogram, p: number): number {
  return h.totalCount === 0 ? 0 : h.getValueAtPercentile(p) / 1000;
}
