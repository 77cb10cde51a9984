/**
 * Hand-chosen figures for the claim rule tests: a plausible run of all four modes, which each
 * test changes in the few places that decide its case, and a builder of `ModeReport`s from it.
 */
import type { MetricName } from '../../../src/lab/claims/metrics.js';
import type { Mode, ModeReport } from '../../../src/lab/model.js';

export type Figures = Record<MetricName, number | null>;
export type Overrides = Partial<Record<Mode, Partial<Figures>>>;

/**
 * C13 in every mode alike: with lazy sessions the anonymous catalogue views (17% of GETs) may be
 * shared, with eager ones none; no user's response is storable; nginx was not measured.
 */
const CACHING = {
  get_responses: 1200,
  get_shareable_responses: 204,
  get_shareable_share: 0.17,
  anonymous_get_responses: 204,
  anonymous_shareable_share: 1,
  authenticated_get_responses: 996,
  authenticated_storable_responses: 0,
  eager_get_shareable_share: 0,
  eager_anonymous_shareable_share: 0,
  eager_authenticated_storable_responses: 0,
  proxy_cache_catalogue_requests: null,
  proxy_cache_origin_requests: null,
} as const;

/**
 * Figures of a plausible run: sticky loses state on a kill, stateless loses concurrent items, and
 * with lazy sessions the anonymous catalogue is cacheable in every mode, with eager ones in none…
 */
export const BASE: Record<Mode, Figures> = {
  sticky: {
    wrong_user_responses: 0,
    sessions_lost_after_kill: 12,
    cart_items_lost_after_kill: 30,
    failed_requests_during_kill: 40,
    failed_requests_after_kill: 35,
    failed_share_during_kill: 0.05,
    rss_mb_per_1k_sessions: 2.4,
    store_bytes_per_1k_sessions: null,
    request_bytes_per_req: 420,
    response_bytes_per_req: 210,
    credential_bytes: 44,
    p50_ms: 1.2,
    p99_ms: 4,
    throughput_rps: 500,
    session_loss_share_round_robin: 0.66,
    throughput_1_instance: 900,
    throughput_n_instances: 1700,
    scaling_ratio: 1.89,
    store_ops_per_request: 0,
    load_skew_after_join: 0.9,
    revocation_delay_ms: 3,
    concurrent_items_lost: 0,
    concurrent_items_sent: 50,
    failed_requests_during_roll: 60,
    sessions_lost_during_roll: 120,
    duplicate_checkouts_with_key: 0,
    duplicate_checkouts_without_key: 3,
    ...CACHING,
  },
  shared: {
    wrong_user_responses: 0,
    sessions_lost_after_kill: 0,
    cart_items_lost_after_kill: 0,
    failed_requests_during_kill: 8,
    failed_requests_after_kill: 0,
    failed_share_during_kill: 0.01,
    rss_mb_per_1k_sessions: 0.3,
    store_bytes_per_1k_sessions: 250_000,
    request_bytes_per_req: 420,
    response_bytes_per_req: 210,
    credential_bytes: 44,
    p50_ms: 2,
    p99_ms: 6.5,
    throughput_rps: 500,
    session_loss_share_round_robin: 0,
    throughput_1_instance: 800,
    throughput_n_instances: 1400,
    scaling_ratio: 1.75,
    store_ops_per_request: 2.1,
    load_skew_after_join: 0.05,
    revocation_delay_ms: 4,
    concurrent_items_lost: 0,
    concurrent_items_sent: 50,
    failed_requests_during_roll: 6,
    sessions_lost_during_roll: 0,
    duplicate_checkouts_with_key: 0,
    duplicate_checkouts_without_key: 3,
    ...CACHING,
  },
  stateless: {
    wrong_user_responses: 0,
    sessions_lost_after_kill: 0,
    cart_items_lost_after_kill: 0,
    failed_requests_during_kill: 7,
    failed_requests_after_kill: 0,
    failed_share_during_kill: 0.009,
    rss_mb_per_1k_sessions: 0.1,
    store_bytes_per_1k_sessions: null,
    request_bytes_per_req: 780,
    response_bytes_per_req: 560,
    credential_bytes: 400,
    p50_ms: 1.5,
    p99_ms: 5,
    throughput_rps: 500,
    session_loss_share_round_robin: 0,
    throughput_1_instance: 950,
    throughput_n_instances: 1800,
    scaling_ratio: 1.89,
    store_ops_per_request: 0,
    load_skew_after_join: 0.04,
    revocation_delay_ms: null,
    concurrent_items_lost: 31,
    concurrent_items_sent: 50,
    failed_requests_during_roll: 5,
    sessions_lost_during_roll: 0,
    duplicate_checkouts_with_key: 0,
    duplicate_checkouts_without_key: 3,
    ...CACHING,
  },
  hybrid: {
    wrong_user_responses: 0,
    sessions_lost_after_kill: 0,
    cart_items_lost_after_kill: 0,
    failed_requests_during_kill: 8,
    failed_requests_after_kill: 0,
    failed_share_during_kill: 0.01,
    rss_mb_per_1k_sessions: 0.2,
    store_bytes_per_1k_sessions: 200_000,
    request_bytes_per_req: 700,
    response_bytes_per_req: 480,
    credential_bytes: 360,
    p50_ms: 1.7,
    p99_ms: 5.5,
    throughput_rps: 500,
    session_loss_share_round_robin: 0,
    throughput_1_instance: 900,
    throughput_n_instances: 1650,
    scaling_ratio: 1.83,
    store_ops_per_request: 0.3,
    load_skew_after_join: 0.05,
    revocation_delay_ms: 250,
    concurrent_items_lost: 0,
    concurrent_items_sent: 50,
    failed_requests_during_roll: 6,
    sessions_lost_during_roll: 0,
    duplicate_checkouts_with_key: 0,
    duplicate_checkouts_without_key: 3,
    ...CACHING,
  },
};

