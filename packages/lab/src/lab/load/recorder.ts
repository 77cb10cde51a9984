/**
 * Where the generator's measurements land. Every request is filed under the phase in force at
 * its *intended* start, so a request planned during warm-up that completes during the baseline
 * still counts for warm-up: no phase ever holds another phase's samples. Each phase has two
 * latency histograms — from the intended start (corrected for coordinated omission) and from
 * the moment the request was written to a socket (what a closed-loop tool reports) — error
 * counts by kind, bytes on the wire, the virtual users' findings and answers per instance.
 *
 * The per-second series files throughput and errors under the second they happened in (a stall
 * shows as seconds without answers) and latency under the second the requests were meant to
 * start (a stall shows as a latency spike where it happened, not after it).
 */
import type { Histogram } from 'hdr-histogram-js';
import type { PhaseKind, PhaseMetrics, TimePoint } from '../model.js';
import { latencyHistogram, percentileMs, recordMs, secondHistogram, summarize } from './histogram.js';
import { emptyUserCounters, type UserCounters } from './user-counters.js';

/** Bytes on the wire of the answered requests. */
export interface ByteCounts {
  /** Requests counted (those that got an answer). */
  requests: number;
  /** Request line, headers and body. */
  requestBytes: number;
  /** Status line, headers and body (decoded body: chunked framing is not counted). */
  responseBytes: number;
  /** `Cookie` and `Authorization` header lines sent: the credential's weight (C4). */
  credentialBytes: number;
  /** `Set-Cookie` and `session-token` header lines received: the credential coming back. */
  setCookieBytes: number;
}

export function emptyBytes(): ByteCounts {
  return { requests: 0, requestBytes: 0, responseBytes: 0, credentialBytes: 0, setCookieBytes: 0 };
}

function addBytes(a: ByteCounts, b: ByteCounts): ByteCounts {
  a.requests += b.requests;
  a.requestBytes += b.requestBytes;
  a.responseBytes += b.responseBytes;
  a.credentialBytes += b.credentialBytes;
  a.setCookieBytes += b.setCookieBytes;
  return a;
}

/** What a phase holds besides `PhaseMetrics`. */
export interface PhaseDetail {
  name: string;
  kind: PhaseKind;
  /** Requests that got an answer (any status). */
  answered: number;
  /** Arrivals that could not start (also counted in `errors.dropped`). */
  dropped: number;
  bytes: ByteCounts;
  users: UserCounters;
  /** Answers by `x-instance-id`. */
  instances: Record<string, number>;
  /** `instances` as shares summing to 1 (empty when no answer named an instance). */
  loadShare: Record<string, number>;
}

/** One phase's accumulators. */
export class PhaseBucket {
  readonly corrected = latencyHistogram();
  readonly uncorrected = latencyHistogram();
  /** Arrivals finished: answered, failed or dropped. */
  requests = 0;
  /** Requests sent (arrivals that were not dropped). */
  started = 0;
  answered = 0;
  dropped = 0;
  errorCount = 0;
  readonly errors: Record<string, number> = {};
  readonly bytes = emptyBytes();
  readonly users = emptyUserCounters();
  readonly instances = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly kind: PhaseKind,
    readonly startMs: number,
  ) {}

  addError(kind: string): void {
    this.errorCount++;
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
  }
}

/** What one answered request contributes. */
export interface AnswerSample {
  intendedMs: number;
  /** When it was written to a socket (ms on the generator's clock). */
  sentMs: number;
  doneMs: number;
  status: number;
  requestBytes: number;
  responseBytes: number;
  credentialBytes: number;
  setCookieBytes: number;
  instance: string | null;
}

export interface RecorderSnapshot {
  phases: PhaseMetrics[];
  details: PhaseDetail[];
  series: TimePoint[];
  errors: Record<string, number>;
  bytes: ByteCounts;
  loadShare: Record<string, number>;
}

/** Error rate above the baseline's that still counts as "returned to baseline" (one point). */
const RECOVERY_TOLERANCE = 0.01;

export class Recorder {
  readonly phases: PhaseBucket[] = [];
  readonly #answersPerSecond: number[] = [];
  readonly #failuresPerSecond: number[] = [];
  readonly #errorsPerSecond: number[] = [];
  readonly #latencyPerSecond: (Histogram | undefined)[] = [];

  /** Starts a phase at `atMs`; phases must start in order. */
  begin(name: string, kind: PhaseKind, atMs: number): PhaseBucket {
    const last = this.phases[this.phases.length - 1];
    if (last && atMs < last.startMs) {
      throw new RangeError(
        `phase ${name} starts at ${atMs} ms, before phase ${last.name} (${last.startMs} ms)`,
      );
    }
    const bucket = new PhaseBucket(name, kind, atMs);
    this.phases.push(bucket);
    return bucket;
  }

  /** The phase in force at `intendedMs` (the first phase for anything earlier than it). */
  bucketAt(intendedMs: number): PhaseBucket {
    const phases = this.phases;
    for (let i = phases.length - 1; i > 0; i--) if (phases[i]!.startMs <= intendedMs) return phases[i]!;
    return phases[0] ?? this.begin('run', 'baseline', 0);
  }

