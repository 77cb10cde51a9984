/**
 * A realistic `LabReport` for the report tests and the screenshot in docs/report.png: four
 * modes on three instances, 60 one-second points each, phases from warm-up to probes, three or
 * four faults per mode that leave their mark on the series, and the claims evaluated by the real
 * rules from hand-chosen figures. Deterministic: the same options give the same report.
 */
import { evaluateClaims } from '../../../src/lab/claims/rules.js';
import type {
  FaultEvent,
  LabReport,
  Latency,
  Mode,
  ModeReport,
  PhaseMetrics,
  TimePoint,
} from '../../../src/lab/model.js';
import { REPORT_SCHEMA_VERSION } from '../../../src/lab/model.js';
import { BASE } from '../claims/helpers.js';

const MODES: Mode[] = ['sticky', 'shared', 'stateless', 'hybrid'];
const SECONDS = 60;
const RATE = 400;

/** mulberry32: a tiny seeded PRNG, so the fixture is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/** The faults each mode suffers, in seconds. */
function faultsOf(mode: Mode): FaultEvent[] {
  const f = (kind: FaultEvent['kind'], start: number, end: number, target?: string): FaultEvent => ({
    mode,
    kind,
    ...(target ? { target } : {}),
    startMs: start * 1000,
    endMs: end * 1000,
  });
  const common = [f('kill', 18, 21, 'i2'), f('add-instance', 30, 32, 'i4'), f('roll', 40, 49)];
  if (mode === 'stateless') return common;
  if (mode === 'shared') return [...common.slice(0, 2), f('store-restart', 35, 36.5, 'sqlite'), common[2]!];
  return [...common, f('logout-everywhere', 53, 53.3)];
}

/** Per-mode shape of the series: baseline latency and how hard each fault hits. */
const SHAPE: Record<
  Mode,
  { p50: number; p99: number; killErrors: number; afterKill: number; rollErrors: number }
> = {
  sticky: { p50: 1.2, p99: 4, killErrors: 14, afterKill: 4, rollErrors: 7 },
  shared: { p50: 2, p99: 6.5, killErrors: 3, afterKill: 0, rollErrors: 1 },
  stateless: { p50: 1.5, p99: 5, killErrors: 2.5, afterKill: 0, rollErrors: 1 },
  hybrid: { p50: 1.7, p99: 5.5, killErrors: 3, afterKill: 0, rollErrors: 1 },
};

function seriesOf(mode: Mode, faults: FaultEvent[], rnd: () => number): TimePoint[] {
  const s = SHAPE[mode];
  const inFault = (t: number, kind: FaultEvent['kind']) =>
    faults.some((f) => f.kind === kind && t + 1 > f.startMs / 1000 && t < f.endMs / 1000);
  const points: TimePoint[] = [];
  for (let t = 0; t < SECONDS; t++) {
    const warm = t < 5 ? 0.6 + 0.08 * t : 1;
    let errors = rnd() < 0.1 ? 1 : 0;
    let p50 = s.p50 * (0.92 + 0.16 * rnd()) * (t < 5 ? 1.4 : 1);
    let p99 = s.p99 * (0.85 + 0.3 * rnd()) * (t < 5 ? 1.8 : 1);
    if (inFault(t, 'kill')) {
      errors += Math.round(s.killErrors * (0.7 + 0.6 * rnd()));
      p99 = 180 + 120 * rnd();
      p50 *= 1.6;
    } else if (t >= 21 && t < 30) errors += Math.round(s.afterKill * rnd() * 2);
    if (inFault(t, 'roll')) {
      errors += Math.round(s.rollErrors * (0.5 + rnd()));
      p99 *= 6;
      p50 *= 1.3;
    }
    if (inFault(t, 'store-restart')) {
      errors += 6;
      p99 = 90;
    }
    if (inFault(t, 'add-instance')) p99 *= 1.5;
    const rps = Math.max(0, RATE * warm * (0.97 + 0.06 * rnd()) - errors);
    points.push({ t, rps: round(rps, 1), errors, p50: round(p50), p99: round(p99) });
  }
  return points;
}

function latencyOf(points: TimePoint[], factor = 1): Latency {
  const p50 = points.reduce((a, p) => a + p.p50, 0) / points.length;
  const p99 = Math.max(...points.map((p) => p.p99));
  return {
    p50: round(p50 * factor),
    p90: round(p50 * 1.8 * factor),
    p99: round(p99 * factor),
    p999: round(p99 * 1.6 * factor),
    max: round(p99 * 2.2 * factor),
    mean: round(p50 * 1.2 * factor),
  };
}