const BASE_NOTES: Partial<Record<Mode, Record<string, string>>> = {
  stateless: { revocation_delay_ms: 'never before expiry' },
};

/** One mode's report with the given figures (and nothing else that a rule reads). */
export function modeReport(
  mode: Mode,
  metrics: Partial<Figures>,
  notes: Record<string, string> = {},
): ModeReport {
  return {
    mode,
    store: mode === 'sticky' ? 'memory' : mode === 'stateless' ? 'none' : 'sqlite',
    balancer: mode === 'sticky' ? 'sticky-cookie' : 'round-robin',
    instances: 3,
    connectionPolicy: 'new-connection-per-user',
    phases: [],
    series: [],
    faults: [],
    generator: { targetRate: 500, achievedRate: 500, dropped: 0, cpuPercent: 40, eventLoopDelayP99Ms: 12 },
    loadShare: { i1: 1 / 3, i2: 1 / 3, i3: 1 / 3 },
    metrics,
    notes,
  };
}

/**
 * The base run with `overrides` applied, limited to `only` modes when given. A note for a mode
 * replaces its base notes.
 */
export function run(
  overrides: Overrides = {},
  opts: { only?: readonly Mode[]; notes?: Partial<Record<Mode, Record<string, string>>> } = {},
): ModeReport[] {
  const modes = opts.only ?? (['sticky', 'shared', 'stateless', 'hybrid'] as const);
  return modes.map((m) =>
    modeReport(m, { ...BASE[m], ...overrides[m] }, opts.notes?.[m] ?? BASE_NOTES[m] ?? {}),
  );
}

/** The run without `metric` in `mode`'s metrics. */
export function without(mode: Mode, metric: MetricName): ModeReport[] {
  return run().map((m) => {
    if (m.mode !== mode) return m;
    const metrics = { ...m.metrics };
    delete metrics[metric];
    return { ...m, metrics };
  });
}