  answer(b: PhaseBucket, s: AnswerSample): void {
    b.requests++;
    b.answered++;
    if (s.status >= 400) b.addError(`http_${s.status}`);
    recordMs(b.corrected, s.doneMs - s.intendedMs);
    recordMs(b.uncorrected, s.doneMs - s.sentMs);
    const bytes = b.bytes;
    bytes.requests++;
    bytes.requestBytes += s.requestBytes;
    bytes.responseBytes += s.responseBytes;
    bytes.credentialBytes += s.credentialBytes;
    bytes.setCookieBytes += s.setCookieBytes;
    if (s.instance !== null) b.instances.set(s.instance, (b.instances.get(s.instance) ?? 0) + 1);

    const done = Math.floor(s.doneMs / 1000);
    bump(this.#answersPerSecond, done);
    if (s.status >= 400) bump(this.#errorsPerSecond, done);
    const intended = Math.max(0, Math.floor(s.intendedMs / 1000));
    let h = this.#latencyPerSecond[intended];
    if (h === undefined) {
      fill(this.#latencyPerSecond, intended);
      h = this.#latencyPerSecond[intended] = secondHistogram();
    }
    recordMs(h, s.doneMs - s.intendedMs);
  }

  /** A request that got no answer, or an arrival that could not start (`dropped`). */
  failure(b: PhaseBucket, atMs: number, kind: string): void {
    b.requests++;
    if (kind === 'dropped') b.dropped++;
    b.addError(kind);
    const second = Math.max(0, Math.floor(atMs / 1000));
    bump(this.#failuresPerSecond, second);
    bump(this.#errorsPerSecond, second);
  }

  /** Everything measured so far; `endMs` closes the last phase. */
  snapshot(endMs: number): RecorderSnapshot {
    const phases: PhaseMetrics[] = [];
    const details: PhaseDetail[] = [];
    const errors: Record<string, number> = {};
    const bytes = emptyBytes();
    const instances = new Map<string, number>();
    let baselineRate: number | null = null;
    for (let i = 0; i < this.phases.length; i++) {
      const b = this.phases[i]!;
      const end = Math.max(b.startMs, this.phases[i + 1]?.startMs ?? endMs);
      const seconds = (end - b.startMs) / 1000;
      const errorRate = b.requests === 0 ? 0 : b.errorCount / b.requests;
      const metrics: PhaseMetrics = {
        name: b.name,
        kind: b.kind,
        startMs: round3(b.startMs),
        endMs: round3(end),
        requests: b.requests,
        errors: { ...b.errors },
        errorRate,
        throughput: seconds > 0 ? round3(b.answered / seconds) : 0,
        latency: summarize(b.corrected),
        latencyUncorrected: summarize(b.uncorrected),
      };
      if (b.kind === 'baseline') baselineRate = errorRate;
      if (b.kind === 'recovery') metrics.recoveryMs = this.#recoveryMs(b.startMs, end, baselineRate ?? 0);
      phases.push(metrics);
      details.push({
        name: b.name,
        kind: b.kind,
        answered: b.answered,
        dropped: b.dropped,
        bytes: { ...b.bytes },
        users: { ...b.users },
        instances: Object.fromEntries(b.instances),
        loadShare: shares(b.instances),
      });
      for (const [k, v] of Object.entries(b.errors)) errors[k] = (errors[k] ?? 0) + v;
      addBytes(bytes, b.bytes);
      for (const [id, n] of b.instances) instances.set(id, (instances.get(id) ?? 0) + n);
    }
    return { phases, details, series: this.#series(endMs), errors, bytes, loadShare: shares(instances) };
  }

  #series(endMs: number): TimePoint[] {
    const n = Math.max(
      Math.ceil(endMs / 1000),
      this.#answersPerSecond.length,
      this.#errorsPerSecond.length,
      this.#latencyPerSecond.length,
    );
    return this.points(0, n);
  }

  /** The per-second points of seconds `from` (inclusive) to `to` (exclusive), for a live view too. */
  points(from: number, to: number): TimePoint[] {
    const out: TimePoint[] = [];
    for (let t = Math.max(0, from); t < to; t++) {
      const h = this.#latencyPerSecond[t];
      out.push({
        t,
        rps: this.#answersPerSecond[t] ?? 0,
        errors: this.#errorsPerSecond[t] ?? 0,
        p50: h ? percentileMs(h, 50) : 0,
        p99: h ? percentileMs(h, 99) : 0,
      });
    }
    return out;
  }

  /**
   * Milliseconds from `startMs` (the end of the fault) to the start of the first second from
   * which the per-second error rate stays within one point of the baseline's until the phase
   * ends; null if it never settles.
   */
  #recoveryMs(startMs: number, endMs: number, baselineRate: number): number | null {
    const first = Math.floor(startMs / 1000);
    const last = Math.max(first, Math.ceil(endMs / 1000) - 1);
    let settled: number | null = null;
    for (let s = first; s <= last; s++) {
      const attempts = (this.#answersPerSecond[s] ?? 0) + (this.#failuresPerSecond[s] ?? 0);
      const rate = attempts === 0 ? 0 : (this.#errorsPerSecond[s] ?? 0) / attempts;
      if (rate <= baselineRate + RECOVERY_TOLERANCE) settled ??= s;
      else settled = null;
    }
    return settled === null ? null : Math.max(0, settled * 1000 - startMs);
  }
}

function bump(a: number[], i: number): void {
  if (i >= a.length) fill(a, i, 0);
  a[i] = (a[i] ?? 0) + 1;
}

/** Grows an array up to index `i` without holes (holey arrays are slower). */
function fill<T>(a: T[], i: number, value?: T): void {
  while (a.length <= i) a.push(value as T);
}

function shares(counts: Map<string, number>): Record<string, number> {
  let total = 0;
  for (const n of counts.values()) total += n;
  const out: Record<string, number> = {};
  if (total === 0) return out;
  for (const id of [...counts.keys()].sort()) out[id] = counts.get(id)! / total;
  return out;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