function phase(
  name: string,
  kind: PhaseMetrics['kind'],
  from: number,
  to: number,
  pts: TimePoint[],
): PhaseMetrics {
  const inside = pts.filter((p) => p.t >= from && p.t < to);
  const requests = Math.round(inside.reduce((a, p) => a + p.rps + p.errors, 0));
  const failed = inside.reduce((a, p) => a + p.errors, 0);
  const errors: Record<string, number> =
    failed > 0 ? { http_503: Math.ceil(failed * 0.6), reset: Math.floor(failed * 0.4) } : {};
  return {
    name,
    kind,
    startMs: from * 1000,
    endMs: to * 1000,
    requests,
    errors,
    errorRate: requests > 0 ? round(failed / requests, 5) : 0,
    throughput: round(requests / (to - from), 1),
    latency: latencyOf(inside),
    // A closed loop would stop sending while the server stalls: the tail looks far better.
    latencyUncorrected: { ...latencyOf(inside, 0.9), p99: round(latencyOf(inside).p99 * 0.35) },
    ...(kind === 'recovery' ? { recoveryMs: 1200 } : {}),
  };
}

function modeReport(mode: Mode, rnd: () => number): ModeReport {
  const faults = faultsOf(mode);
  const series = seriesOf(mode, faults, rnd);
  const store = mode === 'sticky' ? 'memory' : mode === 'stateless' ? 'none' : 'sqlite';
  const metrics = { ...BASE[mode] };
  const notes: Record<string, string> = {};
  if (mode === 'stateless') notes.revocation_delay_ms = 'never before expiry';
  if (mode === 'sticky' || mode === 'stateless') {
    notes.store_bytes_per_1k_sessions =
      mode === 'sticky'
        ? 'sessions live in instance memory (counted in RSS)'
        : 'no store: the session is in the token';
  }
  const skew = metrics.load_skew_after_join ?? 0;
  const phases = [
    phase('warm-up', 'warmup', 0, 5, series),
    phase('baseline', 'baseline', 5, 18, series),
    phase('kill i2', 'fault', 18, 21, series),
    phase('recovery', 'recovery', 21, 30, series),
    phase('join i4', 'probe', 30, 40, series),
    phase('rolling restart', 'fault', 40, 49, series),
    phase('revocation', 'probe', 49, 60, series),
  ];
  // The speed figures come from the baseline phase, as the orchestrator takes them.
  const baseline = phases[1]!;
  metrics.p50_ms = baseline.latency.p50;
  metrics.p99_ms = baseline.latency.p99;
  metrics.throughput_rps = baseline.throughput;
  return {
    mode,
    store,
    balancer: mode === 'sticky' ? 'sticky-cookie' : 'round-robin',
    instances: 3,
    connectionPolicy: 'new-connection-per-user',
    phases,
    series,
    faults,
    generator: {
      targetRate: RATE,
      achievedRate: round(RATE * (0.985 + 0.01 * rnd()), 1),
      dropped: 0,
      cpuPercent: round(35 + 10 * rnd(), 1),
      eventLoopDelayP99Ms: round(8 + 6 * rnd(), 1),
    },
    loadShare: { i1: round(0.25 + skew * 0.25, 4), i2: 0.25, i3: 0.25, i4: round(0.25 - skew * 0.25, 4) },
    metrics,
    notes,
  };
}

/** Options of the fixture. */
export interface FixtureOptions {
  /** False makes an INVALID run (a saturated generator); every verdict is then inconclusive. */
  valid?: boolean;
  seed?: number;
}

/**
 * A realistic report.
 *
 * @example
 * const report = makeReport(); // valid, seed 42
 */
export function makeReport(opts: FixtureOptions = {}): LabReport {
  const seed = opts.seed ?? 42;
  const valid = opts.valid ?? true;
  const rnd = prng(seed);
  const modes = MODES.map((m) => modeReport(m, rnd));
  if (!valid) {
    const s = modes[2]!;
    s.generator = {
      targetRate: RATE,
      achievedRate: 310,
      dropped: 1_214,
      cpuPercent: 99.2,
      eventLoopDelayP99Ms: 184,
    };
  }
  const invalidReasons = valid
    ? []
    : ['stateless: generator achieved 310 of 400 req/s', 'stateless: generator event-loop delay p99 184 ms'];
  const report: LabReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: {
      name: 'statecraft',
      version: '0.1.0',
      node: 'v20.20.2',
      packages: { statecraft: '0.1.0', undici: '7.30.2' },
    },
    machine: { cpus: 2, model: 'Intel(R) Xeon(R) CPU @ 2.20GHz', memoryGiB: 24, platform: 'linux x64' },
    startedAt: '2025-11-25T14:27:03.512Z',
    durationMs: 4 * SECONDS * 1000 + 9_400,
    config: {
      modes: MODES,
      instances: 3,
      balancer: 'builtin',
      store: 'sqlite',
      rate: RATE,
      phaseSeconds: 10,
      warmupSeconds: 5,
      users: 200,
      seed,
      model: 'open',
      app: null,
    },
    seed,
    scheduleHash: '3f2a9c1d7b4e8f60a5d2c3b1e9f8a7d6c5b4a39281706f5e4d3c2b1a09f8e7d6',
    valid,
    invalidReasons,
    modes,
    claims: [],
  };
  report.claims = evaluateClaims(report);
  return report;
}
