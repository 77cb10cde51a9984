/**
 * The catalogue of `ModeReport.metrics` names: every figure a claim rule may read, with its
 * unit and meaning. The orchestrator fills one value per name for every mode (null, with a
 * reason in `notes[name]`, when the mode cannot produce it); the rules read them only through
 * `claims/reader.ts`, which refuses a name the run did not produce. The JSON Schema of
 * report.json documents the same names from this table.
 */

/** What one metric means. */
export interface MetricSpec {
  /** Unit of the value, e.g. `ms`, `requests`, `share (0–1)`. */
  unit: string;
  /** One sentence: what is counted, when, and how. */
  meaning: string;
  /** Ids of the claims whose rules read it. */
  claims: readonly string[];
}

/**
 * Every metric the claim rules use, by name.
 *
 * @example
 * METRICS.p99_ms.unit // 'ms'
 */
export const METRICS = {
  wrong_user_responses: {
    unit: 'responses',
    meaning:
      "Responses over the whole run that carried another user's session data (a session mix-up); anything above zero breaks integrity.",
    claims: ['C9', 'C11'],
  },
  sessions_lost_after_kill: {
    unit: 'users',
    meaning:
      'Users who had to log in again after one instance was killed with SIGKILL mid-run (their credential was refused afterwards).',
    claims: ['C1', 'C11'],
  },
  cart_items_lost_after_kill: {
    unit: 'items',
    meaning:
      'Cart items acknowledged before the SIGKILL that were missing from the cart afterwards, over all users.',
    claims: ['C1', 'C11'],
  },
  failed_requests_during_kill: {
    unit: 'requests',
    meaning:
      'Requests that failed (non-2xx/3xx, reset, timeout, dropped) during the kill phase, from the SIGKILL until the balancer stopped routing to the dead instance.',
    claims: ['C2'],
  },
  failed_requests_after_kill: {
    unit: 'requests',
    meaning:
      'Requests that failed in the phase after the kill phase, when only the surviving instances serve: failures caused by lost state, not by the crash itself.',
    claims: ['C2'],
  },
  failed_share_during_kill: {
    unit: 'share (0–1)',
    meaning: 'failed_requests_during_kill divided by the requests sent during the kill phase.',
    claims: ['C2'],
  },
  rss_mb_per_1k_sessions: {
    unit: 'MB (10^6 bytes)',
    meaning:
      'Growth of the resident set size of all app instances together per 1,000 active sessions (RSS with N sessions minus RSS before logins, scaled to 1,000).',
    claims: ['C3'],
  },
  store_bytes_per_1k_sessions: {
    unit: 'bytes',
    meaning:
      'Bytes a store outside the app instances holds per 1,000 active sessions (database file growth, Redis used_memory growth); null when sessions live in the instances (sticky, counted in RSS) or in the token (stateless).',
    claims: ['C3'],
  },
  request_bytes_per_req: {
    unit: 'bytes',
    meaning:
      'Mean bytes a client sent per request on the wire (request line, headers with the credential, body), over the baseline phase.',
    claims: ['C4'],
  },
  response_bytes_per_req: {
    unit: 'bytes',
    meaning:
      'Mean bytes the server sent back per request (status line, headers with any Set-Cookie, body), over the baseline phase.',
    claims: ['C4'],
  },
  credential_bytes: {
    unit: 'bytes',
    meaning: 'Size of the credential a logged-in client sends (cookie value or bearer token) after login.',
    claims: ['C4'],
  },
  p50_ms: {
    unit: 'ms',
    meaning: 'Median latency of the baseline phase, measured from each request’s intended start.',
    claims: ['C5', 'C11'],
  },
  p99_ms: {
    unit: 'ms',
    meaning: '99th percentile latency of the baseline phase, measured from each request’s intended start.',
    claims: ['C5', 'C11'],
  },
  throughput_rps: {
    unit: 'requests/s',
    meaning: 'Completed requests per second over the baseline phase.',
    claims: ['C5'],
  },
  session_loss_share_round_robin: {
    unit: 'share (0–1)',
    meaning:
      "Share of authenticated requests refused as logged out when the mode's sessions run behind plain round-robin (for sticky: its memory sessions without the sticky cookie).",
    claims: ['C6'],
  },
  throughput_1_instance: {
    unit: 'requests/s',
    meaning:
      'Completed requests per second with one instance in the scaling probe, offered more than one instance can serve.',
    claims: ['C7', 'C11'],
  },
  throughput_n_instances: {
    unit: 'requests/s',
    meaning: 'Completed requests per second with N instances under the same offered load.',
    claims: ['C7', 'C11'],
  },
  scaling_ratio: {
    unit: 'ratio',
    meaning: 'throughput_n_instances divided by throughput_1_instance (N would be perfect scaling).',
    claims: ['C7', 'C11'],
  },
  store_ops_per_request: {
    unit: 'operations',
    meaning:
      'Session store operations (reads, writes, compare-and-sets, deletes, publishes) per request over the baseline phase; 0 when the mode keeps no shared state.',
    claims: ['C7', 'C11'],
  },
  load_skew_after_join: {
    unit: 'ratio',
    meaning:
      'After an instance joins under load: the busiest instance’s share of requests divided by a fair share (1/N), minus 1. 0 is an even spread; 1 means the busiest serves twice its share.',
    claims: ['C7', 'C11'],
  },
  revocation_delay_ms: {
    unit: 'ms',
    meaning:
      'Time from a completed "log out everywhere" until the old credential is refused on every instance; null with the note "never before expiry" when it stays valid until it expires, or "not refused within the probe" when the probe gave up waiting.',
    claims: ['C8', 'C11'],
  },
  concurrent_items_lost: {
    unit: 'items',
    meaning:
      'Cart additions acknowledged with 2xx but missing from the cart, when many additions are sent at once on one session.',
    claims: ['C9', 'C11'],
  },
  concurrent_items_sent: {
    unit: 'items',
    meaning: 'Cart additions sent at once on one session in the same probe (the denominator of the loss).',
    claims: ['C9', 'C11'],
  },
  failed_requests_during_roll: {
    unit: 'requests',
    meaning: 'Requests that failed while every instance was restarted one after another under load.',
    claims: ['C10'],
  },
  sessions_lost_during_roll: {
    unit: 'users',
    meaning: 'Users who had to log in again because of the rolling restart.',
    claims: ['C10'],
  },
  duplicate_checkouts_with_key: {
    unit: 'orders',
    meaning:
      'Extra orders created when the same checkout is replayed carrying the same idempotency key (0 means the replay changed nothing).',
    claims: ['C12'],
  },
  duplicate_checkouts_without_key: {
    unit: 'orders',
    meaning: 'Extra orders created when the same checkout is replayed without an idempotency key.',
    claims: ['C12'],
  },
  get_responses: {
    unit: 'responses',
    meaning:
      'GET answers the load generator received over the whole run (lazy sessions: a session starts at login), catalogue views and logged-in reads together.',
    claims: ['C13'],
  },
  get_shareable_responses: {
    unit: 'responses',
    meaning:
      'Of get_responses, those a shared HTTP cache may store and serve, fresh, to another user, judged by http-cache-semantics as a shared cache (RFC 9111): storable, a freshness lifetime above zero, no Set-Cookie, no Vary on Cookie or Authorization.',
    claims: ['C13'],
  },
  get_shareable_share: {
    unit: 'share (0–1)',
    meaning: 'get_shareable_responses divided by get_responses.',
    claims: ['C13'],
  },
  anonymous_get_responses: {
    unit: 'responses',
    meaning:
      'GET answers to requests that carried no credential (anonymous visitors of the public catalogue).',
    claims: ['C13'],
  },
  anonymous_shareable_share: {
    unit: 'share (0–1)',
    meaning:
      'Share of anonymous_get_responses a shared cache may store and serve to another user (lazy sessions).',
    claims: ['C13'],
  },
  authenticated_get_responses: {
    unit: 'responses',
    meaning: 'GET answers to requests that carried a credential (a session cookie or a bearer token).',
    claims: ['C13'],
  },
  authenticated_storable_responses: {
    unit: 'responses',
    meaning:
      'Of authenticated_get_responses, those a shared cache may store at all (storable()); anything above zero lets a cache keep one user’s answer for others.',
    claims: ['C13'],
  },
  eager_get_shareable_share: {
    unit: 'share (0–1)',
    meaning:
      'get_shareable_share measured with eager sessions: the same traffic for a short probe against an instance that starts a session for every catalogue visitor.',
    claims: ['C13'],
  },
  eager_anonymous_shareable_share: {
    unit: 'share (0–1)',
    meaning: 'anonymous_shareable_share with eager sessions (the same probe).',
    claims: ['C13'],
  },
  eager_authenticated_storable_responses: {
    unit: 'responses',
    meaning: 'authenticated_storable_responses with eager sessions (the same probe).',
    claims: ['C13'],
  },
  proxy_cache_catalogue_requests: {
    unit: 'requests',
    meaning:
      'Anonymous catalogue requests sent through real nginx with a proxy_cache zone for the catalogue, in front of the mode’s instances; null unless the run is behind nginx.',
    claims: ['C13'],
  },
  proxy_cache_origin_requests: {
    unit: 'requests',
    meaning:
      'Of proxy_cache_catalogue_requests, those that still reached an instance, by the instances’ own request counters; null unless the run is behind nginx.',
    claims: ['C13'],
  },
} as const satisfies Record<string, MetricSpec>;

/** A name in the catalogue. */
export type MetricName = keyof typeof METRICS;

/** Every catalogued name, in catalogue order. */
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/** The note a null `revocation_delay_ms` carries when the credential stays valid until it expires. */
export const NEVER_BEFORE_EXPIRY = 'never before expiry';

/**
 * The note a null `revocation_delay_ms` carries when revocation was offered but the old
 * credential was still accepted when the probe gave up (its limit is longer than
 * REVOCATION_PROMPT_MS, so this counts as a late revocation, not as a missing figure).
 */
export const NOT_REFUSED_WITHIN_PROBE = 'not refused within the probe';

/** True when `name` is in the catalogue. */
export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name);
}

/**
 * The catalogued names a mode's metrics lack: the orchestrator can call this before the rules
 * to fail with the whole list at once.
 */
export function missingMetrics(metrics: Record<string, number | null>): MetricName[] {
  return METRIC_NAMES.filter((name) => !Object.hasOwn(metrics, name));
}
